"""What KerasSHAC does around each evaluation: backend, seeds, device, threads, clean-up.

The shared half (which GPU a worker gets, the evaluation's seed, publishing the
context, collecting garbage) lives in :class:`shac_core.ManagedHandler`; this module
holds the Keras calls, and :mod:`shac_keras._runtime` the backend-specific ones.
Keras is imported inside the methods, in the process that runs the evaluation.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import os
import threading
from typing import TYPE_CHECKING
from typing import Any

from shac_core import ManagedHandler
from shac_core import current_evaluation
from shac_keras._errors import KerasBackendError
from shac_keras._runtime import active_backend
from shac_keras._runtime import begin_evaluation
from shac_keras._runtime import check_backend
from shac_keras._runtime import configure_process
from shac_keras._runtime import count_gpus
from shac_keras._runtime import device_name
from shac_keras._runtime import end_evaluation
from shac_keras._runtime import import_keras
from shac_keras._runtime import limit_threads
from shac_keras._runtime import restore_threads
from shac_keras._runtime import select_backend


if TYPE_CHECKING:
    from collections.abc import Callable
    from types import ModuleType

    from shac_core import EvaluationContext
    from shac_core import ManagedContext


__all__ = ["KerasHandler", "current_device"]

_logger = logging.getLogger(__name__)
# Per worker thread: whether its evaluation was counted, and its previous threads.
_local = threading.local()


def current_device() -> str:
    """Return the device of the evaluation running in this thread, as the backend names it.

    ``"/GPU:<n>"`` or ``"/CPU:0"`` on TensorFlow, ``"cuda:<n>"`` or ``"cpu"`` on
    PyTorch, ``"gpu:<n>"`` or ``"cpu:0"`` on JAX, where ``n`` is the GPU the engine
    gave this worker (round-robin by worker id). KerasSHAC already runs the function
    under ``keras.device`` of this device, so Keras layers and ``keras.ops`` land
    there; pass it on where code of the backend itself needs it, for example
    ``torch.randn(8, device=shac_keras.current_device())``.

    Raises:
        RuntimeError: Outside an evaluation run by a managed engine.
        KerasMissingError: If Keras or its backend cannot be imported.
    """
    gpu = current_evaluation().gpu
    return device_name(active_backend(), gpu)


class KerasHandler(ManagedHandler):
    """Run one evaluation with Keras 3 on the parent's backend.

    Before the user's function runs, it checks that this process' Keras uses the
    parent's backend, seeds Python, NumPy and the backend with
    ``keras.utils.set_random_seed`` and the evaluation's seed, limits the backend's
    CPU threads, and starts from a blank Keras session. The function runs under
    ``keras.device`` of :func:`current_device`. Afterwards, also when the function
    raised, it calls ``keras.backend.clear_session()`` and collects garbage.

    Pickled to a worker process, the handler makes Keras load the parent's backend
    there before anything else it carries (the user's function) is unpickled,
    whatever ``KERAS_BACKEND`` the worker inherited.

    Args:
        fn: The user's function, ``fn(worker_id, params) -> float``.
        max_gpu_evaluators: GPUs to use; 0 means CPU only.
        threads: CPU threads each evaluation may use.
        gpu_count: The GPUs a worker sees; ``None`` asks the backend in the worker.
        backend: The Keras backend to run; ``None`` takes this process' (which
            imports Keras here).

    Raises:
        KerasBackendError: For a backend other than tensorflow, torch or jax.
    """

    def __init__(
        self,
        fn: Callable[..., Any],
        max_gpu_evaluators: int,
        threads: int,
        gpu_count: int | None = None,
        backend: str | None = None,
    ) -> None:
        super().__init__(fn, max_gpu_evaluators, threads, gpu_count)
        self.backend = check_backend(backend) if backend else active_backend()
        # Evaluations in the process that built the handler share its thread pools.
        self._home_pid = os.getpid()

    def count_gpus(self) -> int:
        """Return the GPUs the backend sees in this worker."""
        return count_gpus(self.backend)

    def setup(self, context: EvaluationContext) -> None:
        """Check the backend, apply the process settings, then prepare the evaluation."""
        keras = import_keras()
        running: str = keras.backend.backend()
        if running != self.backend:
            msg = (
                f"Keras in process {os.getpid()} runs the {running!r} backend, but the "
                f"engine's process uses {self.backend!r}; Keras was imported there "
                "before shac could choose. Set KERAS_BACKEND to the same backend "
                "everywhere, or restart the workers (for loky: "
                "`loky.get_reusable_executor(kill_workers=True)`)."
            )
            raise KerasBackendError(msg)

        sharing = context.num_workers if os.getpid() == self._home_pid else 1
        intra_op = max(1, min(os.cpu_count() or 1, self.threads * sharing))
        configure_process(self.backend, intra_op=intra_op, inter_op=max(2, sharing))
        super().setup(context)

    def prepare(self, context: ManagedContext) -> None:
        """Limit threads, start a blank session if alone, and seed everything."""
        keras = import_keras()
        _local.threads = limit_threads(self.backend, context.threads)
        begin_evaluation(keras, self.backend)
        _local.counted = True
        keras.utils.set_random_seed(context.seed)
        if context.gpu is not None and self.backend == "torch":
            _select_cuda(context.gpu)

    def call(self, context: EvaluationContext) -> Any:
        """Call the function on the evaluation's device; a scalar tensor becomes a float."""
        keras = import_keras()
        device = current_device()
        _logger.debug("Evaluation %d runs on %s.", context.id, device)
        with contextlib.ExitStack() as scopes:
            scopes.enter_context(keras.device(device))
            if self.backend == "torch":
                # Also for tensors the function makes with PyTorch itself.
                scopes.enter_context(importlib.import_module("torch").device(device))
            value = self.fn(context.worker_id, context.params)

        if keras.ops.is_tensor(value) and tuple(value.shape) in ((), (1,)):
            # A one-element tensor of any backend, possibly on a GPU, as a float.
            value = float(keras.ops.reshape(value, ()))
        return value

    def cleanup(self, context: ManagedContext) -> None:
        """Clear Keras' session once no other evaluation of this process runs."""
        keras = import_keras()
        if getattr(_local, "counted", False):
            _local.counted = False
            if not end_evaluation(keras, self.backend):
                _logger.debug(
                    "Evaluation %d done; Keras' session is cleared when the others "
                    "running in this process finish.",
                    context.evaluation_id,
                )
        restore_threads(self.backend, getattr(_local, "threads", None))
        _local.threads = None
        if context.gpu is not None and self.backend == "torch":
            torch = importlib.import_module("torch")
            if torch.cuda.is_available():
                torch.cuda.empty_cache()

    def __reduce__(self) -> tuple[Any, ...]:
        # The backend switch comes first in the arguments, so it runs in the worker
        # before the state, whose function may import Keras, is unpickled.
        return (
            _restore,
            (_BackendSwitch(self.backend), type(self), self.__getstate__()),
        )


class _BackendSwitch:
    """Unpickles as a call of :func:`select_backend`, returning the backend's name."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __reduce__(self) -> tuple[Any, ...]:
        return (select_backend, (self.name,))


def _restore(
    backend: str, cls: type[KerasHandler], state: dict[str, Any]
) -> KerasHandler:
    handler = cls.__new__(cls)
    handler.__dict__.update(state)
    handler.backend = backend
    return handler


def _select_cuda(gpu: int) -> None:
    torch: ModuleType = importlib.import_module("torch")
    if gpu < torch.cuda.device_count():
        torch.cuda.set_device(gpu)  # per thread, so a bare "cuda" means this GPU
        return
    # Only an injected `gpu_count` gets here: tests on machines without GPUs.
    _logger.debug("GPU %d is not visible in this worker; not selecting it.", gpu)
