"""Parallel efficiency of the dask policy, side by side with loky, on one machine.

The function sleeps ``--sleep`` seconds (0.2 by default), so all the time beyond
``ceil(W / workers) * sleep`` per batch is the policy's own: sending the task,
scheduling, fetching the result. Both policies run W = 8 items per batch on 2
workers, through the engine's own :class:`EvaluationTask`:

1. **Start-up**: the loky pool, or a ``LocalCluster`` on 127.0.0.1 with its client,
   to the end of a first batch (workers import shac-core then).
2. **Batches**: the median wall time of ``--repeats`` warm batches, and the parallel
   efficiency ``ideal / measured``.
3. **Search**: a whole ``fit`` of N = 32, M = 4 on warm workers, against its ideal
   ``M * ceil(W / workers) * sleep``; classifier training counts against it.

Writes ``benchmarks/results/dask.json``. Run with ``python benchmarks/bench_dask.py``
where ``shac-core[dask]`` is installed.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
from pathlib import Path
import platform
import statistics
import tempfile
import time
from typing import TYPE_CHECKING
from typing import Any

import dask
import distributed

import shac_core as sc
from shac_core.engine import EvaluationHandler

# The task and jobs exactly as the engine hands them to a policy.
from shac_core.engine._evaluation import EvaluationTask
from shac_core.engine._evaluation import Job


if TYPE_CHECKING:
    from collections.abc import Callable


RESULTS = Path(__file__).parent / "results"
BATCH = 8
WORKERS = 2


def make_sleeper(seconds: float) -> Callable[[int, dict[str, Any]], float]:
    def sleeper(worker_id: int, params: dict[str, Any]) -> float:
        time.sleep(seconds)
        return -(params["x"] ** 2)

    return sleeper


def time_batches(
    policy: sc.BasePolicy, sleep: float, repeats: int
) -> tuple[float, list[float]]:
    """Return (first batch seconds, warm batch seconds) of ``policy``."""
    task = EvaluationTask(EvaluationHandler(make_sleeper(sleep)), policy.n_workers)
    jobs = [Job(i, {"x": float(i)}, i) for i in range(BATCH)]

    start = time.perf_counter()
    assert len(list(policy.imap_unordered(task, jobs))) == BATCH
    first = time.perf_counter() - start

    warm = []
    for _ in range(repeats):
        start = time.perf_counter()
        results = list(policy.imap_unordered(task, jobs))
        warm.append(time.perf_counter() - start)
        assert all(outcome.error is None for _, outcome in results)
    return first, warm


def time_fit(backend: str | sc.BasePolicy, sleep: float, seed: int) -> float:
    space = [sc.UniformContinuousHyperParameter("x", -5.0, 5.0)]
    with tempfile.TemporaryDirectory() as tmp:
        engine = sc.SHAC(space, 4 * BATCH, 4, save_dir=tmp, seed=seed)
        engine.num_parallel_evaluators = WORKERS
        engine.evaluator_backend = backend
        start = time.perf_counter()
        engine.fit(make_sleeper(sleep), skip_cv_checks=True, progress=False)
        return time.perf_counter() - start


def row(
    name: str, startup: float, first: float, warm: list[float], fit: float, sleep: float
) -> dict[str, Any]:
    ideal_batch = math.ceil(BATCH / WORKERS) * sleep
    batch = statistics.median(warm)
    return {
        "policy": name,
        "startup_s": startup,
        "first_batch_s": first,
        "batch_s": batch,
        "batch_s_all": warm,
        "ideal_batch_s": ideal_batch,
        "batch_efficiency": ideal_batch / batch,
        "fit_s": fit,
        "ideal_fit_s": 4 * ideal_batch,
        "fit_efficiency": 4 * ideal_batch / fit,
    }


def bench_loky(sleep: float, repeats: int, seed: int) -> dict[str, Any]:
    policy = sc.LokyPolicy(WORKERS)
    first, warm = time_batches(policy, sleep, repeats)
    startup = 0.0  # loky starts its pool inside the first batch
    fit = time_fit("loky", sleep, seed)  # the reusable pool is warm
    return row("loky", startup, first, warm, fit, sleep)


def bench_dask(sleep: float, repeats: int, seed: int) -> dict[str, Any]:
    start = time.perf_counter()
    with (
        distributed.LocalCluster(
            n_workers=WORKERS,
            threads_per_worker=1,
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster,
        distributed.Client(cluster, set_as_default=False) as client,
    ):
        client.wait_for_workers(WORKERS)
        startup = time.perf_counter() - start
        policy = sc.DaskPolicy(client=client)
        first, warm = time_batches(policy, sleep, repeats)
        fit = time_fit(sc.DaskPolicy(client=client), sleep, seed)
    return row("dask", startup, first, warm, fit, sleep)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sleep", type=float, default=0.2)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    logging.getLogger("shac_core").setLevel(logging.ERROR)  # windows too small to learn
    load = os.getloadavg()[0]
    rows = [bench_loky(args.sleep, args.repeats, args.seed)]
    rows.append(bench_dask(args.sleep, args.repeats, args.seed))

    print(f"sleep {args.sleep} s, W={BATCH}, {WORKERS} workers; load {load:.1f}")
    print(
        f"{'policy':8}{'start-up s':>12}{'batch s':>10}{'ideal s':>9}{'batch eff.':>12}"
        f"{'fit s':>8}{'ideal s':>9}{'fit eff.':>10}"
    )
    for r in rows:
        print(
            f"{r['policy']:8}{r['startup_s'] + r['first_batch_s']:12.2f}{r['batch_s']:10.3f}"
            f"{r['ideal_batch_s']:9.2f}{r['batch_efficiency']:12.1%}{r['fit_s']:8.2f}"
            f"{r['ideal_fit_s']:9.2f}{r['fit_efficiency']:10.1%}"
        )

    document = {
        "machine": {
            "cpus": os.cpu_count(),
            "load_average_1min_at_start": load,
            "python": platform.python_version(),
            "dask": dask.__version__,
            "distributed": distributed.__version__,
        },
        "command": "python benchmarks/bench_dask.py",
        "sleep_s": args.sleep,
        "batch_size": BATCH,
        "workers": WORKERS,
        "policies": rows,
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "dask.json").write_text(json.dumps(document, indent=2) + "\n")
    print(f"wrote {RESULTS / 'dask.json'}")


if __name__ == "__main__":
    main()
