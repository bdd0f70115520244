"""Run the examples in shac-core's docstrings."""

from __future__ import annotations

import doctest
import importlib
import logging
import pkgutil

import pytest

import shac_core


MODULES = sorted(
    m.name
    for m in pkgutil.walk_packages(shac_core.__path__, "shac_core.")
    if not m.name.endswith("__main__")
)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    module = importlib.import_module(name)
    logger = logging.getLogger("shac_core")
    handlers = list(logger.handlers)

    result = doctest.testmod(
        module, extraglobs={"tmp": str(tmp_path / "run")}, verbose=False
    )

    for handler in logger.handlers[len(handlers) :]:
        logger.removeHandler(handler)
    assert result.failed == 0
