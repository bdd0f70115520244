"""The public API of shac_tf."""

from __future__ import annotations

import shac_tf


def test_exported_members():
    assert sorted(shac_tf.__all__) == [
        "ProcessSettings",
        "TensorflowHandler",
        "TensorflowNotInstalledError",
        "TensorflowSHAC",
        "__version__",
        "current_device",
        "process_settings",
    ]
    for name in shac_tf.__all__:
        assert getattr(shac_tf, name) is not None


def test_version_is_the_distribution_version():
    assert shac_tf.__version__ == "0.1.0"
