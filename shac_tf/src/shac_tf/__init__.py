"""shac-tf: TensorflowSHAC, the managed TensorFlow 2 backend of shac.

Importing this package does not import TensorFlow; evaluations do, where they run.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _version

from shac_tf._engine import TensorflowSHAC
from shac_tf._errors import TensorflowNotInstalledError
from shac_tf._handler import TensorflowHandler
from shac_tf._runtime import ProcessSettings
from shac_tf._runtime import current_device
from shac_tf._runtime import process_settings


try:
    __version__ = _version("shac-tf")
except PackageNotFoundError:  # running from a source tree without installing
    __version__ = "0.0.0"

__all__ = [
    "ProcessSettings",
    "TensorflowHandler",
    "TensorflowNotInstalledError",
    "TensorflowSHAC",
    "__version__",
    "current_device",
    "process_settings",
]
