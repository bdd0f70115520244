from __future__ import annotations

import logging
import math

import pytest

import shac_core as sc


def branin(worker_id, params):
    x, y = params["x"], params["y"]
    b, c, t = 5.1 / (4 * math.pi**2), 5 / math.pi, 1 / (8 * math.pi)
    return (y - b * x**2 + c * x - 6) ** 2 + 10 * (1 - t) * math.cos(x) + 10


def quadratic(worker_id, params):
    return -((params["x"] - 1.0) ** 2) - (params["y"] - 2.0) ** 2


@pytest.fixture
def space():
    return [
        sc.UniformContinuousHyperParameter("x", -5.0, 10.0),
        sc.UniformContinuousHyperParameter("y", 0.0, 15.0),
    ]


@pytest.fixture
def make_engine(tmp_path, space):
    """Build a SHAC engine in a fresh save directory; serial threads by default."""
    counter = iter(range(10_000))

    def make(total_budget=20, num_batches=4, serial=True, **kwargs):
        kwargs.setdefault("save_dir", tmp_path / f"run{next(counter)}")
        kwargs.setdefault("seed", 0)
        engine = sc.SHAC(
            kwargs.pop("parameters", space), total_budget, num_batches, **kwargs
        )
        if serial:
            engine.set_num_parallel_evaluators(1)
            engine.concurrent_evaluators()
        return engine

    return make


@pytest.fixture(autouse=True)
def _quiet_shac_logger():
    logger = logging.getLogger("shac_core")
    level = logger.level
    yield
    logger.setLevel(level)
