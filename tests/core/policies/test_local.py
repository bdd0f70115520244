from __future__ import annotations

import os
import signal
import threading
import time

import pytest

import shac_core as sc


def echo(item, worker_id):
    return item, worker_id


def test_sequential_runs_in_order_on_worker_zero():
    results = list(sc.SequentialPolicy().imap_unordered(echo, ["a", "b", "c"]))

    assert results == [(0, ("a", 0)), (1, ("b", 0)), (2, ("c", 0))]


def test_one_thread_runs_items_strictly_one_at_a_time_in_order():
    log = []
    running = []

    def task(item, worker_id):
        running.append(item)
        log.append(("start", item, len(running)))
        time.sleep(0.01)
        running.remove(item)
        log.append(("end", item))
        return item

    with sc.ThreadingPolicy(1) as policy:
        order = [pos for pos, _ in policy.imap_unordered(task, list(range(6)))]

    assert order == list(range(6))
    assert [e for e in log if e[0] == "start"] == [("start", i, 1) for i in range(6)]
    assert log == [e for i in range(6) for e in (("start", i, 1), ("end", i))]


def test_threads_never_share_a_worker_id_while_running():
    active = {}
    lock = threading.Lock()
    clashes = []

    def task(item, worker_id):
        with lock:
            if worker_id in active:
                clashes.append(worker_id)
            active[worker_id] = item
        time.sleep(0.002 * (item % 3))
        with lock:
            del active[worker_id]
        return worker_id

    with sc.ThreadingPolicy(3) as policy:
        ids = [r for _, r in policy.imap_unordered(task, list(range(30)))]

    assert not clashes
    assert set(ids) == {0, 1, 2}


def test_threads_yield_results_as_they_finish():
    def task(item, worker_id):
        time.sleep(0.3 if item == 0 else 0.0)
        return item

    with sc.ThreadingPolicy(2) as policy:
        order = [pos for pos, _ in policy.imap_unordered(task, [0, 1, 2, 3])]

    assert order[0] != 0
    assert sorted(order) == [0, 1, 2, 3]


@pytest.mark.processes
def test_loky_runs_a_lambda_in_worker_processes():
    offset = 10
    with sc.LokyPolicy(2) as policy:
        results = dict(
            policy.imap_unordered(
                lambda item, wid: (item + offset, os.getpid()), [1, 2, 3]
            )
        )

    assert sorted(v[0] for v in results.values()) == [11, 12, 13]
    assert all(pid != os.getpid() for _, pid in results.values())


def make_die_on_two():
    # A nested function travels to loky workers by value, whatever the import mode.
    def die_on_two(item, worker_id):
        if item == 2:
            os.kill(os.getpid(), signal.SIGKILL)
        time.sleep(0.05)
        return item

    return die_on_two


@pytest.mark.processes
@pytest.mark.slow
def test_loky_reports_a_killed_worker_and_recovers():
    with sc.LokyPolicy(1) as policy:
        results = dict(policy.imap_unordered(make_die_on_two(), [0, 1, 2, 3, 4]))

    assert results[0] == 0
    assert results[1] == 1
    assert isinstance(results[2], sc.PolicyFailure)
    assert "lost" in str(results[2])
    assert results[4] == 4


def make_kill_once(marker):
    def kill_once(item, worker_id):
        if item == 1 and not marker.exists():
            marker.write_text("killed")
            os.kill(os.getpid(), signal.SIGKILL)
        time.sleep(0.5 if item == 0 else 0.0)
        return item

    return kill_once


@pytest.mark.processes
@pytest.mark.slow
def test_loky_runs_items_lost_with_a_broken_pool_again(tmp_path):
    with sc.LokyPolicy(2) as policy:
        results = dict(
            policy.imap_unordered(make_kill_once(tmp_path / "m"), [0, 1, 2, 3])
        )

    assert (tmp_path / "m").exists()
    assert results == {0: 0, 1: 1, 2: 2, 3: 3}


def test_loky_retries_must_be_a_count():
    with pytest.raises(ValueError, match="`retries` must be an integer of at least 0"):
        sc.LokyPolicy(1, retries=-1)
