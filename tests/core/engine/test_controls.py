from __future__ import annotations

import os

import pytest

import shac_core as sc


def test_defaults_follow_pyshac(make_engine):
    engine = make_engine(40, 4, serial=False)

    assert engine.num_parallel_evaluators == min(10, os.cpu_count())
    assert engine.evaluator_backend == "loky"
    assert engine.num_parallel_generators == 1
    assert engine.generator_backend == "threading"
    assert engine.limit_memory is False


def test_setters_and_shortcuts(make_engine):
    engine = make_engine(40, 4, serial=False)

    engine.set_num_parallel_evaluators(7)
    engine.concurrent_evaluators()
    engine.set_num_parallel_generators(3)
    engine.parallel_generators()
    engine.limit_memory = True

    assert engine.num_parallel_evaluators == 7
    assert engine.evaluator_backend == "threading"
    assert engine.num_parallel_generators == 3
    assert engine.generator_backend == "loky"
    assert engine.limit_memory
    engine.parallel_evaluators()
    assert engine.evaluator_backend == "loky"
    engine.set_num_parallel_evaluators(None)
    assert engine.num_parallel_evaluators == min(10, os.cpu_count())


def test_a_policy_instance_is_used_as_given(make_engine):
    engine = make_engine(8, 2, serial=False)
    policy = sc.ThreadingPolicy(2)

    engine.evaluator_backend = policy

    assert engine._make_policy() is policy


def test_registered_aliases_are_accepted(make_engine):
    engine = make_engine(serial=False)

    engine.evaluator_backend = "threads"

    assert engine._make_policy().name == "threading"


@pytest.mark.parametrize(
    ("attr", "value", "error", "match"),
    [
        (
            "num_parallel_evaluators",
            0,
            ValueError,
            "`num_parallel_evaluators` must be an integer",
        ),
        (
            "num_parallel_generators",
            1.5,
            ValueError,
            "`num_parallel_generators` must be",
        ),
        ("generator_backend", "dask", ValueError, "`generator_backend` must be one of"),
        (
            "evaluator_backend",
            3,
            TypeError,
            "`evaluator_backend` must be a policy name",
        ),
    ],
)
def test_bad_settings_are_rejected(make_engine, attr, value, error, match):
    engine = make_engine()

    with pytest.raises(error, match=match):
        setattr(engine, attr, value)


def test_limit_memory_keeps_proposals_identical(make_engine):
    plain = make_engine(16, 4)
    plain.fit(lambda wid, p: p["x"], progress=False, skip_cv_checks=True)
    small = make_engine(16, 4)
    small.limit_memory = True
    small.fit(lambda wid, p: p["x"], progress=False, skip_cv_checks=True)

    assert [r.params for r in plain.dataset][:4] == [r.params for r in small.dataset][
        :4
    ]
