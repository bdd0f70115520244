"""Registers the built-in engine ``shac`` through the plugin manager."""

from __future__ import annotations

from typing import Any

from shac_core.engine._engine import SHAC
from shac_core.plugins import hookimpl


@hookimpl
def shac_register_engines() -> dict[str, type[Any]]:
    """Provide the plain engine as ``shac`` (alias ``default``)."""
    return {"shac": SHAC, "default": SHAC}
