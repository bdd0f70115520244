"""Hyperparameter types: how each one samples, encodes and round-trips its values.

A hyperparameter turns a random generator into a block of *encoded* columns, the
numbers the cascade's classifiers see, and turns encoded columns back into the
values the user's function receives. The search space (``_space.py``) stacks these
blocks into one candidate matrix; it owns neither sampling nor encoding rules.
"""

from __future__ import annotations

import abc
import json
import math
from typing import TYPE_CHECKING
from typing import Any
from typing import ClassVar
from typing import TypeVar

import numpy as np

from shac_core._errors import SearchSpaceError


if TYPE_CHECKING:
    from collections.abc import Sequence

    import numpy.typing as npt


__all__ = [
    "BaseHyperParameter",
    "DiscreteHyperParameter",
    "IntegerHyperParameter",
    "LogUniformHyperParameter",
    "MultiDiscreteHyperParameter",
    "MultiIntegerHyperParameter",
    "MultiNormalContinuousHyperParameter",
    "MultiUniformContinuousHyperParameter",
    "NormalContinuousHyperParameter",
    "UniformContinuousHyperParameter",
    "get_hyperparameter_class",
    "register_hyperparameter",
]

_H = TypeVar("_H", bound="type[BaseHyperParameter]")
_REGISTRY: dict[str, type[BaseHyperParameter]] = {}
_SCALARS = (type(None), bool, int, float, str)


def register_hyperparameter(cls: _H) -> _H:
    """Register a hyperparameter class so that saved search spaces can restore it.

    The class must set ``type_name``, a string unique among registered classes; it is
    written into ``space.json`` and looked up again by :func:`get_hyperparameter_class`.

    Args:
        cls: A subclass of :class:`BaseHyperParameter`.

    Returns:
        The class itself, so that the function works as a decorator.

    Raises:
        SearchSpaceError: If the class sets no ``type_name`` or another class holds it.
    """
    type_name = getattr(cls, "type_name", None)
    if not isinstance(type_name, str) or not type_name:
        msg = f"A hyperparameter class must set `type_name` to a string, got {cls!r}."
        raise SearchSpaceError(msg)

    other = _REGISTRY.get(type_name)
    if other is not None and other is not cls:
        msg = (
            f"`type_name` {type_name!r} is already registered by {other.__qualname__}; "
            f"give {cls.__qualname__} another `type_name`."
        )
        raise SearchSpaceError(msg)

    _REGISTRY[type_name] = cls
    return cls


def get_hyperparameter_class(type_name: str) -> type[BaseHyperParameter]:
    """Return the registered hyperparameter class for ``type_name``.

    Raises:
        SearchSpaceError: If no class is registered under that name.
    """
    try:
        return _REGISTRY[type_name]
    except KeyError:
        known = ", ".join(sorted(_REGISTRY))
        msg = (
            f"No hyperparameter class is registered as {type_name!r} (known: {known}); "
            "import the module that defines it and decorate the class with "
            "`shac_core.register_hyperparameter` before restoring."
        )
        raise SearchSpaceError(msg) from None


