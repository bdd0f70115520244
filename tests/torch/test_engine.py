"""TorchSHAC: the engine's settings, real training runs, determinism and processes."""

from __future__ import annotations

import ast
import inspect
import json
import math
import os
from pathlib import Path
import subprocess
import sys
import textwrap

import pytest

import shac_core
from shac_torch import TorchSHAC


pytestmark = pytest.mark.framework

_CONFTEST = Path(__file__).with_name("conftest.py")


def _scores(engine):
    return [record.score for record in engine.dataset]


def test_torchshac_keeps_pyshac_signature_and_defaults():
    signature = inspect.signature(TorchSHAC)

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
        if p.default is not p.empty
    } == {
        "max_gpu_evaluators": 0,
        "objective": "max",
        "max_classifiers": 18,
        "max_cpu_evaluators": 1,
        "save_dir": "shac",
        "seed": None,
        "gpu_count": None,
    }
    assert issubclass(TorchSHAC, shac_core.ManagedSHAC)
    assert TorchSHAC.engine_name == "torch"


@pytest.mark.parametrize(
    ("max_gpu_evaluators", "max_cpu_evaluators", "parallel"),
    [(0, 1, 1), (0, 3, 3), (2, 3, 2)],
)
def test_torchshac_runs_one_evaluation_per_gpu_or_cpu_evaluator(
    make_engine, max_gpu_evaluators, max_cpu_evaluators, parallel
):
    engine = make_engine(
        max_gpu_evaluators=max_gpu_evaluators, max_cpu_evaluators=max_cpu_evaluators
    )

    assert engine.num_parallel_evaluators == parallel


def test_torchshac_rejects_a_negative_gpu_count(space, tmp_path):
    with pytest.raises(
        ValueError, match="`max_gpu_evaluators` must be an integer of at least 0"
    ):
        TorchSHAC(space, 8, 2, max_gpu_evaluators=-1, save_dir=tmp_path / "s")


@pytest.mark.slow
def test_torchshac_fit_trains_real_models_reproducibly(make_engine, train):
    first = make_engine(total_budget=4, num_batches=1, seed=11)
    again = make_engine(total_budget=4, num_batches=1, seed=11)
    other = make_engine(total_budget=4, num_batches=1, seed=12)

    history = first.fit(train, progress=False)
    again.fit(train, progress=False)
    other.fit(train, progress=False)

    assert len(history) == 4
    assert all(record.ok and math.isfinite(record.score) for record in first.dataset)
    assert first.best().score == min(_scores(first))
    assert _scores(first) == _scores(again)
    assert _scores(first) != _scores(other)


@pytest.mark.slow
def test_torchshac_load_restores_its_settings(make_engine, train):
    engine = make_engine(
        total_budget=4, num_batches=2, max_gpu_evaluators=2, gpu_count=0
    )
    engine.fit(train, progress=False)

    loaded = TorchSHAC.load(engine.save_dir.path)

    assert type(loaded) is TorchSHAC
    assert loaded.max_gpu_evaluators == 2
    assert _scores(loaded) == _scores(engine)


_LOKY_SCRIPT = """
import json, os, sys
from pathlib import Path

import shac_core
import shac_torch

exec(Path(sys.argv[1]).read_text())  # defines train_tiny in __main__
RECORDS = Path(sys.argv[2])

def evaluate(worker_id, params):
    import torch

    context = shac_core.current_evaluation()
    record = {"device": str(shac_torch.current_device()), "threads": torch.get_num_threads()}
    score = train_tiny(worker_id, params)
    (RECORDS / f"{context.evaluation_id}-{os.getpid()}.json").write_text(json.dumps(record))
    return score

space = [
    shac_core.DiscreteHyperParameter("width", [4, 8, 16]),
    shac_core.LogUniformHyperParameter("lr", 1e-3, 1e-1),
]

def run(name, policy):
    engine = shac_torch.TorchSHAC(
        space, 4, 1, max_cpu_evaluators=2, objective="min",
        save_dir=RECORDS.parent / name, seed=5,
    )
    engine.evaluator_backend = policy
    engine.fit(evaluate, progress=False)
    return [r.score for r in engine.dataset]

processes = run("loky", "loky")
torch_in_parent = "torch" in sys.modules
# One evaluation at a time with the same thread share, in this process.
threads = run("threads", shac_core.ThreadingPolicy(1))
print(json.dumps({
    "parent": os.getpid(),
    "torch_in_parent": torch_in_parent,
    "processes": processes,
    "threads": threads,
}))
"""


def _train_tiny_source():
    source = _CONFTEST.read_text()
    tree = ast.parse(source)
    node = next(n for n in tree.body if getattr(n, "name", None) == "train_tiny")
    return ast.get_source_segment(source, node)


@pytest.mark.slow
@pytest.mark.processes
def test_torchshac_loky_run_matches_threads_and_leaves_the_parent_without_torch(
    tmp_path,
):
    """Run in a fresh interpreter, whose parent process must never import PyTorch."""
    (tmp_path / "train.py").write_text(_train_tiny_source())
    records = tmp_path / "records"
    records.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHAC_")}

    done = subprocess.run(
        [
            sys.executable,
            "-c",
            textwrap.dedent(_LOKY_SCRIPT),
            tmp_path / "train.py",
            records,
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.splitlines()[-1])
    assert not result["torch_in_parent"]
    assert result["processes"] == result["threads"]
    assert len(set(result["processes"])) == 4
    by_process: dict[bool, list[int]] = {}
    for path in records.iterdir():
        evaluation, pid = path.stem.split("-")
        by_process.setdefault(int(pid) == result["parent"], []).append(int(evaluation))
        assert json.loads(path.read_text()) == {
            "device": "cpu",
            "threads": max(1, (os.cpu_count() or 1) // 2),
        }
    assert sorted(by_process[False]) == sorted(by_process[True]) == list(range(4))


@pytest.mark.framework
def test_a_scalar_tensor_is_a_score(make_engine):
    import torch

    engine = make_engine(4, 1)
    engine.concurrent_evaluators()

    engine.fit(lambda worker_id, params: torch.tensor(params["lr"]), progress=False)

    assert all(r.ok for r in engine.dataset)
    assert all(isinstance(r.score, float) for r in engine.dataset)
