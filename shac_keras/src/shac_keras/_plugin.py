"""Registers KerasSHAC as the engine ``keras``.

Loaded through the ``shac`` entry point of the shac-keras distribution. It imports
neither Keras nor a backend: the engine imports them only when evaluations run.
"""

from __future__ import annotations

from typing import Any

from shac_core import hookimpl
from shac_keras._engine import KerasSHAC


__all__ = ["shac_register_engines"]


@hookimpl
def shac_register_engines() -> dict[str, type[Any]]:
    """Provide :class:`~shac_keras.KerasSHAC` as ``keras``."""
    return {"keras": KerasSHAC}
