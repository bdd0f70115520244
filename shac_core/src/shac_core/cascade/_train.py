"""Training one classifier of the cascade, with its acceptance checks.

Each classifier learns which configurations of one window beat the window's median.
A classifier joins the cascade only if it beats chance in stratified
cross-validation (unless the caller skips that check) and does not predict one class
for every row; retries use other seeds, folds and row subsamples, so they differ.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING
from typing import Literal

import numpy as np
import xgboost as xgb


if TYPE_CHECKING:
    import numpy.typing as npt


__all__ = ["BOOSTER_PARAMS", "label_window", "train_classifier"]

_logger = logging.getLogger(__name__)

#: XGBoost settings of every classifier. Windows hold tens to hundreds of rows, so
#: shallow trees and few rounds suffice, and they keep sampling through 18 of them
#: cheap. Row and column subsampling make each retry a different model.
BOOSTER_PARAMS: dict[str, float | int | str] = {
    "objective": "binary:logistic",
    "max_depth": 4,
    "eta": 0.3,
    "subsample": 0.85,
    "colsample_bytree": 0.85,
    # Windows can hold a handful of rows (hessians of 0.25 each): let them split.
    "min_child_weight": 0.1,
    "verbosity": 0,
}
NUM_ROUNDS = 40
MAX_ATTEMPTS = 10
CV_SPLITS = 5


def label_window(
    scores: npt.NDArray[np.float64], objective: Literal["max", "min"]
) -> npt.NDArray[np.int32]:
    """Label each score 1 if it is strictly better than the window's median, else 0."""
    median = float(np.median(scores))
    better = scores > median if objective == "max" else scores < median
    return better.astype(np.int32)


def train_classifier(
    x: npt.NDArray[np.float64],
    labels: npt.NDArray[np.int32],
    *,
    seed: int,
    skip_cv_checks: bool = False,
    nthread: int | None = None,
) -> xgb.Booster | None:
    """Train one classifier on a window, or return ``None`` if none passes the checks.

    Args:
        x: The window's encoded configurations, one row each.
        labels: 1 for rows better than the window's median, else 0.
        seed: The base seed; attempt ``a`` uses ``seed + a``.
        skip_cv_checks: Accept a classifier without cross-validation.
        nthread: Threads XGBoost may use. Windows are small, so one thread is
            fastest and never oversubscribes cores shared with evaluations.

    Returns:
        The trained booster, or ``None`` when the window cannot support one.
    """
    counts = np.bincount(labels, minlength=2)
    if counts.min() < 2:
        _logger.info(
            "Window has %d better and %d worse rows; no classifier can separate them.",
            counts[1],
            counts[0],
        )
        return None

    threads = nthread or 1
    # Chance is 0.5 balanced accuracy; retries are tries at it, so demand a margin of
    # one standard error, which keeps most pure-noise windows out.
    chance = 0.5 + 0.5 / np.sqrt(labels.size)
    for attempt in range(MAX_ATTEMPTS):
        rng = np.random.default_rng([seed, attempt])
        params = {**BOOSTER_PARAMS, "seed": seed + attempt, "nthread": threads}
        if not skip_cv_checks:
            score = _cv_balanced_accuracy(x, labels, params, rng)
            if score <= chance:
                _logger.debug("Attempt %d: CV balanced accuracy %.3f.", attempt, score)
                continue

        booster = _fit(x, labels, params)
        predicted = booster.inplace_predict(x) > 0.5
        if predicted.all() or not predicted.any():
            _logger.debug("Attempt %d predicts one class for every row.", attempt)
            continue

        return booster

    _logger.info("No classifier passed the checks in %d attempts.", MAX_ATTEMPTS)
    return None


def _fit(
    x: npt.NDArray[np.float64],
    labels: npt.NDArray[np.int32],
    params: dict[str, float | int | str],
) -> xgb.Booster:
    return xgb.train(params, xgb.DMatrix(x, label=labels), num_boost_round=NUM_ROUNDS)


def _stratified_folds(
    labels: npt.NDArray[np.int32], splits: int, rng: np.random.Generator
) -> npt.NDArray[np.int64]:
    # Deal each class's shuffled rows round-robin over the folds.
    folds = np.empty(labels.size, np.int64)
    for cls in (0, 1):
        rows = rng.permutation(np.flatnonzero(labels == cls))
        folds[rows] = np.arange(rows.size) % splits
    return folds


def _cv_balanced_accuracy(
    x: npt.NDArray[np.float64],
    labels: npt.NDArray[np.int32],
    params: dict[str, float | int | str],
    rng: np.random.Generator,
) -> float:
    splits = int(min(CV_SPLITS, np.bincount(labels, minlength=2).min()))
    folds = _stratified_folds(labels, splits, rng)
    predicted = np.empty(labels.size, bool)
    for fold in range(splits):
        test = folds == fold
        booster = _fit(x[~test], labels[~test], params)
        predicted[test] = booster.inplace_predict(x[test]) > 0.5

    recalls = [float(np.mean(predicted[labels == c] == c)) for c in (0, 1)]
    return float(np.mean(recalls))
