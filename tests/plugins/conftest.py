"""Tests that run inside the fresh environments of ``nox -s plugins``.

tests/plugins/run_plugin_session.py installs real distributions into each
environment and sets ``SHAC_PLUGIN_ENV`` to its role; only the modules written for
that role are collected. Outside the session (no role), only the modules that need
no special environment are: these tests would fail for want of the installed
plugins, not for a fault in shac.
"""

from __future__ import annotations

import os
import subprocess

import pytest

from shac_core.plugins import reset_plugins


ROLE = os.environ.get("SHAC_PLUGIN_ENV", "")
_BY_ROLE = {
    "thirdparty": ["test_thirdparty.py"],
    "conflicts": ["test_conflicts.py"],
    "extra": ["test_extras.py"],
}

collect_ignore = ["thirdparty_backend", "broken_backend", "clashing_backend"]
collect_ignore += [m for role, ms in _BY_ROLE.items() if role != ROLE for m in ms]


@pytest.fixture(autouse=True)
def _fresh_plugins(monkeypatch):
    """Load the installed plugins afresh in every test, under the test's env vars."""
    monkeypatch.delenv("SHAC_DISABLE_PLUGIN_AUTOLOAD", raising=False)
    monkeypatch.delenv("SHAC_BLOCK_PLUGINS", raising=False)
    reset_plugins()
    yield
    reset_plugins()


@pytest.fixture
def shac_command():
    """Return a runner of the environment's ``shac`` command: ``(stdout, stderr)``."""

    def run(*args, **env):
        environ = {k: v for k, v in os.environ.items() if not k.startswith("SHAC_")}
        environ.update(env)
        done = subprocess.run(
            ["shac", *args],
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
            env=environ,
        )
        return done.stdout, done.stderr

    return run
