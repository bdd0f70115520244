"""Fixtures of the shac-keras tests: a small search space and a tiny model to train.

The nox session sets KERAS_BACKEND (tensorflow or torch) before pytest starts, so
every test here runs on that backend.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

import shac_core
import shac_keras


def train_tiny(worker_id, params):
    """Train a small MLP for two epochs; return its last training loss.

    The data are the same for every evaluation; the initial weights, the dropout
    masks and the batch order come from the generators the backend seeded, so the
    loss depends on the evaluation's seed.
    """
    import keras

    rng = np.random.default_rng(1234)
    x = rng.normal(size=(128, 8)).astype("float32")
    y = (x[:, 0] + x[:, 1] > 0).astype("float32")
    model = keras.Sequential(
        [
            keras.Input((8,)),
            keras.layers.Dense(params["width"], activation="relu"),
            keras.layers.Dropout(0.25),
            keras.layers.Dense(1, activation="sigmoid"),
        ]
    )
    model.compile(keras.optimizers.SGD(params["lr"]), "binary_crossentropy")
    history = model.fit(x, y, epochs=2, batch_size=32, shuffle=True, verbose=0)
    return history.history["loss"][-1]


@pytest.fixture(scope="session")
def backend():
    """Return the backend the session asked for, and check Keras runs it."""
    import keras

    name = os.environ["KERAS_BACKEND"]
    assert keras.backend.backend() == name
    return name


@pytest.fixture
def train():
    """Return the tiny training function, ``fn(worker_id, params) -> loss``."""
    return train_tiny


@pytest.fixture
def space():
    return [
        shac_core.DiscreteHyperParameter("width", [4, 8, 16]),
        shac_core.LogUniformHyperParameter("lr", 1e-3, 1e-1),
    ]


@pytest.fixture
def make_engine(space, tmp_path):
    """Return a factory of KerasSHAC engines saving under ``tmp_path``."""
    count = 0

    def make(total_budget=4, num_batches=2, policy="threading", **kwargs):
        nonlocal count
        count += 1
        kwargs.setdefault("seed", 0)
        kwargs.setdefault("objective", "min")
        engine = shac_keras.KerasSHAC(
            space,
            total_budget,
            num_batches,
            save_dir=tmp_path / f"run{count}",
            **kwargs,
        )
        engine.evaluator_backend = policy
        return engine

    return make
