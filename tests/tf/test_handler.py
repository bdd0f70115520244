"""TensorflowHandler: devices, seeds, sessions and clean-up around each evaluation."""

from __future__ import annotations

import gc
import random

import numpy as np
import pytest
import tensorflow as tf

import shac_core
import shac_tf


pytestmark = pytest.mark.framework

LONG_RUN = 30


def _rss_mib():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    msg = "/proc/self/status has no VmRSS line"
    raise AssertionError(msg)


@pytest.fixture(scope="module")
def long_run(tmp_path_factory, data):
    """Run 30 evaluations that each build and train a Keras model, in this process.

    Each evaluation records, after training: its first layer's auto-name, the ops
    in this thread's default graph, the process' resident memory and Python object
    count, and its device. One evaluation at a time, so that Keras' state is
    cleared after every one.
    """
    x, y = data
    seen = []

    def train(worker_id, params):
        model = tf.keras.Sequential(
            [
                tf.keras.Input((4,)),
                tf.keras.layers.Dense(params["units"], activation="relu"),
                tf.keras.layers.Dense(1, activation="sigmoid"),
            ]
        )
        model.compile(optimizer=tf.keras.optimizers.SGD(params["lr"]), loss="mse")
        loss = model.train_on_batch(x, y)
        seen.append(
            {
                "name": model.layers[0].name,
                "ops": len(tf.compat.v1.get_default_graph().get_operations()),
                "rss": _rss_mib(),
                "objects": len(gc.get_objects()),
                "device": shac_tf.current_device(),
            }
        )
        return loss

    space = [
        shac_core.LogUniformHyperParameter("lr", 1e-3, 3e-1),
        shac_core.DiscreteHyperParameter("units", [2, 4, 8]),
    ]
    engine = shac_tf.TensorflowSHAC(
        space, LONG_RUN, 1, save_dir=tmp_path_factory.mktemp("long") / "run", seed=5
    )
    engine.concurrent_evaluators()
    engine.fit(train, progress=False)
    return engine, seen


@pytest.mark.slow
def test_handler_runs_every_evaluation_of_a_long_run(long_run):
    engine, seen = long_run

    assert len(seen) == LONG_RUN
    assert all(record.ok for record in engine.dataset)
    assert {record["device"] for record in seen} == {"/CPU:0"}


@pytest.mark.slow
def test_handler_resets_keras_auto_names_after_each_evaluation(long_run):
    _, seen = long_run

    assert [record["name"] for record in seen] == ["dense"] * LONG_RUN


@pytest.mark.slow
def test_handler_keeps_the_default_graph_flat(long_run):
    _, seen = long_run

    assert len({record["ops"] for record in seen}) == 1


@pytest.mark.slow
def test_handler_keeps_process_memory_and_objects_flat(long_run):
    """Without the clean-up a traced Keras model keeps about 2 MiB and 3000 objects."""
    _, seen = long_run
    settled, last = seen[9], seen[-1]

    assert last["rss"] - settled["rss"] < 8.0, (settled["rss"], last["rss"])
    assert last["objects"] - settled["objects"] < 1000, "objects"


def test_handler_places_workers_round_robin_on_the_gpus(make_engine, make_graph_fn):
    """The injected GPU count stands in for real GPUs; graph ops keep the request."""
    placed = []

    def probe(session, worker_id, params):
        constant = tf.constant(1.0)
        placed.append((worker_id, shac_tf.current_device(), constant.op.device))

    engine = make_engine(
        total_budget=4, max_gpu_evaluators=2, gpu_count=3, function_style="graph"
    )
    engine.fit(make_graph_fn(probe, steps=1), progress=False)

    assert engine.num_parallel_evaluators == 2
    assert len(placed) == 4
    assert set(placed) <= {
        (0, "/GPU:0", "/device:GPU:0"),
        (1, "/GPU:1", "/device:GPU:1"),
    }


@pytest.mark.parametrize(
    ("max_gpu_evaluators", "gpu_count", "devices"),
    [(0, 2, {"/CPU:0"}), (2, 0, {"/CPU:0"}), (2, 1, {"/GPU:0"})],
)
def test_handler_falls_back_to_fewer_gpus_or_the_cpu(
    make_engine, max_gpu_evaluators, gpu_count, devices
):
    placed = []

    def record(worker_id, params):
        placed.append(shac_tf.current_device())
        return 0.0

    engine = make_engine(
        total_budget=2, max_gpu_evaluators=max_gpu_evaluators, gpu_count=gpu_count
    )
    engine.fit(record, progress=False)

    assert set(placed) == devices


def test_handler_seeds_python_numpy_and_tensorflow_per_evaluation(make_engine):
    drawn = {}

    def draw(worker_id, params):
        seed = shac_core.current_evaluation().seed
        drawn[seed] = (
            random.random(),
            np.random.random(),
            float(tf.random.uniform(())),
        )
        return 0.0

    engine = make_engine(total_budget=2)
    engine.fit(draw, progress=False)

    assert len(drawn) == 2
    for seed, values in drawn.items():
        tf.keras.utils.set_random_seed(seed)
        assert values == (
            random.random(),
            np.random.random(),
            float(tf.random.uniform(())),
        )


def test_handler_closes_the_session_even_when_the_function_raises(
    make_engine, make_graph_fn
):
    sessions = []

    def probe(session, worker_id, params):
        sessions.append(session)
        assert tf.compat.v1.get_default_graph() is session.graph
        if len(sessions) == 1:
            msg = "diverged"
            raise ValueError(msg)

    engine = make_engine(total_budget=3, function_style="graph")
    history = engine.fit(make_graph_fn(probe), progress=False)

    errors = [record.error for record in engine.dataset]
    assert len(history) == 3
    assert sum(error is not None for error in errors) == 1
    assert "ValueError: diverged" in next(e for e in errors if e is not None)
    assert len({id(session.graph) for session in sessions}) == 3
    for session in sessions:
        with pytest.raises(RuntimeError, match="closed Session"):
            session.run(tf.constant(1.0))
