from __future__ import annotations

from collections import OrderedDict

import numpy as np
import pytest

from shac_core.engine._evaluation import EvaluationHandler
from shac_core.engine._evaluation import EvaluationTask
from shac_core.engine._evaluation import Job
from shac_core.engine._evaluation import check_score


@pytest.mark.parametrize(
    ("value", "score"),
    [(1, 1.0), (0.5, 0.5), (np.float32(2.5), 2.5), (np.array([3.0]), 3.0), (-0.0, 0.0)],
)
def test_check_score_accepts_finite_numbers(value, score):
    assert check_score(value) == (score, None)


@pytest.mark.parametrize(
    ("value", "why"),
    [
        (float("nan"), "returned nan"),
        (float("inf"), "returned inf"),
        ("0.8", "str '0.8', not a number"),
        (None, "NoneType None, not a number"),
        (True, "bool True, not a number"),
        ([1.0], "list"),
    ],
)
def test_check_score_rejects_the_rest(value, why):
    score, error = check_score(value)

    assert score is None
    assert why in error


def test_task_turns_an_exception_into_a_failed_outcome():
    def fn(worker_id, params):
        msg = "division by zero"
        raise ZeroDivisionError(msg)

    outcome = EvaluationTask(EvaluationHandler(fn), 2)(Job(3, OrderedDict(x=1), 7), 1)

    assert outcome.score is None
    assert outcome.error == "ZeroDivisionError: division by zero"
    assert "Traceback" in outcome.details
    assert outcome.worker_id == 1


def test_task_passes_worker_id_and_params():
    seen = []
    task = EvaluationTask(
        EvaluationHandler(lambda wid, p: seen.append((wid, p)) or 2.0), 1
    )

    outcome = task(Job(0, OrderedDict(x=5), 1), 0)

    assert outcome.score == 2.0
    assert seen == [(0, OrderedDict(x=5))]


def test_handler_teardown_runs_when_the_function_raises():
    events = []

    class Tracking(EvaluationHandler):
        def setup(self, context):
            events.append(("setup", context.id, context.seed))

        def teardown(self, context):
            events.append(("teardown", context.id))

    def fn(worker_id, params):
        msg = "boom"
        raise RuntimeError(msg)

    outcome = EvaluationTask(Tracking(fn), 1)(Job(4, OrderedDict(), 9), 0)

    assert outcome.error == "RuntimeError: boom"
    assert events == [("setup", 4, 9), ("teardown", 4)]


def test_handler_teardown_runs_when_setup_fails_halfway():
    events = []

    class Fragile(EvaluationHandler):
        def setup(self, context):
            events.append("setup")
            msg = "no device"
            raise OSError(msg)

        def teardown(self, context):
            events.append("teardown")

    outcome = EvaluationTask(Fragile(lambda wid, p: 1.0), 1)(
        Job(0, OrderedDict(), 0), 0
    )

    assert outcome.error == "OSError: no device"
    assert events == ["setup", "teardown"]
