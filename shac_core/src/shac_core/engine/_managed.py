"""The shared half of managed backends: devices, seeds, thread limits, clean-up.

TensorflowSHAC, KerasSHAC and TorchSHAC live in their own distributions; what they
have in common lives here so that each plugin holds only its framework's calls.
A managed engine runs at most one evaluation per GPU (or ``max_cpu_evaluators`` on
the CPU), tells each evaluation which device is its own, seeds it, caps its
threads, and cleans up after it even when the user's function raises.
"""

from __future__ import annotations

import contextvars
from dataclasses import dataclass
import gc
import logging
import os
import threading
from typing import TYPE_CHECKING
from typing import Any
from typing import Literal

from shac_core._validation import check_int
from shac_core._validation import check_optional_int
from shac_core.engine._engine import SHAC
from shac_core.engine._engine import _require_two_arguments
from shac_core.engine._evaluation import EvaluationContext
from shac_core.engine._evaluation import EvaluationHandler


if TYPE_CHECKING:
    from collections.abc import Callable
    from collections.abc import Iterable
    from collections.abc import Mapping

    from shac_core.space import BaseHyperParameter
    from shac_core.space import HyperParameterList


__all__ = [
    "ManagedContext",
    "ManagedHandler",
    "ManagedSHAC",
    "assign_gpu",
    "current_evaluation",
]

_logger = logging.getLogger(__name__)
_CURRENT: contextvars.ContextVar[ManagedContext | None] = contextvars.ContextVar(
    "shac_current_evaluation", default=None
)


@dataclass(frozen=True)
class ManagedContext:
    """What a managed backend tells the evaluation running in this thread.

    Attributes:
        worker_id: The evaluation's worker slot.
        gpu: The index of its GPU, or ``None`` on the CPU.
        seed: Its own seed, already applied to the framework.
        threads: The CPU threads it may use.
        evaluation_id: Its position in the run.
    """

    worker_id: int
    gpu: int | None
    seed: int
    threads: int
    evaluation_id: int


def current_evaluation() -> ManagedContext:
    """Return the managed context of the evaluation running in this thread.

    Raises:
        RuntimeError: Outside an evaluation run by a managed backend.
    """
    context = _CURRENT.get()
    if context is None:
        msg = (
            "No managed evaluation is running in this thread; call this from inside "
            "the function passed to a managed engine's `fit`."
        )
        raise RuntimeError(msg)
    return context


def assign_gpu(worker_id: int, gpu_count: int, max_gpu_evaluators: int) -> int | None:
    """Return the GPU of a worker: round-robin over the GPUs, or ``None`` for the CPU.

    Args:
        worker_id: The worker slot.
        gpu_count: The GPUs visible to the worker.
        max_gpu_evaluators: The engine's setting; 0 means CPU only.
    """
    usable = min(gpu_count, max_gpu_evaluators)
    if usable <= 0:
        return None
    return worker_id % usable


