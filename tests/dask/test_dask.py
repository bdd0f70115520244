from __future__ import annotations

import itertools
import logging
import os
from pathlib import Path
import signal
import subprocess
import sys
import time

import pytest

import shac_core as sc
from shac_core.plugins import _builtin


# Functions sent to Dask workers are built inside factories: cloudpickle then sends
# them by value, as it does for functions of a script's `__main__`, since the worker
# processes cannot import this test module.


def make_quadratic(sleep=0.0):
    def quadratic(worker_id, params):
        time.sleep(sleep)
        return -((params["x"] - 1.0) ** 2) - (params["y"] - 2.0) ** 2

    return quadratic


def make_recorder(folder):
    """Return a function that writes what it saw, one file per evaluation."""

    def record(worker_id, params):
        from distributed import get_worker

        context = sc.current_evaluation()
        line = f"{worker_id} {context.gpu} {get_worker().address} {os.getpid()}"
        Path(folder, f"{context.evaluation_id}.txt").write_text(line)
        time.sleep(0.05)
        return params["x"]

    return record


def make_killer(marker, victim):
    """Return a function that kills its worker process on evaluation ``victim``, once."""

    def kill_once(worker_id, params):
        if sc.current_evaluation().evaluation_id == victim:
            try:
                fd = os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
            except FileExistsError:
                pass
            else:
                os.close(fd)
                os.kill(os.getpid(), signal.SIGKILL)
        time.sleep(0.2)
        return params["x"]

    return kill_once


def make_interval_task():
    def task(item, worker_id):
        start = time.time()
        time.sleep(0.05 + 0.05 * (item % 3))
        return worker_id, os.getpid(), start, time.time()

    return task


# -- without a cluster ---------------------------------------------------------------


def test_dask_policy_is_registered_by_name():
    assert sc.get_policy("dask") is sc.DaskPolicy
    assert _builtin.shac_register_policies()["dask"] is sc.DaskPolicy
    assert "dask" in sc.available_policies()
    assert sc.DaskPolicy.name == "dask"


@pytest.mark.slow
def test_dask_policy_listing_policies_imports_neither_dask_nor_distributed():
    code = (
        "import sys, shac_core\n"
        "shac_core.available_policies()\n"
        "policy = shac_core.get_policy('dask')(2)\n"
        "policy.describe()\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed')))\n"
    )

    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout

    assert out.strip() == "[]"


def test_dask_policy_says_what_to_install_without_distributed(monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)
    policy = sc.DaskPolicy(1)

    with pytest.raises(sc.ShacError, match=r'pip install "shac-core\[dask\]"'):
        list(policy.imap_unordered(make_interval_task(), [1]))


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (
            {"address": "tcp://127.0.0.1:8786", "client": object()},
            "either `address` or",
        ),
        (
            {"address": "tcp://127.0.0.1:8786", "cluster_options": {"memory_limit": 0}},
            "your own",
        ),
        ({"cluster_options": {"host": "0.0.0.0"}}, "may not set host"),
        ({"cluster_options": {"n_workers": 4}}, "may not set n_workers"),
        ({"retries": -1}, "`retries` must be a non-negative integer, got -1"),
        ({"timeout": 0}, "`timeout` must be a positive number of seconds, got 0"),
        ({"n_workers": 0}, "`n_workers` must be an integer of at least 1"),
    ],
)
def test_dask_policy_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        sc.DaskPolicy(**kwargs)


def test_dask_policy_describes_itself_without_connecting():
    policy = sc.DaskPolicy(3, address="tcp://127.0.0.1:8786", retries=2)

    assert policy.describe() == {
        "policy": "dask",
        "n_workers": 3,
        "scheduler": "tcp://127.0.0.1:8786",
        "retries": 2,
    }
    assert repr(policy) == "DaskPolicy(n_workers=3, scheduler='tcp://127.0.0.1:8786')"
    assert policy.client is None


# -- on a real LocalCluster over loopback ------------------------------------------


@pytest.mark.slow
@pytest.mark.processes
def test_dask_backend_proposes_what_loky_proposes(tmp_path, space):
    engines = {}
    for backend in ("loky", "dask"):
        engine = sc.SHAC(space, 30, 3, save_dir=tmp_path / backend, seed=11)
        engine.num_parallel_evaluators = 2
        engine.evaluator_backend = backend
        engine.fit(make_quadratic(), skip_cv_checks=True, progress=False)
        engines[backend] = engine

    loky, dask = engines["loky"].dataset, engines["dask"].dataset
    assert len(engines["loky"].cascade) > 0
    assert [r.params for r in dask] == [r.params for r in loky]
    assert [r.score for r in dask] == [r.score for r in loky]
    assert all(r.ok for r in dask)


@pytest.mark.slow
@pytest.mark.processes
def test_dask_policy_starts_a_loopback_cluster_and_closes_it(caplog):
    caplog.set_level(logging.INFO, logger="shac_core")
    task = make_interval_task()

    with sc.DaskPolicy(2) as policy:
        results = dict(policy.imap_unordered(task, list(range(4))))
        client, addresses = policy.client, policy.worker_addresses
        cluster = client.cluster

    assert sorted(results) == [0, 1, 2, 3]
    assert all(pid != os.getpid() for _, pid, _, _ in results.values())
    assert len(addresses) == 2
    assert all(a.startswith("tcp://127.0.0.1:") for a in addresses)
    assert cluster.scheduler_address.startswith("tcp://127.0.0.1:")
    assert "Dask dashboard: http://127.0.0.1:" in caplog.text
    assert client.status == "closed"
    assert cluster.status.name == "closed"
    assert policy.client is None


