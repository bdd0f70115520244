"""The public API of shac_torch."""

from __future__ import annotations

import pytest

import shac_torch


pytestmark = pytest.mark.framework


def test_exported_members():
    public = {n for n in vars(shac_torch) if not n.startswith("_")} - {"annotations"}

    assert sorted(shac_torch.__all__) == shac_torch.__all__
    assert set(shac_torch.__all__) - {"__version__"} == public
    assert all(hasattr(shac_torch, name) for name in shac_torch.__all__)


def test_version_is_the_distributions():
    assert shac_torch.__version__ == "0.1.0"
