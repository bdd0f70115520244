from __future__ import annotations

import os
import subprocess
import sys
import threading
import warnings

import pluggy
import pytest

import shac_core as sc
from shac_core import plugins
from shac_core.plugins import get_plugin_manager


# A plugin module offering the engine ``good-engine`` (alias ``good-alias``) and the
# policy ``good-policy``; each call of its hooks is appended to ``CALLS``.
GOOD = """
    from __future__ import annotations

    import shac_core

    CALLS = []


    class GoodSHAC(shac_core.SHAC):
        engine_name = "good-engine"


    class GoodPolicy(shac_core.BasePolicy):
        name = "good-policy"

        def imap_unordered(self, task, items):
            for position, item in enumerate(items):
                yield position, task(item, 0)


    @shac_core.hookimpl
    def shac_register_engines():
        CALLS.append("engines")
        return {"good-engine": GoodSHAC, "good-alias": GoodSHAC}


    @shac_core.hookimpl
    def shac_register_policies():
        CALLS.append("policies")
        return {"good-policy": GoodPolicy}
"""

BROKEN = """
    raise ImportError("fakeplug_broken needs the missing framework 'unobtainium'")
"""

# Claims ``good-engine`` with a class of its own.
RIVAL = """
    import shac_core


    class RivalSHAC(shac_core.SHAC):
        pass


    @shac_core.hookimpl
    def shac_register_engines():
        return {"good-engine": RivalSHAC, "rival-only": RivalSHAC}
"""


class Provider:
    """A plugin written as a class, registered in code."""

    class Engine(sc.SHAC):
        engine_name = "provided"

    class Policy(sc.BasePolicy):
        name = "provided-policy"
        ran: list[int] = []  # noqa: RUF012 - shared record of the positions run

        def imap_unordered(self, task, items):
            for position, item in enumerate(items):
                type(self).ran.append(position)
                yield position, task(item, 0)

    @sc.hookimpl
    def shac_register_engines(self):
        return {"provided": self.Engine}

    @sc.hookimpl
    def shac_register_policies(self):
        return {"provided-policy": self.Policy}


def _block(monkeypatch, names):
    """Block ``names`` on top of what the ``installed`` fixture blocks already."""
    monkeypatch.setenv(
        "SHAC_BLOCK_PLUGINS", f"{os.environ['SHAC_BLOCK_PLUGINS']},{names}"
    )


def _install_good(installed):
    installed("fake-good", {"good": "fakeplug_good"}, {"fakeplug_good": GOOD}, "1.2.0")


# -- lookups ---------------------------------------------------------------------


def test_exported_members():
    assert set(plugins.__all__) <= set(dir(plugins))
    for name in ("get_engine", "available_engines", "get_policy", "available_policies"):
        assert getattr(sc, name) is getattr(plugins, name)
    assert sc.register_plugin is plugins.register_plugin
    assert sc.hookimpl is plugins.hookimpl


def test_get_plugin_manager_is_pluggy_for_project_shac():
    pm = get_plugin_manager()

    assert isinstance(pm, pluggy.PluginManager)
    assert pm.project_name == "shac"
    assert pm.has_plugin("shac")


@pytest.mark.parametrize(
    ("name", "extra"),
    [("tensorflow", "tf"), ("tf", "tf"), ("keras", "keras"), ("torch", "torch")],
)
def test_get_engine_unknown_first_party_name_says_what_to_install(name, extra):
    with pytest.raises(
        sc.PluginError, match=rf'pip install "shac-core\[{extra}\]"'
    ) as info:
        sc.get_engine(name)

    assert f"No engine is registered as {name!r}; available: default, shac." in str(
        info.value
    )


def test_get_engine_unknown_name_lists_available_without_install_hint():
    with pytest.raises(sc.PluginError, match="available: default, shac") as info:
        sc.get_engine("nonesuch")

    assert "pip install" not in str(info.value)
    assert info.value.plugin is None


