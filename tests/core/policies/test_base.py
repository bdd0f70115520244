from __future__ import annotations

import os

import pytest

import shac_core as sc
from shac_core.policies import default_workers


def test_default_workers_is_min_of_batch_and_cores():
    assert default_workers(1) == 1
    assert default_workers(10_000) == os.cpu_count()


@pytest.mark.parametrize("bad", [0, -1, 1.5, True])
def test_policy_rejects_bad_worker_counts(bad):
    with pytest.raises(
        ValueError, match="`n_workers` must be an integer of at least 1"
    ):
        sc.ThreadingPolicy(bad)


def test_policy_is_a_context_manager_and_describes_itself():
    with sc.SequentialPolicy() as policy:
        assert policy.describe() == {"policy": "sequential", "n_workers": 1}


def test_base_policy_needs_imap_unordered():
    class Incomplete(sc.BasePolicy):
        pass

    with pytest.raises(TypeError, match="imap_unordered"):
        Incomplete()
