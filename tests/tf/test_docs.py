"""Run the examples of docs/backends/tensorflow.md and of shac_tf's docstrings."""

from __future__ import annotations

import doctest
import importlib
from pathlib import Path
import pkgutil
import re

import pytest

import shac_tf


pytestmark = pytest.mark.framework

PAGE = Path(__file__).resolve().parents[2] / "docs" / "backends" / "tensorflow.md"
BLOCK = re.compile(r"```python\n(.*?)```", re.DOTALL)
MODULES = sorted(m.name for m in pkgutil.walk_packages(shac_tf.__path__, "shac_tf."))


def blocks():
    for number, code in enumerate(BLOCK.findall(PAGE.read_text()), start=1):
        yield pytest.param(code, id=f"tensorflow-{number}")


@pytest.mark.slow
@pytest.mark.parametrize("code", list(blocks()))
def test_documentation_example_runs(code, tmp_path, monkeypatch):
    """Blocks guarded by ``if __name__ == "__main__"`` only define their functions."""
    monkeypatch.chdir(tmp_path)

    exec(compile(code, str(PAGE), "exec"), {"__name__": "__docs__"})  # noqa: S102


def test_documentation_page_has_its_examples():
    assert len(list(blocks())) == 3


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    module = importlib.import_module(name)

    result = doctest.testmod(module, extraglobs={"tmp": str(tmp_path / "run")})

    assert result.failed == 0
