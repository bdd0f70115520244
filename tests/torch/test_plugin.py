"""The plugin: TorchSHAC registered as ``torch`` and ``pytorch``, without importing torch."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

import shac_core
from shac_torch import TorchSHAC
from shac_torch._plugin import shac_register_engines


pytestmark = pytest.mark.framework


@pytest.mark.parametrize("name", ["torch", "pytorch"])
def test_get_engine_returns_torchshac(name):
    assert shac_core.get_engine(name) is TorchSHAC


def test_plugin_hook_offers_torchshac_under_both_names():
    assert shac_register_engines() == {"torch": TorchSHAC, "pytorch": TorchSHAC}


def test_list_plugins_names_the_distribution():
    info = next(p for p in shac_core.list_plugins() if p.name == "torch")

    assert (info.distribution, info.version, info.error) == (
        "shac-torch",
        "0.1.0",
        None,
    )
    assert info.engines == ["pytorch", "torch"]


def test_listing_plugins_does_not_import_torch():
    code = (
        "import json, sys, shac_core; "
        "names = [p.name for p in shac_core.list_plugins()]; "
        "engine = shac_core.get_engine('torch'); "
        "import shac_torch; "
        "print(json.dumps([names, engine.__name__, 'torch' in sys.modules]))"
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
    assert "torch" in names
    assert engine == "TorchSHAC"
    assert imported is False
