"""The errors shac-keras raises: Keras or its backend missing, or the wrong backend."""

from __future__ import annotations

from shac_core import ShacError


__all__ = ["KerasBackendError", "KerasMissingError"]


class KerasMissingError(ShacError, ImportError):
    """Raised when an evaluation needs Keras 3 or its backend and cannot import it."""

    __module__ = "shac_keras"


class KerasBackendError(ShacError, RuntimeError):
    """Raised when Keras runs a backend KerasSHAC cannot manage, or not the parent's."""

    __module__ = "shac_keras"
