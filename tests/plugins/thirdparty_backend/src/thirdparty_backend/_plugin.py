"""The module the ``shac`` entry point names: what this distribution provides."""

from __future__ import annotations

from typing import TYPE_CHECKING
from typing import Any

from shac_core import hookimpl
from thirdparty_backend._engine import ScaledSHAC
from thirdparty_backend._policy import InlinePolicy


if TYPE_CHECKING:
    from shac_core import BasePolicy


__all__ = ["shac_register_engines", "shac_register_policies"]


@hookimpl
def shac_register_engines() -> dict[str, type[Any]]:
    """Provide :class:`ScaledSHAC` as ``scaled``."""
    return {"scaled": ScaledSHAC}


@hookimpl
def shac_register_policies() -> dict[str, type[BasePolicy]]:
    """Provide :class:`InlinePolicy` as ``inline``."""
    return {"inline": InlinePolicy}
