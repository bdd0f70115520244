"""shac-torch: TorchSHAC, the managed PyTorch backend of shac.

Importing this package does not import PyTorch; evaluations do, in their workers.
"""

from __future__ import annotations

from importlib import metadata as _metadata

from shac_torch._engine import TorchSHAC
from shac_torch._handler import TorchHandler
from shac_torch._handler import current_device
from shac_torch._import import TorchMissingError


try:
    __version__ = _metadata.version("shac-torch")
except _metadata.PackageNotFoundError:  # running from a source tree without installing
    __version__ = "0.0.0"

__all__ = [
    "TorchHandler",
    "TorchMissingError",
    "TorchSHAC",
    "__version__",
    "current_device",
]
