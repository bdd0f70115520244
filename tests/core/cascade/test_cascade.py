from __future__ import annotations

import numpy as np
import pytest

import shac_core as sc
from shac_core.cascade import Cascade
from shac_core.cascade import draw_candidates
from shac_core.cascade import train_classifier


@pytest.fixture(scope="module")
def space():
    return sc.HyperParameterList(
        [
            sc.UniformContinuousHyperParameter("x", -1.0, 1.0),
            sc.UniformContinuousHyperParameter("y", -1.0, 1.0),
        ]
    )


@pytest.fixture(scope="module")
def cascade(space):
    """Two classifiers: x > 0, then y > 0; together they accept about a quarter."""
    rng = np.random.default_rng(0)
    boosters = []
    for column in (0, 1):
        x = space.sample_matrix(rng, 200)
        labels = (x[:, column] > 0).astype(np.int32)
        booster = train_classifier(x, labels, seed=column)
        assert booster is not None
        boosters.append(booster)
    return Cascade(boosters, [0.5, 0.5])


def test_accepts_is_the_and_of_every_classifier(space, cascade):
    matrix = space.sample_matrix(np.random.default_rng(1), 2000)
    each = [b.inplace_predict(matrix) > 0.5 for b in cascade.boosters]

    mask = cascade.accepts(matrix)

    np.testing.assert_array_equal(mask, each[0] & each[1])
    assert 0.15 < mask.mean() < 0.35


def test_order_of_classifiers_does_not_change_the_result(space, cascade):
    matrix = space.sample_matrix(np.random.default_rng(2), 1000)
    flipped = Cascade(cascade.boosters, [0.9, 0.1])

    np.testing.assert_array_equal(cascade.accepts(matrix), flipped.accepts(matrix))


def test_relax_lets_rows_fail_one_classifier(space, cascade):
    matrix = space.sample_matrix(np.random.default_rng(3), 1000)
    each = [b.inplace_predict(matrix) > 0.5 for b in cascade.boosters]

    mask = cascade.accepts(matrix, relax=1)

    np.testing.assert_array_equal(mask, each[0] | each[1])


def test_limit_uses_only_the_first_classifiers(space, cascade):
    matrix = space.sample_matrix(np.random.default_rng(4), 1000)

    mask = cascade.accepts(matrix, limit=1)

    np.testing.assert_array_equal(
        mask, cascade.boosters[0].inplace_predict(matrix) > 0.5
    )


def test_drawn_candidates_pass_and_are_distinct(space, cascade):
    rows = draw_candidates(space, cascade, (0, 1), 50)

    assert rows.shape == (50, 2)
    assert cascade.accepts(rows).all()
    assert len({r.tobytes() for r in rows}) == 50


@pytest.mark.parametrize(
    ("n_jobs", "backend"), [(2, "threading"), (3, "threading"), (2, "sequential")]
)
def test_draws_do_not_depend_on_generator_count(space, cascade, n_jobs, backend):
    one = draw_candidates(space, cascade, (9, 0, 3), 300)

    many = draw_candidates(
        space, cascade, (9, 0, 3), 300, n_jobs=n_jobs, backend=backend
    )

    np.testing.assert_array_equal(one, many)


@pytest.mark.processes
def test_draws_with_loky_generators_match(space, cascade):
    one = draw_candidates(space, cascade, (9, 0, 4), 200)

    many = draw_candidates(space, cascade, (9, 0, 4), 200, n_jobs=2, backend="loky")

    np.testing.assert_array_equal(one, many)


def test_exclude_skips_known_rows(space, cascade):
    first = draw_candidates(space, cascade, (1, 2), 10)

    again = draw_candidates(
        space, cascade, (1, 2), 10, exclude={r.tobytes() for r in first[:5]}
    )

    assert not {r.tobytes() for r in first[:5]} & {r.tobytes() for r in again}


def test_tiny_discrete_space_allows_repeats_when_exhausted():
    space = sc.HyperParameterList([sc.DiscreteHyperParameter("a", [1, 2])])

    rows = draw_candidates(space, Cascade(), (0,), 5)

    assert rows.shape == (5, 1)


def test_impossible_cascade_raises_with_advice(space, cascade):
    never = Cascade([cascade.boosters[0]] * 1, [0.5])
    space_left = sc.HyperParameterList(
        [
            sc.UniformContinuousHyperParameter("x", -1.0, -0.5),
            sc.UniformContinuousHyperParameter("y", -1.0, 1.0),
        ]
    )

    with (
        pytest.warns(sc.ShacWarning, match="relax_checks"),
        pytest.raises(sc.CascadeExhaustedError, match="relax_checks=True"),
    ):
        draw_candidates(space_left, never, (0,), 3)


def test_relaxing_finds_candidates_the_strict_cascade_cannot(space, cascade):
    space_left = sc.HyperParameterList(
        [
            sc.UniformContinuousHyperParameter("x", -1.0, -0.5),
            sc.UniformContinuousHyperParameter("y", -1.0, 1.0),
        ]
    )
    stats = {}

    with pytest.warns(sc.ShacWarning, match="Relaxing the cascade"):
        rows = draw_candidates(
            space_left, cascade, (0,), 3, relax_checks=True, stats=stats
        )

    assert rows.shape == (3, 2)
    assert stats["relax"] == 1
