"""``pip install "shac-core[<extra>]"`` from the wheelhouse, in an environment of its own.

The session installs shac-core's third-party requirements from the index and then
``shac-core[<extra>]`` with ``--no-index --find-links <wheelhouse>``: the sibling
distributions here came in through the extra alone. ``SHAC_PLUGIN_EXTRA`` names it.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import subprocess
import sys

from packaging.requirements import Requirement
import pytest

import shac_core as sc


EXTRA = os.environ["SHAC_PLUGIN_EXTRA"]
#: For each sibling: its plugin's name (also an engine's) and its package.
SIBLINGS = {
    "shac-tf": ("tf", "shac_tf"),
    "shac-keras": ("keras", "shac_keras"),
    "shac-torch": ("torch", "shac_torch"),
}

#: Other names the siblings register their engine under.
ALIASES = {"shac-tf": ("tensorflow",), "shac-torch": ("pytorch",)}


def _siblings(extra):
    """Return the shac siblings shac-core's installed metadata pulls in for ``extra``."""
    found = set()
    for text in importlib.metadata.requires("shac-core"):
        req = Requirement(text)
        if req.marker is not None and req.marker.evaluate({"extra": extra}):
            if req.name.startswith("shac-") and req.name != "shac-core":
                found.add(req.name)
            elif req.name == "shac-core":
                found |= {s for e in req.extras for s in _siblings(e)}
    return found


EXPECTED = sorted(_siblings(EXTRA))


def test_extra_names_known_siblings():
    assert EXPECTED
    assert set(EXPECTED) <= set(SIBLINGS)


def test_extra_installs_exactly_its_siblings():
    for dist in SIBLINGS:
        if dist in EXPECTED:
            assert importlib.metadata.version(dist) == "0.1.0"
        else:
            with pytest.raises(importlib.metadata.PackageNotFoundError, match=dist):
                importlib.metadata.version(dist)


@pytest.mark.parametrize("dist", EXPECTED)
def test_sibling_engine_resolves_by_name(dist):
    name, package = SIBLINGS[dist]

    engine = sc.get_engine(name)

    assert issubclass(engine, sc.SHAC)
    assert engine.__module__.split(".")[0] == package


@pytest.mark.parametrize("dist", EXPECTED)
def test_sibling_aliases_resolve_to_the_same_engine(dist):
    name = SIBLINGS[dist][0]

    for alias in ALIASES.get(dist, ()):
        assert sc.get_engine(alias) is sc.get_engine(name)


@pytest.mark.parametrize("dist", EXPECTED)
def test_sibling_is_listed_and_not_broken(dist):
    infos = {info.name: info for info in sc.list_plugins()}
    name = SIBLINGS[dist][0]

    assert infos[name].distribution == dist
    assert infos[name].version == "0.1.0"
    assert name in infos[name].engines
    assert [info.name for info in infos.values() if info.error] == []


def test_extra_installs_no_framework():
    """The extra installs the backend, not a framework build the user did not choose."""
    assert importlib.util.find_spec("tensorflow") is None
    assert importlib.util.find_spec("torch") is None


def test_listing_plugins_imports_no_framework():
    code = (
        "import sys, shac_core\n"
        "shac_core.list_plugins()\n"
        "print(sorted({'tensorflow', 'torch', 'keras', 'jax'} & set(sys.modules)))\n"
    )

    done = subprocess.run(
        [sys.executable, "-W", "error", "-c", code],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )

    assert done.stdout.strip() == "[]"


def test_shac_plugins_command_lists_the_siblings(shac_command):
    out, err = shac_command("plugins")

    for dist in EXPECTED:
        assert f"{SIBLINGS[dist][0]}  [{dist} 0.1.0]\n    engines:  " in out
    assert "BROKEN" not in out
    assert err == ""
