"""KerasHandler: backend, seeds, device, clean-up around each evaluation, and pickling."""

from __future__ import annotations

import os
import pickle
import random
import sys

import numpy as np
import pytest

import shac_core
import shac_keras
from shac_keras import KerasBackendError
from shac_keras import KerasHandler
from shac_keras._runtime import device_name


pytestmark = pytest.mark.framework


def _observed_device(backend):
    """Return the device the backend itself is placing new tensors on, by its name."""
    if backend == "torch":
        import torch

        return str(torch.get_default_device())

    from tensorflow.python.eager import context  # the only place tf.device shows

    return "/" + context.context().device_name.rsplit("device:", 1)[-1]


class _EnvWhenUnpickled:
    """Unpickles as the value KERAS_BACKEND has at that moment."""

    def __reduce__(self):
        return (os.getenv, ("KERAS_BACKEND",))


def test_current_device_raises_outside_an_evaluation():
    with pytest.raises(RuntimeError, match="No managed evaluation is running"):
        shac_keras.current_device()


def test_handler_takes_the_backend_of_this_process(backend):
    handler = KerasHandler(lambda wid, p: 0.0, max_gpu_evaluators=0, threads=1)

    assert handler.backend == backend


def test_handler_rejects_a_backend_it_cannot_manage():
    with pytest.raises(KerasBackendError, match=r"got 'openvino'"):
        KerasHandler(lambda wid, p: 0.0, 0, 1, backend="openvino")


def test_handler_count_gpus_asks_the_backend(backend):
    handler = KerasHandler(lambda wid, p: 0.0, 1, 1)

    assert handler.count_gpus() == shac_keras._runtime.count_gpus(backend)


def test_pickled_handler_chooses_the_backend_before_unpickling_the_function(
    monkeypatch, backend
):
    """A worker that inherited another KERAS_BACKEND gets the parent's first."""
    handler = KerasHandler(_EnvWhenUnpickled(), 0, 1)
    data = pickle.dumps(handler)
    monkeypatch.delitem(sys.modules, "keras")  # as in a fresh worker
    monkeypatch.setenv("KERAS_BACKEND", "numpy")

    restored = pickle.loads(data)

    assert type(restored) is KerasHandler
    assert restored.backend == backend
    assert restored.fn == backend  # KERAS_BACKEND when the function was unpickled
    assert restored._tokens == {}


def test_setup_fails_when_the_workers_keras_runs_another_backend(backend):
    handler = KerasHandler(lambda wid, p: 0.0, 0, 1)
    handler.backend = "jax" if backend != "jax" else "torch"
    context = shac_core.EvaluationContext(0, 0, {}, 1, 1)

    with pytest.raises(
        KerasBackendError, match=r"runs the '\w+' backend, but the engine"
    ):
        handler(context)

    with pytest.raises(RuntimeError, match="No managed evaluation is running"):
        shac_core.current_evaluation()


@pytest.mark.parametrize(("gpu_count", "on_gpu"), [(2, True), (0, False)])
def test_handler_gives_each_worker_its_device(make_engine, backend, gpu_count, on_gpu):
    engine = make_engine(4, 1, max_gpu_evaluators=2, gpu_count=gpu_count)
    seen = []

    def evaluate(worker_id, params):
        context = shac_core.current_evaluation()
        seen.append(
            (
                worker_id,
                context.gpu,
                shac_keras.current_device(),
                _observed_device(backend),
            )
        )
        return 0.0

    engine.fit(evaluate, progress=False)

    assert len(seen) == 4
    assert {worker for worker, *_ in seen} == {0, 1}
    for worker_id, gpu, device, observed in seen:
        assert gpu == (worker_id if on_gpu else None)
        assert device == device_name(backend, gpu)
        assert observed == device


def test_handler_seeds_each_evaluation_with_its_own_seed(make_engine):
    engine = make_engine(4, 2)
    draws = {}

    def evaluate(worker_id, params):
        seed = shac_core.current_evaluation().seed
        draws[seed] = (np.random.random(), random.random())
        return 0.0

    engine.fit(evaluate, progress=False)

    assert len(draws) == 4
    for seed, got in draws.items():
        assert got == (
            np.random.RandomState(seed).random_sample(),
            random.Random(seed).random(),
        )


def test_handler_clears_the_session_after_a_raising_evaluation(make_engine):
    engine = make_engine(4, 2)
    names = []

    def evaluate(worker_id, params):
        import keras

        model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
        names.append(model.layers[0].name)
        if shac_core.current_evaluation().evaluation_id == 1:
            msg = "boom after building a model"
            raise ValueError(msg)
        return float(model.count_params())

    history = engine.fit(evaluate, progress=False)

    assert names == ["dense"] * 4
    assert len(history) == 4
    errors = {r.id: r.error for r in engine.dataset}
    assert errors.pop(1) == "ValueError: boom after building a model"
    assert set(errors.values()) == {None}
    with pytest.raises(RuntimeError, match="No managed evaluation is running"):
        shac_core.current_evaluation()


def test_handler_returns_backend_tensors_as_numbers(make_engine):
    engine = make_engine(4, 2)

    def evaluate(worker_id, params):
        import keras

        return keras.ops.sum(keras.ops.ones((3,)))

    engine.fit(evaluate, progress=False)

    assert [r.score for r in engine.dataset] == [3.0] * 4
