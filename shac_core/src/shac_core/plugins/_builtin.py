"""The built-in policies, registered through the plugin manager like any plugin."""

from __future__ import annotations

from typing import TYPE_CHECKING

from shac_core.plugins._hookspecs import hookimpl
from shac_core.policies._dask import DaskPolicy
from shac_core.policies._local import LokyPolicy
from shac_core.policies._local import SequentialPolicy
from shac_core.policies._local import ThreadingPolicy


if TYPE_CHECKING:
    from shac_core.policies._base import BasePolicy


@hookimpl
def shac_register_policies() -> dict[str, type[BasePolicy]]:
    """Provide ``sequential``, ``threading``, ``loky`` (alias ``processes``) and ``dask``."""
    return {
        "sequential": SequentialPolicy,
        "threading": ThreadingPolicy,
        "threads": ThreadingPolicy,
        "loky": LokyPolicy,
        "processes": LokyPolicy,
        "dask": DaskPolicy,
    }
