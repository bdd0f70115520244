"""Run every Python example of the core documentation pages."""

from __future__ import annotations

from pathlib import Path
import re

import pytest


DOCS = Path(__file__).resolve().parents[2] / "docs"
PAGES = [DOCS / "index.md", *sorted((DOCS / "guide").glob("*.md"))]
BLOCK = re.compile(r"```python\n(.*?)```", re.DOTALL)


def blocks():
    for page in PAGES:
        for number, code in enumerate(BLOCK.findall(page.read_text()), start=1):
            yield pytest.param(code, id=f"{page.stem}-{number}")


@pytest.mark.slow
@pytest.mark.parametrize("code", list(blocks()))
def test_documentation_example_runs(code, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)

    exec(compile(code, "<docs>", "exec"), {"__name__": "__docs__"})  # noqa: S102


def test_every_guide_page_has_an_example():
    assert len(list(blocks())) >= 8
