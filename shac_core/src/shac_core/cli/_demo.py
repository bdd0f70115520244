"""The main job: tune an XGBoost classifier on the Breast Cancer Wisconsin data.

Each evaluation scores one configuration by 3-fold cross-validated accuracy with
XGBoost's own ``xgboost.cv``; the data ships inside the package (see ``_demo/``).
"""

from __future__ import annotations

import csv
from importlib import resources
from typing import Any

import numpy as np
import xgboost as xgb

from shac_core.space import DiscreteHyperParameter
from shac_core.space import IntegerHyperParameter
from shac_core.space import LogUniformHyperParameter
from shac_core.space import UniformContinuousHyperParameter


__all__ = ["demo_space", "load_breast_cancer", "score_configuration"]


def load_breast_cancer() -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """Return the 569 x 30 feature matrix and the 0/1 ``malignant`` target."""
    source = resources.files("shac_core").joinpath("_demo/breast_cancer.csv")
    with source.open(encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    data = np.asarray(rows[1:], np.float64)
    return data[:, :-1], data[:, -1]


def demo_space() -> list[Any]:
    """Return the search space of the main job."""
    return [
        IntegerHyperParameter("max_depth", 1, 8),
        LogUniformHyperParameter("learning_rate", 0.01, 0.5),
        IntegerHyperParameter("n_estimators", 20, 200, log=True),
        UniformContinuousHyperParameter("subsample", 0.5, 1.0),
        UniformContinuousHyperParameter("colsample_bytree", 0.3, 1.0),
        LogUniformHyperParameter("reg_lambda", 0.01, 10.0),
        DiscreteHyperParameter("grow_policy", ["depthwise", "lossguide"]),
    ]


def score_configuration(worker_id: int, params: dict[str, Any]) -> float:
    """Return the 3-fold cross-validated accuracy of one XGBoost configuration."""
    x, y = load_breast_cancer()
    booster_params = {
        "objective": "binary:logistic",
        "eval_metric": "error",
        "max_depth": params["max_depth"],
        "eta": params["learning_rate"],
        "subsample": params["subsample"],
        "colsample_bytree": params["colsample_bytree"],
        "lambda": params["reg_lambda"],
        "grow_policy": params["grow_policy"],
        "tree_method": "hist",
        "nthread": 1,
        "seed": 0,
    }
    result: Any = xgb.cv(
        booster_params,
        xgb.DMatrix(x, label=y),
        num_boost_round=params["n_estimators"],
        nfold=3,
        stratified=False,
        seed=0,
        as_pandas=False,
    )
    return 1.0 - float(result["test-error-mean"][-1])
