"""Exact decimal helpers: parsing, half-up rounding and formatting of scores."""

from __future__ import annotations

import functools
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

ZERO = Decimal(0)


def to_decimal(value: object) -> Decimal:
    """Turn a typed value into an exact Decimal; floats go through their shortest repr.

    Raises ValueError for anything that is not a finite number.
    """
    if isinstance(value, bool):
        raise ValueError(f"not a number: {value!r}")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, float):
        result = Decimal(repr(value))
    elif isinstance(value, str):
        text = value.strip().replace("，", ".").replace("．", ".")
        if not text:
            raise ValueError("empty value")
        try:
            result = Decimal(text)
        except InvalidOperation:
            raise ValueError(f"not a number: {value!r}") from None
    else:
        raise ValueError(f"not a number: {value!r}")
    if not result.is_finite():
        raise ValueError(f"not a finite number: {value!r}")
    return result


@functools.lru_cache(maxsize=64)
def quantum(decimals: int) -> Decimal:
    """The Decimal step for ``decimals`` places (2 -> 0.01, 0 -> 1), made once per number of
    places (every score of every result is rounded with it)."""
    return Decimal(1).scaleb(-decimals)


def round_half_up(value: Decimal, decimals: int) -> Decimal:
    """Round half up (away from zero at .5) to ``decimals`` places."""
    return value.quantize(quantum(decimals), rounding=ROUND_HALF_UP)


def round_half_up_int(value: Decimal) -> int:
    """Round half up to an integer."""
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def fmt(value: Decimal | None, decimals: int) -> str | None:
    """Format a score as a decimal string with exactly ``decimals`` places (None stays None)."""
    if value is None:
        return None
    return str(round_half_up(value, decimals))


def canonical(value: Decimal) -> str:
    """A canonical text for storing a typed value: no exponent, no trailing zeros (7.0 -> 7)."""
    normal = value.normalize()
    sign, digits, exponent = normal.as_tuple()
    assert isinstance(exponent, int)
    if exponent > 0:
        normal = normal.quantize(Decimal(1))
    text = format(normal, "f")
    return "0" if text in ("-0", "0") else text
