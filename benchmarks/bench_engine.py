"""How much time shac itself spends, side by side with a naive one-row-at-a-time loop.

Two measurements, both written to ``benchmarks/results/engine.json``:

1. **Engine overhead on Branin** (N=200, M=10): the wall time of ``fit`` minus the
   time spent inside the user's function, against the same run's proposals drawn
   the naive way (PySHAC's: one candidate at a time, each classifier asked in turn).
2. **Cascade time per accepted sample** for k = 1 ... 18 classifiers that each
   accept about half of the space: shac's batched draw against the naive loop.
   The naive loop is timed directly where it finishes within a few seconds, and
   extrapolated from its measured time per draw beyond that (marked ``estimated``).

Run with ``nox -s bench`` or ``python benchmarks/bench_engine.py``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
from pathlib import Path
import platform
import tempfile
import time
from typing import Any

import numpy as np
import xgboost as xgb

import shac_core as sc
from shac_core.cascade import Cascade
from shac_core.cascade import draw_candidates
from shac_core.cascade import train_classifier


RESULTS = Path(__file__).parent / "results"


def branin(worker_id: int, params: dict[str, Any]) -> float:
    x, y = params["x"], params["y"]
    b, c, t = 5.1 / (4 * math.pi**2), 5 / math.pi, 1 / (8 * math.pi)
    return (y - b * x**2 + c * x - 6) ** 2 + 10 * (1 - t) * math.cos(x) + 10


def naive_draw(
    space: sc.HyperParameterList,
    cascade: Cascade,
    need: int,
    rng: np.random.Generator,
    max_draws: int | None = None,
) -> tuple[list[Any], int]:
    """PySHAC's way: draw one candidate, ask each classifier, repeat."""
    accepted, draws = [], 0
    while len(accepted) < need and (max_draws is None or draws < max_draws):
        row = space.sample_matrix(rng, 1)
        draws += 1
        if all(b.predict(xgb.DMatrix(row))[0] > 0.5 for b in cascade.boosters):
            accepted.append(row[0])
    return accepted, draws


def bench_branin(seed: int) -> dict[str, Any]:
    space = [
        sc.UniformContinuousHyperParameter("x", -5.0, 10.0),
        sc.UniformContinuousHyperParameter("y", 0.0, 15.0),
    ]
    inside = 0.0

    def timed(worker_id: int, params: dict[str, Any]) -> float:
        nonlocal inside
        start = time.perf_counter()
        value = branin(worker_id, params)
        inside += time.perf_counter() - start
        return value

    with tempfile.TemporaryDirectory() as tmp:
        engine = sc.SHAC(space, 200, 10, objective="min", save_dir=tmp, seed=seed)
        engine.evaluator_backend = "sequential"
        start = time.perf_counter()
        engine.fit(timed, progress=False)
        wall = time.perf_counter() - start

    # The same run's proposals, drawn the naive way with each epoch's cascade.
    naive = 0.0
    rng = np.random.default_rng(seed)
    boosters = engine.cascade.boosters
    for epoch in range(engine.num_batches):
        depth = min(epoch, len(boosters))
        start = time.perf_counter()
        naive_draw(engine.parameters, Cascade(boosters[:depth]), engine.batch_size, rng)
        naive += time.perf_counter() - start

    engine_time = wall - inside
    return {
        "budget": 200,
        "batches": 10,
        "classifiers": len(boosters),
        "fit_wall_s": wall,
        "user_function_s": inside,
        "engine_s": engine_time,
        "naive_proposals_s": naive,
        "best_score": engine.best().score,
    }


def halving_cascade(depth: int, seed: int) -> tuple[sc.HyperParameterList, Cascade]:
    """``depth`` classifiers on ``depth`` dimensions; classifier i accepts x_i > 0."""
    space = sc.HyperParameterList(
        sc.UniformContinuousHyperParameter(f"x{i}", -1.0, 1.0) for i in range(depth)
    )
    rng = np.random.default_rng(seed)
    cascade = Cascade()
    for i in range(depth):
        x = space.sample_matrix(rng, 200)
        booster = train_classifier(
            x, (x[:, i] > 0).astype(np.int32), seed=i, skip_cv_checks=True
        )
        rate = float(
            np.mean(booster.inplace_predict(space.sample_matrix(rng, 2048)) > 0.5)
        )
        cascade.append(booster, rate)
    return space, cascade


def bench_cascade(
    max_depth: int, samples: int, naive_budget_s: float, seed: int
) -> list[dict[str, Any]]:
    rows = []
    space, full = halving_cascade(max_depth, seed)
    for k in range(1, max_depth + 1):
        cascade = Cascade(full.boosters[:k], full.pass_rates[:k])
        stats = {}
        start = time.perf_counter()
        draw_candidates(space, cascade, (seed, k), samples, stats=stats)
        shac_s = time.perf_counter() - start
        rate = samples / stats["draws"]

        rng = np.random.default_rng(seed)
        probe = max(200, int(naive_budget_s / 2e-4))
        start = time.perf_counter()
        got, draws = naive_draw(space, cascade, samples, rng, max_draws=probe)
        naive_s = time.perf_counter() - start
        estimated = len(got) < samples
        naive_per_sample = (naive_s / draws) * (draws / max(len(got), 1))
        if estimated:
            # Too slow to finish: time per draw times the draws an accepted row needs.
            naive_per_sample = (naive_s / draws) / max(rate, 2.0**-k)

        rows.append(
            {
                "classifiers": k,
                "samples": samples,
                "draws_per_sample": stats["draws"] / samples,
                "shac_s_per_sample": shac_s / samples,
                "naive_s_per_sample": naive_per_sample,
                "naive_estimated": estimated,
                "speedup": naive_per_sample / (shac_s / samples),
            }
        )
        print(
            f"k={k:2d}  shac {shac_s / samples * 1e3:9.2f} ms/sample   naive "
            f"{naive_per_sample * 1e3:11.2f} ms/sample{' (est.)' if estimated else '       '}"
            f"   x{rows[-1]['speedup']:9.1f}"
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-classifiers", type=int, default=18)
    parser.add_argument("--samples", type=int, default=10)
    parser.add_argument("--naive-seconds", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    print("Branin, N=200, M=10, sequential policy:")
    branin_row = bench_branin(args.seed)
    print(
        f"  fit {branin_row['fit_wall_s']:.2f} s = user function "
        f"{branin_row['user_function_s']:.3f} s + engine {branin_row['engine_s']:.2f} s; "
        f"naive proposals alone {branin_row['naive_proposals_s']:.2f} s"
    )
    print(f"Cascade, {args.samples} samples per depth:")
    cascade_rows = bench_cascade(
        args.max_classifiers, args.samples, args.naive_seconds, args.seed
    )

    document = {
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "xgboost": xgb.__version__,
            "numpy": np.__version__,
        },
        "command": "nox -s bench",
        "branin": branin_row,
        "cascade": cascade_rows,
        "ten_samples_through_18_s": next(
            (
                r["shac_s_per_sample"] * 10
                for r in cascade_rows
                if r["classifiers"] == 18
            ),
            None,
        ),
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "engine.json").write_text(json.dumps(document, indent=2) + "\n")
    print(f"wrote {RESULTS / 'engine.json'}")


if __name__ == "__main__":
    main()
