"""Stands in for a heavy framework (TensorFlow, PyTorch) that must load lazily.

shac must be able to list this plugin without importing this module; the tests
check that it appears in ``sys.modules`` only once an evaluation has run.
"""

from __future__ import annotations

import random


__all__ = ["SEEDS", "seed"]

#: Every seed applied, in order; a real framework would hold its RNG state.
SEEDS: list[int] = []


def seed(value: int) -> None:
    """Seed the framework's random number generator."""
    random.seed(value)
    SEEDS.append(value)
