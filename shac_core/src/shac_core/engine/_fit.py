"""``SHAC.fit`` and ``SHAC.fit_dataset``: the loops that feed the cascade.

``fit`` asks for an epoch, runs it through the policy and tells each result;
``fit_dataset`` feeds windows of a CSV of earlier evaluations instead.

Kept apart from the engine so that the loop reads top to bottom: callbacks and the
progress bar live here, the bookkeeping in ``ask`` and ``tell``.
"""

from __future__ import annotations

import logging
import math
from pathlib import Path
from typing import TYPE_CHECKING
from typing import Any

from tqdm.auto import tqdm

from shac_core._errors import EvaluationError
from shac_core._errors import SaveDirectoryError
from shac_core.callbacks import CallbackList
from shac_core.callbacks import History
from shac_core.engine._evaluation import EvaluationTask
from shac_core.engine._evaluation import Job
from shac_core.engine._evaluation import Outcome


if TYPE_CHECKING:
    from collections.abc import Callable
    from collections.abc import Sequence
    import os

    from shac_core.callbacks import Callback
    from shac_core.engine._engine import SHAC
    from shac_core.policies import PolicyFailure
from shac_core.storage import EvaluationRecord
from shac_core.storage import read_dataset_csv


__all__ = ["run_fit", "run_fit_dataset"]

_logger = logging.getLogger(__name__)


def run_fit(
    engine: SHAC,
    fn: Callable[..., Any],
    *,
    skip_cv_checks: bool,
    early_stop: bool,
    relax_checks: bool,
    callbacks: Sequence[Callback] | None,
    progress: bool,
    raise_on_failure: bool,
) -> History:
    """Run the rest of the budget; see :meth:`SHAC.fit`."""
    given: object = fn
    if not callable(given):
        msg = f"`fn` must be callable as fn(worker_id, params), got {fn!r}."
        raise TypeError(msg)
    handler = engine._make_handler(fn)  # a backend may reject fn before any write
    policy = engine._make_policy()  # and a missing policy dependency fails here too
    engine._ensure_ready()
    engine._pending.clear()  # trials asked for but never told are proposed again
    engine.skip_cv_checks = skip_cv_checks
    engine.relax_checks = relax_checks

    history = History()
    hooks = CallbackList([history, *(callbacks or [])])
    hooks.set_engine(engine)
    task = EvaluationTask(handler, policy.n_workers)
    done_before = len(engine._records)
    hooks.on_train_begin(
        {
            "total_budget": engine.total_budget,
            "batch_size": engine.batch_size,
            "done": done_before,
            "policy": policy.describe(),
        }
    )
    _logger.info(
        "Fitting %d evaluations (%d done) in epochs of %d with %r.",
        engine.total_budget,
        done_before,
        engine.batch_size,
        policy,
    )

    bar = tqdm(
        total=engine.total_budget,
        initial=done_before,
        disable=not progress,
        unit="eval",
    )
    failures = 0
    try:
        with policy:
            while trials := engine.ask():
                epoch = trials[0].epoch
                bar.set_description(f"shac epoch {epoch + 1}/{engine.num_batches}")
                hooks.on_epoch_begin(epoch, {"num_classifiers": len(engine.cascade)})
                for trial in trials:
                    hooks.on_evaluation_begin(trial.id, {"params": trial.params})

                jobs = [Job(t.id, t.params, t.seed) for t in trials]
                for position, result in policy.imap_unordered(task, jobs):
                    trial = trials[position]
                    outcome = _as_outcome(result)
                    record = engine._record(trial, outcome.score, outcome.error)
                    if outcome.details:
                        _logger.debug(
                            "Evaluation %d failed:\n%s", trial.id, outcome.details
                        )
                    engine._advance()
                    failures += record.error is not None
                    hooks.on_evaluation_ended(
                        trial.id,
                        {
                            "params": trial.params,
                            "score": record.score,
                            "error": record.error,
                            "worker_id": outcome.worker_id,
                            "duration": outcome.duration,
                            "traceback": outcome.details,
                        },
                    )
                    hooks.on_dataset_changed(
                        {
                            "path": str(engine.save_dir.dataset_file),
                            "size": len(engine._records),
                        }
                    )
                    bar.update(1)
                    if record.error is not None and raise_on_failure:
                        msg = (
                            f"Evaluation {record.id} failed: {record.error} It is saved; "
                            "`fit` stopped because `raise_on_failure=True`."
                        )
                        raise EvaluationError(msg)

                hooks.on_epoch_end(epoch, dict(engine._last_epoch))
                if early_stop and engine._last_epoch.get("classifier") == "rejected":
                    _logger.info(
                        "Stopping early: no acceptable classifier for the last window."
                    )
                    break
    finally:
        bar.close()

    hooks.on_train_end({"evaluations": len(history), "failures": failures})
    return history


def _as_outcome(result: Outcome | PolicyFailure | BaseException) -> Outcome:
    if isinstance(result, Outcome):
        return result
    return Outcome(None, f"{type(result).__name__}: {result}", -1, 0.0)


def run_fit_dataset(
    engine: SHAC,
    path: str | os.PathLike[str],
    *,
    presort: bool,
    skip_cv_checks: bool,
    early_stop: bool,
) -> None:
    """Train the cascade from a CSV; see :meth:`SHAC.fit_dataset`."""
    if isinstance(path, (str, Path)) and not Path(path).is_file():
        msg = f"`path` must name a CSV file, but {path} does not exist."
        raise SaveDirectoryError(msg)
    engine._ensure_ready()
    rows = read_dataset_csv(path, engine._space)
    if presort:
        sign = 1.0 if engine._objective == "max" else -1.0
        rows.sort(key=lambda r: -math.inf if r.score is None else sign * r.score)

    engine.skip_cv_checks = skip_cv_checks
    base = len(engine._records)
    records = [
        EvaluationRecord(base + i, r.params, r.score, r.error)
        for i, r in enumerate(rows)
    ]
    for record in records:
        engine._records[record.id] = record
    engine.save_dir.rewrite_dataset(engine._space, engine.dataset)

    size = engine._per_classifier_budget
    while len(engine._records) - engine._window_start >= size:
        status = engine._train_window(engine._window_start, size)
        engine._window_start += size
        if status == "full" or (status == "rejected" and early_stop):
            break
    engine._epochs_done = (
        min(len(engine._records), engine._total_budget) // engine._batch_size
    )
    engine._proposal_cache = None
    engine.save_dir.write_state(engine._state())
    _logger.info(
        "Trained %d classifiers from %d rows of %s.",
        len(engine.cascade),
        len(rows),
        path,
    )
