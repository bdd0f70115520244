"""The contract every evaluation policy keeps.

A policy decides *where* evaluations run: in the calling thread, in threads, in
loky worker processes, on a Dask cluster, or anywhere a plugin chooses. It knows
nothing of search spaces or classifiers: the engine hands it a picklable task and a
list of items, and the policy yields each result as soon as it is ready.
"""

from __future__ import annotations

import abc
import os
from typing import TYPE_CHECKING
from typing import Any
from typing import ClassVar
from typing import TypeVar

from shac_core._errors import ShacError
from shac_core._validation import check_optional_int


if TYPE_CHECKING:
    from collections.abc import Callable
    from collections.abc import Iterator
    from collections.abc import Sequence
    from types import TracebackType

    from typing_extensions import Self


__all__ = ["BasePolicy", "PolicyFailure", "default_workers"]

_T = TypeVar("_T")
_R = TypeVar("_R")


def default_workers(batch_size: int) -> int:
    """Return the default worker count: one per core, never more than one batch."""
    return max(1, min(batch_size, os.cpu_count() or 1))


class PolicyFailure(ShacError, RuntimeError):
    """An item could not be run because the infrastructure failed, not the task.

    A policy yields an instance in place of a result, for example when the worker
    process running the item died, so that the engine records that one item as failed
    and the run goes on.
    """

    __module__ = "shac_core"


class BasePolicy(abc.ABC):
    """Base class of evaluation policies.

    Subclasses implement :meth:`imap_unordered`. They are registered under a name
    through the ``shac_register_policies`` hook, and engines create them with the
    number of workers as the only argument; options beyond that go to the
    constructor of an instance the user passes to ``evaluator_backend`` directly.

    Args:
        n_workers: How many items may run at once; ``None`` lets the policy decide.
    """

    #: The name the policy is registered under.
    name: ClassVar[str] = ""

    def __init__(self, n_workers: int | None = None) -> None:
        self.n_workers = check_optional_int("n_workers", n_workers, 1) or 1

    @abc.abstractmethod
    def imap_unordered(
        self, task: Callable[[_T, int], _R], items: Sequence[_T]
    ) -> Iterator[tuple[int, _R | PolicyFailure]]:
        """Run ``task(item, worker_id)`` for every item and yield results as they finish.

        Args:
            task: A picklable callable; it should catch its own errors.
            items: The inputs, one evaluation each.

        Yields:
            ``(position, result)`` pairs, ``position`` being the item's index in
            ``items``. Where the infrastructure lost an item, ``result`` is a
            :class:`PolicyFailure` saying why.

        Note:
            ``worker_id`` lies in ``range(n_workers)`` and no two items running at the
            same time share one, so backends can map it to a GPU. With one worker,
            items run one at a time, in order.
        """

    def close(self) -> None:  # noqa: B027 - optional for subclasses
        """Release what the policy holds; the default holds nothing."""

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(n_workers={self.n_workers})"

    def describe(self) -> dict[str, Any]:
        """Return a short JSON-compatible description, for logs and summaries."""
        return {"policy": self.name or type(self).__name__, "n_workers": self.n_workers}
