"""shac: parallel hyperparameter search with Successive Halving and Classification.

The public API lives here; every submodule is private unless re-exported below.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _version

from shac_core._errors import CascadeExhaustedError
from shac_core._errors import EvaluationError
from shac_core._errors import PluginError
from shac_core._errors import SaveDirectoryError
from shac_core._errors import SearchSpaceError
from shac_core._errors import ShacDeprecationWarning
from shac_core._errors import ShacError
from shac_core._errors import ShacExperimentalWarning
from shac_core._errors import ShacWarning
from shac_core._logging import log_to_stderr
from shac_core.callbacks import Callback
from shac_core.callbacks import CSVLogger
from shac_core.callbacks import History
from shac_core.engine import SHAC
from shac_core.engine import EvaluationContext
from shac_core.engine import EvaluationHandler
from shac_core.engine import ManagedContext
from shac_core.engine import ManagedHandler
from shac_core.engine import ManagedSHAC
from shac_core.engine import Trial
from shac_core.engine import assign_gpu
from shac_core.engine import current_evaluation
from shac_core.plugins import available_engines
from shac_core.plugins import available_policies
from shac_core.plugins import get_engine
from shac_core.plugins import get_policy
from shac_core.plugins import hookimpl
from shac_core.plugins import list_plugins
from shac_core.plugins import register_plugin
from shac_core.plugins import unregister_plugin
from shac_core.policies import BasePolicy
from shac_core.policies import DaskPolicy
from shac_core.policies import LokyPolicy
from shac_core.policies import PolicyFailure
from shac_core.policies import SequentialPolicy
from shac_core.policies import ThreadingPolicy
from shac_core.space import BaseHyperParameter
from shac_core.space import DiscreteHyperParameter
from shac_core.space import HyperParameterList
from shac_core.space import IntegerHyperParameter
from shac_core.space import LogUniformHyperParameter
from shac_core.space import MultiDiscreteHyperParameter
from shac_core.space import MultiIntegerHyperParameter
from shac_core.space import MultiNormalContinuousHyperParameter
from shac_core.space import MultiUniformContinuousHyperParameter
from shac_core.space import NormalContinuousHyperParameter
from shac_core.space import UniformContinuousHyperParameter
from shac_core.space import register_hyperparameter
from shac_core.storage import EvaluationRecord


try:
    __version__ = _version("shac-core")
except PackageNotFoundError:  # running from a source tree without installing
    __version__ = "0.0.0"

__all__ = [
    "SHAC",
    "BaseHyperParameter",
    "BasePolicy",
    "CSVLogger",
    "Callback",
    "CascadeExhaustedError",
    "DaskPolicy",
    "DiscreteHyperParameter",
    "EvaluationContext",
    "EvaluationError",
    "EvaluationHandler",
    "EvaluationRecord",
    "History",
    "HyperParameterList",
    "IntegerHyperParameter",
    "LogUniformHyperParameter",
    "LokyPolicy",
    "ManagedContext",
    "ManagedHandler",
    "ManagedSHAC",
    "MultiDiscreteHyperParameter",
    "MultiIntegerHyperParameter",
    "MultiNormalContinuousHyperParameter",
    "MultiUniformContinuousHyperParameter",
    "NormalContinuousHyperParameter",
    "PluginError",
    "PolicyFailure",
    "SaveDirectoryError",
    "SearchSpaceError",
    "SequentialPolicy",
    "ShacDeprecationWarning",
    "ShacError",
    "ShacExperimentalWarning",
    "ShacWarning",
    "ThreadingPolicy",
    "Trial",
    "UniformContinuousHyperParameter",
    "__version__",
    "assign_gpu",
    "available_engines",
    "available_policies",
    "current_evaluation",
    "get_engine",
    "get_policy",
    "hookimpl",
    "list_plugins",
    "log_to_stderr",
    "register_hyperparameter",
    "register_plugin",
    "unregister_plugin",
]
