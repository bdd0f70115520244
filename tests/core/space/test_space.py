from __future__ import annotations

from collections import OrderedDict

import numpy as np
import pytest

import shac_core as sc


@pytest.fixture
def mixed():
    return sc.HyperParameterList(
        [
            sc.DiscreteHyperParameter("act", ["relu", None, 0, False]),
            sc.IntegerHyperParameter("layers", 1, 4),
            sc.MultiUniformContinuousHyperParameter("drop", 0.0, 0.5, sample_count=2),
            sc.LogUniformHyperParameter("lr", 1e-4, 1e-1),
        ]
    )


def test_space_rejects_duplicate_names():
    with pytest.raises(
        sc.SearchSpaceError, match="names must be unique, got 'x' twice"
    ):
        sc.HyperParameterList(
            [sc.DiscreteHyperParameter("x", [1]), sc.IntegerHyperParameter("x", 1, 2)]
        )


def test_space_rejects_column_clash_with_multi():
    with pytest.raises(sc.SearchSpaceError, match="'m_1'"):
        sc.HyperParameterList(
            [
                sc.MultiDiscreteHyperParameter("m", [1, 2]),
                sc.DiscreteHyperParameter("m_1", [1]),
            ]
        )


def test_space_rejects_non_hyperparameters():
    with pytest.raises(sc.SearchSpaceError, match="must be a hyperparameter"):
        sc.HyperParameterList([{"name": "x"}])


def test_sample_matrix_is_one_vectorised_block(mixed):
    matrix = mixed.sample_matrix(np.random.default_rng(0), 1000)

    assert matrix.shape == (1000, 5)
    assert mixed.column_names == ["act", "layers", "drop_1", "drop_2", "lr"]


def test_same_generator_state_gives_same_matrix(mixed):
    a = mixed.sample_matrix(np.random.default_rng(7), 50)
    b = mixed.sample_matrix(np.random.default_rng(7), 50)

    np.testing.assert_array_equal(a, b)


def test_decode_gives_ordered_typed_configs(mixed):
    configs = mixed.decode(mixed.sample_matrix(np.random.default_rng(0), 20))

    first = configs[0]
    assert isinstance(first, OrderedDict)
    assert list(first) == ["act", "layers", "drop", "lr"]
    assert type(first["layers"]) is int
    assert isinstance(first["drop"], list)
    assert len(first["drop"]) == 2


def test_encode_inverts_decode(mixed):
    matrix = mixed.sample_matrix(np.random.default_rng(1), 30)

    again = mixed.encode(mixed.decode(matrix))

    np.testing.assert_allclose(again, matrix)


def test_encode_names_missing_parameter(mixed):
    with pytest.raises(sc.SearchSpaceError, match="must give 'lr'"):
        mixed.encode([{"act": None, "layers": 1, "drop": [0.1, 0.2]}])


def test_encode_checks_multi_length(mixed):
    with pytest.raises(sc.SearchSpaceError, match="'drop' takes 2 values, got 1"):
        mixed.encode([{"act": None, "layers": 1, "drop": [0.1], "lr": 0.01}])


def test_cells_round_trip_exactly(mixed):
    configs = mixed.decode(mixed.sample_matrix(np.random.default_rng(2), 25))

    back = [mixed.from_cells(mixed.to_cells(c)) for c in configs]

    assert back == configs
    assert [[type(v) for v in c.values()] for c in back] == [
        [type(v) for v in c.values()] for c in configs
    ]


def test_config_round_trip(mixed):
    restored = sc.HyperParameterList.from_config(mixed.to_config())

    assert restored == mixed
    assert restored.column_names == mixed.column_names


def test_sample_one_configuration(mixed):
    config = mixed.sample(np.random.default_rng(0))

    assert list(config) == mixed.names
