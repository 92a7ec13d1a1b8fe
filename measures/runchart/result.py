"""Results of an analysis and their JSON-safe form (docs/runchart.md §11).

Values, built once and never changed; `dataclasses.replace` makes a variant. They are not declared
frozen: a frozen dataclass sets each field through `object.__setattr__`, which made building the
results 6 times dearer, about 12 % of the batch engine's time (it builds several per series).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Literal

from .values import fraction_float, fraction_text

Side = Literal["above", "below"]
Centre = Literal["median_all", "baseline_median", "fixed"]

CEILING_WARNING = "ceiling_effect"
FEW_USEFUL_WARNING = "too_few_useful_points_for_runs_rule"
RUNS_RULE_MIN_USEFUL = 10


def _median_pair(value: Fraction | None) -> tuple[float | None, str | None]:
    if value is None:
        return None, None
    return fraction_float(value), fraction_text(value)


def _span(window: tuple[int, int] | None) -> list[int] | None:
    return None if window is None else [window[0], window[1]]


@dataclass(slots=True)
class Shift:
    side: Side
    start_index: int
    end_index: int
    length: int
    indices: tuple[int, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "side": self.side,
            "start_index": self.start_index,
            "end_index": self.end_index,
            "length": self.length,
            "indices": list(self.indices),
        }


@dataclass(slots=True)
class Trend:
    direction: Literal["up", "down"]
    start_index: int
    end_index: int
    length: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "direction": self.direction,
            "start_index": self.start_index,
            "end_index": self.end_index,
            "length": self.length,
        }


@dataclass(slots=True)
class RunsTable:
    applicable: bool
    lower: int | None
    upper: int | None
    signal: Literal["too_few", "too_many"] | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "applicable": self.applicable,
            "lower": self.lower,
            "upper": self.upper,
            "signal": self.signal,
        }


@dataclass(slots=True)
class SegmentStats:
    """The rules evaluated over one stretch of periods against one centre line (§3, §4)."""

    n_obs: int
    n_useful: int
    on_median_indices: tuple[int, ...]
    n_runs: int
    longest_run: int | None
    longest_run_max: int | None
    n_crossings: int | None
    n_crossings_min: int | None
    anhoej_longest_signal: bool
    anhoej_crossings_signal: bool
    runs_table: RunsTable
    shifts: tuple[Shift, ...]
    trends: tuple[Trend, ...]

    @property
    def anhoej_signal(self) -> bool:
        return self.anhoej_longest_signal or self.anhoej_crossings_signal

    @property
    def shift_present(self) -> bool:
        return bool(self.shifts)

    @property
    def trend_present(self) -> bool:
        return bool(self.trends)

    @property
    def ihi_signal(self) -> bool:
        return self.shift_present or self.trend_present or self.runs_table.signal is not None

    @property
    def warnings(self) -> tuple[str, ...]:
        """§12: ceiling effects, and too few useful points for the runs rule."""
        found = []
        if self.n_useful < self.n_obs / 2:
            found.append(CEILING_WARNING)
        if self.n_useful < RUNS_RULE_MIN_USEFUL:
            found.append(FEW_USEFUL_WARNING)
        return tuple(found)


@dataclass(slots=True)
class Baseline:
    """The window whose median is frozen as the first centre line (§6); `window` spans its observed points."""

    k: int | None
    median: Fraction | None
    window: tuple[int, int] | None
    n_window: int
    provisional: bool
    median_first_k_positions: Fraction | None

    def to_dict(self) -> dict[str, Any]:
        median, median_exact = _median_pair(self.median)
        positional, _ = _median_pair(self.median_first_k_positions)
        return {
            "k": self.k,
            "median": median,
            "median_exact": median_exact,
            "window": _span(self.window),
            "n_window": self.n_window,
            "provisional": self.provisional,
            "median_first_k_positions": positional,
        }


@dataclass(slots=True)
class Trigger:
    """The IHI shift that started an automatic phase (§7.2, §7.3)."""

    side: Side
    run_start: int
    run_6th: int
    previous_median: Fraction

    def to_dict(self) -> dict[str, Any]:
        return {
            "side": self.side,
            "run_start": self.run_start,
            "run_6th": self.run_6th,
            "previous_median": fraction_float(self.previous_median),
        }


@dataclass(slots=True)
class Phase:
    start_index: int
    end_index: int
    median: Fraction | None
    median_window: tuple[int, int] | None
    n_window: int
    provisional: bool
    trigger: Trigger | None
    stats: SegmentStats

    def to_dict(self) -> dict[str, Any]:
        median, median_exact = _median_pair(self.median)
        s = self.stats
        return {
            "start_index": self.start_index,
            "end_index": self.end_index,
            "median": median,
            "median_exact": median_exact,
            "median_window": _span(self.median_window),
            "n_window": self.n_window,
            "provisional": self.provisional,
            "trigger": None if self.trigger is None else self.trigger.to_dict(),
            "n_obs": s.n_obs,
            "n_useful": s.n_useful,
            "longest_run": s.longest_run,
            "longest_run_max": s.longest_run_max,
            "n_crossings": s.n_crossings,
            "n_crossings_min": s.n_crossings_min,
            "anhoej_signal": s.anhoej_signal,
            "shifts": [shift.to_dict() for shift in s.shifts],
            "trends": [trend.to_dict() for trend in s.trends],
        }


@dataclass(slots=True)
class RunChartResult:
    """One series analysed. `stats` is the whole series against the first phase's centre line.

    `phases` is None unless manual or automatic phases were requested.
    """

    centre: Centre
    median: Fraction | None
    n_periods: int
    stats: SegmentStats
    baseline: Baseline | None
    phases: tuple[Phase, ...] | None

    def to_dict(self) -> dict[str, Any]:
        median, median_exact = _median_pair(self.median)
        s = self.stats
        out: dict[str, Any] = {
            "centre": self.centre,
            "median": median,
            "median_exact": median_exact,
            "n_periods": self.n_periods,
            "n_obs": s.n_obs,
            "n_useful": s.n_useful,
            "on_median_indices": list(s.on_median_indices),
            "n_runs": s.n_runs,
            "longest_run": s.longest_run,
            "longest_run_max": s.longest_run_max,
            "n_crossings": s.n_crossings,
            "n_crossings_min": s.n_crossings_min,
            "anhoej_longest_signal": s.anhoej_longest_signal,
            "anhoej_crossings_signal": s.anhoej_crossings_signal,
            "anhoej_signal": s.anhoej_signal,
            "runs_table": s.runs_table.to_dict(),
            "shifts": [shift.to_dict() for shift in s.shifts],
            "shift_present": s.shift_present,
            "trends": [trend.to_dict() for trend in s.trends],
            "trend_present": s.trend_present,
            "ihi_signal": s.ihi_signal,
            "baseline": None if self.baseline is None else self.baseline.to_dict(),
            "warnings": list(s.warnings),
        }
        if self.phases is not None:
            out["phases"] = [phase.to_dict() for phase in self.phases]
        return out
