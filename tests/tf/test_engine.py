"""TensorflowSHAC: construction, both function styles, reproducibility, resume, loky."""

from __future__ import annotations

import inspect
import json
import os
import sys

import pytest

from shac_tf import TensorflowNotInstalledError
from shac_tf import TensorflowSHAC


pytestmark = pytest.mark.framework


def _scores(engine):
    return [record.score for record in engine.dataset]


def test_tensorflowshac_keeps_the_managed_signature():
    signature = inspect.signature(TensorflowSHAC)

    assert list(signature.parameters) == [
        "parameters",
        "total_budget",
        "num_batches",
        "max_gpu_evaluators",
        "objective",
        "max_classifiers",
        "max_cpu_evaluators",
        "save_dir",
        "seed",
        "gpu_count",
        "function_style",
    ]
    assert signature.parameters["max_gpu_evaluators"].default == 0
    assert signature.parameters["function_style"].default == "eager"
    assert TensorflowSHAC.engine_name == "tensorflow"


def test_tensorflowshac_rejects_an_unknown_function_style(space, tmp_path):
    with pytest.raises(ValueError, match=r"`function_style` must be one of .*'v1'"):
        TensorflowSHAC(space, 4, 1, save_dir=tmp_path, function_style="v1")


def test_tensorflowshac_fit_rejects_a_function_of_the_other_style(make_engine):
    engine = make_engine()

    with pytest.raises(TypeError, match="pass function_style='graph'"):
        engine.fit(lambda session, worker_id, params: 0.0, progress=False)


def test_tensorflowshac_fit_says_what_to_install_without_tensorflow(
    make_engine, monkeypatch
):
    engine = make_engine()
    monkeypatch.setitem(sys.modules, "tensorflow", None)  # as if not installed

    with pytest.raises(
        TensorflowNotInstalledError, match=r'pip install "shac-tf\[cpu\]"'
    ):
        engine.fit(lambda worker_id, params: 0.0, progress=False)


@pytest.mark.slow
def test_tensorflowshac_trains_keras_models_reproducibly(make_engine, make_keras_fn):
    """Two engines with one seed give the same configurations and the same scores."""
    train = make_keras_fn()

    first = make_engine(seed=11)
    first.fit(train, progress=False)
    second = make_engine(seed=11)
    second.fit(train, progress=False)

    assert all(record.ok for record in first.dataset)
    assert all(0.0 <= score <= 1.0 for score in _scores(first))
    assert [r.params for r in first.dataset] == [r.params for r in second.dataset]
    assert _scores(first) == _scores(second)


def test_tensorflowshac_trains_graph_functions_reproducibly_and_restores(
    make_engine, make_graph_fn
):
    ops_at_start = []
    train = make_graph_fn(
        lambda session, worker_id, params: ops_at_start.append(
            len(session.graph.get_operations())
        )
    )

    first = make_engine(seed=3, function_style="graph", max_cpu_evaluators=2)
    first.fit(train, progress=False)
    second = make_engine(seed=3, function_style="graph")
    second.fit(train, progress=False)
    restored = TensorflowSHAC.load(first.save_dir.path)

    assert all(record.ok for record in first.dataset)
    assert ops_at_start == [0] * 8  # a fresh graph for every evaluation
    assert max(_scores(first)) > 0.6  # logistic regression learns the labels
    assert _scores(first) == _scores(second)
    assert restored.function_style == "graph"
    assert restored.max_cpu_evaluators == 2
    assert _scores(restored) == _scores(first)


@pytest.mark.slow
@pytest.mark.processes
def test_tensorflowshac_runs_on_loky_workers(make_engine, make_keras_fn, tmp_path):
    """Each worker process sizes its own thread pools and reports its device."""
    reports = tmp_path / "reports"
    reports.mkdir()

    def report(worker_id, params, model):
        import os

        import tensorflow as tf

        import shac_core
        import shac_tf

        threading_config = tf.config.threading
        evaluation = shac_core.current_evaluation().evaluation_id
        (reports / f"{evaluation}.json").write_text(
            json.dumps(
                {
                    "pid": os.getpid(),
                    "device": shac_tf.current_device(),
                    "intra": threading_config.get_intra_op_parallelism_threads(),
                    "inter": threading_config.get_inter_op_parallelism_threads(),
                }
            )
        )

    engine = make_engine(total_budget=2, max_cpu_evaluators=2, policy="loky")
    engine.fit(make_keras_fn(report, epochs=1), progress=False)

    found = [json.loads(path.read_text()) for path in sorted(reports.iterdir())]
    assert all(record.ok for record in engine.dataset)
    assert len(found) == 2
    assert all(item["pid"] != os.getpid() for item in found)
    assert {item["device"] for item in found} == {"/CPU:0"}
    assert {item["intra"] for item in found} == {max(1, (os.cpu_count() or 1) // 2)}
    assert {item["inter"] for item in found} == {2}
