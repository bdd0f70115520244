"""shac-keras: KerasSHAC, the managed Keras 3 backend of shac.

Importing this package imports neither Keras nor a backend framework; evaluations
do, in the processes that run them.
"""

from __future__ import annotations

from importlib import metadata as _metadata

from shac_keras._engine import KerasSHAC
from shac_keras._errors import KerasBackendError
from shac_keras._errors import KerasMissingError
from shac_keras._handler import KerasHandler
from shac_keras._handler import current_device
from shac_keras._runtime import SUPPORTED_BACKENDS


try:
    __version__ = _metadata.version("shac-keras")
except _metadata.PackageNotFoundError:  # running from a source tree without installing
    __version__ = "0.0.0"

__all__ = [
    "SUPPORTED_BACKENDS",
    "KerasBackendError",
    "KerasHandler",
    "KerasMissingError",
    "KerasSHAC",
    "__version__",
    "current_device",
]
