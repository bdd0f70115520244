"""Fixtures for the plugin manager: a fresh registry per test, real distributions.

``installed`` writes a real distribution (a ``.dist-info`` folder with
``entry_points.txt``, and its modules) into a folder on ``sys.path``, so that
``importlib.metadata`` finds its entry points exactly as it finds an installed
plugin's: nothing about entry points is monkeypatched.
"""

from __future__ import annotations

import sys
import textwrap

import pytest

from shac_core.plugins import reset_plugins
from shac_core.plugins._manager import ENTRY_POINT_GROUP
from shac_core.plugins._manager import entry_points


@pytest.fixture(autouse=True)
def _fresh_plugins(monkeypatch):
    """Start every test with an empty registry and installed plugins switched off."""
    monkeypatch.setenv("SHAC_DISABLE_PLUGIN_AUTOLOAD", "1")
    monkeypatch.delenv("SHAC_BLOCK_PLUGINS", raising=False)
    reset_plugins()
    yield
    reset_plugins()


@pytest.fixture
def installed(tmp_path, monkeypatch):
    """Return ``install(dist, entry_points, modules, version)`` for real distributions.

    Plugins installed in the surrounding environment (say, shac-torch in editable
    mode) are blocked through ``SHAC_BLOCK_PLUGINS``, so that a test sees exactly the
    distributions it installed.
    """
    site = tmp_path / "site-packages"
    site.mkdir()
    foreign = sorted({ep.name for ep in entry_points(group=ENTRY_POINT_GROUP)})
    monkeypatch.delenv("SHAC_DISABLE_PLUGIN_AUTOLOAD")
    monkeypatch.setenv("SHAC_BLOCK_PLUGINS", ",".join(foreign))
    monkeypatch.syspath_prepend(str(site))
    modules: list[str] = []

    def install(dist, entry_points, sources, version="1.0.0", first=False):
        """Install; ``first`` puts it on ``sys.path`` ahead of the others."""
        folder = site
        if first:
            folder = tmp_path / f"site-{dist}"
            folder.mkdir()
            monkeypatch.syspath_prepend(str(folder))
        info = folder / f"{dist.replace('-', '_')}-{version}.dist-info"
        info.mkdir()
        info.joinpath("METADATA").write_text(
            f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n"
        )
        lines = [f"[{ENTRY_POINT_GROUP}]"]
        lines += [f"{name} = {target}" for name, target in entry_points.items()]
        info.joinpath("entry_points.txt").write_text("\n".join(lines) + "\n")
        for module, source in sources.items():
            folder.joinpath(f"{module}.py").write_text(textwrap.dedent(source))
            modules.append(module)

    yield install

    for module in modules:
        sys.modules.pop(module, None)
