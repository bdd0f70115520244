"""TorchHandler: device, seeds, thread limit and clean-up around each evaluation."""

from __future__ import annotations

from collections import OrderedDict
import gc
import os
import random
import sys
import weakref

import numpy as np
import pytest
import torch

import shac_core
import shac_torch


pytestmark = pytest.mark.framework

_PAGE = os.sysconf("SC_PAGE_SIZE")


def _rss_bytes():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * _PAGE


@pytest.fixture
def gc_disabled():
    """Leave garbage to the backend alone: nothing else collects cycles."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


@pytest.fixture
def torch_threads():
    """Restore this thread's PyTorch thread count after the test."""
    before = torch.get_num_threads()
    yield before
    torch.set_num_threads(before)


def test_current_device_raises_outside_an_evaluation():
    with pytest.raises(RuntimeError, match="No managed evaluation is running"):
        shac_torch.current_device()


def test_count_gpus_asks_torch_in_the_worker():
    handler = shac_torch.TorchHandler(
        lambda wid, p: 0.0, max_gpu_evaluators=1, threads=1
    )

    assert handler.count_gpus() == torch.cuda.device_count() == 0


@pytest.mark.slow
def test_handler_seeds_random_numpy_and_torch_from_the_evaluation_seed(make_engine):
    draws = []

    def evaluate(worker_id, params):
        seed = shac_core.current_evaluation().seed
        draws.append(
            (
                seed,
                random.random(),
                np.random.random(),
                torch.rand(1).item(),
                torch.initial_seed(),
            )
        )
        return 0.0

    make_engine(total_budget=4, num_batches=1).fit(evaluate, progress=False)

    for seed, py, npy, th, initial in draws:
        assert py == random.Random(seed).random()
        assert npy == np.random.RandomState(seed).random()
        assert th == torch.rand(1, generator=torch.Generator().manual_seed(seed)).item()
        assert initial == seed
    assert len({seed for seed, *_ in draws}) == len(draws) == 4


@pytest.mark.slow
def test_handler_limits_torch_threads_to_the_evaluators_share(
    make_engine, torch_threads
):
    share = max(1, (os.cpu_count() or 1) // 2)
    torch.set_num_threads(share + 1)  # what worker threads would inherit unlimited
    seen = []

    def evaluate(worker_id, params):
        seen.append((torch.get_num_threads(), shac_core.current_evaluation().threads))
        return 0.0

    make_engine(total_budget=4, num_batches=1, max_cpu_evaluators=2).fit(
        evaluate, progress=False
    )

    assert seen == [(share, share)] * 4
    assert torch.get_num_threads() == share + 1


@pytest.mark.slow
def test_handler_memory_does_not_grow_over_50_evaluations(make_engine, gc_disabled):
    # Weak references to each evaluation's 1 MiB tensor.
    earlier: list[weakref.ref[torch.Tensor]] = []
    alive = []
    rss = []

    def evaluate(worker_id, params):
        alive.append(sum(ref() is not None for ref in earlier))
        rss.append(_rss_bytes())
        model = torch.nn.Linear(64, 64)
        loss = model(torch.randn(128, 64)).pow(2).mean()
        loss.backward()
        ballast = torch.zeros(256, 1024)
        cycle: dict[str, object] = {"ballast": ballast}
        cycle["self"] = cycle  # only a garbage collection frees this
        earlier.append(weakref.ref(ballast))
        return loss.item()

    engine = make_engine(total_budget=50, num_batches=1, max_cpu_evaluators=1)
    engine.fit(evaluate, progress=False)

    assert len(alive) == 50
    assert max(alive) == 0
    assert sum(ref() is not None for ref in earlier) == 0
    assert rss[-1] - rss[9] < 16 * 2**20


@pytest.mark.slow
@pytest.mark.parametrize(
    ("max_gpu_evaluators", "gpu_count", "expected"),
    [
        pytest.param(0, 2, {0: "cpu", 1: "cpu"}, id="gpus-unused-when-setting-is-0"),
        pytest.param(2, 0, {0: "cpu", 1: "cpu"}, id="no-gpu-visible"),
        pytest.param(1, 1, {0: "cuda:0"}, id="one-gpu"),
        pytest.param(2, 2, {0: "cuda:0", 1: "cuda:1"}, id="two-gpus"),
        pytest.param(2, 4, {0: "cuda:0", 1: "cuda:1"}, id="fewer-evaluators-than-gpus"),
        pytest.param(
            3, 2, {0: "cuda:0", 1: "cuda:1", 2: "cuda:0"}, id="more-than-gpus"
        ),
    ],
)
def test_handler_gives_each_worker_its_device(
    make_engine, max_gpu_evaluators, gpu_count, expected
):
    seen = []

    def evaluate(worker_id, params):
        context = shac_core.current_evaluation()
        seen.append((worker_id, str(shac_torch.current_device()), context.gpu))
        return 0.0

    engine = make_engine(
        total_budget=4,
        num_batches=1,
        max_gpu_evaluators=max_gpu_evaluators,
        max_cpu_evaluators=2,
        gpu_count=gpu_count,
    )
    history = engine.fit(evaluate, progress=False)

    assert len(history) == 4
    assert {worker for worker, _, _ in seen} == set(expected)
    for worker, device, gpu in seen:
        assert device == expected[worker]
        assert gpu == (None if device == "cpu" else int(device.split(":")[1]))


@pytest.mark.slow
def test_handler_records_a_failure_cleans_up_and_goes_on(
    make_engine, gc_disabled, torch_threads
):
    torch.set_num_threads(torch_threads + 1)
    failed = []

    def evaluate(worker_id, params):
        if shac_core.current_evaluation().evaluation_id == 1:
            tensor = torch.ones(1024)
            cycle: list[object] = [tensor]
            cycle.append(cycle)
            failed.append(weakref.ref(tensor))
            msg = "boom"
            raise ValueError(msg)
        return 1.0

    engine = make_engine(total_budget=4, num_batches=1, policy="sequential")
    engine.fit(evaluate, progress=False)

    errors = [record.error for record in engine.dataset]
    assert errors == [None, "ValueError: boom", None, None]
    assert failed[0]() is None
    assert torch.get_num_threads() == torch_threads + 1
    with pytest.raises(RuntimeError, match="No managed evaluation is running"):
        shac_core.current_evaluation()


def test_handler_undoes_a_failed_setup(torch_threads):
    handler = shac_torch.TorchHandler(
        lambda wid, p: 1.0, max_gpu_evaluators=0, threads=0
    )
    context = shac_core.EvaluationContext(0, 0, OrderedDict(x=1), seed=3, num_workers=1)

    with pytest.raises(RuntimeError, match="positive integer"):
        handler(context)

    assert torch.get_num_threads() == torch_threads
    with pytest.raises(RuntimeError, match="No managed evaluation is running"):
        shac_core.current_evaluation()


def test_handler_fails_evaluations_saying_what_to_install(make_engine, monkeypatch):
    monkeypatch.setitem(
        sys.modules, "torch", None
    )  # what an environment without it does

    engine = make_engine(total_budget=4, num_batches=1)
    engine.fit(lambda wid, p: 1.0, progress=False)

    assert len(engine.dataset) == 4
    for record in engine.dataset:
        assert record.error.startswith("TorchMissingError: shac-torch needs PyTorch")
        assert "`pip install torch`" in record.error
