"""The plugin manager: loading plugins, merging what they offer, and lookups.

Plugins are found once, lazily, on the first lookup: the built-in engine and
policies first, then every entry point of the ``shac`` group. A plugin that fails to
import costs one warning and stays listed as broken; the others keep working.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
import importlib
import logging
import os
import sys
import threading
from typing import TYPE_CHECKING
from typing import Any
import warnings

import pluggy

from shac_core._errors import PluginError
from shac_core._errors import ShacWarning
from shac_core.plugins import _hookspecs


if sys.version_info >= (3, 12):
    from importlib.metadata import entry_points
else:
    from importlib_metadata import entry_points

if TYPE_CHECKING:
    from shac_core.policies import BasePolicy


__all__ = [
    "ENTRY_POINT_GROUP",
    "PluginInfo",
    "available_engines",
    "available_policies",
    "get_engine",
    "get_plugin_manager",
    "get_policy",
    "list_plugins",
    "register_plugin",
    "reset_plugins",
    "unregister_plugin",
]

_logger = logging.getLogger(__name__)

#: The entry-point group every shac plugin registers under.
ENTRY_POINT_GROUP = "shac"
#: Set to a non-empty value other than ``0`` to load no installed plugins.
DISABLE_ENV = "SHAC_DISABLE_PLUGIN_AUTOLOAD"
#: A comma-separated list of plugin names not to load.
BLOCK_ENV = "SHAC_BLOCK_PLUGINS"

_BUILTINS = {
    "shac": "shac_core.engine._plugin",
    "shac-policies": "shac_core.plugins._builtin",
}
_FIRST_PARTY = {
    "tensorflow": "tf",
    "tf": "tf",
    "keras": "keras",
    "torch": "torch",
    "pytorch": "torch",
    "dask": "dask",
}


@dataclass
class PluginInfo:
    """What ``shac plugins`` shows for one plugin."""

    name: str
    distribution: str | None = None
    version: str | None = None
    engines: list[str] = field(default_factory=list)
    policies: list[str] = field(default_factory=list)
    error: str | None = None


class _Registry:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.pm = pluggy.PluginManager("shac")
        self.pm.add_hookspecs(_hookspecs)
        self.loaded = False
        self.dists: dict[str, tuple[str | None, str | None]] = {}
        self.broken: dict[str, PluginInfo] = {}
        self.cache: dict[str, dict[str, list[tuple[Any, str]]]] = {}

    def ensure_loaded(self) -> None:
        with self.lock:
            if self.loaded:
                return
            self.loaded = True
            for name, module in _BUILTINS.items():
                if self.pm.get_plugin(name) is None:
                    self.pm.register(importlib.import_module(module), name=name)
                    self.dists[name] = ("shac-core", _version("shac-core"))

            if os.environ.get(DISABLE_ENV, "") not in ("", "0"):
                _logger.info("%s is set; installed plugins are not loaded.", DISABLE_ENV)
            else:
                self._load_entry_points()
            self.pm.check_pending()

    def _load_entry_points(self) -> None:
        blocked = {b.strip() for b in os.environ.get(BLOCK_ENV, "").split(",") if b.strip()}
        for ep in entry_points(group=ENTRY_POINT_GROUP):
            dist = getattr(ep.dist, "name", None)
            version = getattr(ep.dist, "version", None)
            if ep.name in blocked or self.pm.get_plugin(ep.name) is not None:
                continue

            try:
                plugin = ep.load()
                self.pm.register(plugin, name=ep.name)
            except Exception as err:  # noqa: BLE001 - one broken plugin must not stop shac
                text = f"{type(err).__name__}: {err}"
                self.broken[ep.name] = PluginInfo(ep.name, dist, version, error=text)
                msg = (
                    f"Plugin {ep.name!r} from distribution {dist!r} (entry point "
                    f"{ep.value!r}) failed to load and is skipped: {text}"
                )
                warnings.warn(msg, ShacWarning, stacklevel=4)
                continue
            self.dists[ep.name] = (dist, version)

    def offers(self, kind: str) -> dict[str, list[tuple[Any, str]]]:
        self.ensure_loaded()
        with self.lock:
            if kind in self.cache:
                return self.cache[kind]

            hook = getattr(self.pm.hook, f"shac_register_{kind}")
            merged: dict[str, list[tuple[Any, str]]] = {}
            for impl in hook.get_hookimpls():
                offered = impl.function() or {}
                for key, obj in offered.items():
                    entries = merged.setdefault(key, [])
                    if all(obj is not other for other, _ in entries):
                        entries.append((obj, impl.plugin_name))
            self.cache[kind] = merged
            return merged

    def lookup(self, kind: str, name: str) -> Any:
        offers = self.offers(kind)
        entries = offers.get(name)
        if not entries:
            singular = kind[:-1]
            known = ", ".join(sorted(offers)) or "none"
            msg = f"No {singular} is registered as {name!r}; available: {known}."
            extra = _FIRST_PARTY.get(name)
            if extra is not None:
                msg += f' Install it with `pip install "shac-core[{extra}]"`.'
            if name in self.broken:
                msg += f" Plugin {name!r} is installed but broken: {self.broken[name].error}"
            raise PluginError(msg)

        if len(entries) > 1:
            who = " and ".join(
                f"plugin {plugin!r} (distribution {self.dists.get(plugin, (None,))[0]!r})"
                for _, plugin in entries
            )
            msg = (
                f"{kind[:-1].capitalize()} {name!r} is claimed by {who}; uninstall one, "
                f"or block one with the {BLOCK_ENV} environment variable."
            )
            raise PluginError(msg, plugin=entries[1][1])
        return entries[0][0]


def _version(dist: str) -> str | None:
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version

    try:
        return version(dist)
    except PackageNotFoundError:
        return None


_registry = _Registry()


def get_plugin_manager() -> pluggy.PluginManager:
    """Return shac's pluggy plugin manager, with every plugin loaded."""
    _registry.ensure_loaded()
    return _registry.pm


