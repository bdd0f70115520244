from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st
import numpy as np
import pytest

import shac_core as sc
from shac_core.space import get_hyperparameter_class


RNG = np.random.default_rng(0)


def roundtrip(param, values):
    return param.decode(param.encode(values))


def test_discrete_values_keep_their_exact_type():
    values = [0, False, None, "0", "0.8", 0.8, True, 1, "None"]
    param = sc.DiscreteHyperParameter("v", values)

    decoded = roundtrip(param, values)

    assert decoded == values
    assert [type(v) for v in decoded] == [type(v) for v in values]


def test_discrete_cells_round_trip_without_collisions():
    values = [0, False, None, "0", 0.8, "0.8", True, "true"]
    param = sc.DiscreteHyperParameter("v", values)

    cells = [param.to_cell(v) for v in values]
    back = [param.from_cell(c) for c in cells]

    assert len(set(cells)) == len(values)
    assert [(type(v), v) for v in back] == [(type(v), v) for v in values]


def test_discrete_reads_pyshac_plain_spelling():
    param = sc.DiscreteHyperParameter("act", ["relu", 3, True])

    assert param.from_cell("relu") == "relu"
    assert param.from_cell("3") == 3
    assert param.from_cell("True") is True


def test_discrete_sample_covers_all_choices():
    param = sc.DiscreteHyperParameter("v", ["a", "b", "c"])

    decoded = param.decode(param.sample(RNG, 300)[:, 0])

    assert set(decoded) == {"a", "b", "c"}


@pytest.mark.parametrize(
    ("values", "match"),
    [
        ([], "at least one choice"),
        ([1, 1], "must be distinct"),
        ("abc", "must be an ordered list"),
        ([object()], "must be None, a bool"),
        ([float("nan")], "must be None, a bool"),
    ],
)
def test_discrete_rejects_bad_values(values, match):
    with pytest.raises(sc.SearchSpaceError, match=match):
        sc.DiscreteHyperParameter("v", values)


def test_discrete_encode_rejects_foreign_value():
    param = sc.DiscreteHyperParameter("v", [1, 2])

    with pytest.raises(sc.SearchSpaceError, match="is not one of the values"):
        param.encode([True])


def test_uniform_samples_inside_bounds_as_floats():
    param = sc.UniformContinuousHyperParameter("x", -1.0, 2.0)

    decoded = param.decode(param.sample(RNG, 1000)[:, 0])

    assert all(isinstance(v, float) and -1.0 <= v < 2.0 for v in decoded)


def test_uniform_log_encode_shows_logs_to_classifiers():
    param = sc.UniformContinuousHyperParameter("lr", 1e-4, 1.0, log_encode=True)

    encoded = param.encode([1e-3, 0.1])

    np.testing.assert_allclose(encoded, np.log([1e-3, 0.1]))
    np.testing.assert_allclose(param.decode(encoded), [1e-3, 0.1])


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"min_value": 1.0, "max_value": 1.0}, "min_value < max_value"),
        ({"min_value": 2.0, "max_value": 1.0}, "min_value < max_value"),
        (
            {"min_value": 0.0, "max_value": 1.0, "log_encode": True},
            "needs `min_value > 0`",
        ),
        ({"min_value": "a", "max_value": 1.0}, "must be a real number"),
        ({"min_value": 0.0, "max_value": float("inf")}, "must be finite"),
    ],
)
def test_uniform_rejects_bad_bounds(kwargs, match):
    with pytest.raises(sc.SearchSpaceError, match=match):
        sc.UniformContinuousHyperParameter("x", **kwargs)


def test_normal_rejects_non_positive_std():
    with pytest.raises(
        sc.SearchSpaceError, match="`std` of 'n' must be above 0, got 0"
    ):
        sc.NormalContinuousHyperParameter("n", 0.0, 0)


def test_normal_samples_have_the_requested_moments():
    param = sc.NormalContinuousHyperParameter("n", 3.0, 0.5)

    draws = param.sample(np.random.default_rng(1), 20_000)

    assert abs(draws.mean() - 3.0) < 0.02
    assert abs(draws.std() - 0.5) < 0.02


def test_integer_includes_both_ends_and_returns_ints():
    param = sc.IntegerHyperParameter("n", 1, 3)

    decoded = param.decode(param.sample(RNG, 500)[:, 0])

    assert set(decoded) == {1, 2, 3}
    assert all(type(v) is int for v in decoded)


def test_integer_log_sampling_favours_small_values():
    param = sc.IntegerHyperParameter("n", 1, 1000, log=True)

    decoded = np.asarray(
        param.decode(param.sample(np.random.default_rng(2), 4000)[:, 0])
    )

    assert decoded.min() >= 1
    assert decoded.max() <= 1000
    assert np.mean(decoded < 32) == pytest.approx(0.5, abs=0.05)


def test_integer_rejects_floats_and_bad_log():
    with pytest.raises(sc.SearchSpaceError, match=r"must be an integer, got 1\.5"):
        sc.IntegerHyperParameter("n", 1.5, 3)
    with pytest.raises(sc.SearchSpaceError, match="needs `min_value >= 1`"):
        sc.IntegerHyperParameter("n", 0, 3, log=True)


