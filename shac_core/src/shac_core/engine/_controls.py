"""The parallelism controls every engine shares, with PySHAC's names."""

from __future__ import annotations

import logging

from shac_core._validation import check_int
from shac_core.plugins import get_policy
from shac_core.policies import BasePolicy
from shac_core.policies import default_workers


__all__ = ["GENERATOR_BACKENDS", "ParallelControls"]

_logger = logging.getLogger(__name__)

#: joblib backends that may filter candidate chunks.
GENERATOR_BACKENDS = ("threading", "loky", "sequential")


class ParallelControls:
    """How many evaluators and generators run, and on which backend.

    Evaluators run the user's function; generators draw candidates through the
    cascade. The defaults: ``min(batch size, cores)`` evaluators on ``loky``
    processes, and one generator on ``threading`` (XGBoost's prediction releases the
    GIL and is itself multi-threaded, so more generators pay off only deep into
    the cascade).
    """

    _batch_size: int

    def _init_controls(self) -> None:
        self._num_parallel_evaluators = default_workers(self._batch_size)
        self._evaluator_backend: str | BasePolicy = "loky"
        self._num_parallel_generators = 1
        self._generator_backend = "threading"
        self._limit_memory = False

    @property
    def num_parallel_evaluators(self) -> int:
        """How many evaluations run at once."""
        return self._num_parallel_evaluators

    @num_parallel_evaluators.setter
    def num_parallel_evaluators(self, value: int | None) -> None:
        if value is None:
            self._num_parallel_evaluators = default_workers(self._batch_size)
            return
        self._num_parallel_evaluators = check_int("num_parallel_evaluators", value, 1)

    def set_num_parallel_evaluators(self, n: int | None) -> None:
        """Set how many evaluations run at once; ``None`` restores the default."""
        self.num_parallel_evaluators = n

    @property
    def evaluator_backend(self) -> str | BasePolicy:
        """The evaluation policy: a registered name or a policy instance."""
        return self._evaluator_backend

    @evaluator_backend.setter
    def evaluator_backend(self, value: str | BasePolicy) -> None:
        given: object = value
        if isinstance(given, BasePolicy):
            self._evaluator_backend = given
            return
        if not isinstance(given, str):
            msg = (
                "`evaluator_backend` must be a policy name such as 'loky' or a "
                f"BasePolicy instance, got {value!r}."
            )
            raise TypeError(msg)
        get_policy(given)  # fail now, listing what is available
        self._evaluator_backend = given

    def concurrent_evaluators(self) -> None:
        """Run evaluations in threads of this process (the ``threading`` policy)."""
        self.evaluator_backend = "threading"

    def parallel_evaluators(self) -> None:
        """Run evaluations in loky worker processes (the ``loky`` policy)."""
        self.evaluator_backend = "loky"

    @property
    def num_parallel_generators(self) -> int:
        """How many candidate chunks are filtered through the cascade at once."""
        return self._num_parallel_generators

    @num_parallel_generators.setter
    def num_parallel_generators(self, value: int | None) -> None:
        self._num_parallel_generators = (
            1 if value is None else check_int("num_parallel_generators", value, 1)
        )

    def set_num_parallel_generators(self, n: int | None) -> None:
        """Set how many generators filter candidates at once; ``None`` means one."""
        self.num_parallel_generators = n

    @property
    def generator_backend(self) -> str:
        """The joblib backend of the generators: threading, loky or sequential."""
        return self._generator_backend

    @generator_backend.setter
    def generator_backend(self, value: str) -> None:
        if value not in GENERATOR_BACKENDS:
            msg = f"`generator_backend` must be one of {GENERATOR_BACKENDS}, got {value!r}."
            raise ValueError(msg)
        self._generator_backend = value

    def concurrent_generators(self) -> None:
        """Filter candidates in threads."""
        self.generator_backend = "threading"

    def parallel_generators(self) -> None:
        """Filter candidates in loky processes."""
        self.generator_backend = "loky"

    @property
    def limit_memory(self) -> bool:
        """Draw candidates in smaller chunks, trading speed for peak memory."""
        return self._limit_memory

    @limit_memory.setter
    def limit_memory(self, value: bool) -> None:
        given: object = value
        if not isinstance(given, bool):
            msg = f"`limit_memory` must be True or False, got {given!r}."
            raise TypeError(msg)
        self._limit_memory = given

    def _make_policy(self) -> BasePolicy:
        backend = self._evaluator_backend
        if isinstance(backend, BasePolicy):
            return backend
        return get_policy(backend)(self._num_parallel_evaluators)
