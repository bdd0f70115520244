"""The search space: an ordered list of hyperparameters and its candidate matrices.

The space stacks each hyperparameter's encoded block into one float matrix, one row
per candidate, so that drawing and filtering thousands of candidates costs a few
vectorised calls. It also turns rows back into the ordered mappings that the user's
function receives, and round-trips itself through JSON.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import TYPE_CHECKING
from typing import Any

import numpy as np

from shac_core._errors import SearchSpaceError
from shac_core.space._params import BaseHyperParameter
from shac_core.space._params import get_hyperparameter_class


if TYPE_CHECKING:
    from collections.abc import Iterable
    from collections.abc import Iterator
    from collections.abc import Mapping
    from collections.abc import Sequence

    import numpy.typing as npt


__all__ = ["HyperParameterList"]


class HyperParameterList:
    """An ordered search space of uniquely named hyperparameters.

    Args:
        parameters: The hyperparameters, in the order the user's function sees them.

    Example:
        >>> from shac_core import DiscreteHyperParameter, IntegerHyperParameter
        >>> space = HyperParameterList(
        ...     [
        ...         DiscreteHyperParameter("act", ["relu", "tanh"]),
        ...         IntegerHyperParameter("n", 1, 4),
        ...     ]
        ... )
        >>> rows = space.sample_matrix(np.random.default_rng(0), 3)
        >>> rows.shape
        (3, 2)
        >>> list(space.decode(rows)[0])
        ['act', 'n']
    """

    def __init__(self, parameters: Iterable[BaseHyperParameter] | None = None) -> None:
        self._params: list[BaseHyperParameter] = []
        self._slices: list[slice] = []
        for param in parameters or ():
            self.add(param)

    def add(self, param: BaseHyperParameter) -> None:
        """Append a hyperparameter.

        Raises:
            SearchSpaceError: If it is not a hyperparameter or its name is taken.
        """
        given: object = param
        if not isinstance(given, BaseHyperParameter):
            msg = (
                "Each search-space entry must be a hyperparameter such as "
                f"DiscreteHyperParameter, got {param!r}."
            )
            raise SearchSpaceError(msg)

        if param.name in self.names:
            msg = f"Hyperparameter names must be unique, got {param.name!r} twice."
            raise SearchSpaceError(msg)

        columns = set(self.column_names)
        clash = [c for c in param.column_names if c in columns]
        if clash:
            msg = (
                f"Dataset column {clash[0]!r} of {param.name!r} is already used by "
                "another hyperparameter; rename one of them."
            )
            raise SearchSpaceError(msg)

        try:
            registered: type | None = get_hyperparameter_class(given.type_name)
        except SearchSpaceError:
            registered = None
        if registered is not type(given):
            msg = (
                f"{type(given).__qualname__} of {given.name!r} is not registered under "
                f"its `type_name` {given.type_name!r}, so a saved search could not "
                "restore it; decorate the class with `shac_core.register_hyperparameter`."
            )
            raise SearchSpaceError(msg)

        start = self.width
        self._params.append(param)
        self._slices.append(slice(start, start + param.sample_count))

    @property
    def parameters(self) -> list[BaseHyperParameter]:
        """The hyperparameters, in order."""
        return list(self._params)

    @property
    def names(self) -> list[str]:
        """The names the user's function sees, in order."""
        return [p.name for p in self._params]

    @property
    def column_names(self) -> list[str]:
        """The dataset columns, in order (``name_1 ... name_k`` for multi ones)."""
        return [c for p in self._params for c in p.column_names]

    @property
    def width(self) -> int:
        """The number of encoded columns in a candidate matrix."""
        return sum(p.sample_count for p in self._params)

    def __len__(self) -> int:
        return len(self._params)

    def __iter__(self) -> Iterator[BaseHyperParameter]:
        return iter(self._params)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, HyperParameterList):
            return NotImplemented
        return self.to_config() == other.to_config()

    def __hash__(self) -> int:
        return hash(tuple(self._params))

    def __repr__(self) -> str:
        return f"HyperParameterList({self._params!r})"

    def sample_matrix(
        self, rng: np.random.Generator, n: int
    ) -> npt.NDArray[np.float64]:
        """Draw ``n`` encoded candidates as an ``(n, width)`` matrix."""
        out = np.empty((n, self.width), np.float64)
        for param, cols in zip(self._params, self._slices, strict=True):
            out[:, cols] = param.sample(rng, n)
        return out

    def sample(self, rng: np.random.Generator | None = None) -> OrderedDict[str, Any]:
        """Draw one configuration, ignoring any cascade."""
        rng = rng if rng is not None else np.random.default_rng()
        return self.decode(self.sample_matrix(rng, 1))[0]

    def decode(self, matrix: npt.NDArray[np.float64]) -> list[OrderedDict[str, Any]]:
        """Turn encoded rows into ordered mappings of name to typed value."""
        matrix = np.atleast_2d(np.asarray(matrix, np.float64))
        columns: list[list[Any]] = []
        for param, cols in zip(self._params, self._slices, strict=True):
            block = [param.decode(matrix[:, c]) for c in range(cols.start, cols.stop)]
            columns.append(
                [list(row) for row in zip(*block, strict=True)]
                if param.is_multi
                else block[0]
            )

        names = self.names
        return [
            OrderedDict(zip(names, row, strict=True))
            for row in zip(*columns, strict=True)
        ]

    def encode(self, configs: Sequence[Mapping[str, Any]]) -> npt.NDArray[np.float64]:
        """Turn configurations (mappings of name to value) into encoded rows.

        Raises:
            SearchSpaceError: If a configuration lacks a name or holds a foreign value.
        """
        out = np.empty((len(configs), self.width), np.float64)
        for param, cols in zip(self._params, self._slices, strict=True):
            try:
                values = [config[param.name] for config in configs]
            except KeyError:
                msg = f"Every configuration must give {param.name!r}, but one does not."
                raise SearchSpaceError(msg) from None

            if param.is_multi:
                for i, value in enumerate(values):
                    if len(value) != param.sample_count:
                        msg = (
                            f"{param.name!r} takes {param.sample_count} values, got "
                            f"{len(value)}: {value!r}."
                        )
                        raise SearchSpaceError(msg)
                    out[i, cols] = param.encode(list(value))
            else:
                out[:, cols.start] = param.encode(values)
        return out

    def to_cells(self, config: Mapping[str, Any]) -> list[str]:
        """Format one configuration as dataset CSV cells, in column order."""
        cells: list[str] = []
        for param in self._params:
            value = config[param.name]
            items = value if param.is_multi else [value]
            cells.extend(param.to_cell(v) for v in items)
        return cells

    def from_cells(self, cells: Sequence[str]) -> OrderedDict[str, Any]:
        """Parse dataset CSV cells, in column order, back into a configuration."""
        config: OrderedDict[str, Any] = OrderedDict()
        for param, cols in zip(self._params, self._slices, strict=True):
            values = [param.from_cell(cells[c]) for c in range(cols.start, cols.stop)]
            config[param.name] = values if param.is_multi else values[0]
        return config

    def to_config(self) -> list[dict[str, Any]]:
        """Return the JSON document that :meth:`from_config` restores."""
        return [p.to_dict() for p in self._params]

    @classmethod
    def from_config(cls, config: Sequence[Mapping[str, Any]]) -> HyperParameterList:
        """Rebuild a search space from the document written by :meth:`to_config`."""
        return cls(BaseHyperParameter.from_dict(dict(entry)) for entry in config)
