"""Importing PyTorch lazily, and the error raised when it is not installed.

shac-torch does not require PyTorch: whether to install its CPU or a CUDA build is
the user's choice. Every module here imports it through :func:`import_torch`, inside
functions, so that importing shac or listing its plugins never loads PyTorch.
"""

from __future__ import annotations

import importlib
import sys
from typing import TYPE_CHECKING

from shac_core import ShacError


if TYPE_CHECKING:
    from types import ModuleType


__all__ = ["TorchMissingError", "import_torch"]


class TorchMissingError(ShacError, ImportError):
    """Raised when an evaluation needs PyTorch and it is not installed."""

    __module__ = "shac_torch"


def import_torch() -> ModuleType:
    """Return the ``torch`` module, importing it on first use.

    Raises:
        TorchMissingError: If PyTorch cannot be imported, saying what to install.
    """
    try:
        return importlib.import_module("torch")
    except ImportError as err:
        msg = (
            "shac-torch needs PyTorch, but `import torch` failed in "
            f"{sys.executable} ({err}); install it with `pip install torch`, or pick "
            "a CUDA build at https://pytorch.org/get-started/locally/."
        )
        raise TorchMissingError(msg) from err
