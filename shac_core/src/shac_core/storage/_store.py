"""The save directory: versioned, written atomically, and never unpickled.

Layout::

    <save_dir>/
        state.json          engine settings, counters and the cascade's index
        space.json          the search space
        dataset.csv         one row per finished evaluation, appended as each ends
        classifiers/        clf_000.json ... in XGBoost's own JSON model format

JSON files and models are written to a temporary file and renamed over the old one,
so a crash leaves either the old or the new version. The dataset is appended one
whole line per write and synced; a line cut short by a crash is dropped on reading.
"""

from __future__ import annotations

import contextlib
import csv
from dataclasses import dataclass
import io
import json
import logging
import math
import os
from pathlib import Path
import tempfile
from typing import TYPE_CHECKING
from typing import Any

import xgboost as xgb

from shac_core._errors import SaveDirectoryError
from shac_core._errors import SearchSpaceError
from shac_core.cascade import Cascade
from shac_core.space import HyperParameterList


if TYPE_CHECKING:
    from collections import OrderedDict
    from collections.abc import Sequence


__all__ = ["FORMAT_VERSION", "EvaluationRecord", "SaveDirectory", "read_dataset_csv"]

_logger = logging.getLogger(__name__)

#: The save-directory format this version of shac writes and reads.
FORMAT_VERSION = 1
SCORE_COLUMN = "scores"
ERROR_COLUMN = "error"


