"""Evaluation policies: where the user's function runs."""

from __future__ import annotations

from shac_core.policies._base import BasePolicy
from shac_core.policies._base import PolicyFailure
from shac_core.policies._base import default_workers
from shac_core.policies._dask import DaskPolicy
from shac_core.policies._local import LokyPolicy
from shac_core.policies._local import SequentialPolicy
from shac_core.policies._local import ThreadingPolicy


__all__ = [
    "BasePolicy",
    "DaskPolicy",
    "LokyPolicy",
    "PolicyFailure",
    "SequentialPolicy",
    "ThreadingPolicy",
    "default_workers",
]
