"""Fixtures of the shac-torch tests: a small search space and a tiny model to train."""

from __future__ import annotations

import pytest

import shac_core
import shac_torch


def train_tiny(worker_id, params):
    """Train a one-hidden-layer MLP for two epochs; return its last training loss.

    The data are the same for every evaluation; the weights and the batch order come
    from the generators the backend seeded, so the loss depends on the seed. PyTorch
    is imported here, not at module level, so that a test can run this function in
    worker processes of a parent that never imports it.
    """
    import torch
    from torch.nn import functional

    import shac_torch

    device = shac_torch.current_device()
    data = torch.Generator().manual_seed(1234)
    x = torch.randn(256, 8, generator=data).to(device)
    y = (x[:, 0] + x[:, 1] > 0).long()
    width = params["width"]
    model = torch.nn.Sequential(
        torch.nn.Linear(8, width), torch.nn.ReLU(), torch.nn.Linear(width, 2)
    ).to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=params["lr"])

    for _ in range(2):
        for batch in torch.randperm(256).split(32):
            loss = functional.cross_entropy(model(x[batch]), y[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return loss.item()


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
    """Return a factory of TorchSHAC engines saving under ``tmp_path``."""
    count = 0

    def make(total_budget=8, num_batches=2, policy="threading", **kwargs):
        nonlocal count
        count += 1
        kwargs.setdefault("seed", 0)
        kwargs.setdefault("objective", "min")
        engine = shac_torch.TorchSHAC(
            space,
            total_budget,
            num_batches,
            save_dir=tmp_path / f"run{count}",
            **kwargs,
        )
        engine.evaluator_backend = policy
        return engine

    return make
