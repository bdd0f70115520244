"""Fixtures of the shac-tf tests: data, a search space and tiny models in both styles.

The training functions are closures made by fixtures, so that cloudpickle sends them
to loky workers by value (test modules are not importable there). They import
TensorFlow inside, where they run.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

import shac_core
import shac_tf


# TensorFlow's C++ start-up chatter drowns pytest's output; errors still show.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


@pytest.fixture(scope="session")
def data():
    """Return 240 rows of 4 features and a binary label that depends on two of them."""
    rng = np.random.default_rng(1234)
    x = rng.normal(size=(240, 4)).astype("float32")
    y = (x[:, 0] - 0.5 * x[:, 1] + 0.3 * rng.normal(size=240) > 0).astype("float32")
    return x, y


@pytest.fixture
def space():
    return [
        shac_core.LogUniformHyperParameter("lr", 1e-3, 3e-1),
        shac_core.DiscreteHyperParameter("units", [2, 4, 8]),
    ]


@pytest.fixture(scope="session")
def make_keras_fn(data):
    """Return a factory of eager functions that train a small Keras model.

    ``make(probe=None)`` returns ``fn(worker_id, params) -> accuracy``. ``probe``,
    if given, is called inside the evaluation after training with the model, and may
    record what it sees.
    """
    x, y = data

    def make(probe=None, epochs=2):
        def train(worker_id, params):
            import tensorflow as tf

            model = tf.keras.Sequential(
                [
                    tf.keras.Input((4,)),
                    tf.keras.layers.Dense(params["units"], activation="relu"),
                    tf.keras.layers.Dense(1, activation="sigmoid"),
                ]
            )
            model.compile(
                optimizer=tf.keras.optimizers.SGD(params["lr"]),
                loss="binary_crossentropy",
                metrics=["accuracy"],
            )
            fitted = model.fit(x, y, batch_size=32, epochs=epochs, verbose=0)
            if probe is not None:
                probe(worker_id, params, model)
            return fitted.history["accuracy"][-1]

        return train

    return make


@pytest.fixture(scope="session")
def make_graph_fn(data):
    """Return a factory of PySHAC graph-style functions training a logistic model.

    ``make(probe=None)`` returns ``fn(session, worker_id, params) -> accuracy``, which
    builds its model in the session's graph with ``tf.compat.v1`` and trains it with
    plain gradient descent. ``probe(session, worker_id, params)`` runs first.
    """
    x_data, y_data = data

    def make(probe=None, steps=30):
        def train(session, worker_id, params):
            import tensorflow as tf

            v1 = tf.compat.v1
            if probe is not None:
                probe(session, worker_id, params)
            x = v1.placeholder(tf.float32, [None, 4])
            y = v1.placeholder(tf.float32, [None])
            w = v1.get_variable("w", [4, 1])
            b = v1.get_variable("b", [1], initializer=v1.zeros_initializer())
            logits = tf.squeeze(tf.matmul(x, w) + b, 1)
            loss = tf.reduce_mean(
                tf.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=logits)
            )
            step = v1.train.GradientDescentOptimizer(params["lr"]).minimize(loss)
            hits = tf.equal(tf.cast(logits > 0, tf.float32), y)
            accuracy = tf.reduce_mean(tf.cast(hits, tf.float32))

            session.run(v1.global_variables_initializer())
            for _ in range(steps):
                session.run(step, {x: x_data, y: y_data})
            return session.run(accuracy, {x: x_data, y: y_data})

        return train

    return make


@pytest.fixture
def make_engine(space, tmp_path):
    """Return a factory of TensorflowSHAC engines saving under ``tmp_path``.

    Engines run on the ``threading`` policy unless told otherwise.
    """
    count = 0

    def make(total_budget=4, num_batches=1, policy="threading", **kwargs):
        nonlocal count
        count += 1
        kwargs.setdefault("seed", 0)
        engine = shac_tf.TensorflowSHAC(
            space,
            total_budget,
            num_batches,
            save_dir=tmp_path / f"run{count}",
            **kwargs,
        )
        engine.evaluator_backend = policy
        return engine

    return make
