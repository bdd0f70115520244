"""The built-in policies: in the calling thread, in threads, and in loky processes."""

from __future__ import annotations

import abc
import collections
from concurrent.futures import FIRST_COMPLETED
from concurrent.futures import Executor
from concurrent.futures import Future
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import wait
import logging
from typing import TYPE_CHECKING
from typing import Any
from typing import TypeVar
from typing import final

import loky

from shac_core._validation import check_int
from shac_core.policies._base import BasePolicy
from shac_core.policies._base import PolicyFailure


if TYPE_CHECKING:
    from collections.abc import Callable
    from collections.abc import Iterator
    from collections.abc import Sequence


__all__ = ["LokyPolicy", "SequentialPolicy", "ThreadingPolicy"]

_logger = logging.getLogger(__name__)
_T = TypeVar("_T")
_R = TypeVar("_R")


@final
class SequentialPolicy(BasePolicy):
    """Run every item in the calling thread, one after another; handy for debugging."""

    name = "sequential"

    def imap_unordered(
        self, task: Callable[[_T, int], _R], items: Sequence[_T]
    ) -> Iterator[tuple[int, _R | PolicyFailure]]:
        """Run the items in order with worker id 0."""
        for position, item in enumerate(items):
            yield position, task(item, 0)


class _FuturesPolicy(BasePolicy):
    """Keep at most ``n_workers`` items in flight on a futures executor."""

    #: How often an item lost to a broken pool is run again before it counts as
    #: failed; errors raised by the task itself are never retried.
    retries = 0

    @abc.abstractmethod
    def _executor(self) -> Executor:
        """Return the executor to submit to, creating it if needed."""

    def _lost(self, error: BaseException) -> PolicyFailure:
        msg = f"The worker running this evaluation was lost: {error!r}."
        return PolicyFailure(msg)

    def imap_unordered(
        self, task: Callable[[_T, int], _R], items: Sequence[_T]
    ) -> Iterator[tuple[int, _R | PolicyFailure]]:
        """Run the items with at most ``n_workers`` in flight; yield as each finishes."""
        queue = collections.deque(range(len(items)))
        attempts = [0] * len(items)
        free = list(range(self.n_workers - 1, -1, -1))
        pending: dict[Future[Any], tuple[int, int]] = {}
        try:
            while True:
                while free and queue:
                    position = queue.popleft()
                    slot = free.pop()
                    pending[self._submit(task, items[position], slot)] = (
                        position,
                        slot,
                    )

                if not pending:
                    return

                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in sorted(done, key=lambda f: pending[f][0]):
                    position, slot = pending.pop(future)
                    free.append(slot)
                    try:
                        result: Any = future.result()
                    except Exception as err:  # noqa: BLE001 - reported, not raised
                        if attempts[position] < self.retries:
                            # A dying worker takes its pool's other items along.
                            attempts[position] += 1
                            _logger.warning(
                                "Item %d was lost (%r); retrying.", position, err
                            )
                            queue.appendleft(position)
                            continue
                        result = self._lost(err)
                    yield position, result
        finally:
            for future in pending:
                future.cancel()

    def _submit(
        self, task: Callable[[_T, int], _R], item: _T, slot: int
    ) -> Future[Any]:
        try:
            return self._executor().submit(task, item, slot)
        except RuntimeError:
            # A crashed worker breaks the pool; the next call makes a fresh one.
            _logger.warning("The worker pool was broken; starting a new one.")
            self._reset()
            return self._executor().submit(task, item, slot)

    def _reset(self) -> None:
        """Forget a broken executor."""


@final
class ThreadingPolicy(_FuturesPolicy):
    """Run items in threads of this process.

    Best when the function releases the GIL (NumPy, XGBoost, most deep-learning
    frameworks) or waits on I/O; with one worker, items run strictly in order.
    """

    name = "threading"

    def __init__(self, n_workers: int | None = None) -> None:
        super().__init__(n_workers)
        self._pool: ThreadPoolExecutor | None = None

    def _executor(self) -> Executor:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(
                self.n_workers, thread_name_prefix="shac-eval"
            )
        return self._pool

    def close(self) -> None:
        """Shut the threads down."""
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None


@final
class LokyPolicy(_FuturesPolicy):
    """Run items in loky worker processes, the default.

    Workers are reused across batches and runs, so their start-up is paid once.
    Functions defined in ``__main__``, lambdas and closures work, as loky sends them
    with cloudpickle. A worker that dies (a segfault, the out-of-memory killer)
    breaks the pool and takes every running item along; a new pool takes over and
    each lost item runs again, up to ``retries`` times, before it counts as failed.

    Args:
        n_workers: How many processes run at once.
        timeout: Seconds an idle worker waits before exiting.
        retries: How often an item lost with its worker is run again.
    """

    name = "loky"

    def __init__(
        self, n_workers: int | None = None, timeout: float = 300.0, retries: int = 1
    ) -> None:
        super().__init__(n_workers)
        self.timeout = timeout
        self.retries = check_int("retries", retries, 0)

    def _executor(self) -> Executor:
        executor: Executor = loky.get_reusable_executor(
            max_workers=self.n_workers, timeout=self.timeout
        )
        return executor

    def _reset(self) -> None:
        loky.get_reusable_executor(
            max_workers=self.n_workers, timeout=self.timeout, kill_workers=True
        )
