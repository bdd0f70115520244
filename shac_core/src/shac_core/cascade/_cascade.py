"""Filtering candidate matrices through the cascade, and drawing until enough pass.

This is the engine's hot path: passing ``k`` classifiers takes about ``2**k`` draws.
Candidates are drawn as whole matrices, each classifier predicts a whole batch with
XGBoost's in-place prediction, the classifier that rejects most goes first, and a
row leaves the batch at the first rejection. Draws come in fixed-size chunks, chunk
``j`` from its own seeded stream, and accepted rows are taken in chunk order, so the
result depends only on the seed key, never on how many generators ran.
"""

from __future__ import annotations

import logging
import math
import os
from typing import TYPE_CHECKING
from typing import Any
import warnings

import joblib
import numpy as np

from shac_core._errors import CascadeExhaustedError
from shac_core._errors import ShacWarning


if TYPE_CHECKING:
    from collections.abc import Sequence

    import numpy.typing as npt
    import xgboost as xgb

    from shac_core.space import HyperParameterList


__all__ = ["Cascade", "draw_candidates"]

_logger = logging.getLogger(__name__)

MIN_CHUNK = 1024
MAX_CHUNK = 1 << 16
MIN_PHASE_DRAWS = 1 << 15


class Cascade:
    """An ordered list of trained classifiers that candidates must all pass.

    Args:
        boosters: The classifiers, in the order they were trained.
        pass_rates: For each classifier, the share of prior draws it accepts; the
            filter asks the most selective first. Defaults to 0.5 each.
    """

    def __init__(
        self,
        boosters: Sequence[xgb.Booster] = (),
        pass_rates: Sequence[float] | None = None,
    ) -> None:
        self.boosters: list[xgb.Booster] = list(boosters)
        rates = list(pass_rates) if pass_rates is not None else [0.5] * len(boosters)
        self.pass_rates: list[float] = rates

    def __len__(self) -> int:
        return len(self.boosters)

    def append(self, booster: xgb.Booster, pass_rate: float) -> None:
        """Add a newly trained classifier."""
        self.boosters.append(booster)
        self.pass_rates.append(pass_rate)

    def set_threads(self, nthread: int) -> None:
        """Set how many threads each classifier's prediction may use."""
        for booster in self.boosters:
            booster.set_param({"nthread": nthread})

    def accepts(
        self,
        matrix: npt.NDArray[np.float64],
        relax: int = 0,
        limit: int | None = None,
    ) -> npt.NDArray[np.bool_]:
        """Return which rows pass the cascade.

        Args:
            matrix: Encoded candidates, one row each.
            relax: How many classifiers a row may fail and still pass.
            limit: Use only the first ``limit`` classifiers trained.

        Returns:
            A boolean mask over the rows.
        """
        count = len(self.boosters) if limit is None else limit
        order = sorted(range(count), key=lambda i: self.pass_rates[i])
        alive = np.arange(matrix.shape[0])
        fails = np.zeros(matrix.shape[0], np.int32)
        for i in order:
            if alive.size == 0:
                break

            passed = self.boosters[i].inplace_predict(matrix[alive]) > 0.5
            if relax == 0:
                alive = alive[passed]
            else:
                fails[alive[~passed]] += 1
                alive = alive[fails[alive] <= relax]

        mask = np.zeros(matrix.shape[0], bool)
        mask[alive] = True
        return mask


def _chunk_size(need: int, depth: int) -> int:
    expected = need * (2.0 ** min(depth, 30)) * 2
    return int(min(MAX_CHUNK, max(MIN_CHUNK, 1 << math.ceil(math.log2(expected)))))


def _draw_chunk(
    space: HyperParameterList,
    cascade: Cascade,
    key: tuple[int, ...],
    chunk: int,
    size: int,
    relax: int,
    limit: int | None,
) -> npt.NDArray[np.float64]:
    rng = np.random.default_rng([*key, chunk])
    matrix = space.sample_matrix(rng, size)
    if len(cascade) == 0 or limit == 0:
        return matrix
    return matrix[cascade.accepts(matrix, relax, limit)]


