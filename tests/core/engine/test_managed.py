from __future__ import annotations

from collections import OrderedDict
import threading

import pytest
from tests.core.conftest import quadratic

import shac_core as sc
from shac_core.engine._evaluation import EvaluationTask
from shac_core.engine._evaluation import Job


@pytest.mark.parametrize(
    ("worker", "gpus", "max_gpu", "expected"),
    [
        (0, 0, 4, None),
        (3, 0, 4, None),
        (0, 1, 1, 0),
        (1, 1, 2, 0),
        (0, 4, 4, 0),
        (3, 4, 4, 3),
        (5, 4, 4, 1),
        (3, 4, 2, 1),
        (2, 8, 0, None),
    ],
)
def test_gpus_are_assigned_round_robin(worker, gpus, max_gpu, expected):
    assert sc.assign_gpu(worker, gpus, max_gpu) == expected


def test_current_evaluation_outside_an_evaluation_says_so():
    with pytest.raises(RuntimeError, match="No managed evaluation is running"):
        sc.current_evaluation()


def test_managed_engine_counts_evaluators_from_devices(tmp_path, space):
    gpu = sc.ManagedSHAC(space, 8, 2, max_gpu_evaluators=3, save_dir=tmp_path / "a")
    cpu = sc.ManagedSHAC(space, 8, 2, max_cpu_evaluators=2, save_dir=tmp_path / "b")

    assert gpu.num_parallel_evaluators == 3
    assert cpu.num_parallel_evaluators == 2


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (
            {"max_gpu_evaluators": -1},
            "`max_gpu_evaluators` must be an integer of at least 0",
        ),
        (
            {"max_cpu_evaluators": 0},
            "`max_cpu_evaluators` must be an integer of at least 1",
        ),
        ({"gpu_count": -2}, "`gpu_count` must be an integer of at least 0 or None"),
    ],
)
def test_managed_engine_rejects_bad_device_counts(tmp_path, space, kwargs, match):
    with pytest.raises(ValueError, match=match):
        sc.ManagedSHAC(space, 8, 2, save_dir=tmp_path, **kwargs)


def test_managed_context_is_published_and_cleaned_up(tmp_path, space):
    seen = []

    def fn(worker_id, params):
        ctx = sc.current_evaluation()
        seen.append((worker_id, ctx.gpu, ctx.seed, ctx.threads, ctx.evaluation_id))
        return quadratic(worker_id, params)

    engine = sc.ManagedSHAC(
        space, 8, 2, max_gpu_evaluators=2, gpu_count=2, save_dir=tmp_path, seed=1
    )
    engine.concurrent_evaluators()
    engine.fit(fn, progress=False)

    assert len(seen) == 8
    assert all(gpu == wid for wid, gpu, *_ in seen)
    assert len({s[2] for s in seen}) == 8
    assert {s[3] for s in seen} == {max(1, (__import__("os").cpu_count() or 1) // 2)}
    with pytest.raises(RuntimeError, match="No managed evaluation"):
        sc.current_evaluation()


def test_managed_handler_hooks_run_even_when_the_function_raises():
    events = []

    class Handler(sc.ManagedHandler):
        def prepare(self, context):
            events.append(("prepare", context.gpu))

        def cleanup(self, context):
            events.append(("cleanup", sc.current_evaluation().evaluation_id))

    def fn(worker_id, params):
        msg = "out of memory"
        raise MemoryError(msg)

    task = EvaluationTask(Handler(fn, max_gpu_evaluators=1, threads=1, gpu_count=1), 1)
    outcome = task(Job(6, OrderedDict(), 1), 0)

    assert outcome.error == "MemoryError: out of memory"
    assert events == [("prepare", 0), ("cleanup", 6)]


def test_managed_contexts_stay_apart_across_threads():
    results = {}
    barrier = threading.Barrier(2)

    def fn(worker_id, params):
        barrier.wait(timeout=5)
        results[worker_id] = sc.current_evaluation().worker_id
        return 0.0

    handler = sc.ManagedHandler(fn, max_gpu_evaluators=2, threads=1, gpu_count=2)
    task = EvaluationTask(handler, 2)
    threads = [
        threading.Thread(target=task, args=(Job(i, OrderedDict(), i), i))
        for i in range(2)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert results == {0: 0, 1: 1}


def test_managed_settings_survive_restore(tmp_path, space):
    engine = sc.ManagedSHAC(space, 8, 2, max_gpu_evaluators=2, save_dir=tmp_path)
    engine.concurrent_evaluators()
    engine.fit(quadratic, progress=False)

    restored = sc.ManagedSHAC.load(tmp_path)

    assert restored.max_gpu_evaluators == 2
    assert restored.num_parallel_evaluators == 2
