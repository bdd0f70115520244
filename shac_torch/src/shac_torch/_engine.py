"""TorchSHAC: the SHAC engine with PyTorch managed for each evaluation."""

from __future__ import annotations

import logging
from typing import ClassVar

from shac_core import ManagedSHAC
from shac_torch._handler import TorchHandler


__all__ = ["TorchSHAC"]

_logger = logging.getLogger(__name__)


class TorchSHAC(ManagedSHAC):
    """SHAC for PyTorch models: one evaluation per GPU, seeded and cleaned up.

    The user's function keeps PySHAC's signature ``fn(worker_id, params) ->
    float`` and asks :func:`~shac_torch.current_device` for its device. Before
    each evaluation the engine seeds :mod:`random`, NumPy and PyTorch from the
    evaluation's seed and caps PyTorch's CPU threads; afterwards it collects
    garbage and empties the CUDA cache, also when the function raised. PyTorch is
    imported only in the workers that run evaluations.

    Args:
        parameters: The search space, as for :class:`shac_core.SHAC`.
        total_budget: N, the number of evaluations.
        num_batches: M, the number of epochs; N must be divisible by M.
        max_gpu_evaluators: At most this many evaluations at once, one per GPU,
            GPUs given round-robin by worker id; 0 (the default) runs on the CPU.
        objective: ``"max"`` or ``"min"``.
        max_classifiers: The most classifiers trained.
        max_cpu_evaluators: Evaluations at once when ``max_gpu_evaluators`` is 0;
            each gets ``cores // evaluators`` PyTorch threads.
        save_dir: Where the search is saved as it runs.
        seed: Fixes every proposal and every evaluation's seed.
        gpu_count: The GPUs each worker is told it sees; ``None`` (the default) asks
            ``torch.cuda.device_count()`` inside the worker. For tests.

    Example:
        >>> import shac_core, shac_torch
        >>> space = [shac_core.UniformContinuousHyperParameter("x", -1.0, 1.0)]
        >>> engine = shac_torch.TorchSHAC(space, 8, 2, save_dir=tmp, seed=0)
        >>> engine.concurrent_evaluators()
        >>> history = engine.fit(lambda wid, p: -(p["x"] ** 2), progress=False)
        >>> len(history)
        8
    """

    #: The name this engine is registered under.
    engine_name: ClassVar[str] = "torch"

    def _handler_class(self) -> type[TorchHandler]:
        return TorchHandler