class ManagedHandler(EvaluationHandler):
    """Handler of managed backends; a framework plugin fills in the hooks.

    Args:
        fn: The user's function.
        max_gpu_evaluators: GPUs to use; 0 means CPU only.
        threads: CPU threads each evaluation may use.
        gpu_count: The GPUs a worker sees; ``None`` asks :meth:`count_gpus` in the
            worker, so the parent never initialises a GPU runtime. Tests inject it.
    """

    def __init__(
        self,
        fn: Callable[..., Any],
        max_gpu_evaluators: int,
        threads: int,
        gpu_count: int | None = None,
    ) -> None:
        super().__init__(fn)
        self.max_gpu_evaluators = max_gpu_evaluators
        self.threads = threads
        self.gpu_count = gpu_count
        # One token per thread: the threading policy shares this handler between
        # threads, and a token can only be reset in the context that made it.
        self._tokens: dict[int, contextvars.Token[ManagedContext | None]] = {}

    def count_gpus(self) -> int:
        """Return the GPUs the framework sees in this worker; default none."""
        return 0

    def prepare(self, context: ManagedContext) -> None:
        """Apply device, seed and thread limits for one evaluation (framework hook)."""

    def cleanup(self, context: ManagedContext) -> None:
        """Free the framework's state after one evaluation (framework hook)."""

    def setup(self, context: EvaluationContext) -> None:
        """Build the managed context, publish it and let the framework prepare."""
        gpus = self.gpu_count if self.gpu_count is not None else self.count_gpus()
        managed = ManagedContext(
            worker_id=context.worker_id,
            gpu=assign_gpu(context.worker_id, gpus, self.max_gpu_evaluators),
            seed=context.seed,
            threads=self.threads,
            evaluation_id=context.id,
        )
        self._tokens[threading.get_ident()] = _CURRENT.set(managed)
        self.prepare(managed)

    def teardown(self, context: EvaluationContext) -> None:
        """Let the framework clean up, collect garbage, and unpublish the context."""
        managed = _CURRENT.get()
        try:
            if managed is not None:
                self.cleanup(managed)
        finally:
            gc.collect()
            token = self._tokens.pop(threading.get_ident(), None)
            if token is not None:
                _CURRENT.reset(token)

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_tokens"] = {}  # context tokens belong to one thread
        return state


class ManagedSHAC(SHAC):
    """Base class of engines that manage a framework for each evaluation.

    Args:
        parameters: As for :class:`~shac_core.SHAC`.
        total_budget: As for :class:`~shac_core.SHAC`.
        num_batches: As for :class:`~shac_core.SHAC`.
        max_gpu_evaluators: At most this many evaluations at once, one per GPU; 0
            runs on the CPU.
        objective: As for :class:`~shac_core.SHAC`.
        max_classifiers: As for :class:`~shac_core.SHAC`.
        max_cpu_evaluators: Evaluations at once on the CPU when
            ``max_gpu_evaluators`` is 0.
        save_dir: As for :class:`~shac_core.SHAC`.
        seed: As for :class:`~shac_core.SHAC`.
        gpu_count: Override the GPUs each worker sees (for tests); ``None`` asks
            the framework inside the worker.
    """

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
    ) -> None:
        super().__init__(
            parameters,
            total_budget,
            num_batches,
            objective=objective,
            max_classifiers=max_classifiers,
            save_dir=save_dir,
            seed=seed,
        )
        self._set_devices(max_gpu_evaluators, max_cpu_evaluators, gpu_count)

    def _set_devices(
        self, max_gpu_evaluators: Any, max_cpu_evaluators: Any, gpu_count: Any
    ) -> None:
        check_int("max_gpu_evaluators", max_gpu_evaluators, 0)
        check_int("max_cpu_evaluators", max_cpu_evaluators, 1)
        check_optional_int("gpu_count", gpu_count, 0)

        self.max_gpu_evaluators = max_gpu_evaluators
        self.max_cpu_evaluators = max_cpu_evaluators
        self.gpu_count = gpu_count
        self.num_parallel_evaluators = max_gpu_evaluators or max_cpu_evaluators

    def _threads_per_evaluator(self) -> int:
        return max(1, (os.cpu_count() or 1) // max(1, self.num_parallel_evaluators))

    def _engine_options(self) -> dict[str, Any]:
        return {
            "max_gpu_evaluators": self.max_gpu_evaluators,
            "max_cpu_evaluators": self.max_cpu_evaluators,
        }

    def _restore_options(self, options: Mapping[str, Any]) -> None:
        self._set_devices(
            options.get("max_gpu_evaluators", self.max_gpu_evaluators),
            options.get("max_cpu_evaluators", self.max_cpu_evaluators),
            self.gpu_count,
        )

    def _handler_class(self) -> type[ManagedHandler]:
        """Return the framework's handler class; plugins override."""
        return ManagedHandler

    def _make_handler(self, fn: Callable[..., Any]) -> EvaluationHandler:
        _require_two_arguments(fn)
        return self._handler_class()(
            fn, self.max_gpu_evaluators, self._threads_per_evaluator(), self.gpu_count
        )