class BaseHyperParameter(abc.ABC):
    """Base class of every hyperparameter type, built-in or custom.

    A subclass sets ``type_name``, implements :meth:`sample_column`, :meth:`encode`,
    :meth:`decode` and :meth:`get_config`, and is registered with
    :func:`register_hyperparameter`. ``sample_count`` above 1 turns any type into a
    *multi* hyperparameter: the user's function receives a list of that many values,
    and the dataset holds the columns ``name_1 ... name_k``.

    Args:
        name: The name the user's function sees; unique within a search space.
        sample_count: How many values are drawn for each configuration.
    """

    type_name: ClassVar[str] = ""

    def __init__(self, name: str, sample_count: int = 1) -> None:
        given: object = name
        if not isinstance(given, str) or not given:
            msg = f"`name` must be a non-empty string, got {given!r}."
            raise SearchSpaceError(msg)

        count: object = sample_count
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            msg = f"`sample_count` of {name!r} must be an integer of at least 1, got {count!r}."
            raise SearchSpaceError(msg)

        self.name = name
        self.sample_count = sample_count

    @property
    def is_multi(self) -> bool:
        """Whether the user's function receives a list of values for this name."""
        return self.sample_count > 1 or self.type_name.startswith("multi_")

    @property
    def column_names(self) -> list[str]:
        """The dataset columns this hyperparameter occupies."""
        if not self.is_multi:
            return [self.name]
        return [f"{self.name}_{i + 1}" for i in range(self.sample_count)]

    def sample(self, rng: np.random.Generator, n: int) -> npt.NDArray[np.float64]:
        """Draw ``n`` encoded rows, shape ``(n, sample_count)``, in one vectorised call."""
        return np.asarray(self.sample_column(rng, (n, self.sample_count)), np.float64)

    @abc.abstractmethod
    def sample_column(
        self, rng: np.random.Generator, shape: tuple[int, int]
    ) -> npt.NDArray[np.float64]:
        """Draw an array of encoded values of the given shape."""

    @abc.abstractmethod
    def encode(self, values: Sequence[Any]) -> npt.NDArray[np.float64]:
        """Encode user-facing values into the numbers the classifiers see."""

    @abc.abstractmethod
    def decode(self, encoded: npt.NDArray[np.float64]) -> list[Any]:
        """Turn encoded numbers back into user-facing values of their exact type."""

    @abc.abstractmethod
    def get_config(self) -> dict[str, Any]:
        """Return the constructor arguments as JSON-compatible values."""

    def to_cell(self, value: Any) -> str:
        """Format one user-facing value for the dataset CSV."""
        return json.dumps(value)

    def from_cell(self, cell: str) -> Any:
        """Parse one dataset CSV cell back into a user-facing value."""
        return json.loads(cell)

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON document that :meth:`from_dict` restores."""
        return {"type": self.type_name, "name": self.name, **self.get_config()}

    @staticmethod
    def from_dict(document: dict[str, Any]) -> BaseHyperParameter:
        """Rebuild a hyperparameter from the document written by :meth:`to_dict`."""
        config = dict(document)
        cls = get_hyperparameter_class(str(config.pop("type", "")))
        return cls(**config)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, BaseHyperParameter):
            return NotImplemented
        return self.to_dict() == other.to_dict()

    def __hash__(self) -> int:
        return hash(json.dumps(self.to_dict(), sort_keys=True))

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({self.name!r}, {args})"


def _finite(owner: str, arg: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.number)):
        msg = f"`{arg}` of {owner!r} must be a real number, got {value!r}."
        raise SearchSpaceError(msg)

    if not math.isfinite(float(value)):
        msg = f"`{arg}` of {owner!r} must be finite, got {value!r}."
        raise SearchSpaceError(msg)

    return float(value)


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def _ordered(owner: str, low: Any, high: Any, holds: bool) -> None:
    if not holds:
        msg = (
            f"`min_value < max_value` must hold for {owner!r}, but got "
            f"min_value={low!r}, max_value={high!r}; swap or widen them."
        )
        raise SearchSpaceError(msg)


def _value_key(value: Any) -> tuple[str, Any]:
    # 0, False, 0.0, None and "0" must stay apart, though Python calls some equal.
    return (type(value).__name__, value)


@register_hyperparameter
class DiscreteHyperParameter(BaseHyperParameter):
    """A choice among a fixed list of values, returned with their exact type.

    Values may be ``None``, booleans, integers, floats or strings, mixed freely;
    ``0``, ``False``, ``None`` and ``"0"`` are four different choices. The classifiers
    see the index of the choice.

    Args:
        name: The name the user's function sees.
        values: The choices, at least one, all distinct.
        sample_count: How many values are drawn for each configuration.

    Example:
        >>> p = DiscreteHyperParameter("act", ["relu", "tanh", None])
        >>> p.decode(p.encode(["tanh", None]))
        ['tanh', None]
    """

    type_name = "discrete"

    def __init__(self, name: str, values: Sequence[Any], sample_count: int = 1) -> None:
        super().__init__(name, sample_count)
        if isinstance(values, (str, bytes, set, frozenset, dict)) or not hasattr(
            values, "__len__"
        ):
            msg = (
                f"`values` of {name!r} must be an ordered list of choices (a set's "
                f"order changes between runs), got {values!r}."
            )
            raise SearchSpaceError(msg)

        values = [v.item() if isinstance(v, np.generic) else v for v in values]
        if not values:
            msg = f"`values` of {name!r} must hold at least one choice, got []."
            raise SearchSpaceError(msg)

        for value in values:
            if not isinstance(value, _SCALARS) or (
                isinstance(value, float) and not math.isfinite(value)
            ):
                msg = (
                    f"Each value of {name!r} must be None, a bool, an int, a finite "
                    f"float or a str, got {value!r}; map other objects through a key."
                )
                raise SearchSpaceError(msg)

        keys = [_value_key(v) for v in values]
        if len(set(keys)) != len(keys):
            pairs = zip(values, keys, strict=True)
            dupes = sorted({repr(v) for v, k in pairs if keys.count(k) > 1})
            msg = f"`values` of {name!r} must be distinct, got repeats: {', '.join(dupes)}."
            raise SearchSpaceError(msg)

        self.values: list[Any] = list(values)
        self._index = {k: i for i, k in enumerate(keys)}
        self._cells = _cell_strings(self.values)
        self._cell_index = {c: i for i, c in enumerate(self._cells)}

    def sample_column(
        self, rng: np.random.Generator, shape: tuple[int, int]
    ) -> npt.NDArray[np.float64]:
        """Draw choice indices uniformly."""
        return rng.integers(0, len(self.values), size=shape).astype(np.float64)

    def encode(self, values: Sequence[Any]) -> npt.NDArray[np.float64]:
        """Return the index of each value among the choices."""
        out = np.empty(len(values), np.float64)
        for i, value in enumerate(values):
            key = _value_key(value.item() if isinstance(value, np.generic) else value)
            if key not in self._index:
                msg = f"{value!r} is not one of the values of {self.name!r}: {self.values!r}."
                raise SearchSpaceError(msg)
            out[i] = self._index[key]
        return out

    def decode(self, encoded: npt.NDArray[np.float64]) -> list[Any]:
        """Return the choice at each index."""
        values = self.values
        return [values[i] for i in np.asarray(encoded).astype(np.int64).tolist()]

    def get_config(self) -> dict[str, Any]:
        """Return the choices and the sample count."""
        return {"values": list(self.values), "sample_count": self.sample_count}

    def to_cell(self, value: Any) -> str:
        """Write a choice so that :meth:`from_cell` recovers it exactly."""
        return self._cells[int(self.encode([value])[0])]

    def from_cell(self, cell: str) -> Any:
        """Read a choice back, also from PySHAC's plain ``str(value)`` spelling."""
        if cell in self._cell_index:
            return self.values[self._cell_index[cell]]

        loose = [i for i, v in enumerate(self.values) if str(v) == cell]
        if len(loose) == 1:
            return self.values[loose[0]]

        msg = f"{cell!r} in column {self.name!r} is none of its values {self.values!r}."
        raise SearchSpaceError(msg)