def test_get_policy_unknown_name_says_autoload_is_disabled():
    with pytest.raises(sc.PluginError, match="SHAC_DISABLE_PLUGIN_AUTOLOAD is set"):
        sc.get_policy("nonesuch")


def test_plugin_error_is_a_lookup_error():
    with pytest.raises(LookupError, match="nonesuch"):
        sc.get_policy("nonesuch")


# -- register_plugin ---------------------------------------------------------------


def test_register_plugin_offers_engine_and_policy():
    name = sc.register_plugin(Provider(), name="provider")

    assert name == "provider"
    assert sc.get_engine("provided") is Provider.Engine
    assert sc.get_policy("provided-policy") is Provider.Policy
    assert "provided" in sc.available_engines()
    assert "provided-policy" in sc.available_policies()


def test_register_plugin_names_a_module_after_itself():
    module = type(sys)("fakeplug_inline")
    module.shac_register_engines = sc.hookimpl(lambda: {"inline": sc.SHAC})

    assert sc.register_plugin(module) == "fakeplug_inline"
    assert sc.get_engine("inline") is sc.SHAC


def test_register_plugin_shows_in_list_plugins_without_distribution():
    sc.register_plugin(Provider(), name="provider")

    (info,) = [i for i in sc.list_plugins() if i.name == "provider"]

    assert info == sc.plugins.PluginInfo(
        "provider", None, None, engines=["provided"], policies=["provided-policy"]
    )


def test_register_plugin_rejects_a_taken_name():
    sc.register_plugin(Provider(), name="provider")

    with pytest.raises(
        sc.PluginError, match="'provider' is taken; pass another `name`"
    ):
        sc.register_plugin(Provider(), name="provider")
    with pytest.raises(sc.PluginError, match="'shac' is taken"):
        sc.register_plugin(Provider(), name="shac")


def test_register_plugin_rejects_the_same_object_twice():
    plugin = Provider()
    sc.register_plugin(plugin, name="provider")

    with pytest.raises(sc.PluginError, match="registered as 'provider'"):
        sc.register_plugin(plugin, name="again")


def test_register_plugin_rejects_an_unknown_hook_and_keeps_nothing():
    class Typo:
        @sc.hookimpl
        def shac_register_engine(self):
            return {"typo": sc.SHAC}

    with pytest.raises(
        sc.PluginError, match=r"unknown hooks \['shac_register_engine'\]"
    ):
        sc.register_plugin(Typo(), name="typo")

    assert not get_plugin_manager().has_plugin("typo")
    sc.register_plugin(Provider(), name="typo")  # the name is free again


def test_register_plugin_accepts_an_unknown_optional_hook():
    class Future:
        @sc.hookimpl(optionalhook=True)
        def shac_hook_of_the_future(self):
            raise NotImplementedError

        @sc.hookimpl
        def shac_register_engines(self):
            return {"future": sc.SHAC}

    sc.register_plugin(Future(), name="future")

    assert sc.get_engine("future") is sc.SHAC


def test_register_plugin_rejects_arguments_the_spec_lacks():
    class Greedy:
        @sc.hookimpl
        def shac_register_engines(self, config):
            return {}

    with pytest.raises(sc.PluginError, match=r"PluginValidationError.*config"):
        sc.register_plugin(Greedy(), name="greedy")

    assert not get_plugin_manager().has_plugin("greedy")


def test_unregister_plugin_withdraws_its_offers():
    sc.register_plugin(Provider(), name="provider")
    assert "provided" in sc.available_engines()

    sc.unregister_plugin("provider")
    sc.unregister_plugin("never-registered")

    assert "provided" not in sc.available_engines()
    with pytest.raises(
        sc.PluginError, match="No policy is registered as 'provided-policy'"
    ):
        sc.get_policy("provided-policy")


def test_evaluator_backend_accepts_any_registered_policy(make_engine):
    sc.register_plugin(Provider(), name="provider")
    Provider.Policy.ran.clear()
    engine = make_engine(total_budget=6, num_batches=2)

    engine.evaluator_backend = "provided-policy"
    history = engine.fit(lambda worker_id, params: params["x"], progress=False)

    assert len(history) == 6
    assert sorted(Provider.Policy.ran) == [0, 0, 1, 1, 2, 2]


