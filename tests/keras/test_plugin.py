"""The plugin: KerasSHAC registered as ``keras``, without importing Keras or a backend."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

import shac_core
from shac_keras import KerasSHAC
from shac_keras import _plugin


pytestmark = pytest.mark.framework


def test_get_engine_returns_kerasshac():
    assert shac_core.get_engine("keras") is KerasSHAC


def test_plugin_hook_offers_kerasshac():
    assert _plugin.shac_register_engines() == {"keras": KerasSHAC}


def test_list_plugins_names_the_distribution():
    info = next(p for p in shac_core.list_plugins() if p.name == "keras")

    assert (info.distribution, info.version, info.error) == (
        "shac-keras",
        "0.1.0",
        None,
    )
    assert info.engines == ["keras"]


@pytest.mark.slow
def test_importing_and_listing_plugins_imports_no_framework():
    code = (
        "import json, sys, shac_core; "
        "names = [p.name for p in shac_core.list_plugins()]; "
        "engine = shac_core.get_engine('keras'); "
        "import shac_keras; "
        "frameworks = ('keras', 'tensorflow', 'torch', 'jax'); "
        "print(json.dumps([names, engine.__name__, "
        "[m for m in frameworks if m in sys.modules]]))"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHAC_")}

    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )

    names, engine, imported = json.loads(done.stdout)
    assert "keras" in names
    assert engine == "KerasSHAC"
    assert imported == []
