"""Registers TorchSHAC as the engine ``torch`` (alias ``pytorch``).

Loaded through the ``shac`` entry point of the shac-torch distribution. It imports
no PyTorch: the engine class imports it only when evaluations run.
"""

from __future__ import annotations

from typing import Any

from shac_core import hookimpl
from shac_torch._engine import TorchSHAC


__all__ = ["shac_register_engines"]


@hookimpl
def shac_register_engines() -> dict[str, type[Any]]:
    """Provide :class:`~shac_torch.TorchSHAC` as ``torch`` and ``pytorch``."""
    return {"torch": TorchSHAC, "pytorch": TorchSHAC}