def _cell_strings(values: list[Any]) -> list[str]:
    # Strings are written bare and the rest as JSON, so PySHAC's CSVs read back;
    # where that would make two choices look alike, every choice is written as JSON.
    plain = [v if isinstance(v, str) else json.dumps(v) for v in values]
    if len(set(plain)) == len(plain):
        return plain
    return [json.dumps(v) for v in values]


class _RangeHyperParameter(BaseHyperParameter):
    """Shared checks and cell format of the bounded numeric types."""

    def __init__(
        self, name: str, min_value: float, max_value: float, sample_count: int = 1
    ) -> None:
        super().__init__(name, sample_count)
        low = _finite(name, "min_value", min_value)
        high = _finite(name, "max_value", max_value)
        _ordered(name, min_value, max_value, low < high)
        # NumPy scalars become Python numbers, so that space.json can hold them.
        self.min_value = _plain(min_value)
        self.max_value = _plain(max_value)

    def to_cell(self, value: Any) -> str:
        """Write a number with every digit needed to read it back exactly."""
        return repr(float(value))

    def from_cell(self, cell: str) -> Any:
        """Read a number back as a float."""
        return float(cell)


@register_hyperparameter
class UniformContinuousHyperParameter(_RangeHyperParameter):
    """A float drawn uniformly from ``[min_value, max_value)``.

    Args:
        name: The name the user's function sees.
        min_value: The lower bound.
        max_value: The upper bound, greater than ``min_value``.
        log_encode: Show the classifiers ``log(value)``, which helps when the range
            spans orders of magnitude; needs ``min_value > 0``.
        sample_count: How many values are drawn for each configuration.
    """

    type_name = "uniform"

    def __init__(
        self,
        name: str,
        min_value: float,
        max_value: float,
        log_encode: bool = False,
        sample_count: int = 1,
    ) -> None:
        super().__init__(name, min_value, max_value, sample_count)
        if log_encode and float(min_value) <= 0:
            msg = (
                f"`log_encode=True` needs `min_value > 0` for {name!r}, got "
                f"min_value={min_value!r}; raise the bound or turn `log_encode` off."
            )
            raise SearchSpaceError(msg)
        self.log_encode = bool(log_encode)

    def sample_column(
        self, rng: np.random.Generator, shape: tuple[int, int]
    ) -> npt.NDArray[np.float64]:
        """Draw uniform values, encoded."""
        values = rng.uniform(float(self.min_value), float(self.max_value), size=shape)
        return np.log(values) if self.log_encode else values

    def encode(self, values: Sequence[Any]) -> npt.NDArray[np.float64]:
        """Return the values, or their logarithms with ``log_encode``."""
        array = np.asarray(values, np.float64)
        return np.log(array) if self.log_encode else array

    def decode(self, encoded: npt.NDArray[np.float64]) -> list[Any]:
        """Return Python floats."""
        array = np.exp(encoded) if self.log_encode else np.asarray(encoded)
        return [float(v) for v in array.tolist()]

    def get_config(self) -> dict[str, Any]:
        """Return the bounds, ``log_encode`` and the sample count."""
        return {
            "min_value": self.min_value,
            "max_value": self.max_value,
            "log_encode": self.log_encode,
            "sample_count": self.sample_count,
        }


