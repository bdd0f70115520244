"""Provides ``scaled`` (taken by thirdparty-backend) and ``clashing`` (its own)."""

from __future__ import annotations

from typing import Any

from shac_core import SHAC
from shac_core import hookimpl


class ClashingSHAC(SHAC):
    """An engine that only differs from SHAC by its name."""

    engine_name = "clashing"


@hookimpl
def shac_register_engines() -> dict[str, type[Any]]:
    """Claim ``scaled`` as well as ``clashing``."""
    return {"scaled": ClashingSHAC, "clashing": ClashingSHAC}
