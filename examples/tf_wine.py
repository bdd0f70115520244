"""Tune a small TensorFlow network on the wine data set with TensorflowSHAC, on the CPU.

Searches the width, depth, learning rate, dropout and batch size of a Keras
multilayer perceptron on ``examples/data/wine.csv`` (178 wines, 13 chemical
measurements and the ``cultivar``, 0 to 2), scoring each configuration by its
accuracy on a held-out quarter of the data. The default budget, 8 evaluations in 2
epochs on two worker processes, takes a minute or two on a laptop CPU.

Run it from the repository root after
``pip install "./shac_core" "./shac_tf[cpu]"`` (or with the TensorFlow you have):

    python examples/tf_wine.py
    python examples/tf_wine.py --budget 24 --batches 4 --evaluators 4
    python examples/tf_wine.py --style graph    # PySHAC's fn(session, worker_id, params)
"""

from __future__ import annotations

import argparse
from pathlib import Path
import tempfile
from typing import Any

import numpy as np

import shac_core
import shac_tf


DATA = Path(__file__).parent / "data" / "wine.csv"
EPOCHS = 30


def load_wine() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Return standardised ``(x_train, y_train, x_valid, y_valid)``, the same each time.

    Called in each evaluation: reading 178 rows costs a millisecond, and a cache in
    ``__main__`` would not reach loky's worker processes.
    """
    table = np.loadtxt(DATA, delimiter=",", skiprows=1, dtype=np.float32)
    x, y = table[:, :-1], table[:, -1].astype(np.int64)
    order = np.random.default_rng(0).permutation(len(x))
    cut = len(x) * 3 // 4
    train, valid = order[:cut], order[cut:]
    mean, std = x[train].mean(axis=0), x[train].std(axis=0)
    x = (x - mean) / std
    return x[train], y[train], x[valid], y[valid]


def evaluate(worker_id: int, params: dict[str, Any]) -> float:
    """Train one Keras MLP and return its validation accuracy (the eager style).

    Runs in a worker process, under ``tf.device(shac_tf.current_device())``, with
    Python, NumPy, TensorFlow and Keras already seeded for this evaluation.
    """
    import tensorflow as tf

    x_train, y_train, x_valid, y_valid = load_wine()
    layers: list[Any] = [tf.keras.Input((x_train.shape[1],))]
    for _ in range(params["layers"]):
        layers += [
            tf.keras.layers.Dense(params["units"], activation="relu"),
            tf.keras.layers.Dropout(params["dropout"]),
        ]
    model = tf.keras.Sequential([*layers, tf.keras.layers.Dense(3)])
    model.compile(
        optimizer=tf.keras.optimizers.Adam(params["learning_rate"]),
        loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    model.fit(
        x_train, y_train, batch_size=params["batch_size"], epochs=EPOCHS, verbose=0
    )
    _, accuracy = model.evaluate(x_valid, y_valid, verbose=0)
    return float(accuracy)


def evaluate_graph(session: Any, worker_id: int, params: dict[str, Any]) -> float:
    """Train the same kind of MLP as PySHAC did: a TF1 graph in the given session.

    TensorflowSHAC made a fresh ``tf.Graph`` for this call, entered it, and closes
    the session afterwards; dropout is left out to keep the graph short.
    """
    import tensorflow as tf

    v1 = tf.compat.v1
    x_train, y_train, x_valid, y_valid = load_wine()
    x = v1.placeholder(tf.float32, [None, x_train.shape[1]])
    y = v1.placeholder(tf.int64, [None])
    hidden = x
    for i in range(params["layers"]):
        w = v1.get_variable(f"w{i}", [hidden.shape[1], params["units"]])
        b = v1.get_variable(
            f"b{i}", [params["units"]], initializer=v1.zeros_initializer()
        )
        hidden = tf.nn.relu(tf.matmul(hidden, w) + b)
    w_out = v1.get_variable("w_out", [params["units"], 3])
    logits = tf.matmul(hidden, w_out)
    loss = tf.reduce_mean(
        tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits)
    )
    step = v1.train.AdamOptimizer(params["learning_rate"]).minimize(loss)
    accuracy = tf.reduce_mean(tf.cast(tf.equal(tf.argmax(logits, 1), y), tf.float32))

    session.run(v1.global_variables_initializer())
    rng = np.random.default_rng(shac_core.current_evaluation().seed)
    for _ in range(EPOCHS):
        order = rng.permutation(len(x_train))
        for start in range(0, len(order), params["batch_size"]):
            batch = order[start : start + params["batch_size"]]
            session.run(step, {x: x_train[batch], y: y_train[batch]})
    return float(session.run(accuracy, {x: x_valid, y: y_valid}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=int, default=8, help="evaluations (N)")
    parser.add_argument("--batches", type=int, default=2, help="epochs (M)")
    parser.add_argument("--evaluators", type=int, default=2, help="worker processes")
    parser.add_argument("--gpus", type=int, default=0, help="GPUs to use; 0 means CPU")
    parser.add_argument("--style", choices=["eager", "graph"], default="eager")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--save-dir", type=Path, default=None, help="default: a temp dir"
    )
    args = parser.parse_args()

    space = [
        shac_core.IntegerHyperParameter("layers", 1, 2),
        shac_core.DiscreteHyperParameter("units", [8, 16, 32]),
        shac_core.LogUniformHyperParameter("learning_rate", 1e-3, 3e-2),
        shac_core.UniformContinuousHyperParameter("dropout", 0.0, 0.4),
        shac_core.DiscreteHyperParameter("batch_size", [16, 32]),
    ]
    save_dir = args.save_dir or Path(tempfile.mkdtemp(prefix="shac-tf-wine-")) / "run"
    engine = shac_tf.TensorflowSHAC(
        space,
        total_budget=args.budget,
        num_batches=args.batches,
        max_gpu_evaluators=args.gpus,
        max_cpu_evaluators=args.evaluators,
        save_dir=save_dir,
        seed=args.seed,
        function_style=args.style,
    )
    engine.parallel_evaluators()  # loky worker processes; TensorFlow loads only there

    engine.fit(
        evaluate if args.style == "eager" else evaluate_graph, skip_cv_checks=True
    )

    best = engine.best()
    if best is None:
        print("Every evaluation failed; see the log above.")
        return
    print(f"Best validation accuracy: {best.score:.4f} (evaluation {best.id})")
    for name, value in best.params.items():
        print(f"  {name} = {value}")
    print(f"Search saved in {save_dir}")


if __name__ == "__main__":
    main()
