"""The policy ``inline``: every evaluation in the calling thread, last one first."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING
from typing import TypeVar

from shac_core import BasePolicy


if TYPE_CHECKING:
    from collections.abc import Callable
    from collections.abc import Iterator
    from collections.abc import Sequence

    from shac_core import PolicyFailure


__all__ = ["InlinePolicy"]

_logger = logging.getLogger(__name__)
_T = TypeVar("_T")
_R = TypeVar("_R")


class InlinePolicy(BasePolicy):
    """Run the items one at a time in the calling thread, in reverse order.

    Results come back out of order, as from any parallel policy; the engine matches
    them to their configurations by position.
    """

    name = "inline"

    def imap_unordered(
        self, task: Callable[[_T, int], _R], items: Sequence[_T]
    ) -> Iterator[tuple[int, _R | PolicyFailure]]:
        """Run ``task(item, 0)`` for the items from last to first."""
        for position in reversed(range(len(items))):
            _logger.info("inline: running item %d of %d", position + 1, len(items))
            yield position, task(items[position], 0)
