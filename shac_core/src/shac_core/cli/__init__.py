"""The ``shac`` command."""

from __future__ import annotations

from shac_core.cli._main import main


__all__ = ["main"]
