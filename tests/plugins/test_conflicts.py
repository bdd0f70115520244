"""A broken and a clashing plugin, installed from wheels beside thirdparty-backend.

broken-backend's entry-point module imports a framework that is not installed;
clashing-backend claims the engine name ``scaled`` that thirdparty-backend provides.
Each test selects what it needs through the real environment variables.
"""

from __future__ import annotations

import importlib.metadata

import pytest
import thirdparty_backend

import shac_core as sc


BROKEN_WARNING = (
    r"Plugin 'broken' from distribution 'broken-backend' \(entry point "
    r"'broken_backend._plugin'\) failed to load and is skipped: "
    r"ModuleNotFoundError: No module named 'unobtainium'"
)


def test_environment_holds_all_three_plugins():
    versions = {
        dist: importlib.metadata.version(dist)
        for dist in ("thirdparty-backend", "broken-backend", "clashing-backend")
    }

    assert versions == {
        "thirdparty-backend": "0.3.0",
        "broken-backend": "0.1.0",
        "clashing-backend": "0.2.0",
    }


def test_broken_plugin_costs_one_warning_and_the_rest_works(monkeypatch):
    monkeypatch.setenv("SHAC_BLOCK_PLUGINS", "clashing")

    with pytest.warns(sc.ShacWarning, match=BROKEN_WARNING) as record:
        engine = sc.get_engine("scaled")

    assert len(record) == 1
    assert record[0].filename == __file__
    assert engine is thirdparty_backend.ScaledSHAC
    assert sc.get_policy("inline") is thirdparty_backend.InlinePolicy  # no new warning


def test_broken_plugin_is_listed_with_its_error(monkeypatch):
    monkeypatch.setenv("SHAC_BLOCK_PLUGINS", "clashing")

    with pytest.warns(sc.ShacWarning, match=BROKEN_WARNING):
        infos = {info.name: info for info in sc.list_plugins()}

    assert infos["broken"] == sc.plugins.PluginInfo(
        "broken",
        "broken-backend",
        "0.1.0",
        error="ModuleNotFoundError: No module named 'unobtainium'",
    )
    assert infos["thirdparty"].engines == ["scaled"]


def test_shac_plugins_command_shows_the_broken_plugin(shac_command):
    out, err = shac_command("plugins", SHAC_BLOCK_PLUGINS="clashing")

    assert (
        "broken  [broken-backend 0.1.0]\n"
        "    BROKEN: ModuleNotFoundError: No module named 'unobtainium'\n"
    ) in out
    assert "thirdparty  [thirdparty-backend 0.3.0]" in out
    assert "ShacWarning: Plugin 'broken' from distribution 'broken-backend'" in err
    assert err.count("ShacWarning") == 1


def test_two_plugins_claiming_one_engine_fail_naming_both(monkeypatch):
    monkeypatch.setenv("SHAC_BLOCK_PLUGINS", "broken")

    with pytest.raises(sc.PluginError, match="Engine 'scaled' is claimed by") as info:
        sc.get_engine("scaled")

    message = str(info.value)
    assert "plugin 'thirdparty' (distribution 'thirdparty-backend')" in message
    assert "plugin 'clashing' (distribution 'clashing-backend')" in message
    assert "block one with the SHAC_BLOCK_PLUGINS environment variable" in message
    assert sc.get_engine("clashing").__module__ == "clashing_backend._plugin"
    assert sc.get_policy("inline") is thirdparty_backend.InlinePolicy


def test_shac_plugins_command_lists_both_claimants(shac_command):
    out, _ = shac_command("plugins", SHAC_BLOCK_PLUGINS="broken")

    assert "clashing  [clashing-backend 0.2.0]\n    engines:  clashing, scaled\n" in out
    assert "thirdparty  [thirdparty-backend 0.3.0]\n    engines:  scaled\n" in out
    assert "broken" not in out


def test_blocking_one_claimant_settles_the_clash(monkeypatch):
    monkeypatch.setenv("SHAC_BLOCK_PLUGINS", "broken,clashing")

    assert sc.get_engine("scaled") is thirdparty_backend.ScaledSHAC
    assert "clashing" not in sc.available_engines()


def test_blocking_the_other_claimant_gives_its_engine(monkeypatch):
    monkeypatch.setenv("SHAC_BLOCK_PLUGINS", "thirdparty, broken")

    assert sc.get_engine("scaled").__name__ == "ClashingSHAC"
    with pytest.raises(sc.PluginError, match="SHAC_BLOCK_PLUGINS blocked: thirdparty"):
        sc.get_policy("inline")


def test_disabling_autoload_loads_no_installed_plugin(monkeypatch):
    monkeypatch.setenv("SHAC_DISABLE_PLUGIN_AUTOLOAD", "1")

    with pytest.raises(sc.PluginError, match="SHAC_DISABLE_PLUGIN_AUTOLOAD is set"):
        sc.get_engine("scaled")

    assert [info.name for info in sc.list_plugins()] == ["shac", "shac-policies"]


def test_shac_plugins_command_with_autoload_disabled(shac_command):
    out, err = shac_command("plugins", SHAC_DISABLE_PLUGIN_AUTOLOAD="1")

    assert "thirdparty" not in out
    assert "broken" not in out
    assert err == ""


def test_broken_plugin_is_named_when_a_lookup_fails(monkeypatch):
    monkeypatch.setenv("SHAC_BLOCK_PLUGINS", "clashing")
    with pytest.warns(sc.ShacWarning, match=BROKEN_WARNING):
        sc.available_engines()

    with pytest.raises(
        sc.PluginError, match="failed to load: 'broken' from 'broken-backend'"
    ):
        sc.get_engine("unobtainium")
