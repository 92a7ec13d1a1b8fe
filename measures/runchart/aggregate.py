"""Collaborative-level helpers: pooling team series and the aim test (spec §8)."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import Literal

from .values import RawValue, exact_series, exact_value, median

Pair = tuple[int, int]
TeamSeries = Sequence[Sequence[tuple[int, int] | None]]


def _valid_pairs(team_series: TeamSeries) -> list[list[Pair]]:
    """Per period, the (num, den) pairs of the teams that reported a valid point (den > 0)."""
    for series in team_series:
        for index, item in enumerate(series):
            if item is not None and not isinstance(item, tuple | list):
                raise TypeError(
                    f"team values must be (numerator, denominator) pairs or None; index {index}: {item!r}"
                )
    lengths = {len(series) for series in team_series}
    if len(lengths) > 1:
        raise ValueError(
            f"every team series must have the same number of periods, got lengths {sorted(lengths)}"
        )
    n_periods = lengths.pop() if lengths else 0
    periods: list[list[Pair]] = [[] for _ in range(n_periods)]
    for series in team_series:
        for index, item in enumerate(series):
            # exact_value validates the pair (ints, den ≥ 0) and refuses floats.
            if exact_value(item, index) is not None and isinstance(item, tuple | list):
                periods[index].append((int(item[0]), int(item[1])))
    return periods


def pool(team_series: TeamSeries) -> list[Pair | None]:
    """§8.1: (Σnum, Σden) per period over teams with den > 0, else None; `analyse` takes the list as is."""
    return [
        (sum(num for num, _ in pairs), sum(den for _, den in pairs)) if pairs else None
        for pairs in _valid_pairs(team_series)
    ]


def median_of_rates(team_series: TeamSeries) -> list[Fraction | None]:
    """§8.1: the median of the reporting teams' exact rates per period, else None."""
    return [
        median([Fraction(num, den) for num, den in pairs]) if pairs else None
        for pairs in _valid_pairs(team_series)
    ]


def n_reporting(team_series: TeamSeries) -> list[int]:
    """§8.1: how many teams reported a valid point (den > 0) in each period."""
    return [len(pairs) for pairs in _valid_pairs(team_series)]


def meets_aim(
    values: Sequence[RawValue],
    target: RawValue,
    direction: Literal["up", "down"],
    window: int = 6,
    min_points: int = 3,
) -> bool | None:
    """§8.5: does the median of the most recent `window` observed points meet the target?

    None means "insufficient data": fewer than `min_points` observed points are available.
    """
    if direction not in ("up", "down"):
        raise ValueError(f"direction must be 'up' or 'down', got {direction!r}")
    if window < 1 or min_points < 1 or min_points > window:
        raise ValueError("need 1 ≤ min_points ≤ window")
    aim = exact_value(target, 0)
    if aim is None:
        raise ValueError("target must be a number")
    observed = [v for v in exact_series(values) if v is not None][-window:]
    if len(observed) < min_points:
        return None
    centre = median(observed)
    return centre >= aim if direction == "up" else centre <= aim
