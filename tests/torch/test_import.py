"""import_torch: PyTorch imported on demand, with an error that says what to install."""

from __future__ import annotations

import sys

import pytest

import shac_core
from shac_torch import TorchMissingError
from shac_torch._import import import_torch


pytestmark = pytest.mark.framework


def test_import_torch_returns_the_installed_module():
    import torch

    assert import_torch() is torch


def test_import_torch_raises_with_the_install_command_when_missing(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)

    with pytest.raises(TorchMissingError, match=r"install it with `pip install torch`"):
        import_torch()


def test_torch_missing_error_is_a_shac_error_and_an_import_error():
    assert issubclass(TorchMissingError, shac_core.ShacError)
    assert issubclass(TorchMissingError, ImportError)