def register_plugin(plugin: object, name: str | None = None) -> str:
    """Register a plugin object (a module, class or instance) without an entry point.

    Handy in tests and notebooks. Lookups made afterwards see what it offers.

    Args:
        plugin: An object with ``shac_register_*`` functions marked ``hookimpl``.
        name: The plugin's name; pluggy picks one if omitted.

    Returns:
        The name it was registered under.
    """
    _registry.ensure_loaded()
    with _registry.lock:
        registered = _registry.pm.register(plugin, name=name)
        if registered is None:
            msg = f"Plugin {name!r} is blocked or already registered."
            raise PluginError(msg, plugin=name)
        _registry.pm.check_pending()
        _registry.dists.setdefault(registered, (None, None))
        _registry.cache.clear()
        return registered


def unregister_plugin(name: str) -> None:
    """Remove a plugin registered under ``name``; unknown names are ignored."""
    with _registry.lock:
        plugin = _registry.pm.get_plugin(name)
        if plugin is not None:
            _registry.pm.unregister(plugin)
        _registry.dists.pop(name, None)
        _registry.cache.clear()


def reset_plugins() -> None:
    """Forget every plugin, so that the next lookup loads them again."""
    global _registry  # noqa: PLW0603 - the registry is process-wide by design
    _registry = _Registry()


def get_engine(name: str) -> type[Any]:
    """Return the engine class registered as ``name`` (``"shac"``, ``"torch"``, ...).

    Raises:
        PluginError: If no plugin provides the name, saying what is available and
            what to install, or if two plugins claim it.
    """
    cls: type[Any] = _registry.lookup("engines", name)
    return cls


def available_engines() -> list[str]:
    """Return the sorted names of every registered engine."""
    return sorted(_registry.offers("engines"))


def get_policy(name: str) -> type[BasePolicy]:
    """Return the evaluation policy class registered as ``name``.

    Raises:
        PluginError: As for :func:`get_engine`.
    """
    cls: type[BasePolicy] = _registry.lookup("policies", name)
    return cls


def available_policies() -> list[str]:
    """Return the sorted names of every registered evaluation policy."""
    return sorted(_registry.offers("policies"))


def list_plugins() -> list[PluginInfo]:
    """Describe every plugin, broken ones included, without importing frameworks."""
    engines = _registry.offers("engines")
    policies = _registry.offers("policies")
    infos: list[PluginInfo] = []
    for name, _plugin in _registry.pm.list_name_plugin():
        dist, version = _registry.dists.get(name, (None, None))
        infos.append(
            PluginInfo(
                name,
                dist,
                version,
                engines=sorted(k for k, v in engines.items() if any(p == name for _, p in v)),
                policies=sorted(k for k, v in policies.items() if any(p == name for _, p in v)),
            )
        )
    infos.extend(_registry.broken.values())
    return sorted(infos, key=lambda info: info.name)
