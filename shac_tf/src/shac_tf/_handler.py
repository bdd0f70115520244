"""What TensorflowSHAC does around each call of the user's function.

Before the call: TensorFlow's process settings (once per process), the seeds. The
call itself: under ``tf.device`` of the evaluation's device, given a fresh graph and
session in the graph style. After it, even when it raised: the session closed and
TensorFlow's global state cleared. Devices and the context come from
:class:`shac_core.ManagedHandler`.
"""

from __future__ import annotations

import logging
import os
import random
from typing import TYPE_CHECKING
from typing import Any
from typing import Literal
from typing import TypeAlias

import numpy as np

from shac_core import ManagedHandler
from shac_tf._runtime import begin_evaluation
from shac_tf._runtime import configure_process
from shac_tf._runtime import current_device
from shac_tf._runtime import end_evaluation
from shac_tf._runtime import import_tensorflow
from shac_tf._runtime import process_settings


if TYPE_CHECKING:
    from collections.abc import Callable
    from types import ModuleType

    from shac_core import EvaluationContext
    from shac_core import ManagedContext


__all__ = ["FUNCTION_STYLES", "FunctionStyle", "TensorflowHandler"]

_logger = logging.getLogger(__name__)

#: How the user's function is called: TF2 eager, or PySHAC's session first.
FunctionStyle: TypeAlias = Literal["eager", "graph"]
#: The ways TensorflowSHAC can call the user's function.
FUNCTION_STYLES: tuple[FunctionStyle, ...] = ("eager", "graph")


class TensorflowHandler(ManagedHandler):
    """Runs one evaluation of a TensorflowSHAC search.

    Args:
        fn: The user's function: ``fn(worker_id, params)`` in the eager style,
            ``fn(session, worker_id, params)`` in the graph style.
        max_gpu_evaluators: As for :class:`shac_core.ManagedHandler`.
        threads: As for :class:`shac_core.ManagedHandler`.
        gpu_count: As for :class:`shac_core.ManagedHandler`.
        function_style: ``"eager"`` or ``"graph"``.
    """

    def __init__(
        self,
        fn: Callable[..., Any],
        max_gpu_evaluators: int,
        threads: int,
        gpu_count: int | None = None,
        function_style: FunctionStyle = "eager",
    ) -> None:
        super().__init__(fn, max_gpu_evaluators, threads, gpu_count)
        self.function_style = function_style
        # Evaluations in the process that built the handler share its thread pools.
        self._home_pid = os.getpid()

    def count_gpus(self) -> int:
        """Return the GPUs TensorFlow sees, without starting its runtime."""
        tf = import_tensorflow()
        return len(tf.config.list_physical_devices("GPU"))

    def setup(self, context: EvaluationContext) -> None:
        """Apply the process settings before anything claims a device, then prepare."""
        tf = import_tensorflow()
        sharing = context.num_workers if os.getpid() == self._home_pid else 1
        intra_op = max(1, min(os.cpu_count() or 1, self.threads * sharing))
        configure_process(tf, intra_op=intra_op, inter_op=max(2, sharing))
        super().setup(context)

    def prepare(self, context: ManagedContext) -> None:
        """Seed Python, NumPy, TensorFlow and Keras with the evaluation's seed."""
        tf = import_tensorflow()
        begin_evaluation(tf)
        try:
            _seed_everything(tf, context.seed, keras=self.function_style == "eager")
        except BaseException:
            end_evaluation(tf)
            raise

    def call(self, context: EvaluationContext) -> Any:
        """Call the function on the evaluation's device, in the chosen style."""
        tf = import_tensorflow()
        device = current_device()
        _logger.debug("Evaluation %d runs on %s.", context.id, device)
        if self.function_style == "graph":
            return _call_in_graph(tf, self.fn, context, device)

        with tf.device(device):
            value = self.fn(context.worker_id, context.params)
        if isinstance(value, tf.Tensor) and hasattr(value, "numpy"):
            value = value.numpy()  # an eager scalar tensor becomes a NumPy number
        return value

    def cleanup(self, context: ManagedContext) -> None:
        """Clear Keras' and TensorFlow's global state once no evaluation runs here."""
        cleared = end_evaluation(import_tensorflow())
        if not cleared:
            _logger.debug(
                "Evaluation %d done; TensorFlow's state is cleared when the others "
                "running in this process finish.",
                context.evaluation_id,
            )


def _seed_everything(tf: ModuleType, seed: int, *, keras: bool) -> None:
    if keras:
        # Also resets Keras' own seed generator; seeds Python, NumPy and TF too.
        tf.keras.utils.set_random_seed(seed)
        return
    random.seed(seed)
    np.random.seed(seed)
    tf.random.set_seed(seed)


def _call_in_graph(
    tf: ModuleType,
    fn: Callable[..., Any],
    context: EvaluationContext,
    device: str,
) -> Any:
    """Call ``fn(session, worker_id, params)`` with a session on a fresh graph."""
    graph = tf.Graph()
    graph.seed = context.seed
    settings = process_settings()
    assert settings is not None, "setup() configures the process first"
    # Sessions size their pools from their config: the same as the process's.
    config = tf.compat.v1.ConfigProto(
        allow_soft_placement=True,
        intra_op_parallelism_threads=settings.intra_op_threads,
        inter_op_parallelism_threads=settings.inter_op_threads,
    )
    config.gpu_options.allow_growth = True

    with graph.as_default(), graph.device(device):
        session = tf.compat.v1.Session(graph=graph, config=config)
        try:
            return fn(session, context.worker_id, context.params)
        finally:
            session.close()
