"""The plugin manager: loading plugins, merging what they offer, and lookups.

Plugins are found once, lazily, on the first lookup: the built-in engine and
policies first, then every entry point of the ``shac`` group. A plugin that fails to
import costs one warning and stays listed as broken; the others keep working.
"""

from __future__ import annotations

from collections.abc import Mapping
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
_SINGULAR = {"engines": "engine", "policies": "policy"}
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
        self.autoload = True
        self.blocked: list[str] = []
        self.dists: dict[str, tuple[str | None, str | None]] = {}
        self.broken: list[PluginInfo] = []
        self.cache: dict[str, dict[str, list[tuple[Any, str]]]] = {}

    def ensure_loaded(self) -> None:
        with self.lock:
            if self.loaded:
                return
            self.loaded = True
            for name, module in _BUILTINS.items():
                self.pm.register(importlib.import_module(module), name=name)
                self.dists[name] = ("shac-core", _version("shac-core"))
            self.pm.check_pending()  # a failure here is a bug in shac itself

            self.autoload = os.environ.get(DISABLE_ENV, "") in ("", "0")
            if not self.autoload:
                _logger.info(
                    "%s is set; installed plugins are not loaded.", DISABLE_ENV
                )
                return
            failures = self._load_entry_points()

        # Warn only once the registry is complete, so that a warning turned into an
        # error (``-W error``) cannot leave the remaining plugins unloaded.
        for message in failures:
            _warn(message)

    def _load_entry_points(self) -> list[str]:
        blocked = {
            b.strip() for b in os.environ.get(BLOCK_ENV, "").split(",") if b.strip()
        }
        failures: list[str] = []
        for ep in entry_points(group=ENTRY_POINT_GROUP):
            dist = getattr(ep.dist, "name", None)
            version = getattr(ep.dist, "version", None)
            if ep.name in blocked:
                _logger.info(
                    "Plugin %r from %r is blocked by %s.", ep.name, dist, BLOCK_ENV
                )
                self.blocked.append(ep.name)
                continue

            error = self._load_one(ep, dist)
            if error is None:
                continue
            self.broken.append(PluginInfo(ep.name, dist, version, error=error))
            failures.append(
                f"Plugin {ep.name!r} from distribution {dist!r} (entry point "
                f"{ep.value!r}) failed to load and is skipped: {error}"
            )
        return failures

    def _load_one(self, ep: Any, dist: str | None) -> str | None:
        """Load and register one entry point; return why it failed, or ``None``."""
        if ep.name in self.dists:
            owner = self.dists[ep.name][0]
            return (
                f"distribution {owner!r} already registered a plugin named {ep.name!r}; "
                "uninstall one of the two."
            )

        try:
            plugin = ep.load()
        except Exception as err:  # noqa: BLE001 - one broken plugin must not stop shac
            return f"{type(err).__name__}: {err}"

        if self.pm.is_registered(plugin):  # a second entry point naming the same module
            _logger.debug("Entry point %r names an already registered plugin.", ep.name)
            return None
        error = self.add(plugin, ep.name)
        if error is None:
            self.dists[ep.name] = (dist, getattr(ep.dist, "version", None))
        return error

    def add(self, plugin: object, name: str) -> str | None:
        """Register ``plugin`` and check its hooks; return why it failed, or ``None``."""
        try:
            self.pm.register(plugin, name=name)
        except pluggy.PluginValidationError as err:
            self.pm.unregister(name=name)  # pluggy may have registered part of it
            return "PluginValidationError: " + "; ".join(str(err).splitlines())

        unknown = sorted(
            caller.name
            for caller in self.pm.get_hookcallers(plugin) or []
            if not caller.has_spec()
            and any(
                i.plugin is plugin and not i.optionalhook
                for i in caller.get_hookimpls()
            )
        )
        if unknown:
            self.pm.unregister(name=name)
            return (
                f"it implements unknown hooks {unknown}; shac's hooks are "
                f"{_hook_names()}. Fix the name, or mark the function "
                "`@hookimpl(optionalhook=True)`."
            )
        return None

    def offers(self, kind: str) -> dict[str, list[tuple[Any, str]]]:
        self.ensure_loaded()
        with self.lock:
            merged = self.cache.get(kind)
            if merged is not None:
                return merged

            merged, failed = self._collect(kind)
            for impl, error in failed:
                self._drop(impl.plugin_name, error)
            if failed:  # what the dropped plugins offered of other kinds goes too
                self.cache.clear()
            self.cache[kind] = merged

        for impl, error in failed:
            _warn_at(impl.function, f"Plugin {impl.plugin_name!r} is skipped: {error}")
        return merged

    def _collect(
        self, kind: str
    ) -> tuple[dict[str, list[tuple[Any, str]]], list[tuple[Any, str]]]:
        hook = getattr(self.pm.hook, f"shac_register_{kind}")
        merged: dict[str, list[tuple[Any, str]]] = {}
        failed: list[tuple[Any, str]] = []
        for impl in hook.get_hookimpls():
            try:
                offered = impl.function()
            except Exception as err:  # noqa: BLE001 - a buggy plugin must not stop shac
                failed.append(
                    (impl, f"its {hook.name} raised {type(err).__name__}: {err}")
                )
                continue
            if offered is None:
                continue
            if not isinstance(offered, Mapping) or not all(
                isinstance(k, str) for k in offered
            ):
                error = f"its {hook.name} must return a dict of names, got {offered!r}."
                failed.append((impl, error))
                continue

            for key, obj in offered.items():
                entries = merged.setdefault(key, [])
                if all(obj is not other for other, _ in entries):
                    entries.append((obj, impl.plugin_name))
        return merged, failed

    def _drop(self, name: str, error: str) -> None:
        dist, version = self.dists.pop(name, (None, None))
        self.pm.unregister(name=name)
        self.broken.append(PluginInfo(name, dist, version, error=error))

    def lookup(self, kind: str, name: str) -> Any:
        offers = self.offers(kind)
        entries = offers.get(name)
        if not entries:
            raise PluginError(self._missing(kind, name, offers))

        if len(entries) > 1:
            who = " and ".join(
                f"plugin {plugin!r} (distribution {self.dists.get(plugin, (None,))[0]!r})"
                for _, plugin in entries
            )
            msg = (
                f"{_SINGULAR[kind].capitalize()} {name!r} is claimed by {who}; "
                f"uninstall one, or block one with the {BLOCK_ENV} environment variable."
            )
            raise PluginError(msg, plugin=entries[1][1])
        return entries[0][0]

    def _missing(self, kind: str, name: str, offers: Mapping[str, Any]) -> str:
        known = ", ".join(sorted(offers)) or "none"
        msg = f"No {_SINGULAR[kind]} is registered as {name!r}; available: {known}."
        extra = _FIRST_PARTY.get(name)
        present = [*self.blocked, *(info.name for info in self.broken)]
        if extra is not None and extra not in present:
            msg += f' Install it with `pip install "shac-core[{extra}]"`.'
        if not self.autoload:
            msg += f" Installed plugins were not loaded because {DISABLE_ENV} is set."
        if self.blocked:
            msg += f" {BLOCK_ENV} blocked: {', '.join(self.blocked)}."
        if self.broken:
            failed = "; ".join(
                f"{info.name!r} from {info.distribution!r}: {info.error}"
                for info in self.broken
            )
            msg += f" Plugins that failed to load: {failed}"
        return msg