@register_hyperparameter
class LogUniformHyperParameter(_RangeHyperParameter):
    """A positive float drawn log-uniformly, as learning rates usually are.

    Args:
        name: The name the user's function sees.
        min_value: The lower bound, above 0.
        max_value: The upper bound, greater than ``min_value``.
        sample_count: How many values are drawn for each configuration.
    """

    type_name = "log_uniform"

    def __init__(
        self, name: str, min_value: float, max_value: float, sample_count: int = 1
    ) -> None:
        super().__init__(name, min_value, max_value, sample_count)
        if float(min_value) <= 0:
            msg = (
                f"`min_value` of log-uniform {name!r} must be above 0, got "
                f"{min_value!r}; use UniformContinuousHyperParameter for ranges "
                "that reach 0."
            )
            raise SearchSpaceError(msg)

    def sample_column(
        self, rng: np.random.Generator, shape: tuple[int, int]
    ) -> npt.NDArray[np.float64]:
        """Draw uniformly in log space."""
        low, high = math.log(float(self.min_value)), math.log(float(self.max_value))
        return rng.uniform(low, high, size=shape)

    def encode(self, values: Sequence[Any]) -> npt.NDArray[np.float64]:
        """Return the logarithms of the values."""
        return np.log(np.asarray(values, np.float64))

    def decode(self, encoded: npt.NDArray[np.float64]) -> list[Any]:
        """Return Python floats, clipped to the bounds against rounding."""
        array = np.clip(np.exp(encoded), float(self.min_value), float(self.max_value))
        return [float(v) for v in array.tolist()]

    def get_config(self) -> dict[str, Any]:
        """Return the bounds and the sample count."""
        return {
            "min_value": self.min_value,
            "max_value": self.max_value,
            "sample_count": self.sample_count,
        }


