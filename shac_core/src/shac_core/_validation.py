"""Argument checks shared across shac, so that every message reads the same way."""

from __future__ import annotations

import numbers
import operator


__all__ = ["check_int", "check_optional_int"]


def _as_int(value: object) -> int | None:
    # NumPy integers count; booleans, though integers to Python, do not.
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        return None
    return operator.index(value)


def check_int(arg: str, value: object, minimum: int) -> int:
    """Return ``value`` as an int if it is an integer of at least ``minimum``.

    Raises:
        ValueError: Naming the argument, the rule and the value received.
    """
    number = _as_int(value)
    if number is None or number < minimum:
        msg = f"`{arg}` must be an integer of at least {minimum}, got {value!r}."
        raise ValueError(msg)
    return number


def check_optional_int(arg: str, value: object, minimum: int) -> int | None:
    """Like :func:`check_int`, but ``None`` passes through."""
    if value is None:
        return None
    number = _as_int(value)
    if number is None or number < minimum:
        msg = (
            f"`{arg}` must be an integer of at least {minimum} or None, got {value!r}."
        )
        raise ValueError(msg)
    return number
