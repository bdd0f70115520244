"""The exception and warning classes of shac.

Every error derives from :class:`ShacError` and also from the builtin that callers
already catch, so ``except ValueError`` keeps working around shac calls.
"""

from __future__ import annotations


__all__ = [
    "CascadeExhaustedError",
    "EvaluationError",
    "PluginError",
    "SaveDirectoryError",
    "SearchSpaceError",
    "ShacDeprecationWarning",
    "ShacError",
    "ShacExperimentalWarning",
    "ShacWarning",
]


class ShacError(Exception):
    """Base class of every error raised by shac."""

    __module__ = "shac_core"


class SearchSpaceError(ShacError, ValueError):
    """Raised when a hyperparameter or a search space is defined wrongly."""

    __module__ = "shac_core"


class EvaluationError(ShacError, RuntimeError):
    """Raised when an evaluation fails and the engine was asked to stop on failures."""

    __module__ = "shac_core"


class SaveDirectoryError(ShacError, OSError):
    """Raised when a save directory is missing, damaged or belongs to another run."""

    __module__ = "shac_core"


class CascadeExhaustedError(ShacError, RuntimeError):
    """Raised when no candidate passes the cascade within the draw limit."""

    __module__ = "shac_core"


class PluginError(ShacError, LookupError):
    """Raised when a plugin lookup fails or two plugins claim one name.

    Attributes:
        plugin: The name of the plugin at fault, or ``None`` for a failed lookup.
    """

    __module__ = "shac_core"

    def __init__(self, message: str, plugin: str | None = None) -> None:
        super().__init__(message)
        self.plugin = plugin


class ShacWarning(UserWarning):
    """Base class of every warning issued by shac."""

    __module__ = "shac_core"


class ShacDeprecationWarning(ShacWarning, FutureWarning):
    """Issued when deprecated shac API is used; shown to users by default."""

    __module__ = "shac_core"


class ShacExperimentalWarning(ShacWarning):
    """Issued when unstable shac API is used."""

    __module__ = "shac_core"
