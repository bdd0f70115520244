from __future__ import annotations

import pytest

import shac_core as sc


@pytest.mark.parametrize(
    ("cls", "builtin"),
    [
        (sc.SearchSpaceError, ValueError),
        (sc.EvaluationError, RuntimeError),
        (sc.SaveDirectoryError, OSError),
        (sc.CascadeExhaustedError, RuntimeError),
        (sc.PluginError, LookupError),
    ],
)
def test_errors_are_also_the_builtin_callers_catch(cls, builtin):
    assert issubclass(cls, sc.ShacError)
    assert issubclass(cls, builtin)
    assert cls.__module__ == "shac_core"


def test_warning_tree():
    assert issubclass(sc.ShacDeprecationWarning, FutureWarning)
    assert issubclass(sc.ShacExperimentalWarning, sc.ShacWarning)
    assert issubclass(sc.ShacWarning, UserWarning)


def test_plugin_error_carries_the_plugin():
    assert sc.PluginError("clash", plugin="tf").plugin == "tf"
