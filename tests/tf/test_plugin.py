"""The plugin: the engines it registers, and that finding them imports no TensorFlow."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import shac_core
from shac_tf import TensorflowSHAC


_NO_TENSORFLOW_SCRIPT = """
import json, sys
import shac_core

infos = shac_core.list_plugins()
engines = shac_core.available_engines()
tf_engine = shac_core.get_engine("tf")
import shac_tf
space = [shac_core.UniformContinuousHyperParameter("x", 0.0, 1.0)]
shac_tf.TensorflowSHAC(space, 2, 1, save_dir=sys.argv[1], function_style="graph")
print(json.dumps({
    "plugins": [info.name for info in infos],
    "engines": engines,
    "same": tf_engine is shac_tf.TensorflowSHAC,
    "imported": sorted(m for m in ("tensorflow", "keras", "tf_keras") if m in sys.modules),
}))
"""


def test_plugin_registers_tensorflow_and_its_alias():
    assert shac_core.get_engine("tf") is TensorflowSHAC
    assert shac_core.get_engine("tensorflow") is TensorflowSHAC


def test_plugin_is_listed_with_its_distribution():
    info = next(info for info in shac_core.list_plugins() if info.name == "tf")

    assert info.distribution == "shac-tf"
    assert info.version == "0.1.0"
    assert info.engines == ["tensorflow", "tf"]
    assert info.error is None


def test_plugin_lookup_and_listing_never_import_tensorflow(tmp_path):
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(_NO_TENSORFLOW_SCRIPT), str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.splitlines()[-1])
    assert "tf" in result["plugins"]
    assert {"tensorflow", "tf"} <= set(result["engines"])
    assert result["same"]
    assert result["imported"] == []
