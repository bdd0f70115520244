from __future__ import annotations

import pytest

import shac_core as sc
from shac_core.engine import _plugin as engine_plugin
from shac_core.plugins import _builtin
from shac_core.plugins import get_plugin_manager


@pytest.mark.parametrize(
    ("name", "policy"),
    [
        ("sequential", sc.SequentialPolicy),
        ("threading", sc.ThreadingPolicy),
        ("threads", sc.ThreadingPolicy),
        ("loky", sc.LokyPolicy),
        ("processes", sc.LokyPolicy),
    ],
)
def test_builtin_policies_resolve_by_name(name, policy):
    assert sc.get_policy(name) is policy


@pytest.mark.parametrize("name", ["shac", "default"])
def test_builtin_engine_resolves_by_name(name):
    assert sc.get_engine(name) is sc.SHAC


def test_builtins_register_through_the_plugin_manager():
    pm = get_plugin_manager()

    assert pm.get_plugin("shac") is engine_plugin
    assert pm.get_plugin("shac-policies") is _builtin
    assert pm.hook.shac_register_policies.get_hookimpls()[0].plugin is _builtin


def test_builtins_are_listed_as_shac_core():
    infos = {info.name: info for info in sc.list_plugins()}

    assert infos["shac"].distribution == "shac-core"
    assert infos["shac"].version == sc.__version__
    assert infos["shac"].engines == ["default", "shac"]
    assert infos["shac-policies"].distribution == "shac-core"
    assert {"loky", "processes", "sequential", "threading", "threads"} <= set(
        infos["shac-policies"].policies
    )


def test_builtin_policy_names_match_their_classes():
    offered = _builtin.shac_register_policies()

    for name, policy in offered.items():
        assert issubclass(policy, sc.BasePolicy)
        assert name == policy.name or policy.name in offered


def test_builtin_engine_name_matches_its_class():
    assert engine_plugin.shac_register_engines()[sc.SHAC.engine_name] is sc.SHAC


def test_builtins_load_with_autoload_disabled(monkeypatch):
    monkeypatch.setenv("SHAC_DISABLE_PLUGIN_AUTOLOAD", "1")

    assert sc.available_engines() == ["default", "shac"]
    assert "sequential" in sc.available_policies()
