"""The save directory: search space, dataset, classifiers and engine state."""

from __future__ import annotations

from shac_core.storage._store import FORMAT_VERSION
from shac_core.storage._store import EvaluationRecord
from shac_core.storage._store import SaveDirectory
from shac_core.storage._store import read_dataset_csv


__all__ = ["FORMAT_VERSION", "EvaluationRecord", "SaveDirectory", "read_dataset_csv"]
