"""Hook specifications: what a shac plugin may provide.

A plugin is any module or object with functions named after these specs and marked
with :data:`hookimpl`. Installed distributions announce their plugin under the
``shac`` entry-point group; the entry point's name becomes the plugin's name.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from typing import Any

import pluggy


if TYPE_CHECKING:
    from shac_core.policies import BasePolicy


__all__ = ["hookimpl", "hookspec"]

#: Marks the specs below; for shac itself only.
hookspec = pluggy.HookspecMarker("shac")

#: Marks a plugin's implementation of a hook.
hookimpl = pluggy.HookimplMarker("shac")


# --------------------------------------------------------------------------------
# Providers: called when a lookup first needs what the plugins offer
# --------------------------------------------------------------------------------


@hookspec
def shac_register_engines() -> dict[str, type[Any]]:
    """Return the engines this plugin provides, by name.

    Called the first time any engine is looked up (``get_engine``,
    ``available_engines``, ``shac plugins``), and again after a plugin is registered
    or unregistered in code, so it may run more than once per process.

    Returns:
        A mapping of name to engine class, a subclass of ``shac_core.SHAC``, or
        ``None`` to offer nothing. Several names may map to one class, which is how
        aliases are made (``"tf"`` and ``"tensorflow"``). The results of all plugins
        are merged; two plugins that map one name to different classes make the
        lookup of that name fail with an error naming both distributions, and no
        plugin wins by installation order.

    Note:
        For plugin authors: import your framework lazily. This hook runs when users
        merely list plugins, so the module defining the engine class must not import
        TensorFlow, PyTorch or the like at module level; import them inside the
        methods that run evaluations. Return the same mapping on every call and do
        nothing else. A hook that raises, or returns something other than a mapping,
        costs one warning and the whole plugin is skipped.
    """
    raise NotImplementedError


@hookspec
def shac_register_policies() -> dict[str, type[BasePolicy]]:
    """Return the evaluation policies this plugin provides, by name.

    Called the first time any policy is looked up, for example when an engine's
    ``evaluator_backend`` is set to a name, and again after a plugin is registered or
    unregistered in code.

    Returns:
        A mapping of name to a subclass of ``shac_core.BasePolicy``, whose
        constructor accepts ``n_workers`` as its first argument, or ``None`` to offer
        nothing. Merged across plugins as for :func:`shac_register_engines`, clashes
        included.

    Note:
        For plugin authors: keep cluster or framework imports inside the policy's
        methods, so that listing plugins stays cheap. Engines create the policy
        from its name with the number of workers only; options beyond that are for
        users who pass an instance to ``evaluator_backend``.
    """
    raise NotImplementedError
