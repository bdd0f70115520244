"""The SHAC loop: budget, epochs, ask and tell, fit, fit_dataset, predict, resume.

One run evaluates ``total_budget`` (N) configurations in ``num_batches`` (M) epochs
of ``W = N / M`` each. After every window of ``Tc`` evaluations a classifier learns
which configurations beat the window's median, up to ``K = min(max(M - 1, 1),
max_classifiers)`` classifiers; new candidates must pass all of them. Everything an
epoch proposes depends only on the seed and the epoch's position, so a run gives the
same proposals with any number of workers, and after a crash and resume.
"""

from __future__ import annotations

import contextlib
import inspect
import logging
import math
from typing import TYPE_CHECKING
from typing import Any
from typing import ClassVar
from typing import Literal
from typing import cast
import warnings

import numpy as np

from shac_core._errors import SaveDirectoryError
from shac_core._errors import SearchSpaceError
from shac_core._errors import ShacWarning
from shac_core._validation import check_int
from shac_core._validation import check_optional_int
from shac_core.cascade import Cascade
from shac_core.cascade import draw_candidates
from shac_core.cascade import label_window
from shac_core.cascade import train_classifier
from shac_core.engine._controls import ParallelControls
from shac_core.engine._evaluation import EvaluationHandler
from shac_core.engine._evaluation import Trial
from shac_core.engine._evaluation import check_score
from shac_core.engine._evaluation import derive_seed
from shac_core.space import BaseHyperParameter
from shac_core.space import HyperParameterList
from shac_core.storage import EvaluationRecord
from shac_core.storage import SaveDirectory


if TYPE_CHECKING:
    from collections import OrderedDict
    from collections.abc import Callable
    from collections.abc import Iterable
    from collections.abc import Iterator
    from collections.abc import Mapping
    from collections.abc import Sequence
    import os

    import xgboost as xgb

    from shac_core.callbacks import Callback
    from shac_core.callbacks import History


__all__ = ["SHAC", "Trial"]

_logger = logging.getLogger(__name__)

# Streams of the run's seed, one per purpose, so that none shifts another.
_PROPOSALS, _PREDICT, _TRAIN, _EVALUATION, _PROBE = range(5)
_PROBE_ROWS = 2048
_PAPER_CLASSIFIERS = 18
_RESERVED_COLUMNS = ("id", "scores", "error")
_CONTROLS = (
    "_num_parallel_evaluators",
    "_evaluator_backend",
    "_num_parallel_generators",
    "_generator_backend",
    "_limit_memory",
)


