"""The errors of shac-keras derive from ShacError and from the builtin callers catch."""

from __future__ import annotations

import pytest

import shac_core
from shac_keras import KerasBackendError
from shac_keras import KerasMissingError


pytestmark = pytest.mark.framework


def test_keras_missing_error_is_a_shac_error_and_an_import_error():
    assert issubclass(KerasMissingError, shac_core.ShacError)
    assert issubclass(KerasMissingError, ImportError)
    assert KerasMissingError.__module__ == "shac_keras"


def test_keras_backend_error_is_a_shac_error_and_a_runtime_error():
    assert issubclass(KerasBackendError, shac_core.ShacError)
    assert issubclass(KerasBackendError, RuntimeError)
    assert KerasBackendError.__module__ == "shac_keras"
