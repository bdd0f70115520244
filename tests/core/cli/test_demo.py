from __future__ import annotations

from collections import OrderedDict

import numpy as np

import shac_core as sc
from shac_core.cli._demo import demo_space
from shac_core.cli._demo import load_breast_cancer
from shac_core.cli._demo import score_configuration


def test_breast_cancer_data_ships_with_the_package():
    x, y = load_breast_cancer()

    assert x.shape == (569, 30)
    assert set(np.unique(y)) == {0.0, 1.0}
    assert int(y.sum()) == 212


def test_a_configuration_scores_a_cross_validated_accuracy():
    space = sc.HyperParameterList(demo_space())
    config = space.sample(np.random.default_rng(0))

    score = score_configuration(0, config)

    assert 0.85 < score <= 1.0


def test_bad_configurations_score_worse():
    poor = OrderedDict(
        max_depth=1,
        learning_rate=0.01,
        n_estimators=20,
        subsample=0.5,
        colsample_bytree=0.3,
        reg_lambda=10.0,
        grow_policy="depthwise",
    )
    good = OrderedDict(
        max_depth=4,
        learning_rate=0.2,
        n_estimators=150,
        subsample=0.9,
        colsample_bytree=0.8,
        reg_lambda=1.0,
        grow_policy="depthwise",
    )

    assert score_configuration(0, good) > score_configuration(0, poor)
