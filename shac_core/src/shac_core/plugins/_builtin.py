"""The built-in policies, registered through the plugin manager like any plugin."""

from __future__ import annotations

from shac_core.plugins._hookspecs import hookimpl
from shac_core.policies._base import BasePolicy
from shac_core.policies._local import LokyPolicy
from shac_core.policies._local import SequentialPolicy
from shac_core.policies._local import ThreadingPolicy


@hookimpl
def shac_register_policies() -> dict[str, type[BasePolicy]]:
    """Provide ``sequential``, ``threading`` and ``loky`` (alias ``processes``)."""
    return {
        "sequential": SequentialPolicy,
        "threading": ThreadingPolicy,
        "threads": ThreadingPolicy,
        "loky": LokyPolicy,
        "processes": LokyPolicy,
    }
