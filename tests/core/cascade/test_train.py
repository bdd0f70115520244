from __future__ import annotations

import numpy as np

from shac_core.cascade import label_window
from shac_core.cascade import train_classifier
from shac_core.cascade._train import BOOSTER_PARAMS
from shac_core.cascade._train import _fit
from shac_core.cascade._train import _stratified_folds


def separable(n=60, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, size=(n, 3))
    return x, (x[:, 0] > 0).astype(np.int32)


def test_labels_are_strictly_better_than_the_median():
    scores = np.array([1.0, 2.0, 3.0, 3.0, 4.0])

    assert label_window(scores, "max").tolist() == [0, 0, 0, 0, 1]
    assert label_window(scores, "min").tolist() == [1, 1, 0, 0, 0]


def test_classifier_learns_a_separable_window():
    x, labels = separable()

    booster = train_classifier(x, labels, seed=1)

    assert booster is not None
    accuracy = np.mean((booster.inplace_predict(x) > 0.5) == labels)
    assert accuracy > 0.9


def test_classifier_refused_when_a_class_is_too_small():
    x, _ = separable()
    labels = np.zeros(len(x), np.int32)
    labels[0] = 1

    assert train_classifier(x, labels, seed=1) is None


def test_noise_labels_fail_the_cv_check_but_pass_without_it():
    rng = np.random.default_rng(5)
    x = rng.uniform(size=(40, 2))
    labels = rng.permutation(np.repeat([0, 1], 20)).astype(np.int32)
    x[:, 1] = 0.5  # nothing to learn but noise in one column

    checked = [train_classifier(x, labels, seed=s) for s in range(3)]
    unchecked = train_classifier(x, labels, seed=0, skip_cv_checks=True)

    assert checked.count(None) >= 2
    assert unchecked is not None


def test_retries_train_different_models():
    x, labels = separable(40)
    dumps = set()

    for attempt in range(3):
        booster = _fit(
            x, labels, {**BOOSTER_PARAMS, "seed": 10 + attempt, "nthread": 1}
        )
        dumps.add(bytes(booster.save_raw("json")))

    assert len(dumps) == 3


def test_stratified_folds_balance_each_class():
    labels = np.array([0] * 10 + [1] * 5, np.int32)

    folds = _stratified_folds(labels, 5, np.random.default_rng(0))

    for fold in range(5):
        assert np.sum((folds == fold) & (labels == 1)) == 1
        assert np.sum((folds == fold) & (labels == 0)) == 2
