"""Keras and its backend in one process: import, backend choice, devices, threads, state.

Keras 3 picks its backend (TensorFlow, PyTorch or JAX) once, when it is first
imported in a process, from the ``KERAS_BACKEND`` environment variable or its config
file. This module makes worker processes pick the parent's backend, names the
device of an evaluation in the backend's own terms, sizes the backend's CPU thread
pools, and clears Keras' global state between evaluations. Keras and the backend
are imported inside functions only, so importing this module stays cheap.
"""

from __future__ import annotations

import importlib
import logging
import os
import sys
import threading
from typing import TYPE_CHECKING
from typing import Any

from shac_keras._errors import KerasBackendError
from shac_keras._errors import KerasMissingError


if TYPE_CHECKING:
    from types import ModuleType


__all__ = [
    "SUPPORTED_BACKENDS",
    "active_backend",
    "begin_evaluation",
    "check_backend",
    "configure_process",
    "count_gpus",
    "device_name",
    "end_evaluation",
    "import_keras",
    "limit_threads",
    "restore_threads",
    "select_backend",
]

_logger = logging.getLogger(__name__)

#: The Keras backends KerasSHAC manages.
SUPPORTED_BACKENDS = ("tensorflow", "torch", "jax")

_lock = threading.Lock()
_configured = False
_running = 0
_known_gradients: frozenset[str] = frozenset()


def import_keras() -> ModuleType:
    """Return the ``keras`` module, importing it (and its backend) on first use.

    Raises:
        KerasMissingError: If Keras 3 or its backend's framework cannot be imported,
            saying what to install.
    """
    try:
        keras = importlib.import_module("keras")
    except ImportError as err:
        msg = (
            "shac-keras needs Keras 3 and the framework of its backend, but `import "
            f"keras` failed in {sys.executable} ({err}); install what is missing, "
            "for example `pip install keras tensorflow` or `pip install keras torch`, "
            "and choose the backend with the KERAS_BACKEND environment variable."
        )
        raise KerasMissingError(msg) from err

    major = str(getattr(keras, "__version__", "0")).split(".")[0]
    if not major.isdigit() or int(major) < 3:
        msg = (
            f"shac-keras needs Keras 3 or later, got Keras {keras.__version__}; "
            "install it with `pip install 'keras>=3'`."
        )
        raise KerasMissingError(msg)
    return keras


def check_backend(name: str) -> str:
    """Return ``name`` if KerasSHAC manages that backend.

    Raises:
        KerasBackendError: For another backend (``numpy``, ``openvino``), which
            cannot train models.
    """
    if name not in SUPPORTED_BACKENDS:
        msg = (
            f"KerasSHAC manages the Keras backends {', '.join(SUPPORTED_BACKENDS)}, "
            f"got {name!r}; set KERAS_BACKEND to one of them before Keras is imported."
        )
        raise KerasBackendError(msg)
    return name


def active_backend() -> str:
    """Return the backend of this process' Keras, importing Keras if needed.

    Raises:
        KerasMissingError: As for :func:`import_keras`.
        KerasBackendError: As for :func:`check_backend`.
    """
    name: str = import_keras().backend.backend()
    return check_backend(name)


def select_backend(name: str) -> str:
    """Make Keras load ``name`` in this process, unless it is already imported.

    Called in worker processes as the engine's handler arrives, before the user's
    function (whose module may import Keras) is unpickled. Returns ``name``.
    """
    if "keras" not in sys.modules:
        os.environ["KERAS_BACKEND"] = name
        if name == "jax":
            # JAX would otherwise claim most of every GPU's memory at start.
            os.environ.setdefault("XLA_PYTHON_CLIENT_PREALLOCATE", "false")
    return name


def device_name(backend: str, gpu: int | None) -> str:
    """Return the device of GPU ``gpu`` (``None``: the CPU) as ``backend`` names it.

    ``"/GPU:1"`` or ``"/CPU:0"`` for TensorFlow, ``"cuda:1"`` or ``"cpu"`` for
    PyTorch, ``"gpu:1"`` or ``"cpu:0"`` for JAX; :func:`keras.device` accepts all.
    """
    check_backend(backend)
    if backend == "tensorflow":
        return "/CPU:0" if gpu is None else f"/GPU:{gpu}"
    if backend == "torch":
        return "cpu" if gpu is None else f"cuda:{gpu}"
    return "cpu:0" if gpu is None else f"gpu:{gpu}"


def count_gpus(backend: str) -> int:
    """Return the GPUs ``backend`` sees in this process, without claiming them."""
    if backend == "tensorflow":
        tf = importlib.import_module("tensorflow")
        return len(tf.config.list_physical_devices("GPU"))
    if backend == "torch":
        torch = importlib.import_module("torch")
        count: int = torch.cuda.device_count()
        return count

    jax = importlib.import_module("jax")
    try:
        return len(jax.devices("gpu"))
    except RuntimeError:  # JAX raises when it has no GPU platform at all
        return 0


