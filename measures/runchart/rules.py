"""The run-chart rules over one stretch of periods against one centre line (docs/runchart.md §3, §4)."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from functools import cache
from itertools import groupby
from typing import Literal

from .result import RunsTable, SegmentStats, Shift, Trend
from .tables import RUNS_TABLE, anhoej_crossings_min, anhoej_longest_run_max

NOT_APPLICABLE = RunsTable(applicable=False, lower=None, upper=None, signal=None)


@cache
def runs_table_result(n_useful: int, n_runs: int) -> RunsTable:
    limits = RUNS_TABLE.get(n_useful)
    if limits is None:
        return NOT_APPLICABLE
    lower, upper = limits
    signal: Literal["too_few", "too_many"] | None = (
        "too_few" if n_runs < lower else "too_many" if n_runs > upper else None
    )
    return RunsTable(applicable=True, lower=lower, upper=upper, signal=signal)


def assemble_stats(
    *,
    n_obs: int,
    n_useful: int,
    on_median_indices: tuple[int, ...],
    n_runs: int,
    longest_run: int,
    shifts: tuple[Shift, ...],
    trends: tuple[Trend, ...],
) -> SegmentStats:
    """The limits and signals that follow from the run counts; shared by the reference and batch paths."""
    if n_useful == 0:
        return SegmentStats(
            n_obs=n_obs,
            n_useful=0,
            on_median_indices=on_median_indices,
            n_runs=0,
            longest_run=None,
            longest_run_max=None,
            n_crossings=None,
            n_crossings_min=None,
            anhoej_longest_signal=False,
            anhoej_crossings_signal=False,
            runs_table=runs_table_result(0, 0),
            shifts=shifts,
            trends=trends,
        )
    longest_max = anhoej_longest_run_max(n_useful)
    crossings_min = anhoej_crossings_min(n_useful)
    return SegmentStats(
        n_obs=n_obs,
        n_useful=n_useful,
        on_median_indices=on_median_indices,
        n_runs=n_runs,
        longest_run=longest_run,
        longest_run_max=longest_max,
        n_crossings=n_runs - 1,
        n_crossings_min=crossings_min,
        anhoej_longest_signal=longest_run > longest_max,
        anhoej_crossings_signal=n_runs - 1 < crossings_min,
        runs_table=runs_table_result(n_useful, n_runs),
        shifts=shifts,
        trends=trends,
    )


def side_of(value: Fraction, centre: Fraction) -> int:
    """+1 above, −1 below, 0 on the centre line; exact because both are rationals (§2.2)."""
    return (value > centre) - (value < centre)


def find_trends(observed: Sequence[tuple[int, Fraction]], trend_len: int) -> tuple[Trend, ...]:
    """Maximal strictly monotone stretches of ≥ trend_len points once equal neighbours are merged (§4.1)."""
    # Each step joins the last index of one plateau to the first index of the next.
    steps: list[tuple[int, int, int]] = []
    for (left, a), (right, b) in zip(observed, observed[1:], strict=False):
        if a != b:
            steps.append((1 if b > a else -1, left, right))
    trends = []
    for sign, group in groupby(steps, key=lambda step: step[0]):
        block = list(group)
        if len(block) + 1 >= trend_len:
            trends.append(
                Trend(
                    direction="up" if sign > 0 else "down",
                    start_index=block[0][1],
                    end_index=block[-1][2],
                    length=len(block) + 1,
                )
            )
    return tuple(trends)


def segment_stats(
    values: Sequence[Fraction | None],
    centre: Fraction | None,
    first: int,
    last: int,
    *,
    shift_len: int,
    trend_len: int,
) -> SegmentStats:
    """All rules over periods first..last (inclusive). No centre line means no analysis (§3.1)."""
    observed = [(i, v) for i in range(first, last + 1) if (v := values[i]) is not None]
    if centre is None:
        return assemble_stats(
            n_obs=len(observed),
            n_useful=0,
            on_median_indices=(),
            n_runs=0,
            longest_run=0,
            shifts=(),
            trends=(),
        )
    sides = [(i, side_of(v, centre)) for i, v in observed]
    on_median = tuple(i for i, side in sides if side == 0)
    blocks = [
        (side, [i for i, _ in group])
        for side, group in groupby((p for p in sides if p[1]), key=lambda p: p[1])
    ]
    shifts = tuple(
        Shift(
            side="above" if side > 0 else "below",
            start_index=indices[0],
            end_index=indices[-1],
            length=len(indices),
            indices=tuple(indices),
        )
        for side, indices in blocks
        if len(indices) >= shift_len
    )
    return assemble_stats(
        n_obs=len(observed),
        n_useful=len(sides) - len(on_median),
        on_median_indices=on_median,
        n_runs=len(blocks),
        longest_run=max((len(indices) for _, indices in blocks), default=0),
        shifts=shifts,
        trends=find_trends(observed, trend_len),
    )
