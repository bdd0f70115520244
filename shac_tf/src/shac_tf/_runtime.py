"""TensorFlow's process-wide state: the import, one-time settings, clean-up, devices.

TensorFlow fixes its thread pools and its GPU memory policy when its runtime starts
in a process, and refuses changes afterwards. So these settings are applied once per
process, by the first evaluation that runs there: in the parent process under the
``threading`` and ``sequential`` policies, in each worker under ``loky``. Keras'
global state is shared by every thread of a process, so it is cleared, with the
custom gradients the evaluations registered, only when no evaluation of the process
is running. TensorFlow is imported inside functions only, so that importing this
module stays cheap.
"""

from __future__ import annotations

from dataclasses import dataclass
import importlib
import logging
import sys
import threading
from typing import TYPE_CHECKING
from typing import Any

from shac_core import current_evaluation
from shac_tf._errors import missing_tensorflow


if TYPE_CHECKING:
    from types import ModuleType


__all__ = [
    "ProcessSettings",
    "begin_evaluation",
    "configure_process",
    "current_device",
    "end_evaluation",
    "import_tensorflow",
    "process_settings",
]

_logger = logging.getLogger(__name__)

_lock = threading.Lock()
_settings: ProcessSettings | None = None
_running = 0
_known_gradients: frozenset[str] = frozenset()


@dataclass(frozen=True)
class ProcessSettings:
    """What the first evaluation in a process applied to TensorFlow's runtime.

    Attributes:
        intra_op_threads: The intra-op pool size now in force.
        inter_op_threads: The inter-op pool size now in force.
        memory_growth: Names of the GPUs whose memory now grows on demand.
        applied: ``False`` when the runtime had already started in this process,
            so the pools kept the sizes they had.
    """

    intra_op_threads: int
    inter_op_threads: int
    memory_growth: tuple[str, ...]
    applied: bool


def import_tensorflow() -> ModuleType:
    """Return the ``tensorflow`` module, importing it on first use.

    Raises:
        TensorflowNotInstalledError: If it cannot be imported, saying what to
            install.
    """
    try:
        return importlib.import_module("tensorflow")
    except ImportError as err:
        reason = f"`import tensorflow` failed where the evaluation runs ({err})"
        raise missing_tensorflow(reason) from err


def current_device() -> str:
    """Return the TensorFlow device of the evaluation running in this thread.

    Returns:
        ``"/GPU:<n>"`` for the evaluation's GPU, or ``"/CPU:0"``. TensorflowSHAC
        already runs the user's function under ``tf.device`` of this string; pass it
        on where something needs the device explicitly.

    Raises:
        RuntimeError: Outside an evaluation run by a managed engine.
    """
    gpu = current_evaluation().gpu
    return "/CPU:0" if gpu is None else f"/GPU:{gpu}"


def process_settings() -> ProcessSettings | None:
    """Return what :func:`configure_process` applied here, or ``None`` before it ran."""
    return _settings


def configure_process(tf: ModuleType, intra_op: int, inter_op: int) -> ProcessSettings:
    """Turn on GPU memory growth and size the thread pools, once per process.

    Later calls return the first call's settings unchanged, because TensorFlow
    accepts these settings only before its runtime starts.

    Args:
        tf: The ``tensorflow`` module.
        intra_op: Threads one operation may use.
        inter_op: Operations that may run at once.
    """
    global _settings  # one set of settings per process, by design
    with _lock:
        if _settings is None:
            _settings = _apply(tf, intra_op, inter_op)
        return _settings


