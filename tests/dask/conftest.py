from __future__ import annotations

import logging

import pytest

import shac_core as sc


@pytest.fixture(scope="session")
def cluster():
    """Two single-threaded worker processes and a scheduler, on loopback only."""
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address="127.0.0.1:0",
    ) as cluster:
        yield cluster


@pytest.fixture
def client(cluster):
    from distributed import Client

    with Client(cluster, set_as_default=False) as client:
        client.wait_for_workers(2, timeout=60)
        yield client


@pytest.fixture
def space():
    return [
        sc.UniformContinuousHyperParameter("x", -5.0, 10.0),
        sc.UniformContinuousHyperParameter("y", 0.0, 15.0),
    ]


@pytest.fixture(autouse=True)
def _quiet_shac_logger():
    logger = logging.getLogger("shac_core")
    level = logger.level
    yield
    logger.setLevel(level)
