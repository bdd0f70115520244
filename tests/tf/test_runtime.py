"""The process-wide TensorFlow helpers: import, settings once per process, devices."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import textwrap

import pytest
import tensorflow as tf

from shac_tf import TensorflowNotInstalledError
from shac_tf import current_device
from shac_tf._runtime import _apply
from shac_tf._runtime import begin_evaluation
from shac_tf._runtime import end_evaluation
from shac_tf._runtime import import_tensorflow


pytestmark = pytest.mark.framework

_POOLS_SCRIPT = """
import json, os, sys
import shac_core, shac_tf

def run(name, evaluators):
    space = [shac_core.UniformContinuousHyperParameter("x", 0.0, 1.0)]
    engine = shac_tf.TensorflowSHAC(
        space, 2, 1, max_cpu_evaluators=evaluators, save_dir=os.path.join(sys.argv[1], name)
    )
    engine.concurrent_evaluators()
    engine.fit(lambda worker_id, params: params["x"], progress=False)

run("two", 2)
first = shac_tf.process_settings()
run("one", 1)  # too late to resize the pools: the first run's settings stay

import tensorflow as tf
print(json.dumps({
    "first": [first.intra_op_threads, first.inter_op_threads, first.applied],
    "second": shac_tf.process_settings() == first,
    "intra": tf.config.threading.get_intra_op_parallelism_threads(),
    "inter": tf.config.threading.get_inter_op_parallelism_threads(),
    "cpus": os.cpu_count(),
}))
"""


def test_import_tensorflow_says_what_to_install_when_missing(monkeypatch):
    monkeypatch.setitem(sys.modules, "tensorflow", None)  # as if not installed

    with pytest.raises(TensorflowNotInstalledError, match=r"shac-tf\[gpu\]"):
        import_tensorflow()


def test_import_tensorflow_returns_the_module():
    assert import_tensorflow() is tf


def test_current_device_needs_a_running_evaluation():
    with pytest.raises(RuntimeError, match="No managed evaluation is running"):
        current_device()


@pytest.mark.slow
def test_configure_process_sizes_the_pools_once_per_process(tmp_path):
    """In a fresh interpreter: two threads share the process, so its pools hold both."""
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(_POOLS_SCRIPT), str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.splitlines()[-1])
    expected = max(1, min(result["cpus"], 2 * max(1, result["cpus"] // 2)))
    assert result["first"] == [expected, 2, True]
    assert result["second"]
    assert [result["intra"], result["inter"]] == [expected, 2]


def test_configure_process_keeps_the_pools_once_the_runtime_started(caplog):
    tf.constant(1.0) + 1.0  # starts the runtime, if nothing had yet
    intra = tf.config.threading.get_intra_op_parallelism_threads()

    with caplog.at_level(logging.WARNING, logger="shac_tf"):
        settings = _apply(tf, intra + 3, 7)

    assert not settings.applied
    assert settings.intra_op_threads == intra
    assert "thread pools keep their sizes" in caplog.text


def test_end_evaluation_clears_only_after_the_last_running_one():
    """Keras' clear_session resets every thread, so it waits for overlapping ones."""
    tf.keras.backend.clear_session()
    begin_evaluation(tf)
    begin_evaluation(tf)
    tf.keras.layers.Dense(1)

    first_done = end_evaluation(tf)
    survivor = tf.keras.layers.Dense(1)
    last_done = end_evaluation(tf)
    fresh = tf.keras.layers.Dense(1)

    assert not first_done
    assert survivor.name == "dense_1"
    assert last_done
    assert fresh.name == "dense"
