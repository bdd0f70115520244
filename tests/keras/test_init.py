"""The public API of shac_keras."""

from __future__ import annotations

import pytest

import shac_keras


pytestmark = pytest.mark.framework


def test_exported_members():
    public = {n for n in vars(shac_keras) if not n.startswith("_")} - {"annotations"}

    assert len(set(shac_keras.__all__)) == len(shac_keras.__all__)
    assert set(shac_keras.__all__) - {"__version__"} == public
    assert all(hasattr(shac_keras, name) for name in shac_keras.__all__)


def test_version_is_the_distributions():
    assert shac_keras.__version__ == "0.1.0"


def test_supported_backends_are_the_three_that_train():
    assert shac_keras.SUPPORTED_BACKENDS == ("tensorflow", "torch", "jax")