def test_evaluator_backend_rejects_an_unregistered_name(make_engine):
    engine = make_engine(total_budget=6, num_batches=2)

    with pytest.raises(
        sc.PluginError, match=r"available: .*loky, processes, sequential"
    ):
        engine.evaluator_backend = "provided-policy"


# -- clashes -------------------------------------------------------------------------


def test_two_plugins_claiming_one_name_fail_on_lookup_naming_both():
    class Other(sc.SHAC):
        pass

    class Rival:
        @sc.hookimpl
        def shac_register_engines(self):
            return {"provided": Other}

    sc.register_plugin(Provider(), name="provider")
    sc.register_plugin(Rival(), name="rival")

    with pytest.raises(sc.PluginError, match="'provided' is claimed by") as info:
        sc.get_engine("provided")

    assert "plugin 'provider'" in str(info.value)
    assert "plugin 'rival'" in str(info.value)
    assert info.value.plugin in {"provider", "rival"}
    assert "provided" in sc.available_engines()
    assert sc.get_policy("provided-policy") is Provider.Policy  # the rest still works


def test_two_plugins_offering_the_same_class_do_not_clash():
    class Echo:
        @sc.hookimpl
        def shac_register_engines(self):
            return {"shac": sc.SHAC}

    sc.register_plugin(Echo(), name="echo")

    assert sc.get_engine("shac") is sc.SHAC


# -- plugins that misbehave ------------------------------------------------------------


def test_plugin_whose_hook_raises_is_skipped_with_one_warning():
    class Faulty:
        @sc.hookimpl
        def shac_register_engines(self):
            msg = "engine table corrupt"
            raise RuntimeError(msg)

    sc.register_plugin(Faulty(), name="faulty")

    with pytest.warns(
        sc.ShacWarning, match="'faulty' is skipped.*RuntimeError: engine"
    ) as rec:
        assert sc.available_engines() == ["default", "shac"]

    assert rec[0].filename == __file__  # points at the plugin's hook
    assert sc.get_policy("sequential") is sc.SequentialPolicy  # no second warning
    (info,) = [i for i in sc.list_plugins() if i.name == "faulty"]
    assert "RuntimeError: engine table corrupt" in info.error


def test_plugin_whose_hook_returns_no_mapping_is_skipped_with_a_warning():
    class Listy:
        @sc.hookimpl
        def shac_register_policies(self):
            return ["listy"]

    sc.register_plugin(Listy(), name="listy")

    with pytest.warns(
        sc.ShacWarning, match=r"must return a dict of names, got \['listy'\]"
    ):
        sc.get_policy("threading")


# -- installed plugins (real entry points in a real dist-info) -------------------------


def test_installed_plugin_loads_lazily_on_first_lookup(installed):
    _install_good(installed)
    assert "fakeplug_good" not in sys.modules

    engine = sc.get_engine("good-engine")

    assert engine.__module__ == "fakeplug_good"
    assert sc.get_engine("good-alias") is engine
    assert sys.modules["fakeplug_good"].CALLS == ["engines"]


def test_installed_plugin_hooks_run_once_for_many_lookups(installed):
    _install_good(installed)

    for _ in range(3):
        sc.available_engines()
        sc.available_policies()
        sc.get_policy("good-policy")

    assert sys.modules["fakeplug_good"].CALLS == ["engines", "policies"]


