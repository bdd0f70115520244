"""KerasSHAC: settings, real training runs, reproducibility, clean-up and processes."""

from __future__ import annotations

import doctest
import inspect
import json
import math
import os
import subprocess
import sys
import textwrap

import pytest

import shac_core
import shac_keras
from shac_keras import KerasSHAC
from shac_keras import _engine


pytestmark = pytest.mark.framework

_PAGE = os.sysconf("SC_PAGE_SIZE")
_MIB = 1 << 20


def _rss_bytes():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * _PAGE


def _scores(engine):
    return [record.score for record in engine.dataset]


def test_kerasshac_keeps_pyshac_signature_and_defaults():
    signature = inspect.signature(KerasSHAC)

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
    ]
    assert {
        name: p.default
        for name, p in signature.parameters.items()
        if p.default is not inspect.Parameter.empty
    } == {
        "max_gpu_evaluators": 0,
        "objective": "max",
        "max_classifiers": 18,
        "max_cpu_evaluators": 1,
        "save_dir": "shac",
        "seed": None,
        "gpu_count": None,
    }


def test_kerasshac_is_a_managed_engine_named_keras(make_engine):
    engine = make_engine(max_cpu_evaluators=2)

    assert isinstance(engine, shac_core.ManagedSHAC)
    assert engine.engine_name == "keras"
    assert engine._handler_class() is shac_keras.KerasHandler
    assert engine.num_parallel_evaluators == 2


def test_kerasshac_rejects_pyshacs_session_argument_before_saving(make_engine):
    engine = make_engine()

    def evaluate(session, worker_id, params):
        return 0.0

    with pytest.raises(TypeError, match=r"drop the `session` argument"):
        engine.fit(evaluate, progress=False)

    assert not engine.save_dir.exists()


def test_kerasshac_fit_raises_before_saving_when_keras_is_missing(
    make_engine, monkeypatch
):
    engine = make_engine()
    monkeypatch.setitem(sys.modules, "keras", None)

    with pytest.raises(shac_keras.KerasMissingError, match=r"`import keras` failed"):
        engine.fit(lambda worker_id, params: 0.0, progress=False)

    assert not engine.save_dir.exists()


def test_kerasshac_accepts_a_function_with_optional_extras(make_engine):
    engine = make_engine()

    def evaluate(worker_id, params, scale=2.0):
        return scale * params["lr"]

    engine.fit(evaluate, progress=False)

    assert [r.score for r in engine.dataset] == [
        2.0 * r.params["lr"] for r in engine.dataset
    ]


def test_kerasshac_docstring_example_runs(tmp_path):
    finder = doctest.DocTestFinder()
    (test,) = [t for t in finder.find(_engine.KerasSHAC, globs={}) if t.examples]
    test.globs["tmp"] = tmp_path / "example"
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)

    runner.run(test)

    assert (runner.failures, runner.tries) == (0, len(test.examples))


@pytest.mark.slow
def test_kerasshac_trains_real_models_inside_fit(make_engine, train, backend):
    engine = make_engine(4, 2)

    history = engine.fit(train, progress=False)

    assert len(history) == 4
    assert all(r.ok and 0.0 < r.score < 5.0 for r in engine.dataset)
    assert engine.best().score == min(_scores(engine))


@pytest.mark.slow
def test_kerasshac_same_seed_gives_the_same_scores(make_engine, train):
    first = make_engine(4, 2, seed=7)
    second = make_engine(4, 2, seed=7)

    first.fit(train, progress=False)
    second.fit(train, progress=False)

    assert _scores(first) == _scores(second)
    assert all(math.isfinite(s) for s in _scores(first))


@pytest.mark.slow
def test_kerasshac_load_restores_the_engine_and_its_settings(make_engine, train):
    engine = make_engine(4, 2, max_cpu_evaluators=2)
    engine.fit(train, progress=False)

    loaded = KerasSHAC.load(engine.save_dir.path)

    assert type(loaded) is KerasSHAC
    assert loaded.max_cpu_evaluators == 2
    assert _scores(loaded) == _scores(engine)


# -- thirty evaluations in one process: names and memory must not grow -----------------