def draw_candidates(
    space: HyperParameterList,
    cascade: Cascade,
    key: Sequence[int],
    need: int,
    *,
    relax_checks: bool = False,
    limit: int | None = None,
    exclude: set[bytes] | None = None,
    n_jobs: int = 1,
    backend: str = "threading",
    stats: dict[str, Any] | None = None,
    max_chunk: int | None = None,
) -> npt.NDArray[np.float64]:
    """Draw ``need`` distinct encoded candidates that pass the cascade.

    Args:
        space: The search space to draw from.
        cascade: The classifiers to pass.
        key: The seed key; the same key always gives the same rows.
        need: How many rows to return.
        relax_checks: When too few rows pass, let rows fail one more classifier at a
            time instead of giving up.
        limit: Use only the first ``limit`` classifiers.
        exclude: Encoded rows (as bytes) to avoid, such as those already evaluated.
        n_jobs: How many chunks to filter at once.
        backend: The joblib backend for ``n_jobs > 1`` (``"threading"``, ``"loky"``).
        stats: If given, receives ``draws`` and ``relax``.
        max_chunk: The most rows drawn per chunk, bounding peak memory.

    Returns:
        An ``(need, width)`` matrix.

    Raises:
        CascadeExhaustedError: If no relaxation is allowed and far too few rows pass.
    """
    key = tuple(int(k) for k in key)
    depth = len(cascade) if limit is None else limit
    size = min(_chunk_size(need, depth), max_chunk or MAX_CHUNK)
    phase_budget = max(MIN_PHASE_DRAWS, need * (2 ** min(depth, 24)) * 16)
    seen = set(exclude or ())
    unique = True
    relax = 0
    accepted: list[npt.NDArray[np.float64]] = []
    got = 0
    chunk = 0
    phase_draws = 0
    warned = False
    # OpenMP threads only pay off on big chunks; on small ones they spin and contend.
    big = size >= (1 << 14)
    cascade.set_threads(max(1, (os.cpu_count() or 1) // max(1, n_jobs)) if big else 1)
    parallel = joblib.Parallel(n_jobs=n_jobs, backend=backend) if n_jobs > 1 else None

    while got < need:
        # Launch only as many chunks as are likely needed, so small draws stay cheap.
        rate = max(2.0 ** -min(depth, 30), 1e-9)
        wanted = math.ceil((need - got) / max(size * rate, 1e-9))
        width = max(1, min(n_jobs, wanted))
        chunks = range(chunk, chunk + width)
        args = (space, cascade, key)
        if parallel is None or width == 1:
            results = [_draw_chunk(*args, j, size, relax, limit) for j in chunks]
        else:
            jobs = (
                joblib.delayed(_draw_chunk)(*args, j, size, relax, limit)
                for j in chunks
            )
            results = parallel(jobs)

        for rows in results:
            for row in rows:
                if got >= need:
                    break
                token = row.tobytes()
                if unique and token in seen:
                    continue
                seen.add(token)
                accepted.append(row)
                got += 1

        chunk += width
        phase_draws += width * size
        if got < need and phase_draws >= phase_budget:
            phase_draws = 0
            if relax_checks and relax < depth:
                relax += 1
                _warn(
                    f"Relaxing the cascade: candidates may now fail {relax} of {depth} classifiers."
                )
            elif unique:
                unique = False
                _logger.info("Too few unseen candidates pass; allowing repeats.")
            elif not warned:
                warned = True
                _warn(
                    f"Only {got} of {need} candidates passed {depth} classifiers in "
                    f"{chunk * size} draws; consider `relax_checks=True`."
                )
            else:
                msg = (
                    f"Only {got} of {need} candidates passed {depth} classifiers in "
                    f"{chunk * size} draws; pass `relax_checks=True` or use fewer "
                    "classifiers (`max_classifiers`)."
                )
                raise CascadeExhaustedError(msg)

    if stats is not None:
        stats["draws"] = chunk * size
        stats["relax"] = relax
    return np.asarray(accepted, np.float64).reshape(need, space.width)


def _warn(message: str) -> None:
    warnings.warn(message, ShacWarning, stacklevel=4)
