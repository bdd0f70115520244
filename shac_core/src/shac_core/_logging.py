"""Opt-in logging output for shac; the library itself installs no handlers."""

from __future__ import annotations

import logging


__all__ = ["log_to_stderr"]


def log_to_stderr(level: int | str = logging.INFO) -> logging.Handler:
    """Send shac's log records to standard error and return the handler installed.

    Calling it again replaces the handler it installed before, so records are never
    shown twice.

    Args:
        level: The lowest level shown, as a number or a name such as ``"DEBUG"``.

    Returns:
        The handler attached to the ``shac_core`` logger.

    Example:
        >>> import shac_core
        >>> handler = shac_core.log_to_stderr("WARNING")
        >>> handler.level == logging.WARNING
        True
    """
    logger = logging.getLogger("shac_core")
    for old in list(logger.handlers):
        if getattr(old, "_shac_handler", False):
            logger.removeHandler(old)

    handler = logging.StreamHandler()
    handler._shac_handler = True  # type: ignore[attr-defined]
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s")
    )
    handler.setLevel(level)
    logger.addHandler(handler)
    logger.setLevel(min(logger.level or logging.WARNING, handler.level))
    return handler
