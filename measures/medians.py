"""Median measures: a month's cases as a histogram, and the exact median of one or many of them.

A median does not add up across teams the way a proportion's numerator and denominator do, so a team's
month keeps what a median needs, which is how many cases took each whole value (`Observation.cases`,
stored as ``{"value": count}``). A team's median is the middle of its cases; an aggregate's median is
the middle of every cohort team's cases together, never a sum or a median of the teams' medians.

The median of whole numbers is whole or halfway between two: the engine takes it as an exact
(numerator, denominator) pair, (7, 2) for 3½.
"""

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from fractions import Fraction

Histogram = dict[int, int]
Pair = tuple[int, int]

# One month of one team: more cases than this is not a month of home visiting referrals or visits.
MAX_CASES = 100_000
MAX_CASE_VALUE = 2_147_483_647
_SEPARATORS = re.compile(r"[\s,;]+")


def parse(text: str) -> Histogram:
    """Case values typed as whole numbers separated by commas, spaces or new lines, e.g. "2, 0, 5".

    Raises ValueError with a sentence for the person who typed them."""
    tokens = [t for t in _SEPARATORS.split(text.strip()) if t]
    if len(tokens) > MAX_CASES:
        raise ValueError(f"Give at most {MAX_CASES:,} cases for one month.")
    bad = [t for t in tokens if not t.isascii() or not t.isdigit()]
    if bad:
        raise ValueError(
            f"Each case's value must be a whole number, 0 or more; “{bad[0][:20]}” is not. "
            "Separate the values with commas or spaces."
        )
    values = [int(t) for t in tokens]
    if values and max(values) > MAX_CASE_VALUE:
        raise ValueError(f"A case's value can be at most {MAX_CASE_VALUE:,}.")
    return dict(Counter(values))


def from_stored(stored: Mapping[str, int] | None) -> Histogram | None:
    """The histogram as stored in JSON (keys are strings), or None."""
    if stored is None:
        return None
    return {int(value): int(count) for value, count in stored.items()}


def to_stored(histogram: Mapping[int, int]) -> dict[str, int]:
    """For the JSON column: values as strings, ascending, zero counts dropped."""
    return {str(value): histogram[value] for value in sorted(histogram) if histogram[value]}


def problem(histogram: object) -> str | None:
    """What is wrong with a histogram given to the service, if anything."""
    if not isinstance(histogram, Mapping):
        return "Give the cases as how many took each whole value."
    for value, count in histogram.items():
        for number in (value, count):
            if isinstance(number, bool) or not isinstance(number, int) or number < 0:
                return "Each case's value must be a whole number, 0 or more."
        if value > MAX_CASE_VALUE:
            return f"A case's value can be at most {MAX_CASE_VALUE:,}."
    if sum(histogram.values()) > MAX_CASES:
        return f"Give at most {MAX_CASES:,} cases for one month."
    return None


def size(histogram: Mapping[int, int] | None) -> int:
    return sum(histogram.values()) if histogram else 0


def merge(histograms: Iterable[Mapping[int, int] | None]) -> Histogram:
    total: Counter[int] = Counter()
    for histogram in histograms:
        if histogram:
            total.update(histogram)
    return dict(total)


def median(histogram: Mapping[int, int] | None) -> Fraction | None:
    """The middle value, or the mean of the two middle values; None when there are no cases."""
    n = size(histogram)
    if not histogram or n == 0:
        return None
    # 0-based ranks of the middle value(s) in the sorted cases.
    low, high = (n - 1) // 2, n // 2
    found: dict[int, int] = {}
    seen = 0
    for value in sorted(histogram):
        count = histogram[value]
        for rank in (low, high):
            if rank not in found and seen <= rank < seen + count:
                found[rank] = value
        seen += count
        if high in found:
            break
    return Fraction(found[low] + found[high], 2)


def median_pair(histogram: Mapping[int, int] | None) -> Pair | None:
    """`median` as the engine's exact (numerator, denominator) pair."""
    value = median(histogram)
    return None if value is None else (value.numerator, value.denominator)


def expanded(histogram: Mapping[int, int] | None) -> str:
    """The cases as a person types them, ascending: "0, 2, 2, 5"."""
    if not histogram:
        return ""
    return ", ".join(str(value) for value in sorted(histogram) for _ in range(histogram[value]))
