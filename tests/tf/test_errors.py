"""The errors of shac-tf."""

from __future__ import annotations

import shac_core
from shac_tf import TensorflowNotInstalledError
from shac_tf._errors import missing_tensorflow


def test_tensorflow_not_installed_error_is_a_shac_and_an_import_error():
    error = missing_tensorflow("`import tensorflow` failed (no module)")

    assert isinstance(error, shac_core.ShacError)
    assert isinstance(error, ImportError)
    assert isinstance(error, TensorflowNotInstalledError)
    assert error.name == "tensorflow"


def test_missing_tensorflow_names_the_cause_and_every_way_to_install():
    message = str(missing_tensorflow("`import tensorflow` failed (no module)"))

    assert message.startswith(
        "TensorflowSHAC needs TensorFlow, but `import tensorflow`"
    )
    assert 'pip install "shac-tf[cpu]"' in message
    assert 'pip install "shac-tf[gpu]"' in message
    assert "tensorflow-cpu" in message
    assert message.endswith(".")