@pytest.fixture(scope="module")
def thirty_evaluations(tmp_path_factory):
    """Train a fresh model in each of 30 evaluations; note layer names and RSS."""
    import keras
    import numpy as np

    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 8)).astype("float32")
    y = (x[:, 0] > 0).astype("float32")
    names, rss = [], []

    def evaluate(worker_id, params):
        rss.append(_rss_bytes())  # after the previous evaluation's clean-up
        model = keras.Sequential(
            [
                keras.Input((8,)),
                keras.layers.Dense(params["width"], activation="relu"),
                keras.layers.Dense(1),
            ]
        )
        names.append(keras.layers.Dense(1).name)
        model.compile(keras.optimizers.Adam(params["lr"]), "mse")
        history = model.fit(x, y, epochs=1, batch_size=32, verbose=0)
        return history.history["loss"][-1]

    space = [
        shac_core.DiscreteHyperParameter("width", [4, 8, 16]),
        shac_core.LogUniformHyperParameter("lr", 1e-3, 1e-1),
    ]
    engine = KerasSHAC(
        space, 30, 3, save_dir=tmp_path_factory.mktemp("thirty") / "s", seed=3
    )
    engine.concurrent_evaluators()
    engine.fit(evaluate, skip_cv_checks=True, progress=False)
    return engine, names, rss


@pytest.mark.slow
def test_kerasshac_layer_names_do_not_drift_over_thirty_evaluations(
    thirty_evaluations, backend
):
    engine, names, _ = thirty_evaluations

    assert len(engine.dataset) == 30
    assert all(record.ok for record in engine.dataset)
    # The model holds "dense" and "dense_1"; the next new Dense is always dense_2.
    assert names[0] == names[-1] == "dense_2"
    assert set(names) == {"dense_2"}


@pytest.mark.slow
def test_kerasshac_memory_does_not_grow_over_thirty_evaluations(thirty_evaluations):
    _, _, rss = thirty_evaluations

    # Without clean-up each model trained with Adam on TensorFlow keeps about 3.5 MiB
    # alive (about 90 MiB over these 25 evaluations); allow allocator noise and the
    # classifiers the engine trains in this process.
    growth = rss[-1] - rss[4]
    assert growth < 24 * _MIB, f"RSS grew {growth / _MIB:.1f} MiB: {rss}"


# -- processes: loky workers run the parent's backend --------------------------------

_LOKY_SCRIPT = """
import json
import os
from pathlib import Path
import sys

import keras  # the parent's backend: the session's KERAS_BACKEND

import shac_core
import shac_keras

records = Path(sys.argv[1])
parent_backend = keras.backend.backend()
# Workers start at `fit` and inherit this: a backend other than the parent's.
os.environ["KERAS_BACKEND"] = "numpy"


def evaluate(worker_id, params):
    # `keras` here is this module's global: unpickling this function in a worker
    # imports Keras, after KerasHandler has chosen the backend there.
    import numpy as np

    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        threads = tf.config.threading.get_intra_op_parallelism_threads()
    else:
        import torch

        threads = torch.get_num_threads()
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 4)).astype("float32")
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    loss = model.fit(x, x[:, :1], epochs=1, verbose=0).history["loss"][-1]
    evaluation = shac_core.current_evaluation().evaluation_id
    (records / f"{evaluation}.json").write_text(json.dumps({
        "pid": os.getpid(),
        "backend": backend,
        "env": os.environ["KERAS_BACKEND"],
        "threads": threads,
        "device": shac_keras.current_device(),
        "name": model.layers[0].name,
    }))
    return loss


space = [shac_core.UniformContinuousHyperParameter("x", 0.0, 1.0)]
engine = shac_keras.KerasSHAC(
    space, 4, 2, max_cpu_evaluators=2, save_dir=records.parent / "run", seed=0
)
engine.parallel_evaluators()
engine.fit(evaluate, progress=False)
print(json.dumps({
    "parent": os.getpid(),
    "parent_backend": parent_backend,
    "errors": [r.error for r in engine.dataset],
}))
"""


@pytest.mark.slow
@pytest.mark.processes
def test_kerasshac_loky_workers_run_the_parents_backend(tmp_path, backend):
    """Run in a fresh interpreter whose workers inherit KERAS_BACKEND=numpy."""
    records = tmp_path / "records"
    records.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHAC_")}

    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(_LOKY_SCRIPT), records],
        capture_output=True,
        text=True,
        timeout=400,
        env=env,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.splitlines()[-1])
    assert result["parent_backend"] == backend
    assert result["errors"] == [None] * 4
    seen = [json.loads(p.read_text()) for p in sorted(records.iterdir())]
    assert len(seen) == 4
    assert all(s["pid"] != result["parent"] for s in seen)
    assert {(s["backend"], s["env"]) for s in seen} == {(backend, backend)}
    # Two evaluators share the cores; each worker's backend got its share.
    assert {s["threads"] for s in seen} == {max(1, (os.cpu_count() or 1) // 2)}
    assert {s["device"] for s in seen} == {
        shac_keras._runtime.device_name(backend, None)
    }
    assert {s["name"] for s in seen} == {"dense"}
