"""Collaborative-level helpers: pooling team series and the aim test (docs/runchart.md §8)."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from itertools import chain
from typing import Literal

import numpy as np
import numpy.typing as npt

from .batch import _flat_pairs, as_fractions, masked_median
from .values import RawValue, exact_series, exact_value, median

Pair = tuple[int, int]
Encoded = tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]
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


# Below this bound on num·den², float rates of distinct fractions are distinct and ordered exactly (see batch.py).
_EXACT_BOUND = 2**50


def _plain_pairs(team_series: Sequence[Sequence[RawValue]]) -> list[int] | None:
    """num, den, … over every team and period (missing as 0, 0), when every item is None or a pair of
    non-negative ints small enough for exact float ordering; else None. C-level passes only."""
    flat = _flat_pairs(list(chain.from_iterable(team_series)))
    if flat is None or (flat and (min(flat) < 0 or max(flat) ** 3 >= _EXACT_BOUND)):
        return None
    return flat


def encode_teams(team_series: TeamSeries) -> Encoded | None:
    """(num, den) as teams × periods int64 arrays, missing as (0, 0), when every series has the same
    length and every item is None or a plain pair within the exact bound; else None (the exact path).

    A caller analysing several cohorts of the same teams encodes them once and passes row subsets.
    """
    lengths = {len(series) for series in team_series}
    flat = _plain_pairs(team_series) if len(lengths) == 1 else None
    if flat is None:
        return None
    both = np.array(flat, dtype=np.int64).reshape(len(team_series), lengths.pop(), 2)
    return both[:, :, 0], both[:, :, 1]


def cohort_figures(
    team_series: TeamSeries, encoded: Encoded | None = None
) -> tuple[list[Pair | None], list[int], list[Fraction | None]]:
    """`(pool, n_reporting, median_of_rates)` of the same teams, computed together with numpy.

    Identical to the three functions; inputs outside the exact fast path go through them.
    `encoded` is `encode_teams(team_series)`, when the caller has it.
    """
    encoded = encoded if encoded is not None else encode_teams(team_series)
    if encoded is None:
        return pool(team_series), n_reporting(team_series), median_of_rates(team_series)
    num, den = encoded
    valid = den > 0
    counts = valid.sum(axis=0)
    sums_num = np.where(valid, num, 0).sum(axis=0).tolist()
    sums_den = np.where(valid, den, 0).sum(axis=0).tolist()
    pooled = [(n, d) if c else None for n, d, c in zip(sums_num, sums_den, counts.tolist(), strict=True)]
    med_num, med_den, _ = masked_median(num.T, den.T, valid.T)  # periods as rows
    return pooled, counts.tolist(), as_fractions(med_num, med_den, counts > 0)


def _latest_observed(values: Sequence[RawValue], window: int) -> list[Fraction]:
    """The last `window` observed values, in order; plain int pairs skip converting the older periods."""
    flat = _plain_pairs([values])
    if flat is None:  # validate everything the slow way, naming a bad index
        return [v for v in exact_series(values) if v is not None][-window:]
    latest: list[Fraction] = []
    for i in range(len(flat) - 2, -1, -2):  # (num, den) from the last period back; missing is (0, 0)
        if flat[i + 1] > 0:
            latest.append(Fraction(flat[i], flat[i + 1]))
            if len(latest) == window:
                break
    return latest[::-1]


def _aim(target: RawValue, direction: str, window: int, min_points: int) -> Fraction:
    if direction not in ("up", "down"):
        raise ValueError(f"direction must be 'up' or 'down', got {direction!r}")
    if window < 1 or min_points < 1 or min_points > window:
        raise ValueError("need 1 ≤ min_points ≤ window")
    aim = exact_value(target, 0)
    if aim is None:
        raise ValueError("target must be a number")
    return aim


def meets_aim_many(
    team_series: TeamSeries,
    target: RawValue,
    direction: Literal["up", "down"],
    window: int = 6,
    min_points: int = 3,
    encoded: Encoded | None = None,
) -> list[bool | None]:
    """`[meets_aim(values, target, …) for values in team_series]`, computed together with numpy.

    `encoded` is `encode_teams(team_series)`, when the caller has it.
    """
    encoded = encoded if encoded is not None else encode_teams(team_series)
    if encoded is None:
        return [meets_aim(values, target, direction, window, min_points) for values in team_series]
    aim = _aim(target, direction, window, min_points)
    num, den = encoded
    observed = den > 0
    latest = observed & (np.cumsum(observed[:, ::-1], axis=1)[:, ::-1] <= window)
    med_num, med_den, sizes = masked_median(num, den, latest)
    out: list[bool | None] = []
    for m_num, m_den, size in zip(med_num.tolist(), med_den.tolist(), sizes.tolist(), strict=True):
        if size < min_points:
            out.append(None)
            continue
        # Python ints: exact whatever the target's size.
        above = m_num * aim.denominator - aim.numerator * m_den
        out.append(above >= 0 if direction == "up" else above <= 0)
    return out


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
    aim = _aim(target, direction, window, min_points)
    observed = _latest_observed(values, window)
    if len(observed) < min_points:
        return None
    centre = median(observed)
    return centre >= aim if direction == "up" else centre <= aim
