"""Hyperparameter types and the search space."""

from __future__ import annotations

from shac_core.space._params import BaseHyperParameter
from shac_core.space._params import DiscreteHyperParameter
from shac_core.space._params import IntegerHyperParameter
from shac_core.space._params import LogUniformHyperParameter
from shac_core.space._params import MultiDiscreteHyperParameter
from shac_core.space._params import MultiIntegerHyperParameter
from shac_core.space._params import MultiNormalContinuousHyperParameter
from shac_core.space._params import MultiUniformContinuousHyperParameter
from shac_core.space._params import NormalContinuousHyperParameter
from shac_core.space._params import UniformContinuousHyperParameter
from shac_core.space._params import get_hyperparameter_class
from shac_core.space._params import register_hyperparameter
from shac_core.space._space import HyperParameterList


__all__ = [
    "BaseHyperParameter",
    "DiscreteHyperParameter",
    "HyperParameterList",
    "IntegerHyperParameter",
    "LogUniformHyperParameter",
    "MultiDiscreteHyperParameter",
    "MultiIntegerHyperParameter",
    "MultiNormalContinuousHyperParameter",
    "MultiUniformContinuousHyperParameter",
    "NormalContinuousHyperParameter",
    "UniformContinuousHyperParameter",
    "get_hyperparameter_class",
    "register_hyperparameter",
]