class SHAC(ParallelControls):
    """The Successive Halving and Classification search engine.

    Args:
        parameters: The search space, a list of hyperparameters or a
            :class:`~shac_core.HyperParameterList`. ``None`` (with ``total_budget``
            and ``num_batches`` also ``None``) makes an empty engine for
            :meth:`restore_data` to fill from ``save_dir``.
        total_budget: N, the number of evaluations in the run.
        num_batches: M, the number of epochs; N must be divisible by M.
        objective: ``"max"`` or ``"min"``: which scores are better.
        max_classifiers: The most classifiers trained (18 in the paper).
        save_dir: Where the search is saved as it runs.
        seed: Fixes every proposal; ``None`` picks one and saves it.

    Raises:
        SearchSpaceError: For an empty or malformed search space.
        ValueError: For a budget that is not a positive multiple of ``num_batches``,
            an unknown objective, or ``max_classifiers`` below 1.

    Example:
        >>> from shac_core import SHAC, UniformContinuousHyperParameter
        >>> space = [UniformContinuousHyperParameter("x", -5.0, 5.0)]
        >>> engine = SHAC(space, total_budget=20, num_batches=4, save_dir=tmp, seed=1)
        >>> engine.set_num_parallel_evaluators(1)
        >>> engine.concurrent_evaluators()
        >>> history = engine.fit(lambda wid, p: -(p["x"] ** 2), progress=False)
        >>> len(history)
        20
    """

    #: The name this engine is registered under.
    engine_name: ClassVar[str] = "shac"

    def __init__(
        self,
        parameters: Iterable[BaseHyperParameter] | HyperParameterList | None,
        total_budget: int | None,
        num_batches: int | None,
        objective: Literal["max", "min"] = "max",
        max_classifiers: int = 18,
        save_dir: str | os.PathLike[str] = "shac",
        seed: int | None = None,
    ) -> None:
        given: object = save_dir
        if given is None or str(given) == "":
            msg = f"`save_dir` must name a directory, got {save_dir!r}."
            raise ValueError(msg)
        self.save_dir = SaveDirectory(save_dir)
        self._blank = (
            parameters is None and total_budget is None and num_batches is None
        )
        self._configure(
            parameters if not self._blank else None,
            total_budget if not self._blank else 1,
            num_batches if not self._blank else 1,
            objective,
            max_classifiers,
            seed,
        )
        self._init_controls()

    # -- set-up ------------------------------------------------------------------

    def _configure(
        self,
        parameters: Iterable[BaseHyperParameter] | HyperParameterList | None,
        total_budget: Any,
        num_batches: Any,
        objective: Any,
        max_classifiers: Any,
        seed: Any,
    ) -> None:
        if parameters is None:
            space = HyperParameterList()
        elif isinstance(parameters, HyperParameterList):
            space = parameters
        elif isinstance(parameters, BaseHyperParameter):
            space = HyperParameterList([parameters])
        else:
            space = HyperParameterList(parameters)
        reserved = sorted(set(space.column_names) & set(_RESERVED_COLUMNS))
        if reserved:
            msg = (
                f"Hyperparameter names must not be {', '.join(_RESERVED_COLUMNS)}, "
                f"which the dataset CSV uses itself, got {reserved[0]!r}; rename it."
            )
            raise SearchSpaceError(msg)
        if not self._blank and len(space) == 0:
            msg = "`parameters` must hold at least one hyperparameter, got none."
            raise SearchSpaceError(msg)

        total_budget = check_int("total_budget", total_budget, 1)
        num_batches = check_int("num_batches", num_batches, 1)
        if total_budget % num_batches:
            msg = (
                "`total_budget` must be divisible by `num_batches`, got "
                f"total_budget={total_budget}, num_batches={num_batches}; try "
                f"total_budget={total_budget - total_budget % num_batches or num_batches}."
            )
            raise ValueError(msg)
        if objective not in ("max", "min"):
            msg = f"`objective` must be 'max' or 'min', got {objective!r}."
            raise ValueError(msg)
        max_classifiers = check_int("max_classifiers", max_classifiers, 1)
        seed = check_optional_int("seed", seed, 0)
        if max_classifiers > _PAPER_CLASSIFIERS and not self._blank:
            msg = (
                f"`max_classifiers={max_classifiers}` exceeds the paper's "
                f"{_PAPER_CLASSIFIERS}; each classifier doubles the draws a candidate "
                "needs, so deep cascades take exponentially longer to sample."
            )
            warnings.warn(msg, ShacWarning, stacklevel=4)

        self._space = space
        self._total_budget = int(total_budget)
        self._num_batches = int(num_batches)
        max_classifiers = int(max_classifiers)
        self._objective: Literal["max", "min"] = objective
        self._max_classifiers: int = max_classifiers
        self._batch_size = self._total_budget // self._num_batches
        self._total_classifiers = min(
            max(self._num_batches - 1, 1), int(max_classifiers)
        )
        # PySHAC's window Tc, never below one epoch so that M = 1 still works.
        windows = math.floor(
            total_budget / (self._batch_size * (self._total_classifiers + 1))
        )
        self._per_classifier_budget = self._batch_size * max(1, int(windows))
        self._seed: int = (
            int(seed)
            if seed is not None
            else int(np.random.SeedSequence().generate_state(1)[0])
        )
        self._saved_seed = self._seed
        self.cascade = Cascade()
        self._records: dict[int, EvaluationRecord] = {}
        self._pending: dict[int, Trial] = {}
        self._proposal_cache: tuple[int, np.ndarray[Any, Any]] | None = None
        self._window_start = 0
        self._epochs_done = 0
        self._windows_rejected = 0
        self._predict_calls = 0
        self._classifier_files: list[str] = []
        self._ready = False
        self._last_epoch: dict[str, Any] = {}

    # -- read-only facts ---------------------------------------------------------

    @property
    def parameters(self) -> HyperParameterList:
        """The search space."""
        return self._space

    @property
    def total_budget(self) -> int:
        """N, the number of evaluations in the run."""
        return self._total_budget

    @property
    def num_batches(self) -> int:
        """M, the number of epochs."""
        return self._num_batches

    @property
    def num_workers(self) -> int:
        """W = N / M, the evaluations per epoch (PySHAC's name)."""
        return self._batch_size

    batch_size = num_workers

    @property
    def total_classifiers(self) -> int:
        """K, the most classifiers this run trains."""
        return self._total_classifiers

    @property
    def per_classifier_budget(self) -> int:
        """Tc, the evaluations in each classifier's window."""
        return self._per_classifier_budget

    @property
    def objective(self) -> Literal["max", "min"]:
        """``"max"`` or ``"min"``."""
        return self._objective

    @property
    def seed(self) -> int:
        """The seed that fixes every proposal."""
        return self._seed

    @property
    def classifiers(self) -> list[xgb.Booster]:
        """The trained cascade, in training order."""
        return list(self.cascade.boosters)

    @property
    def dataset(self) -> list[EvaluationRecord]:
        """Every finished evaluation, ordered by position in the run."""
        return [self._records[k] for k in sorted(self._records)]

    def best(self) -> EvaluationRecord | None:
        """Return the best successful evaluation so far, or ``None``."""
        ok = [r for r in self._records.values() if r.ok]
        if not ok:
            return None
        pick = max if self._objective == "max" else min
        return pick(ok, key=lambda r: (r.score, -r.id))

    # -- seeds -------------------------------------------------------------------

    def set_seed(self, seed: int) -> None:
        """Fix every later proposal, prediction and evaluation seed."""
        self._seed = self._saved_seed = check_int("seed", seed, 0)
        self._proposal_cache = None
        self._predict_calls = 0

    @contextlib.contextmanager
    def as_deterministic(self, seed: int) -> Iterator[SHAC]:
        """Use ``seed`` inside the ``with`` block and restore the previous one after.

        Example:
            >>> with engine.as_deterministic(7):  # doctest: +SKIP
            ...     a = engine.predict(5)
        """
        saved = (self._seed, self._predict_calls, self._proposal_cache)
        persistent = self._saved_seed
        self.set_seed(seed)
        self._saved_seed = persistent  # the save directory keeps the run's own seed
        try:
            yield self
        finally:
            self._seed, self._predict_calls, self._proposal_cache = saved

    # -- persistence -------------------------------------------------------------

    def _state(self) -> dict[str, Any]:
        return {
            "engine": self.engine_name,
            "total_budget": self._total_budget,
            "num_batches": self._num_batches,
            "objective": self._objective,
            "max_classifiers": self._max_classifiers,
            "seed": self._saved_seed,
            "window_start": self._window_start,
            "epochs_done": self._epochs_done,
            "windows_rejected": self._windows_rejected,
            "classifiers": self._classifier_files,
            "pass_rates": self.cascade.pass_rates,
            "engine_options": self._engine_options(),
        }

    def _engine_options(self) -> dict[str, Any]:
        """Return extra settings a subclass saves; restored through its constructor."""
        return {}

    def _ensure_ready(self) -> None:
        if self._ready:
            return
        if self._blank:
            msg = (
                "This engine has no search space yet; pass `parameters`, "
                "`total_budget` and `num_batches`, or call `restore_data()` first."
            )
            raise SaveDirectoryError(msg)
        if self.save_dir.exists():
            msg = (
                f"{self.save_dir.path} already holds a saved search; call "
                "`restore_data()` to continue it, or pass another `save_dir` so that "
                "it is not overwritten."
            )
            raise SaveDirectoryError(msg)
        if self.save_dir.dataset_file.exists():
            msg = (
                f"{self.save_dir.dataset_file} exists but belongs to no saved search; "
                "pass another `save_dir` so that it is not written to."
            )
            raise SaveDirectoryError(msg)

        self.save_dir.write_space(self._space)
        self.save_dir.start_dataset(self._space)
        self.save_dir.write_state(self._state())
        self._ready = True

    def save_data(self) -> None:
        """Write the whole search to ``save_dir``: space, dataset, classifiers, state."""
        if self._blank:
            msg = "There is nothing to save: this engine has no search space."
            raise SaveDirectoryError(msg)
        self.save_dir.write_space(self._space)
        self.save_dir.rewrite_dataset(self._space, self.dataset)
        self._classifier_files = [
            self.save_dir.write_classifier(i, b)
            for i, b in enumerate(self.cascade.boosters)
        ]
        self.save_dir.write_state(self._state())
        self._ready = True

    def restore_data(self) -> None:
        """Load the search saved in ``save_dir``, to continue or to predict from it.

        Nothing needs passing again: the search space, budget, batches, objective,
        seed, dataset and classifiers all come from the directory.

        Raises:
            SaveDirectoryError: If a file is missing or damaged; it is named.
        """
        state = self.save_dir.read_state()
        space = self.save_dir.read_space()
        # Settings the user made on this engine survive the restore.
        controls = {name: getattr(self, name) for name in _CONTROLS}
        self._blank = False
        try:
            self._configure(
                space,
                state["total_budget"],
                state["num_batches"],
                state["objective"],
                state["max_classifiers"],
                state["seed"],
            )
            for name, value in controls.items():
                setattr(self, name, value)
            self._restore_options(state.get("engine_options", {}))
            files, rates = list(state["classifiers"]), state["pass_rates"]
            self._window_start = int(state["window_start"])
            self._epochs_done = int(state["epochs_done"])
            self._windows_rejected = int(state.get("windows_rejected", 0))
        except (KeyError, TypeError, ValueError) as err:
            self._blank = True
            msg = f"{self.save_dir.state_file} is damaged: {type(err).__name__}: {err}."
            raise SaveDirectoryError(msg) from err

        self.cascade = self.save_dir.read_cascade(files, rates)
        self._classifier_files = files
        for record in self.save_dir.read_dataset(self._space):
            if record.id in self._records or not 0 <= record.id < self._total_budget:
                self._blank = True
                msg = (
                    f"{self.save_dir.dataset_file} is damaged: evaluation id "
                    f"{record.id} is repeated or outside 0..{self._total_budget - 1}."
                )
                raise SaveDirectoryError(msg)
            self._records[record.id] = record
        done = min(self._epochs_done * self._batch_size, self._total_budget)
        missing = [i for i in range(done) if i not in self._records]
        if missing:
            self._blank = True
            msg = (
                f"{self.save_dir.dataset_file} is damaged: {self.save_dir.state_file} "
                f"counts {self._epochs_done} finished epochs, but evaluations "
                f"{missing[:5]} are missing."
            )
            raise SaveDirectoryError(msg)
        if state.get("engine", self.engine_name) != self.engine_name:
            msg = (
                f"{self.save_dir.path} was saved by engine {state['engine']!r}, but is "
                f"restored into {self.engine_name!r}; restore it with "
                f"`shac_core.get_engine({state['engine']!r}).load(...)` to keep its "
                "backend's management."
            )
            warnings.warn(msg, ShacWarning, stacklevel=2)
        self._ready = True
        _logger.info(
            "Restored %d evaluations and %d classifiers from %s.",
            len(self._records),
            len(self.cascade),
            self.save_dir.path,
        )
        # An interrupted epoch may have finished its last evaluations before the crash.
        self._advance()

    def _restore_options(self, options: Mapping[str, Any]) -> None:
        """Apply settings saved by :meth:`_engine_options`; the default has none."""

    @classmethod
    def load(cls, save_dir: str | os.PathLike[str]) -> SHAC:
        """Return an engine restored from ``save_dir``."""
        engine = cls(None, None, None, save_dir=save_dir)
        engine.restore_data()
        return engine

    # -- proposals -----------------------------------------------------------------

    def _proposals(self, epoch: int) -> np.ndarray[Any, Any]:
        if self._proposal_cache is not None and self._proposal_cache[0] == epoch:
            return self._proposal_cache[1]

        # Only earlier epochs count, so a half-finished epoch redraws the same rows.
        first = epoch * self._batch_size
        earlier = [r.params for r in self.dataset if r.id < first]
        exclude = (
            {row.tobytes() for row in self._space.encode(earlier)} if earlier else set()
        )
        matrix = draw_candidates(
            self._space,
            self.cascade,
            (self._seed, _PROPOSALS, epoch),
            self._batch_size,
            relax_checks=self.relax_checks,
            exclude=exclude,
            n_jobs=self._num_parallel_generators,
            backend=self._generator_backend,
            max_chunk=(1 << 13) if self._limit_memory else None,
        )
        self._proposal_cache = (epoch, matrix)
        return matrix

    #: Let candidates fail some classifiers when too few pass all; ``fit`` sets it
    #: from its argument, ask-and-tell users set it directly.
    relax_checks = False

    def ask(self, n: int | None = None) -> list[Trial]:
        """Hand out up to ``n`` configurations of the current epoch to evaluate.

        Proposals come one epoch at a time, because the next epoch's depend on the
        classifier trained from this one. Once every configuration of the epoch is
        handed out, ``ask`` returns an empty list until they are all told.

        Args:
            n: How many to hand out; ``None`` means the rest of the epoch.

        Returns:
            The trials, in run order; empty when the budget is spent.
        """
        check_optional_int("n", n, 0)
        self._ensure_ready()

        epoch = self._epochs_done
        first = epoch * self._batch_size
        if first >= self._total_budget:
            return []

        free = [
            i
            for i in range(first, first + self._batch_size)
            if i not in self._records and i not in self._pending
        ][:n]
        if not free:
            return []

        matrix = self._proposals(epoch)
        configs = self._space.decode(matrix[[i - first for i in free]])
        trials = [
            Trial(i, config, derive_seed(self._seed, _EVALUATION, i), epoch)
            for i, config in zip(free, configs, strict=True)
        ]
        self._pending.update((t.id, t) for t in trials)
        return trials

    def tell(
        self,
        trials: Trial | Mapping[str, Any] | Sequence[Trial | Mapping[str, Any]],
        scores: Any,
        errors: str | Sequence[str | None] | None = None,
    ) -> None:
        """Record the scores of configurations handed out by :meth:`ask`.

        Each result is on disk when ``tell`` returns. When an epoch is complete, the
        next classifier is trained if its window is full.

        Args:
            trials: The trials from ``ask``, or their ``params`` mappings; one or a list.
            scores: One score per trial. NaN, infinities, ``None`` and non-numbers
                record the trial as failed; failures never train a classifier.
            errors: Optional reasons for failures, one per trial.

        Raises:
            ValueError: If a trial was not handed out or was already told, or the
                lengths differ.
        """
        single = isinstance(trials, Trial) or not isinstance(trials, (list, tuple))
        items: list[Trial | Mapping[str, Any]] = (
            [cast("Trial | Mapping[str, Any]", trials)]
            if single
            else list(cast("Sequence[Trial | Mapping[str, Any]]", trials))
        )
        if not single and not isinstance(scores, (list, tuple, np.ndarray)):
            msg = (
                f"`scores` must be a list with one score per trial when `trials` is a "
                f"list, got {scores!r}."
            )
            raise TypeError(msg)
        values = [scores] if single else list(scores)
        reasons: list[str | None] = (
            [cast("str | None", errors)]
            if single
            else list(errors or [None] * len(items))
        )
        if not (len(items) == len(values) == len(reasons)):
            msg = (
                "`trials`, `scores` and `errors` must have one entry each per trial, got "
                f"{len(items)}, {len(values)} and {len(reasons)}."
            )
            raise ValueError(msg)

        matched = [self._match(item) for item in items]
        if len({t.id for t in matched}) != len(matched):
            msg = "`trials` names one trial twice; tell each trial once."
            raise ValueError(msg)
        for trial, value, reason in zip(matched, values, reasons, strict=True):
            score, why = (
                check_score(value) if value is not None else (None, "No score.")
            )
            self._record(trial, score, reason or why)
        self._advance()

    def _match(self, item: Trial | Mapping[str, Any]) -> Trial:
        if isinstance(item, Trial):
            if item.id in self._records:
                msg = f"Trial {item.id} was already told; each trial is told once."
                raise ValueError(msg)
            if item.id not in self._pending:
                msg = f"Trial {item.id} was not handed out by `ask()`; ask for trials first."
                raise ValueError(msg)
            return self._pending[item.id]

        for trial in self._pending.values():
            if trial.params is item or trial.params == item:
                return trial
        msg = f"No pending trial has the parameters {dict(item)!r}; pass the Trial from `ask()`."
        raise ValueError(msg)

    def _record(
        self, trial: Trial, score: float | None, error: str | None
    ) -> EvaluationRecord:
        record = EvaluationRecord(trial.id, trial.params, score, error)
        self.save_dir.append(self._space, record)
        self._records[trial.id] = record
        self._pending.pop(trial.id, None)
        if error is not None:
            _logger.warning("Evaluation %d failed: %s", trial.id, error)
        return record

    def _advance(self) -> None:
        while True:
            first = self._epochs_done * self._batch_size
            if first >= self._total_budget:
                return
            if any(
                i not in self._records for i in range(first, first + self._batch_size)
            ):
                return
            self._end_epoch(self._epochs_done)

    def _end_epoch(self, epoch: int) -> None:
        end = (epoch + 1) * self._batch_size
        status = "waiting"
        if end - self._window_start >= self._per_classifier_budget:
            status = self._train_window(self._window_start, self._per_classifier_budget)
            self._window_start += self._per_classifier_budget

        self._epochs_done = epoch + 1
        self._proposal_cache = None
        self.save_dir.write_state(self._state())
        best = self.best()
        self._last_epoch = {
            "classifier": status,
            "num_classifiers": len(self.cascade),
            "best_score": None if best is None else best.score,
        }
        _logger.info(
            "Epoch %d/%d done: %d classifiers, best score %s.",
            epoch + 1,
            self._num_batches,
            len(self.cascade),
            "n/a" if best is None else f"{best.score:.6g}",
        )

    def _train_window(self, start: int, size: int) -> str:
        if len(self.cascade) >= self._total_classifiers:
            _logger.info("All %d classifiers are trained.", self._total_classifiers)
            return "full"

        window = [
            self._records[i] for i in range(start, start + size) if i in self._records
        ]
        ok = [r for r in window if r.ok]
        if len(ok) < 4:
            _logger.warning(
                "Window at %d has %d successful evaluations; no classifier.",
                start,
                len(ok),
            )
            self._windows_rejected += 1
            return "rejected"

        x = self._space.encode([r.params for r in ok])
        labels = label_window(
            np.asarray([r.score for r in ok], np.float64), self._objective
        )
        index = start // size
        booster = train_classifier(
            x,
            labels,
            seed=derive_seed(self._seed, _TRAIN, index) % (1 << 31),
            skip_cv_checks=self.skip_cv_checks,
        )
        if booster is None:
            # A normal outcome for a window without a learnable pattern: INFO.
            _logger.info(
                "No classifier passed the checks for window %d; continuing.", index
            )
            self._windows_rejected += 1
            return "rejected"

        probe = self._space.sample_matrix(
            np.random.default_rng([self._seed, _PROBE]), _PROBE_ROWS
        )
        rate = float(np.mean(booster.inplace_predict(probe) > 0.5))
        self.cascade.append(booster, rate)
        self._classifier_files.append(
            self.save_dir.write_classifier(len(self.cascade) - 1, booster)
        )
        _logger.info(
            "Classifier %d trained (accepts %.0f%% of draws).",
            len(self.cascade),
            100 * rate,
        )
        return "trained"

    #: Accept classifiers without cross-validation; ``fit`` sets it from its
    #: argument, ask-and-tell users set it directly.
    skip_cv_checks = False

    # -- fit -------------------------------------------------------------------------

    def _make_handler(self, fn: Callable[..., Any]) -> EvaluationHandler:
        """Return the handler that calls ``fn`` in a worker; managed backends override."""
        _require_two_arguments(fn)
        return EvaluationHandler(fn)

    def fit(
        self,
        fn: Callable[..., Any],
        skip_cv_checks: bool = False,
        early_stop: bool = False,
        relax_checks: bool = False,
        callbacks: Sequence[Callback] | None = None,
        progress: bool = True,
        raise_on_failure: bool = False,
    ) -> History:
        """Run (or continue) the search with ``fn`` and return its history.

        Args:
            fn: ``fn(worker_id, params) -> float``, called once per evaluation.
            skip_cv_checks: Accept classifiers without the cross-validation check;
                useful when windows are small.
            early_stop: Stop when a window yields no acceptable classifier.
            relax_checks: Let candidates fail some classifiers when too few pass all.
            callbacks: Callbacks to notify; the list is not modified.
            progress: Show a tqdm progress bar of the evaluations.
            raise_on_failure: Raise :class:`EvaluationError` at the first failed
                evaluation (after saving it) instead of going on.

        Returns:
            The :class:`~shac_core.History` of the evaluations run by this call.
        """
        from shac_core.engine._fit import run_fit

        return run_fit(
            self,
            fn,
            skip_cv_checks=skip_cv_checks,
            early_stop=early_stop,
            relax_checks=relax_checks,
            callbacks=callbacks,
            progress=progress,
            raise_on_failure=raise_on_failure,
        )

    # -- fit_dataset -------------------------------------------------------------------

    def fit_dataset(
        self,
        path: str | os.PathLike[str],
        presort: bool = True,
        skip_cv_checks: bool = False,
        early_stop: bool = False,
    ) -> None:
        """Train the cascade from a CSV of earlier evaluations instead of running ``fn``.

        The CSV has PySHAC's columns: ``id``, one column per hyperparameter (``name_1
        ... name_k`` for multi ones) and ``scores``. Its rows are cut into windows of
        :attr:`per_classifier_budget` rows, each training one classifier; windows may
        span several epochs. The rows become this engine's dataset.

        Args:
            path: The CSV file.
            presort: Sort rows from worst to best score first, so that later
                windows, like later epochs of a live run, hold the better rows.
            skip_cv_checks: As for :meth:`fit`.
            early_stop: Stop at the first window without an acceptable classifier.

        Raises:
            SaveDirectoryError: If the file is missing or malformed, naming the line.
        """
        from shac_core.engine._fit import run_fit_dataset

        run_fit_dataset(
            self,
            path,
            presort=presort,
            skip_cv_checks=skip_cv_checks,
            early_stop=early_stop,
        )

    # -- predict -----------------------------------------------------------------------

    def predict(
        self,
        num_samples: int | None = None,
        num_batches: int | None = None,
        num_workers_per_batch: int | None = None,
        relax_checks: bool = False,
        max_classifiers: int | None = None,
    ) -> list[OrderedDict[str, Any]]:
        """Draw distinct configurations that pass the trained cascade.

        Args:
            num_samples: How many configurations.
            num_batches: Add this many batches of ``num_workers`` configurations.
            num_workers_per_batch: Generators to use; defaults to
                ``num_parallel_generators``.
            relax_checks: Let candidates fail some classifiers when too few pass all.
            max_classifiers: Use only the first this many classifiers.

        Returns:
            The configurations, name to value. With no counts given, one.

        Raises:
            ValueError: If ``max_classifiers`` exceeds the classifiers trained.
        """
        max_classifiers = check_optional_int("max_classifiers", max_classifiers, 0)
        check_optional_int("num_workers_per_batch", num_workers_per_batch, 1)
        if max_classifiers is not None and max_classifiers > len(self.cascade):
            msg = (
                f"`max_classifiers` must be between 0 and the {len(self.cascade)} "
                f"classifiers trained, got {max_classifiers}."
            )
            raise ValueError(msg)
        check_optional_int("num_samples", num_samples, 0)
        check_optional_int("num_batches", num_batches, 0)
        if self._blank:
            msg = "This engine has no search space yet; call `restore_data()` first."
            raise SaveDirectoryError(msg)

        count = (num_samples or 0) + (num_batches or 0) * self._batch_size
        if num_samples is None and num_batches is None:
            count = 1
        if count == 0:
            return []

        self._predict_calls += 1
        matrix = draw_candidates(
            self._space,
            self.cascade,
            (self._seed, _PREDICT, self._predict_calls),
            count,
            relax_checks=relax_checks,
            limit=max_classifiers,
            n_jobs=num_workers_per_batch or self._num_parallel_generators,
            backend=self._generator_backend,
            max_chunk=(1 << 13) if self._limit_memory else None,
        )
        return self._space.decode(matrix)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(total_budget={self._total_budget}, "
            f"num_batches={self._num_batches}, objective={self._objective!r}, "
            f"evaluations={len(self._records)}, classifiers={len(self.cascade)})"
        )


def _require_two_arguments(fn: Callable[..., Any]) -> None:
    """Reject, before anything runs, a function that cannot take two arguments.

    ``run_fit`` has already checked that ``fn`` is callable.
    """
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):  # some builtins have none; let the call tell
        return
    try:
        signature.bind(0, {})
    except TypeError:
        msg = (
            "`fn` must be callable as fn(worker_id, params), but "
            f"{getattr(fn, '__name__', fn)!r} has the signature {signature}."
        )
        raise TypeError(msg) from None