@dataclass(frozen=True)
class EvaluationRecord:
    """One finished evaluation: its position in the run, configuration and outcome.

    Attributes:
        id: The position in the run, from 0; it fixes which configuration was drawn.
        params: The configuration, name to value, in search-space order.
        score: The number the function returned, or ``None`` if it failed.
        error: Why the evaluation failed, or ``None``.
    """

    id: int
    params: OrderedDict[str, Any]
    score: float | None
    error: str | None = None

    @property
    def ok(self) -> bool:
        """Whether the evaluation produced a usable score."""
        return self.error is None and self.score is not None


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _csv_line(cells: Sequence[str]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(cells)
    return buffer.getvalue()


class SaveDirectory:
    """Reads and writes one search's save directory.

    Args:
        path: The directory; it is created on the first write.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)

    @property
    def state_file(self) -> Path:
        """The engine state document."""
        return self.path / "state.json"

    @property
    def space_file(self) -> Path:
        """The search-space document."""
        return self.path / "space.json"

    @property
    def dataset_file(self) -> Path:
        """The dataset CSV."""
        return self.path / "dataset.csv"

    @property
    def classifier_dir(self) -> Path:
        """The folder of classifier models."""
        return self.path / "classifiers"

    def exists(self) -> bool:
        """Whether a search was saved here."""
        return self.state_file.is_file()

    # -- JSON documents ---------------------------------------------------------

    def _read_json(self, path: Path) -> Any:
        if not path.is_file():
            msg = (
                f"{path} is missing, so {self.path} holds no complete saved search; "
                "check the `save_dir` you passed."
            )
            raise SaveDirectoryError(msg)
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as err:
            msg = f"{path} is damaged and cannot be read as JSON: {err}."
            raise SaveDirectoryError(msg) from err

    def write_state(self, state: dict[str, Any]) -> None:
        """Replace the state document atomically."""
        document = {"format_version": FORMAT_VERSION, **state}
        _atomic_write(self.state_file, json.dumps(document, indent=2).encode())

    def read_state(self) -> dict[str, Any]:
        """Return the state document, checking its format version."""
        state = self._read_json(self.state_file)
        version = state.get("format_version") if isinstance(state, dict) else None
        if version != FORMAT_VERSION:
            msg = (
                f"{self.state_file} has format version {version!r}, but this shac reads "
                f"version {FORMAT_VERSION}; use the shac release that wrote it."
            )
            raise SaveDirectoryError(msg)
        return dict(state)

    def write_space(self, space: HyperParameterList) -> None:
        """Write the search space."""
        _atomic_write(self.space_file, json.dumps(space.to_config(), indent=2).encode())

    def read_space(self) -> HyperParameterList:
        """Read the search space back."""
        config = self._read_json(self.space_file)
        try:
            return HyperParameterList.from_config(config)
        except (SearchSpaceError, TypeError, AttributeError, ValueError) as err:
            msg = f"{self.space_file} does not describe a valid search space: {err}"
            raise SaveDirectoryError(msg) from err

    # -- classifiers ------------------------------------------------------------

    def write_classifier(self, index: int, booster: xgb.Booster) -> str:
        """Save one classifier in XGBoost's JSON format and return its file name."""
        name = f"clf_{index:03d}.json"
        raw = booster.save_raw(raw_format="json")
        _atomic_write(self.classifier_dir / name, bytes(raw))
        return name

    def read_cascade(
        self, files: Sequence[str], pass_rates: Sequence[float]
    ) -> Cascade:
        """Load the classifiers named in the state document."""
        if len(files) != len(pass_rates):
            msg = (
                f"{self.state_file} is damaged: it names {len(files)} classifiers but "
                f"{len(pass_rates)} pass rates."
            )
            raise SaveDirectoryError(msg)
        boosters = []
        for name in files:
            path = self.classifier_dir / name
            if not path.is_file():
                msg = f"Classifier file {path} named in {self.state_file} is missing."
                raise SaveDirectoryError(msg)
            raw = path.read_bytes()
            try:
                # XGBoost aborts the process on some malformed input; parse it first.
                json.loads(raw)
                booster = xgb.Booster()
                booster.load_model(bytearray(raw))
            except (ValueError, xgb.core.XGBoostError) as err:
                first = str(err).splitlines()[0] if str(err) else type(err).__name__
                msg = f"Classifier file {path} is damaged: {first}"
                raise SaveDirectoryError(msg) from err
            boosters.append(booster)
        return Cascade(boosters, list(pass_rates))

    # -- dataset ----------------------------------------------------------------

    def start_dataset(self, space: HyperParameterList) -> None:
        """Write the dataset header unless the file already exists."""
        if self.dataset_file.exists():
            return
        header = ["id", *space.column_names, SCORE_COLUMN, ERROR_COLUMN]
        _atomic_write(self.dataset_file, _csv_line(header).encode())

    def append(self, space: HyperParameterList, record: EvaluationRecord) -> None:
        """Append one evaluation as a single synced write."""
        score = "" if record.score is None else repr(float(record.score))
        cells = [
            str(record.id),
            *space.to_cells(record.params),
            score,
            record.error or "",
        ]
        with open(self.dataset_file, "a", encoding="utf-8", newline="") as handle:
            handle.write(_csv_line(cells))
            handle.flush()
            os.fsync(handle.fileno())

    def rewrite_dataset(
        self, space: HyperParameterList, records: Sequence[EvaluationRecord]
    ) -> None:
        """Replace the dataset atomically with exactly these records."""
        header = ["id", *space.column_names, SCORE_COLUMN, ERROR_COLUMN]
        lines = [_csv_line(header)]
        for r in records:
            score = "" if r.score is None else repr(float(r.score))
            lines.append(
                _csv_line([str(r.id), *space.to_cells(r.params), score, r.error or ""])
            )
        _atomic_write(self.dataset_file, "".join(lines).encode())

    def read_dataset(self, space: HyperParameterList) -> list[EvaluationRecord]:
        """Read every complete evaluation back, in file order.

        A last line cut short by a crash is also cut from the file, so that the next
        append starts on a line of its own.
        """
        if not self.dataset_file.exists():
            msg = f"{self.dataset_file} is missing, though {self.state_file} exists."
            raise SaveDirectoryError(msg)
        data = self.dataset_file.read_bytes()
        if data and not data.endswith(b"\n"):
            _atomic_write(self.dataset_file, data[: data.rfind(b"\n") + 1])
            _logger.warning("Cut the incomplete last line off %s.", self.dataset_file)
        return read_dataset_csv(self.dataset_file, space)


def read_dataset_csv(
    path: str | os.PathLike[str], space: HyperParameterList
) -> list[EvaluationRecord]:
    """Read a dataset CSV in PySHAC's format: ``id``, parameter columns, ``scores``.

    The ``id`` and ``error`` columns are optional, extra columns are ignored, and a
    last line cut short by a crash is dropped with a log message. Rows whose score is
    empty, NaN or infinite are returned as failed evaluations.

    Raises:
        SaveDirectoryError: If the file is missing, lacks a column, or a row does not
            parse; the message names the file and line.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        msg = f"Cannot read dataset {path}: {err}."
        raise SaveDirectoryError(msg) from err

    if text and not text.endswith("\n"):
        # An append interrupted by a crash leaves an unterminated last line.
        cut = text.rfind("\n") + 1
        _logger.warning("Dropping the incomplete last line of %s: %r", path, text[cut:])
        text = text[:cut]

    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        msg = f"Dataset {path} is empty; it needs a header row."
        raise SaveDirectoryError(msg)

    header = [h.strip() for h in rows[0]]
    score_col = (
        "score" if "score" in header and SCORE_COLUMN not in header else SCORE_COLUMN
    )
    missing = [c for c in (*space.column_names, score_col) if c not in header]
    if missing:
        msg = (
            f"Dataset {path} lacks the column(s) {', '.join(missing)}; its header is "
            f"{header}. Expected id, {', '.join(space.column_names)}, {SCORE_COLUMN}."
        )
        raise SaveDirectoryError(msg)

    where = [header.index(c) for c in space.column_names]
    score_at = header.index(score_col)
    id_at = header.index("id") if "id" in header else None
    error_at = header.index(ERROR_COLUMN) if ERROR_COLUMN in header else None
    records = []
    for line, row in enumerate(rows[1:], start=2):
        if not row:
            continue
        try:
            params = space.from_cells([row[i] for i in where])
            record_id = int(row[id_at]) if id_at is not None else line - 2
            cell = row[score_at].strip()
            score = float(cell) if cell else math.nan
            error = row[error_at] if error_at is not None and row[error_at] else None
        except (IndexError, ValueError) as err:
            msg = f"Line {line} of dataset {path} does not parse: {err}."
            raise SaveDirectoryError(msg) from err

        if not math.isfinite(score):
            records.append(
                EvaluationRecord(record_id, params, None, error or "no score")
            )
        else:
            records.append(EvaluationRecord(record_id, params, score, error))
    return records
