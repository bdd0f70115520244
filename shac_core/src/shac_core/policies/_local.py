"""The built-in policies: in the calling thread, in threads, and in loky processes."""

from __future__ import annotations

import abc
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
        queue = iter(enumerate(items))
        free = list(range(self.n_workers - 1, -1, -1))
        pending: dict[Future[Any], tuple[int, int]] = {}
        try:
            while True:
                while free:
                    nxt = next(queue, None)
                    if nxt is None:
                        break
                    slot = free.pop()
                    pending[self._submit(task, nxt[1], slot)] = (nxt[0], slot)

                if not pending:
                    return

                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in sorted(done, key=lambda f: pending[f][0]):
                    position, slot = pending.pop(future)
                    free.append(slot)
                    try:
                        result: Any = future.result()
                    except Exception as err:  # noqa: BLE001 - reported, not raised
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
    with cloudpickle. A worker that dies (a segfault, the out-of-memory killer) costs
    the items it was running, which are reported as failed; a new pool takes over.

    Args:
        n_workers: How many processes run at once.
        timeout: Seconds an idle worker waits before exiting.
    """

    name = "loky"

    def __init__(self, n_workers: int | None = None, timeout: float = 300.0) -> None:
        super().__init__(n_workers)
        self.timeout = timeout

    def _executor(self) -> Executor:
        executor: Executor = loky.get_reusable_executor(
            max_workers=self.n_workers, timeout=self.timeout
        )
        return executor

    def _reset(self) -> None:
        loky.get_reusable_executor(
            max_workers=self.n_workers, timeout=self.timeout, kill_workers=True
        )
