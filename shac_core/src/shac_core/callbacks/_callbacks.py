"""The callback protocol and the built-in callbacks.

Callbacks hear about a run from the driver process: the run's start and end, each
epoch, each evaluation, and each change of the dataset on disk. They never run in
worker processes, so they may hold files, sockets and plots.
"""

from __future__ import annotations

import csv
import logging
import math
from pathlib import Path
from typing import TYPE_CHECKING
from typing import Any
from typing import cast


if TYPE_CHECKING:
    from collections.abc import Iterable
    import os


__all__ = ["CSVLogger", "Callback", "CallbackList", "History"]

_logger = logging.getLogger(__name__)


class Callback:
    """Base class of callbacks; override the hooks you need.

    ``engine`` is set before ``on_train_begin``. Each hook receives a ``logs``
    dictionary; the keys are documented on the hook.
    """

    def __init__(self) -> None:
        self.engine: Any = None

    def set_engine(self, engine: Any) -> None:
        """Attach the engine that runs the search."""
        self.engine = engine

    def on_train_begin(self, logs: dict[str, Any]) -> None:
        """Called when ``fit`` starts; logs hold the budget and the batch size."""

    def on_train_end(self, logs: dict[str, Any]) -> None:
        """Called when ``fit`` ends; logs hold ``evaluations`` and ``failures``."""

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any]) -> None:
        """Called before an epoch's batch is evaluated; logs hold ``num_classifiers``."""

    def on_epoch_end(self, epoch: int, logs: dict[str, Any]) -> None:
        """Called after an epoch; logs hold ``num_classifiers`` and ``best_score``."""

    def on_evaluation_begin(self, evaluation_id: int, logs: dict[str, Any]) -> None:
        """Called as an evaluation is handed to the policy; logs hold ``params``."""

    def on_evaluation_ended(self, evaluation_id: int, logs: dict[str, Any]) -> None:
        """Called when an evaluation finished and is on disk.

        Logs hold ``params``, ``score`` (``None`` on failure), ``error``,
        ``traceback`` (of a raised error, else ``None``), ``worker_id`` and
        ``duration`` in seconds.
        """

    def on_dataset_changed(self, logs: dict[str, Any]) -> None:
        """Called after the dataset file changed; logs hold ``path`` and ``size``."""


class CallbackList(Callback):
    """Fans every hook out to several callbacks; a failing callback is logged."""

    def __init__(self, callbacks: Iterable[Callback] = ()) -> None:
        super().__init__()
        items: list[object] = list(callbacks)
        for cb in items:
            if not isinstance(cb, Callback):
                msg = f"Each callback must be a shac_core.Callback, got {cb!r}."
                raise TypeError(msg)
        self.callbacks = cast("list[Callback]", items)

    def _call(self, hook: str, *args: Any) -> None:
        for cb in self.callbacks:
            getattr(cb, hook)(*args)

    def set_engine(self, engine: Any) -> None:
        """Attach the engine to every callback."""
        self._call("set_engine", engine)

    def on_train_begin(self, logs: dict[str, Any]) -> None:
        self._call("on_train_begin", logs)

    def on_train_end(self, logs: dict[str, Any]) -> None:
        self._call("on_train_end", logs)

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any]) -> None:
        self._call("on_epoch_begin", epoch, logs)

    def on_epoch_end(self, epoch: int, logs: dict[str, Any]) -> None:
        self._call("on_epoch_end", epoch, logs)

    def on_evaluation_begin(self, evaluation_id: int, logs: dict[str, Any]) -> None:
        self._call("on_evaluation_begin", evaluation_id, logs)

    def on_evaluation_ended(self, evaluation_id: int, logs: dict[str, Any]) -> None:
        self._call("on_evaluation_ended", evaluation_id, logs)

    def on_dataset_changed(self, logs: dict[str, Any]) -> None:
        self._call("on_dataset_changed", logs)


class History(Callback):
    """Records every evaluation of a ``fit``; ``fit`` returns one.

    Attributes:
        history: Column name to list of values: ``id``, each hyperparameter name,
            ``score`` and ``error``, one entry per evaluation in the order they ended.
    """

    def __init__(self) -> None:
        super().__init__()
        self.history: dict[str, list[Any]] = {}
        self.epochs: list[dict[str, Any]] = []

    def on_evaluation_ended(self, evaluation_id: int, logs: dict[str, Any]) -> None:
        """Append the evaluation to :attr:`history`."""
        row = {"id": evaluation_id, **logs["params"], "score": logs["score"]}
        row["error"] = logs.get("error")
        for key, value in row.items():
            self.history.setdefault(key, []).append(value)

    def on_epoch_end(self, epoch: int, logs: dict[str, Any]) -> None:
        """Keep the epoch's summary in :attr:`epochs`."""
        self.epochs.append({"epoch": epoch, **logs})

    def __len__(self) -> int:
        return len(self.history.get("id", []))

    def best(self, objective: str = "max") -> dict[str, Any] | None:
        """Return the best successful evaluation as a row, or ``None`` if none succeeded."""
        scores = self.history.get("score", [])
        ok = [i for i, s in enumerate(scores) if s is not None and math.isfinite(s)]
        if not ok:
            return None
        pick = max if objective == "max" else min
        best = pick(ok, key=lambda i: scores[i])
        return {key: values[best] for key, values in self.history.items()}


class CSVLogger(Callback):
    """Write one CSV row per finished evaluation, flushed as it ends.

    Args:
        filename: Where to write.
        append: Add to an existing file instead of starting a new one.
    """

    def __init__(self, filename: str | os.PathLike[str], append: bool = False) -> None:
        super().__init__()
        self.path = Path(filename)
        self.append = append
        self._handle: Any = None
        self._writer: Any = None

    def on_train_begin(self, logs: dict[str, Any]) -> None:
        """Open the file."""
        exists = self.path.exists() and self.path.stat().st_size > 0
        self._handle = open(  # noqa: SIM115 - closed in on_train_end
            self.path, "a" if self.append else "w", encoding="utf-8", newline=""
        )
        self._writer = None
        self._skip_header = self.append and exists

    def on_evaluation_ended(self, evaluation_id: int, logs: dict[str, Any]) -> None:
        """Write the evaluation's row."""
        if self._handle is None:
            return
        row = {
            "id": evaluation_id,
            **logs["params"],
            "score": logs["score"],
            "error": logs.get("error") or "",
            "worker_id": logs.get("worker_id"),
            "duration": logs.get("duration"),
        }
        if self._writer is None:
            self._writer = csv.DictWriter(self._handle, fieldnames=list(row))
            if not self._skip_header:
                self._writer.writeheader()
        self._writer.writerow(row)
        self._handle.flush()

    def on_train_end(self, logs: dict[str, Any]) -> None:
        """Close the file."""
        if self._handle is not None:
            self._handle.close()
            self._handle = None
