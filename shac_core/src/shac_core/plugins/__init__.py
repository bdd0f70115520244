"""The plugin system: hook specifications, the manager and the lookups."""

from __future__ import annotations

from shac_core.plugins._hookspecs import hookimpl
from shac_core.plugins._manager import ENTRY_POINT_GROUP
from shac_core.plugins._manager import PluginInfo
from shac_core.plugins._manager import available_engines
from shac_core.plugins._manager import available_policies
from shac_core.plugins._manager import get_engine
from shac_core.plugins._manager import get_plugin_manager
from shac_core.plugins._manager import get_policy
from shac_core.plugins._manager import list_plugins
from shac_core.plugins._manager import register_plugin
from shac_core.plugins._manager import reset_plugins
from shac_core.plugins._manager import unregister_plugin


__all__ = [
    "ENTRY_POINT_GROUP",
    "PluginInfo",
    "available_engines",
    "available_policies",
    "get_engine",
    "get_plugin_manager",
    "get_policy",
    "hookimpl",
    "list_plugins",
    "register_plugin",
    "reset_plugins",
    "unregister_plugin",
]
