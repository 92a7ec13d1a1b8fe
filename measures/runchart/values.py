"""Exact values from the engine's accepted inputs (docs/runchart.md §2, §11)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from numbers import Integral

RawValue = int | Fraction | Decimal | str | tuple[int | None, int | None] | list[int | None] | None


def _refuse(item: object, index: int) -> TypeError:
    return TypeError(
        f"value at index {index} is a {type(item).__name__} ({item!r}); give an int, Fraction, Decimal, "
        "decimal string or (numerator, denominator) pair so that comparisons are exact"
    )


def _integer(item: object, index: int) -> int:
    if isinstance(item, bool) or not isinstance(item, Integral):
        raise _refuse(item, index)
    return int(item)


def exact_value(item: object, index: int) -> Fraction | None:
    """The exact value of one period, or None when the period is missing (§2.1)."""
    if item is None:
        return None
    if isinstance(item, Fraction):
        return item
    if isinstance(item, bool | float):
        # bool is an int subclass: True would silently become 1.
        raise _refuse(item, index)
    if isinstance(item, Integral):
        return Fraction(int(item))
    if isinstance(item, Decimal | str):
        try:
            number = Decimal(item)
        except InvalidOperation:
            raise ValueError(f"value at index {index} is not a decimal number: {item!r}") from None
        if not number.is_finite():
            raise ValueError(f"value at index {index} is not finite: {item!r}")
        return Fraction(number)
    if isinstance(item, tuple | list):
        if len(item) != 2:
            raise ValueError(f"value at index {index} must be a (numerator, denominator) pair: {item!r}")
        num, den = item
        if num is None or den is None:
            return None
        num, den = _integer(num, index), _integer(den, index)
        if den < 0:
            raise ValueError(f"value at index {index} has a negative denominator: {item!r}")
        return None if den == 0 else Fraction(num, den)
    raise _refuse(item, index)


def exact_series(values: Sequence[RawValue]) -> list[Fraction | None]:
    """Every period's exact value, in order; raises TypeError/ValueError naming the first bad index."""
    if isinstance(values, str | bytes):
        raise TypeError("values must be a sequence of periods, not a string")
    return [exact_value(item, index) for index, item in enumerate(values)]


def median(values: Sequence[Fraction]) -> Fraction:
    """R's stats::median on exact values; the caller guarantees at least one value (§3.1)."""
    ordered = sorted(values)
    mid = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[mid]
    return (ordered[mid - 1] + ordered[mid]) / 2


def fraction_text(value: Fraction) -> str:
    return f"{value.numerator}/{value.denominator}"


def fraction_float(value: Fraction) -> float:
    return round(float(value), 12)
