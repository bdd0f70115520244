"""Keras in one process: import, backend choice, device names, threads, session state."""

from __future__ import annotations

import os
import sys
import types

import pytest

from shac_keras import KerasBackendError
from shac_keras import KerasMissingError
from shac_keras._runtime import active_backend
from shac_keras._runtime import begin_evaluation
from shac_keras._runtime import check_backend
from shac_keras._runtime import count_gpus
from shac_keras._runtime import device_name
from shac_keras._runtime import end_evaluation
from shac_keras._runtime import import_keras
from shac_keras._runtime import limit_threads
from shac_keras._runtime import restore_threads
from shac_keras._runtime import select_backend


pytestmark = pytest.mark.framework


def test_active_backend_is_the_one_the_session_chose(backend):
    import keras

    assert active_backend() == backend == keras.backend.backend()


def test_check_backend_rejects_a_backend_that_cannot_train():
    with pytest.raises(KerasBackendError, match=r"got 'numpy'; set KERAS_BACKEND"):
        check_backend("numpy")


@pytest.mark.parametrize(
    ("backend_name", "gpu", "expected"),
    [
        ("tensorflow", None, "/CPU:0"),
        ("tensorflow", 1, "/GPU:1"),
        ("torch", None, "cpu"),
        ("torch", 1, "cuda:1"),
        ("jax", None, "cpu:0"),
        ("jax", 1, "gpu:1"),
    ],
)
def test_device_name_follows_each_backends_convention(backend_name, gpu, expected):
    assert device_name(backend_name, gpu) == expected


def test_device_name_on_the_cpu_places_keras_weights_there(backend):
    import keras

    with keras.device(device_name(backend, None)):
        layer = keras.layers.Dense(2)
        layer.build((None, 3))

    device = str(getattr(layer.kernel.value, "device", "")).lower()
    assert "cpu" in device


def test_select_backend_sets_keras_backend_before_keras_is_imported(monkeypatch):
    monkeypatch.delitem(sys.modules, "keras")
    monkeypatch.setenv("KERAS_BACKEND", "numpy")
    monkeypatch.delenv("XLA_PYTHON_CLIENT_PREALLOCATE", raising=False)

    assert select_backend("jax") == "jax"

    assert sys.modules.get("keras") is None
    assert os.environ["KERAS_BACKEND"] == "jax"
    assert os.environ["XLA_PYTHON_CLIENT_PREALLOCATE"] == "false"


def test_select_backend_leaves_an_imported_keras_alone(monkeypatch, backend):
    monkeypatch.setenv("KERAS_BACKEND", backend)

    select_backend("jax")

    assert os.environ["KERAS_BACKEND"] == backend


def test_import_keras_raises_with_the_install_command_when_missing(monkeypatch):
    monkeypatch.setitem(sys.modules, "keras", None)

    with pytest.raises(KerasMissingError, match=r"`pip install keras tensorflow`"):
        import_keras()


def test_import_keras_rejects_keras_2(monkeypatch):
    old = types.ModuleType("keras")
    old.__version__ = "2.15.0"
    monkeypatch.setitem(sys.modules, "keras", old)

    with pytest.raises(KerasMissingError, match=r"needs Keras 3 or later, got Keras 2"):
        import_keras()


def test_count_gpus_agrees_with_the_backend(backend):
    if backend == "tensorflow":
        import tensorflow as tf

        expected = len(tf.config.list_physical_devices("GPU"))
    else:
        import torch

        expected = torch.cuda.device_count()

    assert count_gpus(backend) == expected


def test_limit_threads_sets_and_restores_torch_threads_only(backend):
    if backend == "torch":
        import torch

        before = torch.get_num_threads()
        previous = limit_threads(backend, 1)
        during = torch.get_num_threads()
        restore_threads(backend, previous)
        assert (previous, during, torch.get_num_threads()) == (before, 1, before)
    else:
        # TensorFlow sizes its pools once per process (configure_process).
        assert limit_threads(backend, 1) is None


def test_end_evaluation_clears_the_session_only_after_the_last_one(backend):
    keras = import_keras()

    begin_evaluation(keras, backend)
    begin_evaluation(keras, backend)
    first = keras.layers.Dense(1).name
    cleared_early = end_evaluation(keras, backend)
    second = keras.layers.Dense(1).name
    cleared_last = end_evaluation(keras, backend)
    third = keras.layers.Dense(1).name

    assert (first, second, third) == ("dense", "dense_1", "dense")
    assert (cleared_early, cleared_last) == (False, True)