def _apply(tf: ModuleType, intra_op: int, inter_op: int) -> ProcessSettings:
    grown: list[str] = []
    for gpu in tf.config.list_physical_devices("GPU"):
        try:
            tf.config.experimental.set_memory_growth(gpu, True)
        except RuntimeError:
            _logger.warning(
                "TensorFlow already holds the GPUs in this process, so %s keeps the "
                "memory it claimed; to let evaluations share a GPU, start no "
                "TensorFlow work before `fit` or set TF_FORCE_GPU_ALLOW_GROWTH=true.",
                gpu.name,
            )
            continue
        grown.append(gpu.name)

    threading_config = tf.config.threading
    applied = True
    try:
        threading_config.set_intra_op_parallelism_threads(intra_op)
        threading_config.set_inter_op_parallelism_threads(inter_op)
    except RuntimeError:
        applied = False
        _logger.warning(
            "TensorFlow's runtime already started in this process, so its thread "
            "pools keep their sizes (intra-op %d, inter-op %d) instead of %d and %d; "
            "start no TensorFlow work before `fit` to apply shac's limits.",
            threading_config.get_intra_op_parallelism_threads(),
            threading_config.get_inter_op_parallelism_threads(),
            intra_op,
            inter_op,
        )
    settings = ProcessSettings(
        threading_config.get_intra_op_parallelism_threads(),
        threading_config.get_inter_op_parallelism_threads(),
        tuple(grown),
        applied,
    )
    _logger.debug("TensorFlow process settings: %s", settings)
    return settings


def begin_evaluation(tf: ModuleType) -> None:
    """Count an evaluation as running in this process.

    The first of a group of overlapping evaluations notes TensorFlow's registered
    custom gradients, so that :func:`end_evaluation` can drop those added since.
    """
    global _running, _known_gradients
    with _lock:
        if _running == 0:
            registry = _gradient_registry(tf)
            _known_gradients = frozenset(registry or ())
        _running += 1


def end_evaluation(tf: ModuleType) -> bool:
    """Count an evaluation as finished; clear TensorFlow's state if it was the last.

    Clearing waits for the last running evaluation of the process because Keras'
    ``clear_session`` resets the state of every thread, so it would pull the
    ground from under evaluations still training in other threads.

    Returns:
        Whether the state was cleared.
    """
    global _running
    with _lock:
        _running -= 1
        if _running > 0:
            return False
        _clear_state(tf)
        return True


def _clear_state(tf: ModuleType) -> None:
    # Keras is cleared only where it was imported, so graph-style functions that
    # never touch it do not pay for its import.
    if any(name in sys.modules for name in ("keras", "tf_keras")):
        clear_session: Any = tf.keras.backend.clear_session
        try:
            # The handler collects garbage next; one full collection is enough.
            clear_session(free_memory=False)
        except TypeError:  # Keras 2 (tf_keras) has no such argument
            clear_session()
    else:
        tf.compat.v1.reset_default_graph()
    _drop_custom_gradients(tf)


def _drop_custom_gradients(tf: ModuleType) -> None:
    """Unregister the custom gradients that the evaluations just finished added.

    Each trace of a ``tf.custom_gradient`` function (Keras 3's training step has
    some) registers its gradient under a fresh name in a process-wide registry that
    TensorFlow never prunes, and that entry keeps the whole traced graph alive:
    about 2 MB per Keras model, which ``clear_session`` does not free. Traced
    functions carry their backward pass already, so only a new trace of a model
    built during an evaluation would need them again.
    """
    registry = _gradient_registry(tf)
    if registry is None:
        return

    stale = [
        key
        for key in registry
        if key not in _known_gradients and str(key).startswith("CustomGradient-")
    ]
    for key in stale:
        del registry[key]
    _logger.debug("Dropped %d custom gradients registered by evaluations.", len(stale))


def _gradient_registry(tf: ModuleType) -> dict[str, Any] | None:
    """Return TensorFlow's registry of gradient functions, or ``None`` if moved."""
    try:
        ops = importlib.import_module("tensorflow.python.framework.ops")
        registry = ops._gradient_registry._registry
    except (ImportError, AttributeError):
        _logger.debug(
            "TensorFlow %s has no gradient registry where expected.", tf.__version__
        )
        return None
    return registry if isinstance(registry, dict) else None
