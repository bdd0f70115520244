"""docs/plugins.md shows the example plugin's files word for word, and says it all.

Collected everywhere: it needs nothing installed beyond shac-core.
"""

from __future__ import annotations

from pathlib import Path
import re

import pytest

from shac_core.plugins import _hookspecs
from shac_core.plugins import _manager


ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "plugins.md").read_text()
PLUGIN = ROOT / "tests" / "plugins" / "thirdparty_backend"
SHOWN = dict(re.findall(r"<!-- file: (\S+) -->\n```\w+\n(.*?)```\n", DOC, re.DOTALL))


def test_docs_show_every_file_of_the_example_plugin():
    files = [PLUGIN / "pyproject.toml", *sorted(PLUGIN.glob("src/**/*.py"))]

    assert sorted(SHOWN) == sorted(str(f.relative_to(ROOT)) for f in files)


@pytest.mark.parametrize("path", sorted(SHOWN))
def test_docs_show_the_file_as_it_is(path):
    assert SHOWN[path] == (ROOT / path).read_text()


@pytest.mark.parametrize("hook", [n for n in dir(_hookspecs) if n.startswith("shac_")])
def test_docs_describe_every_hook(hook):
    assert f"### `{hook}() -> " in DOC


@pytest.mark.parametrize("variable", [_manager.DISABLE_ENV, _manager.BLOCK_ENV])
def test_docs_describe_the_environment_variables(variable):
    assert f"| `{variable}` | " in DOC


def test_docs_name_the_entry_point_group():
    assert f"[project.entry-points.{_manager.ENTRY_POINT_GROUP}]" in DOC
