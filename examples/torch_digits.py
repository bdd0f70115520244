"""Tune a small PyTorch MLP on the handwritten digits with TorchSHAC, on the CPU.

Searches the number of hidden layers, their width, the learning rate, dropout and
batch size of a multilayer perceptron on ``examples/data/digits.csv`` (1,797 8x8
images, 64 pixel columns and ``digit``), scoring each configuration by its accuracy
on a held-out fifth of the data. The default budget, 16 evaluations in 4 epochs on
two worker processes, takes a minute or two on a laptop CPU.

Run it from the repository root after ``pip install torch ./shac_core ./shac_torch``:

    python examples/torch_digits.py
    python examples/torch_digits.py --budget 32 --batches 4 --evaluators 4
"""

from __future__ import annotations

import argparse
from pathlib import Path
import tempfile

import numpy as np

import shac_core
import shac_torch


DATA = Path(__file__).parent / "data" / "digits.csv"
EPOCHS = 15


def load_digits() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Return ``(x_train, y_train, x_valid, y_valid)``, the same split every time.

    Called in each evaluation: reading 1,797 rows costs milliseconds, and a cache in
    ``__main__`` would not reach loky's worker processes.
    """
    table = np.loadtxt(DATA, delimiter=",", skiprows=1, dtype=np.float32)
    x, y = table[:, :-1] / 16.0, table[:, -1].astype(np.int64)
    order = np.random.default_rng(0).permutation(len(x))
    cut = len(x) * 4 // 5
    train, valid = order[:cut], order[cut:]
    return x[train], y[train], x[valid], y[valid]


def evaluate(worker_id: int, params: dict) -> float:
    """Train one MLP and return its validation accuracy.

    Runs in a worker process: TorchSHAC has already seeded ``random``, NumPy and
    PyTorch for this evaluation and capped PyTorch's threads.
    """
    import torch
    from torch import nn

    device = shac_torch.current_device()
    x_train, y_train, x_valid, y_valid = (torch.from_numpy(a) for a in load_digits())

    layers: list[nn.Module] = []
    width_in = x_train.shape[1]
    for _ in range(params["layers"]):
        layers += [
            nn.Linear(width_in, params["width"]),
            nn.ReLU(),
            nn.Dropout(params["dropout"]),
        ]
        width_in = params["width"]
    model = nn.Sequential(*layers, nn.Linear(width_in, 10)).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=params["learning_rate"])
    loss_fn = nn.CrossEntropyLoss()

    model.train()
    for _ in range(EPOCHS):
        for batch in torch.randperm(len(x_train)).split(params["batch_size"]):
            optimizer.zero_grad()
            loss = loss_fn(model(x_train[batch].to(device)), y_train[batch].to(device))
            loss.backward()
            optimizer.step()

    model.eval()
    with torch.no_grad():
        predicted = model(x_valid.to(device)).argmax(dim=1).cpu()
    return (predicted == y_valid).float().mean().item()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=int, default=16, help="evaluations (N)")
    parser.add_argument("--batches", type=int, default=4, help="epochs (M)")
    parser.add_argument("--evaluators", type=int, default=2, help="worker processes")
    parser.add_argument("--gpus", type=int, default=0, help="GPUs to use; 0 means CPU")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--save-dir", type=Path, default=None, help="default: a temp dir"
    )
    args = parser.parse_args()

    space = [
        shac_core.IntegerHyperParameter("layers", 1, 3),
        shac_core.DiscreteHyperParameter("width", [16, 32, 64, 128]),
        shac_core.LogUniformHyperParameter("learning_rate", 1e-4, 3e-2),
        shac_core.UniformContinuousHyperParameter("dropout", 0.0, 0.5),
        shac_core.DiscreteHyperParameter("batch_size", [32, 64, 128]),
    ]
    save_dir = (
        args.save_dir or Path(tempfile.mkdtemp(prefix="shac-torch-digits-")) / "run"
    )
    engine = shac_torch.TorchSHAC(
        space,
        total_budget=args.budget,
        num_batches=args.batches,
        max_gpu_evaluators=args.gpus,
        max_cpu_evaluators=args.evaluators,
        save_dir=save_dir,
        seed=args.seed,
    )
    engine.parallel_evaluators()  # loky worker processes; PyTorch loads only there

    engine.fit(evaluate, skip_cv_checks=True)

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
