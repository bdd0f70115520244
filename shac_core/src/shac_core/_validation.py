"""Argument checks shared across shac, so that every message reads the same way."""

from __future__ import annotations


__all__ = ["check_int", "check_optional_int"]


def check_int(arg: str, value: object, minimum: int) -> int:
    """Return ``value`` if it is an integer (not a bool) of at least ``minimum``.

    Raises:
        ValueError: Naming the argument, the rule and the value received.
    """
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        msg = f"`{arg}` must be an integer of at least {minimum}, got {value!r}."
        raise ValueError(msg)
    return value


def check_optional_int(arg: str, value: object, minimum: int) -> int | None:
    """Like :func:`check_int`, but ``None`` passes through."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        msg = (
            f"`{arg}` must be an integer of at least {minimum} or None, got {value!r}."
        )
        raise ValueError(msg)
    return value