def configure_process(backend: str, intra_op: int, inter_op: int) -> None:
    """Apply the process-wide settings of ``backend`` once per process.

    TensorFlow: GPU memory grows on demand, and its thread pools get ``intra_op``
    and ``inter_op`` threads. It accepts both only before its runtime starts, so a
    process where TensorFlow already ran keeps its settings (logged once). PyTorch's
    threads are set per evaluation by :func:`limit_threads`; JAX fixes its thread
    pools when it starts and offers no limit.
    """
    global _configured  # one set of settings per process, by design
    with _lock:
        if _configured:
            return
        _configured = True
        if backend == "tensorflow":
            _configure_tensorflow(
                importlib.import_module("tensorflow"), intra_op, inter_op
            )
        elif backend == "jax":
            _logger.debug("JAX's thread pools are fixed when it starts; not limited.")


def limit_threads(backend: str, threads: int) -> int | None:
    """Limit the calling thread's PyTorch threads; return the count to restore.

    Returns ``None`` for the other backends, whose pools :func:`configure_process`
    sizes once per process.
    """
    if backend != "torch":
        return None
    torch = importlib.import_module("torch")
    previous: int = torch.get_num_threads()
    torch.set_num_threads(threads)
    return previous


def restore_threads(backend: str, previous: int | None) -> None:
    """Put back the thread count :func:`limit_threads` returned."""
    if backend == "torch" and previous is not None:
        importlib.import_module("torch").set_num_threads(previous)


def begin_evaluation(keras: ModuleType, backend: str) -> None:
    """Count an evaluation as running here; the first of a group starts a blank session.

    Keras' ``clear_session`` resets the Keras state of every thread of the process,
    so it runs only while no other evaluation of this process is running.
    """
    global _running, _known_gradients
    with _lock:
        if _running == 0:
            keras.backend.clear_session(free_memory=False)
            if backend == "tensorflow":
                _known_gradients = frozenset(_gradient_registry() or ())
        _running += 1


def end_evaluation(keras: ModuleType, backend: str) -> bool:
    """Count an evaluation as finished; clear Keras' state if it was the last one.

    Returns:
        Whether the state was cleared; ``False`` while other evaluations of this
        process still run (threads), which clear it when the last one ends.
    """
    global _running
    with _lock:
        _running -= 1
        if _running > 0:
            return False
        # The handler collects garbage right after; one full collection is enough.
        keras.backend.clear_session(free_memory=False)
        if backend == "tensorflow":
            _drop_custom_gradients()
        return True


def _configure_tensorflow(tf: ModuleType, intra_op: int, inter_op: int) -> None:
    for gpu in tf.config.list_physical_devices("GPU"):
        try:
            tf.config.experimental.set_memory_growth(gpu, True)
        except RuntimeError:
            _logger.warning(
                "TensorFlow already holds %s in this process, so it keeps the memory "
                "it claimed; start no TensorFlow work before `fit` to let "
                "evaluations share it.",
                gpu.name,
            )

    threading_config = tf.config.threading
    try:
        threading_config.set_intra_op_parallelism_threads(intra_op)
        threading_config.set_inter_op_parallelism_threads(inter_op)
    except RuntimeError:
        _logger.warning(
            "TensorFlow's runtime already started in this process, so its thread "
            "pools keep their sizes (intra-op %d, inter-op %d) instead of %d and %d; "
            "start no TensorFlow work before `fit` to apply shac's limits.",
            threading_config.get_intra_op_parallelism_threads(),
            threading_config.get_inter_op_parallelism_threads(),
            intra_op,
            inter_op,
        )


def _drop_custom_gradients() -> None:
    """Unregister the custom gradients that the finished evaluations added.

    Each trace of a ``tf.custom_gradient`` function (Keras 3's training step on
    TensorFlow has some) registers its gradient under a fresh name in a process-wide
    registry that TensorFlow never prunes, and the entry keeps the whole traced graph
    alive: a few MB per trained model that ``clear_session`` does not free. Traced
    functions carry their backward pass already; only a new trace of a model built
    during an evaluation would look these names up again.
    """
    registry = _gradient_registry()
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


def _gradient_registry() -> dict[str, Any] | None:
    """Return TensorFlow's registry of gradient functions, or ``None`` if it moved."""
    try:
        ops = importlib.import_module("tensorflow.python.framework.ops")
        registry = ops._gradient_registry._registry
    except (ImportError, AttributeError):
        _logger.debug("TensorFlow has no gradient registry where expected.")
        return None
    return registry if isinstance(registry, dict) else None
