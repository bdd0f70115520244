"""TensorflowSHAC: the SHAC engine that manages TensorFlow 2 for each evaluation.

The search itself is shac-core's; this module chooses how the user's function is
called (eager or PySHAC's graph style) and hands the work around each call to
:class:`~shac_tf.TensorflowHandler`. TensorFlow is not imported here.
"""

from __future__ import annotations

import importlib.util
import inspect
import logging
from typing import TYPE_CHECKING
from typing import Any
from typing import ClassVar
from typing import Literal

from shac_core import ManagedSHAC
from shac_tf._errors import missing_tensorflow
from shac_tf._handler import FUNCTION_STYLES
from shac_tf._handler import FunctionStyle
from shac_tf._handler import TensorflowHandler


if TYPE_CHECKING:
    from collections.abc import Callable
    from collections.abc import Iterable
    from collections.abc import Mapping
    import os

    from shac_core import BaseHyperParameter
    from shac_core import EvaluationHandler
    from shac_core import HyperParameterList


__all__ = ["TensorflowSHAC"]

_logger = logging.getLogger(__name__)

_SIGNATURES = {
    "eager": "fn(worker_id, params)",
    "graph": "fn(session, worker_id, params)",
}


class TensorflowSHAC(ManagedSHAC):
    """SHAC for TensorFlow 2: devices, seeds, threads and clean-up per evaluation.

    Each evaluation runs under ``tf.device`` of its own device (round-robin over the
    GPUs when ``max_gpu_evaluators`` is positive, else the CPU; see
    :func:`shac_tf.current_device`), with Python, NumPy, TensorFlow and Keras seeded
    from the evaluation's seed, and Keras' global state cleared afterwards. GPU
    memory growth and the thread pools are set once per process, before TensorFlow
    starts its runtime there.

    Args:
        parameters: As for :class:`shac_core.SHAC`.
        total_budget: As for :class:`shac_core.SHAC`.
        num_batches: As for :class:`shac_core.SHAC`.
        max_gpu_evaluators: At most this many evaluations at once, one per GPU; 0
            runs on the CPU.
        objective: ``"max"`` or ``"min"``.
        max_classifiers: As for :class:`shac_core.SHAC`.
        max_cpu_evaluators: Evaluations at once on the CPU when
            ``max_gpu_evaluators`` is 0.
        save_dir: As for :class:`shac_core.SHAC`.
        seed: As for :class:`shac_core.SHAC`.
        gpu_count: Override the GPUs each worker sees (for tests); ``None`` asks
            TensorFlow inside the worker.
        function_style: How ``fit`` calls its function: ``"eager"`` for TF2's
            ``fn(worker_id, params)``, ``"graph"`` for PySHAC's
            ``fn(session, worker_id, params)``, which gets a
            ``tf.compat.v1.Session`` on a fresh ``tf.Graph``, closed afterwards.

    Raises:
        ValueError: For an unknown ``function_style``, and as for
            :class:`shac_core.ManagedSHAC`.

    Note:
        Under the ``threading`` policy every evaluation shares one process, so the
        seeds and the thread pools are process-wide: scores are reproducible with
        one evaluator at a time, or with the ``loky`` policy.

    Example:
        >>> import tensorflow as tf
        >>> from shac_core import UniformContinuousHyperParameter
        >>> from shac_tf import TensorflowSHAC
        >>> def train(worker_id, params):
        ...     w = tf.Variable(0.0)
        ...     for _ in range(20):
        ...         with tf.GradientTape() as tape:
        ...             loss = (w - 3.0) ** 2
        ...         w.assign_sub(params["lr"] * tape.gradient(loss, w))
        ...     return float(loss)
        >>> space = [UniformContinuousHyperParameter("lr", 0.01, 0.5)]
        >>> engine = TensorflowSHAC(space, 4, 1, objective="min", save_dir=tmp, seed=0)
        >>> engine.concurrent_evaluators()
        >>> len(engine.fit(train, progress=False))
        4
    """

    engine_name: ClassVar[str] = "tensorflow"

    def __init__(
        self,
        parameters: Iterable[BaseHyperParameter] | HyperParameterList | None,
        total_budget: int | None,
        num_batches: int | None,
        max_gpu_evaluators: int = 0,
        objective: Literal["max", "min"] = "max",
        max_classifiers: int = 18,
        max_cpu_evaluators: int = 1,
        save_dir: str | os.PathLike[str] = "shac",
        seed: int | None = None,
        gpu_count: int | None = None,
        function_style: FunctionStyle = "eager",
    ) -> None:
        self._set_style(function_style)
        super().__init__(
            parameters,
            total_budget,
            num_batches,
            max_gpu_evaluators=max_gpu_evaluators,
            objective=objective,
            max_classifiers=max_classifiers,
            max_cpu_evaluators=max_cpu_evaluators,
            save_dir=save_dir,
            seed=seed,
            gpu_count=gpu_count,
        )

    @property
    def function_style(self) -> FunctionStyle:
        """``"eager"`` or ``"graph"``: how ``fit`` calls its function."""
        return self._function_style

    def _set_style(self, style: Any) -> None:
        if style not in FUNCTION_STYLES:
            msg = (
                f"`function_style` must be one of {FUNCTION_STYLES}, got {style!r}; "
                "use 'eager' for fn(worker_id, params) or 'graph' for PySHAC's "
                "fn(session, worker_id, params)."
            )
            raise ValueError(msg)
        self._function_style: FunctionStyle = style

    def _engine_options(self) -> dict[str, Any]:
        return {**super()._engine_options(), "function_style": self._function_style}

    def _restore_options(self, options: Mapping[str, Any]) -> None:
        super()._restore_options(options)
        self._set_style(options.get("function_style", self._function_style))

    def _handler_class(self) -> type[TensorflowHandler]:
        return TensorflowHandler

    def _make_handler(self, fn: Callable[..., Any]) -> EvaluationHandler:
        _check_signature(fn, self._function_style)
        # Checked here without importing TensorFlow, so that `fit` fails at once
        # rather than once per evaluation; workers check again where they run.
        if importlib.util.find_spec("tensorflow") is None:
            reason = "no `tensorflow` module is installed in this environment"
            raise missing_tensorflow(reason)
        return TensorflowHandler(
            fn,
            self.max_gpu_evaluators,
            self._threads_per_evaluator(),
            self.gpu_count,
            function_style=self._function_style,
        )


def _check_signature(fn: Callable[..., Any], style: FunctionStyle) -> None:
    """Reject a function that cannot take the arguments of ``style``."""
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):  # builtins and some C callables have none
        return

    arity = 3 if style == "graph" else 2
    try:
        signature.bind(*range(arity))
    except TypeError:
        other = "graph" if style == "eager" else "eager"
        msg = (
            f"With function_style={style!r}, `fn` must be callable as "
            f"{_SIGNATURES[style]}, got {getattr(fn, '__name__', fn)!r} with the "
            f"signature {signature}; pass function_style={other!r} if it is "
            f"{_SIGNATURES[other]}."
        )
        raise TypeError(msg) from None
