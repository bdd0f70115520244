"""Imports a framework that is not installed at module level: the mistake to avoid."""

from __future__ import annotations

from typing import Any

import unobtainium  # type: ignore[import-not-found]

from shac_core import hookimpl


@hookimpl
def shac_register_engines() -> dict[str, type[Any]]:
    """Never reached: importing this module fails."""
    return {"unobtainium": unobtainium.Engine}
