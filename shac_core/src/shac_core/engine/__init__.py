"""The search engines: the SHAC loop and the base of managed backends."""

from __future__ import annotations

from shac_core.engine._engine import SHAC
from shac_core.engine._engine import Trial
from shac_core.engine._evaluation import EvaluationContext
from shac_core.engine._evaluation import EvaluationHandler
from shac_core.engine._managed import ManagedContext
from shac_core.engine._managed import ManagedHandler
from shac_core.engine._managed import ManagedSHAC
from shac_core.engine._managed import assign_gpu
from shac_core.engine._managed import current_evaluation


__all__ = [
    "SHAC",
    "EvaluationContext",
    "EvaluationHandler",
    "ManagedContext",
    "ManagedHandler",
    "ManagedSHAC",
    "Trial",
    "assign_gpu",
    "current_evaluation",
]