def test_installed_plugin_loads_once_under_concurrent_lookups(installed):
    _install_good(installed)
    barrier = threading.Barrier(8)
    found = []

    def look():
        barrier.wait()
        found.append(sc.get_engine("good-engine"))

    threads = [threading.Thread(target=look) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(found) == 8
    assert len(set(found)) == 1
    assert sys.modules["fakeplug_good"].CALLS == ["engines"]


def test_installed_plugin_is_listed_with_distribution_and_version(installed):
    _install_good(installed)

    infos = {info.name: info for info in sc.list_plugins()}

    assert infos["good"] == sc.plugins.PluginInfo(
        "good",
        "fake-good",
        "1.2.0",
        engines=["good-alias", "good-engine"],
        policies=["good-policy"],
    )
    assert infos["shac"].distribution == "shac-core"


def test_broken_plugin_costs_one_warning_naming_distribution_entry_point_and_error(
    installed,
):
    _install_good(installed)
    installed("fake-broken", {"broken": "fakeplug_broken"}, {"fakeplug_broken": BROKEN})

    with pytest.warns(sc.ShacWarning) as rec:
        engines = sc.available_engines()

    assert len(rec) == 1
    message = str(rec[0].message)
    assert "Plugin 'broken' from distribution 'fake-broken'" in message
    assert "(entry point 'fakeplug_broken')" in message
    assert "ImportError: fakeplug_broken needs the missing framework" in message
    assert rec[0].filename == __file__  # points at the caller, not at shac
    assert "good-engine" in engines
    sc.get_engine("good-engine")  # warnings are errors here: no second one


def test_broken_plugin_is_listed_with_its_error(installed):
    installed("fake-broken", {"broken": "fakeplug_broken"}, {"fakeplug_broken": BROKEN})

    with pytest.warns(sc.ShacWarning, match="unobtainium"):
        infos = {info.name: info for info in sc.list_plugins()}

    assert infos["broken"].distribution == "fake-broken"
    assert infos["broken"].version == "1.0.0"
    assert infos["broken"].engines == []
    assert infos["broken"].error.startswith("ImportError: fakeplug_broken needs")


def test_broken_plugin_is_named_when_a_lookup_fails(installed):
    installed("fake-broken", {"broken": "fakeplug_broken"}, {"fakeplug_broken": BROKEN})
    with pytest.warns(sc.ShacWarning, match="unobtainium"):
        sc.available_engines()

    with pytest.raises(
        sc.PluginError, match="failed to load: 'broken' from 'fake-broken'"
    ):
        sc.get_engine("unobtainium")


def test_broken_plugin_warning_raised_as_error_still_loads_the_rest(installed):
    _install_good(installed)
    broken = {"fakeplug_broken": BROKEN}
    installed("fake-broken", {"broken": "fakeplug_broken"}, broken, first=True)

    with warnings.catch_warnings():
        warnings.simplefilter("error", sc.ShacWarning)
        with pytest.raises(sc.ShacWarning, match="'broken'"):
            sc.available_engines()

    assert sc.get_policy("good-policy").__module__ == "fakeplug_good"


def test_installed_plugin_with_an_unknown_hook_is_skipped(installed):
    typo = """
        import shac_core

        @shac_core.hookimpl
        def shac_register_engine():
            return {}
    """
    installed("fake-typo", {"typo": "fakeplug_typo"}, {"fakeplug_typo": typo})
    _install_good(installed)

    with pytest.warns(
        sc.ShacWarning, match=r"'typo'.*unknown hooks \['shac_register_engine'\]"
    ):
        assert sc.get_engine("good-engine").__name__ == "GoodSHAC"


def test_installed_plugins_claiming_one_name_fail_naming_both_distributions(installed):
    _install_good(installed)
    installed("fake-rival", {"rival": "fakeplug_rival"}, {"fakeplug_rival": RIVAL})

    with pytest.raises(sc.PluginError, match="'good-engine' is claimed by") as info:
        sc.get_engine("good-engine")

    assert "plugin 'good' (distribution 'fake-good')" in str(info.value)
    assert "plugin 'rival' (distribution 'fake-rival')" in str(info.value)
    assert "SHAC_BLOCK_PLUGINS" in str(info.value)
    assert sc.get_engine("rival-only").__module__ == "fakeplug_rival"


def test_installed_plugins_sharing_an_entry_point_name_keep_the_first(installed):
    _install_good(installed)
    twin = RIVAL.replace("rival-only", "twin-only")
    installed("fake-twin", {"good": "fakeplug_twin"}, {"fakeplug_twin": twin})

    with pytest.warns(
        sc.ShacWarning, match="'fake-twin'.*'fake-good' already registered"
    ):
        infos = sc.list_plugins()

    assert [
        (i.name, i.distribution, i.error is None) for i in infos if i.name == "good"
    ] == [
        ("good", "fake-good", True),
        ("good", "fake-twin", False),
    ]


def test_two_entry_points_naming_one_module_register_it_once(installed):
    installed(
        "fake-good",
        {"good": "fakeplug_good", "good2": "fakeplug_good"},
        {"fakeplug_good": GOOD},
    )

    assert sc.get_engine("good-engine").__module__ == "fakeplug_good"
    assert [i.name for i in sc.list_plugins()] == ["good", "shac", "shac-policies"]


# -- environment variables ----------------------------------------------------------


def test_disable_autoload_keeps_installed_plugins_out(installed, monkeypatch):
    _install_good(installed)
    monkeypatch.setenv("SHAC_DISABLE_PLUGIN_AUTOLOAD", "1")

    with pytest.raises(
        sc.PluginError, match="not loaded because SHAC_DISABLE_PLUGIN_AUTOLOAD"
    ):
        sc.get_engine("good-engine")

    assert "fakeplug_good" not in sys.modules
    assert sc.get_engine("shac") is sc.SHAC  # built-ins stay


def test_disable_autoload_zero_means_enabled(installed, monkeypatch):
    _install_good(installed)
    monkeypatch.setenv("SHAC_DISABLE_PLUGIN_AUTOLOAD", "0")

    assert sc.get_engine("good-engine").__name__ == "GoodSHAC"


def test_block_plugins_skips_named_plugins(installed, monkeypatch):
    _install_good(installed)
    installed("fake-broken", {"broken": "fakeplug_broken"}, {"fakeplug_broken": BROKEN})
    _block(monkeypatch, "good, broken,unrelated")

    with pytest.raises(
        sc.PluginError, match=r"SHAC_BLOCK_PLUGINS blocked: (.+, )?good"
    ):
        sc.get_engine("good-engine")  # and no warning about the broken one

    assert "fakeplug_good" not in sys.modules
    assert [i.name for i in sc.list_plugins()] == ["shac", "shac-policies"]


def test_block_plugins_drops_the_install_hint_for_a_blocked_backend(
    installed, monkeypatch
):
    installed("fake-torch", {"torch": "fakeplug_good"}, {"fakeplug_good": GOOD})
    _block(monkeypatch, "torch")

    with pytest.raises(
        sc.PluginError, match=r"SHAC_BLOCK_PLUGINS blocked: (.+, )?torch"
    ) as info:
        sc.get_engine("torch")

    assert "pip install" not in str(info.value)


def test_block_plugins_settles_a_clash(installed, monkeypatch):
    _install_good(installed)
    installed("fake-rival", {"rival": "fakeplug_rival"}, {"fakeplug_rival": RIVAL})
    _block(monkeypatch, "rival")

    assert sc.get_engine("good-engine").__module__ == "fakeplug_good"


def test_block_plugins_does_not_apply_to_code(monkeypatch):
    monkeypatch.setenv("SHAC_BLOCK_PLUGINS", "provider,shac-policies")

    sc.register_plugin(Provider(), name="provider")

    assert sc.get_engine("provided") is Provider.Engine
    assert sc.get_policy("loky") is sc.LokyPolicy  # built-ins cannot be blocked


# -- no framework imports ------------------------------------------------------------


def test_listing_plugins_imports_no_framework():
    """Run in a fresh interpreter with every installed plugin, as `shac plugins` does."""
    code = (
        "import sys, shac_core\n"
        "shac_core.list_plugins(); shac_core.available_engines()\n"
        "print(sorted({'tensorflow', 'torch', 'keras', 'jax'} & set(sys.modules)))\n"
    )

    env = {k: v for k, v in os.environ.items() if not k.startswith("SHAC_")}

    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
        env=env,
    )

    assert done.stdout.strip() == "[]"