def test_log_uniform_is_uniform_in_log_space():
    param = sc.LogUniformHyperParameter("lr", 1e-5, 1e-1)

    decoded = np.asarray(
        param.decode(param.sample(np.random.default_rng(3), 8000)[:, 0])
    )

    assert decoded.min() >= 1e-5
    assert decoded.max() <= 1e-1
    assert np.mean(decoded < 1e-3) == pytest.approx(0.5, abs=0.03)


def test_log_uniform_rejects_non_positive_minimum():
    with pytest.raises(sc.SearchSpaceError, match="must be above 0, got 0"):
        sc.LogUniformHyperParameter("lr", 0, 1)


@pytest.mark.parametrize(
    "param",
    [
        sc.MultiDiscreteHyperParameter("m", [None, "a", 2], sample_count=3),
        sc.MultiUniformContinuousHyperParameter("m", 0.0, 1.0, sample_count=3),
        sc.MultiNormalContinuousHyperParameter("m", 0.0, 1.0, sample_count=3),
        sc.MultiIntegerHyperParameter("m", 0, 9, sample_count=3),
    ],
)
def test_multi_variants_have_one_column_per_sample(param):
    assert param.is_multi
    assert param.column_names == ["m_1", "m_2", "m_3"]
    assert param.sample(RNG, 5).shape == (5, 3)


def test_sample_count_must_be_a_positive_integer():
    with pytest.raises(
        sc.SearchSpaceError, match="must be an integer of at least 1, got 0"
    ):
        sc.MultiDiscreteHyperParameter("m", [1, 2], sample_count=0)


def test_name_must_be_a_non_empty_string():
    with pytest.raises(sc.SearchSpaceError, match="non-empty string"):
        sc.DiscreteHyperParameter("", [1])


@pytest.mark.parametrize(
    "param",
    [
        sc.DiscreteHyperParameter("d", [0, False, None, "0"]),
        sc.UniformContinuousHyperParameter("u", 1e-3, 2.0, log_encode=True),
        sc.LogUniformHyperParameter("l", 1e-3, 2.0),
        sc.IntegerHyperParameter("i", -3, 30, log=False),
        sc.NormalContinuousHyperParameter("n", 1.0, 2.0),
        sc.MultiDiscreteHyperParameter("md", ["x", 1], sample_count=2),
    ],
)
def test_config_round_trips_through_json(param):
    document = json.loads(json.dumps(param.to_dict()))

    restored = sc.BaseHyperParameter.from_dict(document)

    assert type(restored) is type(param)
    assert restored == param


@sc.register_hyperparameter
class Choice2D(sc.BaseHyperParameter):
    """A custom type: a point on a small grid, encoded as two numbers."""

    type_name = "tests.grid_point"

    def __init__(self, name, size, sample_count=1):
        super().__init__(name, sample_count)
        self.size = size

    def sample_column(self, rng, shape):
        return rng.integers(0, self.size * self.size, size=shape).astype(float)

    def encode(self, values):
        return np.asarray([x * self.size + y for x, y in values], float)

    def decode(self, encoded):
        return [(int(v) // self.size, int(v) % self.size) for v in encoded]

    def get_config(self):
        return {"size": self.size, "sample_count": self.sample_count}

    def to_cell(self, value):
        return f"{value[0]}:{value[1]}"

    def from_cell(self, cell):
        x, y = cell.split(":")
        return (int(x), int(y))


def test_custom_hyperparameter_is_registered_and_restorable():
    param = Choice2D("point", 4)

    restored = sc.BaseHyperParameter.from_dict(param.to_dict())

    assert get_hyperparameter_class("tests.grid_point") is Choice2D
    assert restored == param
    assert restored.decode(restored.encode([(1, 2)])) == [(1, 2)]


def test_registering_a_taken_type_name_fails():
    class Other(Choice2D):
        type_name = "discrete"

    with pytest.raises(sc.SearchSpaceError, match="already registered"):
        sc.register_hyperparameter(Other)


def test_unknown_type_name_says_how_to_register():
    with pytest.raises(sc.SearchSpaceError, match="register_hyperparameter"):
        sc.BaseHyperParameter.from_dict({"type": "nope", "name": "x"})


scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**40), 2**40),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=8),
)


@given(st.lists(scalars, min_size=1, max_size=12, unique_by=lambda v: (type(v), v)))
def test_discrete_round_trip_property(values):
    param = sc.DiscreteHyperParameter("v", values)

    via_encoding = roundtrip(param, values)
    via_cells = [param.from_cell(param.to_cell(v)) for v in values]

    for got in (via_encoding, via_cells):
        assert [(type(g), g) for g in got] == [(type(v), v) for v in values]


@given(st.floats(-1e6, 1e6), st.floats(1e-3, 1e6))
def test_uniform_cells_are_exact_property(low, width):
    param = sc.UniformContinuousHyperParameter("u", low, low + width)
    value = param.decode(param.sample(np.random.default_rng(0), 1)[:, 0])[0]

    assert param.from_cell(param.to_cell(value)) == value


def test_discrete_refuses_unordered_sets():
    with pytest.raises(sc.SearchSpaceError, match="ordered list of choices"):
        sc.DiscreteHyperParameter("act", {"relu", "tanh"})


def test_unregistered_custom_types_are_refused_in_a_space():
    class Loose(Choice2D):
        type_name = "tests.loose"

    with pytest.raises(sc.SearchSpaceError, match="register_hyperparameter"):
        sc.HyperParameterList([Loose("p", 3)])
