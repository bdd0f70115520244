"""TorchSHAC evaluated on a real Dask LocalCluster (loopback only)."""

from __future__ import annotations

from pathlib import Path

import pytest

import shac_core
import shac_torch


def make_trainer():
    # Built inside a function, so that Dask workers receive it by value.
    def train(worker_id, params):
        import os

        import torch
        from torch.nn import functional

        device = shac_torch.current_device()
        context = shac_core.current_evaluation()
        data = torch.Generator().manual_seed(1234)
        x = torch.randn(128, 8, generator=data).to(device)
        y = (x[:, 0] > 0).long()
        model = torch.nn.Sequential(
            torch.nn.Linear(8, params["width"]),
            torch.nn.ReLU(),
            torch.nn.Linear(params["width"], 2),
        ).to(device)
        optimizer = torch.optim.SGD(model.parameters(), lr=params["lr"])
        for batch in torch.randperm(128).split(32):
            loss = functional.cross_entropy(model(x[batch]), y[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        marker = f"{worker_id} {context.gpu} {torch.get_num_threads()} {os.getpid()}"
        return loss.item() + 0.0 * len(marker), marker

    def evaluate(worker_id, params):
        score, marker = train(worker_id, params)
        with open(params["log"], "a") as handle:
            handle.write(marker + "\n")
        return score

    return evaluate


@pytest.mark.framework
@pytest.mark.slow
@pytest.mark.processes
def test_torch_backend_runs_through_dask(tmp_path):
    from distributed import Client
    from distributed import LocalCluster

    log = str(tmp_path / "workers.log")
    space = [
        shac_core.DiscreteHyperParameter("width", [4, 8]),
        shac_core.LogUniformHyperParameter("lr", 1e-3, 1e-1),
        shac_core.DiscreteHyperParameter("log", [log]),
    ]
    local = shac_torch.TorchSHAC(
        space, 8, 2, objective="min", save_dir=tmp_path / "t", seed=3
    )
    local.concurrent_evaluators()
    local.fit(make_trainer(), progress=False)

    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, host="127.0.0.1", dashboard_address=None
        ) as cluster,
        Client(cluster, set_as_default=False) as client,
    ):
        client.wait_for_workers(2, timeout=60)
        remote = shac_torch.TorchSHAC(
            space,
            8,
            2,
            objective="min",
            max_cpu_evaluators=2,
            gpu_count=2,
            max_gpu_evaluators=0,
            save_dir=tmp_path / "d",
            seed=3,
        )
        remote.evaluator_backend = shac_core.DaskPolicy(client=client)
        remote.fit(make_trainer(), progress=False)

    lines = [line.split() for line in Path(log).read_text().splitlines()[8:]]
    assert all(r.ok for r in remote.dataset)
    assert [r.params for r in remote.dataset] == [r.params for r in local.dataset]
    assert [r.score for r in remote.dataset] == pytest.approx(
        [r.score for r in local.dataset]
    )
    assert {worker for worker, *_ in lines} == {"0", "1"}
    assert {gpu for _, gpu, *_ in lines} == {"None"}
    assert len({pid for *_, pid in lines}) == 2