def _version(dist: str) -> str | None:
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version

    try:
        return version(dist)
    except PackageNotFoundError:
        return None


def _hook_names() -> list[str]:
    return sorted(n for n in dir(_hookspecs) if n.startswith("shac_"))


# The package folder, so that warnings can point at the first frame outside shac.
_PACKAGE_DIR = os.path.dirname(os.path.dirname(__file__)) + os.sep


def _warn(message: str) -> None:
    """Issue a ShacWarning that points at the first caller outside shac_core."""
    frame = sys._getframe(1)
    level = 2
    while frame.f_back is not None and frame.f_code.co_filename.startswith(
        _PACKAGE_DIR
    ):
        frame = frame.f_back
        level += 1
    warnings.warn(message, ShacWarning, stacklevel=level)


def _warn_at(function: Any, message: str) -> None:
    """Issue a ShacWarning that points at a plugin's hook function, as pluggy does."""
    code = getattr(function, "__code__", None)
    if code is None:
        _warn(message)
        return
    warnings.warn_explicit(
        message, ShacWarning, filename=code.co_filename, lineno=code.co_firstlineno
    )


_registry = _Registry()


def get_plugin_manager() -> pluggy.PluginManager:
    """Return shac's pluggy plugin manager, with every plugin loaded."""
    _registry.ensure_loaded()
    return _registry.pm


def register_plugin(plugin: object, name: str | None = None) -> str:
    """Register a plugin object (a module, class or instance) without an entry point.

    Handy in tests and notebooks. Lookups made afterwards see what it offers. The
    plugin is registered even if its name is listed in ``SHAC_BLOCK_PLUGINS``, which
    applies to installed plugins only.

    Args:
        plugin: An object with ``shac_register_*`` functions marked ``hookimpl``.
        name: The plugin's name; defaults to the module's or class's ``__name__``.

    Returns:
        The name it was registered under.

    Raises:
        PluginError: If the name or the object is registered already, or the plugin
            implements a hook that does not exist or with the wrong arguments.
    """
    _registry.ensure_loaded()
    with _registry.lock:
        pm = _registry.pm
        registered = name or pm.get_canonical_name(plugin)
        if pm.is_registered(plugin):
            msg = (
                f"A plugin object may be registered once, but {plugin!r} is registered "
                f"as {pm.get_name(plugin)!r}; call `unregister_plugin` first."
            )
            raise PluginError(msg, plugin=registered)
        if pm.has_plugin(registered) or registered in _registry.dists:
            msg = (
                f"Plugin names must be unique, but {registered!r} is taken; pass another "
                "`name`, or call `unregister_plugin` first."
            )
            raise PluginError(msg, plugin=registered)

        error = _registry.add(plugin, registered)
        if error is not None:
            msg = f"Plugin {registered!r} cannot be registered: {error}"
            raise PluginError(msg, plugin=registered)
        _registry.dists[registered] = (None, None)
        _registry.cache.clear()
        return registered


def unregister_plugin(name: str) -> None:
    """Remove a plugin registered under ``name``; unknown names are ignored."""
    with _registry.lock:
        if _registry.pm.get_plugin(name) is not None:
            _registry.pm.unregister(name=name)
        _registry.dists.pop(name, None)
        _registry.cache.clear()


def reset_plugins() -> None:
    """Forget every plugin, so that the next lookup loads them again."""
    global _registry  # the registry is process-wide by design
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
                engines=sorted(
                    k for k, v in engines.items() if any(p == name for _, p in v)
                ),
                policies=sorted(
                    k for k, v in policies.items() if any(p == name for _, p in v)
                ),
            )
        )
    infos.extend(_registry.broken)
    return sorted(infos, key=lambda info: (info.name, info.error is not None))
