"""What runs in a worker for one evaluation: the context, the handler and the task.

The engine builds one picklable :class:`EvaluationTask` per run; a policy calls it
with a job and a worker id, wherever it runs. The task calls the engine's
:class:`EvaluationHandler`, which calls the user's function, and turns whatever
happens (a number, NaN, a non-number, an exception) into an :class:`Outcome`, so a
failing evaluation never takes the run down with it.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
import math
import numbers
import time
import traceback
from typing import TYPE_CHECKING
from typing import Any
from typing import NamedTuple

import numpy as np


if TYPE_CHECKING:
    from collections import OrderedDict
    from collections.abc import Callable


__all__ = [
    "EvaluationContext",
    "EvaluationHandler",
    "EvaluationTask",
    "Outcome",
    "Trial",
    "check_score",
    "derive_seed",
]


@dataclass(frozen=True)
class EvaluationContext:
    """Everything known about one evaluation where it runs.

    Attributes:
        id: The evaluation's position in the run.
        worker_id: The slot it runs in, in ``range(num_workers)``; no two running
            evaluations share one.
        params: The configuration, name to value.
        seed: A seed of its own, fixed by the engine's seed and ``id``.
        num_workers: How many evaluations may run at once.
    """

    id: int
    worker_id: int
    params: OrderedDict[str, Any]
    seed: int
    num_workers: int


class Job(NamedTuple):
    """One evaluation as handed to a policy."""

    id: int
    params: OrderedDict[str, Any]
    seed: int


class Outcome(NamedTuple):
    """What came of one evaluation."""

    score: float | None
    error: str | None
    worker_id: int
    duration: float
    details: str | None = None


class EvaluationHandler:
    """Calls the user's function for one evaluation; managed backends subclass it.

    Subclasses override :meth:`setup` and :meth:`teardown` to prepare devices, seeds
    and thread limits and to clean up, or :meth:`call` to change how the function is
    called. ``teardown`` runs even when ``setup`` or the function raises, so it must
    cope with a half-done ``setup``. Instances are pickled to
    worker processes, so keep framework objects out of their attributes.

    Args:
        fn: The user's function, ``fn(worker_id, params) -> float``.
    """

    def __init__(self, fn: Callable[..., Any]) -> None:
        self.fn = fn

    def setup(self, context: EvaluationContext) -> None:
        """Prepare the worker for the evaluation; the default does nothing."""

    def call(self, context: EvaluationContext) -> Any:
        """Call the user's function and return what it returned."""
        return self.fn(context.worker_id, context.params)

    def teardown(self, context: EvaluationContext) -> None:
        """Clean up after the evaluation, also after a failure; the default does nothing."""

    def __call__(self, context: EvaluationContext) -> Any:
        # teardown also runs when setup fails halfway, so nothing stays published.
        try:
            self.setup(context)
            return self.call(context)
        finally:
            self.teardown(context)


def check_score(value: Any) -> tuple[float | None, str | None]:
    """Return ``(score, None)`` for a finite real number, else ``(None, why)``."""
    if hasattr(value, "item") and not isinstance(value, numbers.Real):
        # NumPy scalars and one-element arrays or tensors (NumPy, torch, TF).
        with contextlib.suppress(Exception):  # a many-element array is no score
            value = value.item()

    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return (
            None,
            f"The function returned {type(value).__name__} {value!r}, not a number.",
        )

    try:
        score = float(value)
    except OverflowError:
        return None, f"The function returned {value!r}, too large for a float."
    if not math.isfinite(score):
        return None, f"The function returned {score!r}."
    return score, None


class EvaluationTask:
    """The picklable callable a policy runs: ``task(job, worker_id) -> Outcome``."""

    def __init__(self, handler: EvaluationHandler, num_workers: int) -> None:
        self.handler = handler
        self.num_workers = num_workers

    def __call__(self, job: Job, worker_id: int) -> Outcome:
        context = EvaluationContext(
            job.id, worker_id, job.params, job.seed, self.num_workers
        )
        start = time.perf_counter()
        try:
            value = self.handler(context)
            score, error = check_score(value)
        except (Exception, SystemExit) as err:  # noqa: BLE001 - a failure is data
            # SystemExit too: a training script's sys.exit() must not end the search.
            details = traceback.format_exc(limit=20)
            why = f"{type(err).__name__}: {err}"
            return Outcome(None, why, worker_id, time.perf_counter() - start, details)

        return Outcome(score, error, worker_id, time.perf_counter() - start)


@dataclass(frozen=True)
class Trial:
    """A configuration handed out by :meth:`SHAC.ask`, to be scored and told back.

    Attributes:
        id: The position in the run.
        params: The configuration, name to value.
        seed: The evaluation's own seed, for reproducible training.
        epoch: The epoch it belongs to.
    """

    id: int
    params: OrderedDict[str, Any]
    seed: int
    epoch: int


def derive_seed(seed: int, stream: int, *position: int) -> int:
    """Return a 32-bit seed for one purpose (``stream``) at one position of a run."""
    state = np.random.SeedSequence([seed, stream, *position]).generate_state(1)
    return int(state[0])
