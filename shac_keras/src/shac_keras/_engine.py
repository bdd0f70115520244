"""KerasSHAC: the SHAC engine with Keras 3 managed for each evaluation."""

from __future__ import annotations

import inspect
import logging
from typing import TYPE_CHECKING
from typing import Any
from typing import ClassVar

from shac_core import ManagedSHAC
from shac_keras._handler import KerasHandler
from shac_keras._runtime import active_backend


if TYPE_CHECKING:
    from collections.abc import Callable

    from shac_core import EvaluationHandler


__all__ = ["KerasSHAC"]

_logger = logging.getLogger(__name__)


class KerasSHAC(ManagedSHAC):
    """SHAC for Keras 3 models, on the TensorFlow, PyTorch or JAX backend.

    The user's function, ``fn(worker_id, params) -> float``, builds a fresh model
    for every evaluation. Before each evaluation the engine seeds Python, NumPy and
    the backend with ``keras.utils.set_random_seed`` and the evaluation's own seed,
    caps the backend's CPU threads and runs the function under ``keras.device`` of
    the worker's device (:func:`~shac_keras.current_device`). Afterwards, also when
    the function raised, it calls ``keras.backend.clear_session()`` and collects
    garbage, so layer names do not drift (``dense``, not ``dense_57``) and memory
    does not grow from one evaluation to the next.

    The backend is the one Keras uses in the process that calls :meth:`fit` (set by
    ``KERAS_BACKEND`` or Keras' config file); worker processes use the same one,
    whatever their environment says.

    Args:
        parameters: The search space, as for :class:`shac_core.SHAC`.
        total_budget: N, the number of evaluations.
        num_batches: M, the number of epochs; N must be divisible by M.
        max_gpu_evaluators: At most this many evaluations at once, one per GPU,
            GPUs given round-robin by worker id; 0 (the default) runs on the CPU.
        objective: ``"max"`` or ``"min"``.
        max_classifiers: The most classifiers trained.
        max_cpu_evaluators: Evaluations at once when ``max_gpu_evaluators`` is 0;
            each gets ``cores // evaluators`` CPU threads.
        save_dir: Where the search is saved as it runs.
        seed: Fixes every proposal and every evaluation's seed.
        gpu_count: The GPUs each worker is told it sees; ``None`` (the default) asks
            the backend inside the worker. For tests.

    Note:
        Keras keeps its global state per process, and ``clear_session`` resets it
        for every thread. With several evaluations at once in threads of one
        process, the session is therefore cleared when the last of them ends, and
        they share the process' random generators, so their results are not
        reproducible. The default ``loky`` policy runs each evaluation alone in its
        process and has neither limitation. ``clear_session`` also drops settings
        made with ``keras.config`` (a dtype policy, a distribution): make them
        inside the function.

    Example:
        >>> import shac_core, shac_keras
        >>> space = [shac_core.DiscreteHyperParameter("units", [4, 8])]
        >>> def evaluate(worker_id, params):
        ...     import keras
        ...
        ...     layer = keras.layers.Dense(params["units"])
        ...     model = keras.Sequential([keras.Input((3,)), layer])
        ...     return float(model.count_params())
        >>> engine = shac_keras.KerasSHAC(space, 4, 2, save_dir=tmp, seed=0)
        >>> engine.concurrent_evaluators()
        >>> history = engine.fit(evaluate, progress=False)
        >>> sorted({record.score for record in engine.dataset} - {16.0, 32.0})
        []
    """

    #: The name this engine is registered under.
    engine_name: ClassVar[str] = "keras"

    def _make_handler(self, fn: Callable[..., Any]) -> EvaluationHandler:
        # Checked in this process, before anything is written to `save_dir`.
        _reject_session_argument(fn)
        active_backend()  # a missing or unusable Keras fails here, not in a worker
        return super()._make_handler(fn)

    def _handler_class(self) -> type[KerasHandler]:
        return KerasHandler


def _reject_session_argument(fn: Callable[..., Any]) -> None:
    """Raise if ``fn`` needs PySHAC's three arguments rather than two."""
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):  # builtins and the like: let the call tell
        return

    try:
        signature.bind(0, {})
    except TypeError:
        try:
            signature.bind(None, 0, {})
        except TypeError:
            return
        msg = (
            "KerasSHAC calls `fn(worker_id, params)`, but the function needs three "
            "arguments, like PySHAC's `fn(session, worker_id, params)`; drop the "
            "`session` argument (Keras 3 has no sessions; ask "
            "`shac_keras.current_device()` for the device)."
        )
        raise TypeError(msg) from None
