"""Registers ``TensorflowSHAC`` as the engines ``tensorflow`` and ``tf``.

Loaded through the ``shac`` entry-point group. Importing this module imports
shac-tf's engine class, never TensorFlow itself.
"""

from __future__ import annotations

from typing import Any

from shac_core import hookimpl
from shac_tf._engine import TensorflowSHAC


__all__ = ["shac_register_engines"]


@hookimpl
def shac_register_engines() -> dict[str, type[Any]]:
    """Provide the managed TensorFlow engine as ``tensorflow`` (alias ``tf``)."""
    return {"tensorflow": TensorflowSHAC, "tf": TensorflowSHAC}
