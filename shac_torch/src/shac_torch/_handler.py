"""What TorchSHAC does around each evaluation: device, seeds, threads, clean-up.

The shared half (which GPU a worker gets, the evaluation's seed, publishing the
context) lives in :class:`shac_core.ManagedHandler`; this module holds only the
PyTorch calls. PyTorch is imported inside the methods, in the worker that runs the
evaluation, so the parent process never initialises CUDA.
"""

from __future__ import annotations

import gc
import logging
import random
import threading
from typing import TYPE_CHECKING

import numpy as np

from shac_core import ManagedHandler
from shac_core import current_evaluation
from shac_torch._import import import_torch


if TYPE_CHECKING:
    from types import ModuleType

    import torch

    from shac_core import EvaluationContext
    from shac_core import ManagedContext


__all__ = ["TorchHandler", "current_device"]

_logger = logging.getLogger(__name__)
# The thread count each worker thread had before its evaluation, to put back after.
_saved = threading.local()


def current_device() -> torch.device:
    """Return the device of the evaluation running in this thread.

    ``cuda:N`` when the engine gave this worker GPU ``N`` (round-robin by worker id
    over the usable GPUs), else ``cpu``. Put the model and the data there.

    Raises:
        RuntimeError: Outside an evaluation run by :class:`~shac_torch.TorchSHAC`.
        TorchMissingError: If PyTorch is not installed.

    Example:
        >>> def evaluate(worker_id, params):  # doctest: +SKIP
        ...     device = shac_torch.current_device()
        ...     model = build(params).to(device)
    """
    context = current_evaluation()
    module = import_torch()
    if context.gpu is None:
        device: torch.device = module.device("cpu")
    else:
        device = module.device("cuda", context.gpu)
    return device


class TorchHandler(ManagedHandler):
    """Run one evaluation with PyTorch: device, seeds, thread limit and clean-up.

    Before the user's function runs, it seeds Python's :mod:`random`, NumPy's global
    generator and PyTorch (every device) from the evaluation's seed, limits
    PyTorch's CPU threads to the engine's share, and makes the worker's GPU the
    current CUDA device. Afterwards, also when the function raised, it collects
    garbage (then empties the CUDA cache, on a GPU) and restores the thread count.

    Args:
        fn: The user's function, ``fn(worker_id, params) -> float``.
        max_gpu_evaluators: GPUs to use; 0 means CPU only.
        threads: CPU threads each evaluation may use.
        gpu_count: The GPUs a worker sees; ``None`` asks PyTorch in the worker.
    """

    def count_gpus(self) -> int:
        """Return the CUDA devices PyTorch sees in this worker, without initialising CUDA."""
        torch = import_torch()
        count: int = torch.cuda.device_count()
        return count

    def setup(self, context: EvaluationContext) -> None:
        """Check PyTorch is there, publish the context and prepare the framework."""
        import_torch()  # fail before anything is published or changed
        super().setup(context)

    def prepare(self, context: ManagedContext) -> None:
        """Seed every generator, cap the CPU threads and select the GPU."""
        torch = import_torch()
        random.seed(context.seed)
        np.random.seed(context.seed % 2**32)  # the global one users draw from
        torch.manual_seed(context.seed)  # all devices, CUDA included

        _saved.threads = torch.get_num_threads()
        torch.set_num_threads(context.threads)
        if context.gpu is not None:
            self._select_gpu(torch, context.gpu)

    def cleanup(self, context: ManagedContext) -> None:
        """Free the evaluation's memory and restore the thread count."""
        torch = import_torch()
        if context.gpu is not None:
            # Collect first, so that tensors held in cycles give their blocks back
            # before the cache is emptied. On the CPU, ManagedHandler.teardown's own
            # collection right after this suffices.
            gc.collect()
            torch.cuda.empty_cache()  # a no-op where CUDA was never initialised

        previous = getattr(_saved, "threads", None)
        if previous is not None:
            torch.set_num_threads(previous)
            _saved.threads = None

    def _select_gpu(self, torch: ModuleType, gpu: int) -> None:
        if gpu < torch.cuda.device_count():
            torch.cuda.set_device(gpu)  # per thread, so `.cuda()` lands on this GPU
            return
        # Only an injected `gpu_count` gets here: tests on machines without GPUs.
        _logger.debug("GPU %d is not visible in this worker; not selecting it.", gpu)