@register_hyperparameter
class IntegerHyperParameter(_RangeHyperParameter):
    """An integer drawn from ``min_value`` to ``max_value``, both included.

    Args:
        name: The name the user's function sees.
        min_value: The smallest integer.
        max_value: The largest integer, greater than ``min_value``.
        log: Draw log-uniformly (needs ``min_value >= 1``), so that 1 to 10 is as
            likely as 10 to 100.
        sample_count: How many values are drawn for each configuration.
    """

    type_name = "integer"

    def __init__(
        self,
        name: str,
        min_value: int,
        max_value: int,
        log: bool = False,
        sample_count: int = 1,
    ) -> None:
        for arg, value in (("min_value", min_value), ("max_value", max_value)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
                msg = f"`{arg}` of {name!r} must be an integer, got {value!r}."
                raise SearchSpaceError(msg)
        super().__init__(name, int(min_value), int(max_value), sample_count)
        if log and min_value < 1:
            msg = f"`log=True` needs `min_value >= 1` for {name!r}, got {min_value!r}."
            raise SearchSpaceError(msg)
        self.log = bool(log)

    def sample_column(
        self, rng: np.random.Generator, shape: tuple[int, int]
    ) -> npt.NDArray[np.float64]:
        """Draw integers, uniformly or log-uniformly."""
        low, high = int(self.min_value), int(self.max_value)
        if not self.log:
            return rng.integers(low, high, size=shape, endpoint=True).astype(np.float64)

        draws = np.exp(rng.uniform(math.log(low), math.log(high + 1), size=shape))
        return np.clip(np.floor(draws), low, high)

    def encode(self, values: Sequence[Any]) -> npt.NDArray[np.float64]:
        """Return the integers as floats."""
        return np.asarray(values, np.float64)

    def decode(self, encoded: npt.NDArray[np.float64]) -> list[Any]:
        """Return Python ints."""
        return [int(v) for v in np.rint(encoded).astype(np.int64).tolist()]

    def get_config(self) -> dict[str, Any]:
        """Return the bounds, ``log`` and the sample count."""
        return {
            "min_value": self.min_value,
            "max_value": self.max_value,
            "log": self.log,
            "sample_count": self.sample_count,
        }

    def to_cell(self, value: Any) -> str:
        """Write the integer."""
        return str(int(value))

    def from_cell(self, cell: str) -> Any:
        """Read the integer back, also from a float spelling such as ``3.0``."""
        return int(float(cell))


@register_hyperparameter
class NormalContinuousHyperParameter(BaseHyperParameter):
    """A float drawn from a normal distribution.

    Args:
        name: The name the user's function sees.
        mean: The mean.
        std: The standard deviation, above 0.
        sample_count: How many values are drawn for each configuration.
    """

    type_name = "normal"

    def __init__(
        self, name: str, mean: float, std: float, sample_count: int = 1
    ) -> None:
        super().__init__(name, sample_count)
        _finite(name, "mean", mean)
        if _finite(name, "std", std) <= 0:
            msg = f"`std` of {name!r} must be above 0, got {std!r}."
            raise SearchSpaceError(msg)
        self.mean = _plain(mean)
        self.std = _plain(std)

    def sample_column(
        self, rng: np.random.Generator, shape: tuple[int, int]
    ) -> npt.NDArray[np.float64]:
        """Draw normal values."""
        return rng.normal(float(self.mean), float(self.std), size=shape)

    def encode(self, values: Sequence[Any]) -> npt.NDArray[np.float64]:
        """Return the values."""
        return np.asarray(values, np.float64)

    def decode(self, encoded: npt.NDArray[np.float64]) -> list[Any]:
        """Return Python floats."""
        return [float(v) for v in np.asarray(encoded).tolist()]

    def get_config(self) -> dict[str, Any]:
        """Return the mean, the standard deviation and the sample count."""
        return {"mean": self.mean, "std": self.std, "sample_count": self.sample_count}

    def to_cell(self, value: Any) -> str:
        """Write a number with every digit needed to read it back exactly."""
        return repr(float(value))

    def from_cell(self, cell: str) -> Any:
        """Read a number back as a float."""
        return float(cell)


def _require_count(name: str, sample_count: int | None) -> int:
    if sample_count is None:
        msg = f"Multi hyperparameter {name!r} needs `sample_count`, got None."
        raise SearchSpaceError(msg)
    return sample_count


@register_hyperparameter
class MultiDiscreteHyperParameter(DiscreteHyperParameter):
    """``sample_count`` independent choices; the user's function receives a list."""

    type_name = "multi_discrete"

    def __init__(self, name: str, values: Sequence[Any], sample_count: int = 2) -> None:
        super().__init__(name, values, _require_count(name, sample_count))


@register_hyperparameter
class MultiUniformContinuousHyperParameter(UniformContinuousHyperParameter):
    """``sample_count`` independent uniform floats; the function receives a list."""

    type_name = "multi_uniform"

    def __init__(
        self,
        name: str,
        min_value: float,
        max_value: float,
        log_encode: bool = False,
        sample_count: int = 2,
    ) -> None:
        count = _require_count(name, sample_count)
        super().__init__(name, min_value, max_value, log_encode, count)


@register_hyperparameter
class MultiNormalContinuousHyperParameter(NormalContinuousHyperParameter):
    """``sample_count`` independent normal floats; the function receives a list."""

    type_name = "multi_normal"

    def __init__(
        self, name: str, mean: float, std: float, sample_count: int = 2
    ) -> None:
        super().__init__(name, mean, std, _require_count(name, sample_count))


@register_hyperparameter
class MultiIntegerHyperParameter(IntegerHyperParameter):
    """``sample_count`` independent integers; the function receives a list."""

    type_name = "multi_integer"

    def __init__(
        self,
        name: str,
        min_value: int,
        max_value: int,
        log: bool = False,
        sample_count: int = 2,
    ) -> None:
        count = _require_count(name, sample_count)
        super().__init__(name, min_value, max_value, log, count)