@pytest.mark.slow
@pytest.mark.processes
def test_dask_policy_never_runs_two_items_on_one_worker_id(client):
    with sc.DaskPolicy(client=client) as policy:
        results = list(policy.imap_unordered(make_interval_task(), list(range(12))))

    assert sorted(p for p, _ in results) == list(range(12))
    by_id = {}
    for _, (worker_id, pid, start, end) in results:
        by_id.setdefault(worker_id, []).append((start, end, pid))
    assert sorted(by_id) == [0, 1]
    for runs in by_id.values():
        runs.sort()
        assert len({pid for _, _, pid in runs}) == 1
        assert all(a[1] <= b[0] for a, b in itertools.pairwise(runs))


@pytest.mark.slow
@pytest.mark.processes
def test_dask_policy_address_form_runs_a_search(tmp_path, space, cluster):
    engine = sc.SHAC(space, 8, 2, save_dir=tmp_path / "run", seed=3)
    policy = sc.DaskPolicy(address=cluster.scheduler_address)
    engine.evaluator_backend = policy

    history = engine.fit(make_quadratic(), progress=False)

    assert len(history) == 8
    assert [r.id for r in sc.SHAC.load(tmp_path / "run").dataset] == list(range(8))
    assert policy.client is None
    assert len(cluster.scheduler_info["workers"]) == 2


@pytest.mark.slow
@pytest.mark.processes
def test_dask_policy_leaves_the_users_client_open(tmp_path, space, client, caplog):
    caplog.set_level(logging.INFO, logger="shac_core")
    engine = sc.SHAC(space, 8, 2, save_dir=tmp_path / "run", seed=3)
    engine.evaluator_backend = sc.DaskPolicy(client=client)

    engine.fit(make_quadratic(), progress=False)

    assert len(engine.dataset) == 8
    assert client.status == "running"
    assert "Dask dashboard: http://127.0.0.1:" in caplog.text
    assert "2 worker ids over 2 workers" in caplog.text


@pytest.mark.slow
@pytest.mark.processes
def test_dask_managed_worker_ids_and_gpus_are_stable_per_dask_worker(
    tmp_path, space, client
):
    engine = sc.ManagedSHAC(
        space,
        12,
        3,
        max_gpu_evaluators=2,
        save_dir=tmp_path / "run",
        seed=5,
        gpu_count=2,
    )
    engine.evaluator_backend = sc.DaskPolicy(client=client)
    folder = tmp_path / "seen"
    folder.mkdir()

    engine.fit(make_recorder(folder), progress=False)

    seen = [(folder / f"{i}.txt").read_text().split() for i in range(12)]
    workers = sorted(client.nthreads())
    assert all(r.ok for r in engine.dataset)
    assert {address for _, _, address, _ in seen} == set(workers)
    for worker_id, gpu, address, _pid in seen:
        assert int(worker_id) == workers.index(address)
        assert int(gpu) == int(worker_id) % 2
    assert len({(w, p) for w, _, _, p in seen}) == 2


@pytest.mark.slow
@pytest.mark.processes
def test_dask_policy_reports_a_function_the_workers_cannot_import(tmp_path, client):
    module = tmp_path / "shac_dask_driver_only.py"
    module.write_text("def task(item, worker_id):\n    return item\n")
    sys.path.insert(0, str(tmp_path))
    try:
        import shac_dask_driver_only

        with sc.DaskPolicy(client=client, retries=0) as policy:
            results = dict(policy.imap_unordered(shac_dask_driver_only.task, [1, 2]))
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("shac_dask_driver_only", None)

    assert sorted(results) == [0, 1]
    assert all(isinstance(r, sc.PolicyFailure) for r in results.values())
    assert "must be importable on the workers" in str(results[0])


@pytest.mark.slow
@pytest.mark.processes
@pytest.mark.parametrize("retries", [0, 1])
def test_dask_policy_survives_a_killed_worker(tmp_path, space, client, retries):
    marker = tmp_path / "killed"
    engine = sc.ManagedSHAC(
        space, 8, 2, max_cpu_evaluators=2, save_dir=tmp_path / "run", seed=7
    )
    engine.evaluator_backend = sc.DaskPolicy(client=client, retries=retries)

    engine.fit(make_killer(marker, victim=2), progress=False)

    saved = sc.ManagedSHAC.load(tmp_path / "run").dataset
    failed = [r for r in saved if not r.ok]
    assert marker.exists()
    assert [r.id for r in saved] == list(range(8))
    if retries:
        assert failed == []
    else:
        assert [r.id for r in failed] == [2]
        assert "PolicyFailure" in failed[0].error
        assert "was lost" in failed[0].error


@pytest.mark.slow
def test_dask_policy_fails_when_no_worker_joins():
    from distributed import LocalCluster

    with LocalCluster(n_workers=0, host="127.0.0.1", dashboard_address=None) as empty:
        policy = sc.DaskPolicy(address=empty.scheduler_address, timeout=1)

        with pytest.raises(sc.PolicyFailure, match="No Dask worker joined"):
            list(policy.imap_unordered(make_interval_task(), [1]))

    assert policy.client is None


@pytest.mark.slow
def test_dask_policy_fails_when_no_scheduler_answers():
    policy = sc.DaskPolicy(address="tcp://127.0.0.1:9", timeout=1)

    with pytest.raises(sc.PolicyFailure, match="No Dask scheduler answered"):
        list(policy.imap_unordered(make_interval_task(), [1]))
