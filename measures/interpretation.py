"""What a run chart's result means, in words: the one place that interprets the engine's output.

Pure functions over the engine's `to_dict()` (never changed here), the chart's points and the measure's
direction, scale and goal. Pages, the chart's CSV, the printed SVG, dashboard cells and the API summary
all word a result through this module, so a signal, a limit of the method or an aim verdict reads the
same everywhere. The rules are written down for people in docs/charts.md.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Literal

Direction = Literal["up", "down", "both"]
Verdict = Literal["improvement", "concern", "neutral"]
# A series as a whole, in the style of NHS England's "Making Data Count" variation icons.
Variation = Literal["improvement", "concern", "neutral", "common_cause", "cannot_judge"]

AIM_WINDOW, AIM_MIN_POINTS = 6, 3  # docs/runchart.md §8.5: median of the last 6 observed points, 3 at least
# docs/runchart.md §8.2: an aggregate month fewer than this share of the cohort reported is not judged.
COHORT_REPORTING_FLOOR = Fraction(3, 4)

VARIATION_LABELS: dict[str, str] = {
    "improvement": "Special cause: improvement",
    "concern": "Special cause: concern",
    "neutral": "Special cause: neither better nor worse",
    "common_cause": "Common cause: no shift or trend",
    "cannot_judge": "Not judged: too many points on the median",
}


def variation_icon(variation: str | None, direction: str) -> str | None:
    """The icon's name (static/icons/variation/<name>.svg): improvement and concern also say on which side
    the values lie (H higher, L lower), as Making Data Count's icons do."""
    if variation in ("improvement", "concern"):
        high = (variation == "improvement") == (direction != "down")
        return f"{variation}-{'high' if high else 'low'}"
    return {"neutral": "neutral", "common_cause": "common-cause", "cannot_judge": "cannot-judge"}.get(
        variation or ""
    )


_DIRECTION_WORDS = {
    "up": "higher is better",
    "down": "lower is better",
    "both": "neither direction is better",
}


@dataclass(frozen=True)
class MeasureFacts:
    """What interpretation needs of a measure: how values read, which way is better, its bounds and aim.

    `goal` is in display units (85 for 85%), as people enter it; values are stored units (0.85).
    """

    name: str
    kind: Literal["proportion", "mean", "count", "median"]
    direction: Direction
    goal: Fraction | None = None
    scale_max: int | None = None

    @property
    def multiplier(self) -> int:
        return 100 if self.kind == "proportion" else 1

    @property
    def unit(self) -> str:
        return "%" if self.kind == "proportion" else ""

    @property
    def target(self) -> Fraction | None:
        """The goal in stored units, compared exactly with medians."""
        return None if self.goal is None else self.goal / self.multiplier

    @property
    def bounds(self) -> tuple[Fraction, Fraction | None]:
        """The lowest and highest values the measure can take (None: no upper bound, a count)."""
        if self.kind == "proportion":
            return Fraction(0), Fraction(1)
        if self.kind == "mean" and self.scale_max is not None:
            return Fraction(0), Fraction(self.scale_max)
        return Fraction(0), None

    def format(self, value: float | Fraction | None) -> str:
        return "no median" if value is None else value_formatter(self.kind)(float(value))


def value_formatter(kind: str) -> Callable[[float], str]:
    """A stored value as people read it: 72% for proportions, 4.13 for mean scores; counts and medians
    without trailing zeros (4, 3.5, 2.83)."""
    if kind == "proportion":
        return lambda value: f"{value * 100:.0f}%"
    if kind in ("count", "median"):  # whole numbers, their medians (halves) and a pooled mean per team
        return lambda value: f"{value:.2f}".rstrip("0").rstrip(".")
    return lambda value: f"{value:.2f}"


def verdict(movement: str, direction: Direction) -> Verdict:
    """A shift ("above"/"below") or trend ("up"/"down") read in the measure's direction."""
    if direction == "both":
        return "neutral"
    higher = movement in ("above", "up")
    return "improvement" if higher == (direction == "up") else "concern"


@dataclass(frozen=True)
class Signal:
    """One shift or trend the rules found, read in the measure's direction."""

    rule: Literal["shift", "trend"]
    movement: str  # above / below (shift), up / down (trend)
    verdict: Verdict
    start_index: int
    end_index: int
    length: int
    indices: tuple[int, ...]  # the observed points it marks
    since: str  # the month it starts, "Nov 2025"
    until: str  # the month it ends
    against: str  # the centre line a shift is on one side of: "baseline median", "median", "shifted median"
    direction: Direction  # the measure's

    @property
    def text(self) -> str:
        """ "Shift (improvement): 7 points in a row above the baseline median from Nov 2025 to Jun 2026 (…)"."""
        if self.rule == "shift":
            what = f"in a row {self.movement} the {self.against}"
        else:
            what = f"going {self.movement}"
        return (
            f"{self.rule.capitalize()} ({self.verdict}): {self.length} points {what} from {self.since} to "
            f"{self.until} ({_DIRECTION_WORDS[self.direction]})"
        )

    @property
    def short(self) -> str:
        """For a dashboard cell: "improvement: shift above since Nov 2025"."""
        return f"{self.verdict}: {self.rule} {self.movement} since {self.since}"


@dataclass(frozen=True)
class CentreLine:
    """One stretch of the chart's centre line: the baseline (or whole-series) median, or a phase's."""

    start_index: int
    end_index: int
    median: float
    provisional: bool
    label: str


@dataclass(frozen=True)
class Limit:
    """An analysis the run-chart rules cannot judge, and why."""

    start_index: int
    end_index: int
    text: str


@dataclass(frozen=True)
class Aim:
    """The aim verdict and the one statistic it is made of."""

    met: bool | None  # None: too few recent points
    median: Fraction | None
    n_points: int
    text: str


@dataclass(frozen=True)
class Interpretation:
    """Everything a page, export or API says about one stored result."""

    centre_lines: tuple[CentreLine, ...]
    signals: tuple[Signal, ...]  # judged signals only
    limits: tuple[Limit, ...]
    other_signals: tuple[str, ...]  # runs-table and Anhøj, which have no direction
    variation: Variation | None  # None: no data
    aim: Aim | None  # None: the measure has no goal
    lines: tuple[str, ...]  # the chart's explanation, one claim a line

    @property
    def variation_label(self) -> str:
        return "" if self.variation is None else VARIATION_LABELS[self.variation]


def latest(signals: Sequence[Signal]) -> Signal | None:
    """The signal that ends last (a shift before a trend ending the same month): what the series shows now."""
    return max(signals, key=lambda s: (s.end_index, s.rule == "shift"), default=None)


def _exact(median: float | None, exact: str | None) -> Fraction | None:
    if exact:
        return Fraction(exact)
    return None if median is None else Fraction(str(median))


_MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _month(months: Sequence[dt.date], i: int) -> str:
    """ "Nov 2025": a lookup, as strftime's %b took most of a national recompute's interpretation time."""
    return f"{_MONTH_NAMES[months[i].month - 1]} {months[i].year}"


def _cannot_judge(
    analysis: dict[str, Any], facts: MeasureFacts, months: Sequence[dt.date], first: int, last: int
) -> Limit | None:
    """The rules skip points on the median, so a centre line at the measure's bound, or one that more
    than half the points sit on, leaves too little for them to judge (docs/runchart.md §12, docs/charts.md)."""
    median = _exact(analysis.get("median"), analysis.get("median_exact"))
    n_obs, n_useful = analysis.get("n_obs") or 0, analysis.get("n_useful") or 0
    if median is None or n_obs == 0:
        return None
    low, high = facts.bounds
    on_median = n_obs - n_useful
    where = f"{_month(months, first)} to {_month(months, last)}"
    advice = ""
    if median in (low, high):
        end = "the bottom" if median == low else "the top"
        why = f"the median is {facts.format(median)}, {end} of the scale, and {on_median} of {n_obs} points lie on it"
        advice = " A chart of the time between events may help."
    elif 2 * on_median > n_obs:
        why = f"{on_median} of {n_obs} points lie on the median {facts.format(median)}"
    else:
        return None
    return Limit(
        first,
        last,
        f"The run-chart rules can't judge {where}: {why}. Points on the median are skipped, so scattered "
        f"points off it are read as runs; no shift or run is reported here.{advice}",
    )


def _shift(shift: dict[str, Any], against: str, facts: MeasureFacts, months: Sequence[dt.date]) -> Signal:
    first, last = shift["start_index"], shift["end_index"]
    return Signal(
        "shift", shift["side"], verdict(shift["side"], facts.direction), first, last, shift["length"],
        tuple(shift["indices"]), _month(months, first), _month(months, last), against, facts.direction,
    )  # fmt: skip


def _trend(
    trend: dict[str, Any], facts: MeasureFacts, months: Sequence[dt.date], observed: set[int]
) -> Signal:
    first, last = trend["start_index"], trend["end_index"]
    return Signal(
        "trend", trend["direction"], verdict(trend["direction"], facts.direction), first, last, trend["length"],
        tuple(i for i in range(first, last + 1) if i in observed), _month(months, first), _month(months, last),
        "", facts.direction,
    )  # fmt: skip


def _centre_lines(result: dict[str, Any], facts: MeasureFacts, months: Sequence[dt.date]) -> list[CentreLine]:
    phases = result.get("phases") or []
    baseline = result.get("baseline") or {}
    if not phases:
        if result.get("median") is None:
            return []
        phases = [
            {"start_index": 0, "end_index": len(months) - 1, "median": result["median"],
             "provisional": baseline.get("provisional", False), "n_window": baseline.get("n_window")}
        ]  # fmt: skip
    lines = []
    for i, phase in enumerate(phases):
        value, n_window = facts.format(phase["median"]), phase.get("n_window")
        if i > 0:
            note = f" (provisional: {n_window} points so far)" if phase.get("provisional") else ""
            label = f"Shifted median {value} from {_month(months, phase['start_index'])}{note}"
        elif result.get("centre") == "baseline_median":
            k = baseline.get("k")
            label = (
                f"Baseline median {value} (provisional: {n_window} of {k} baseline points so far)"
                if phase.get("provisional")
                else f"Baseline median {value} (first {k} points, frozen and extended)"
            )
        else:
            label = f"Median {value}"
        lines.append(
            CentreLine(
                phase["start_index"],
                phase["end_index"],
                phase["median"],
                bool(phase.get("provisional")),
                label,
            )
        )
    return lines


def recent_median(observed: Sequence[Fraction]) -> Fraction | None:
    """The median of the last AIM_WINDOW observed values, or None with fewer than AIM_MIN_POINTS."""
    window = observed[-AIM_WINDOW:]
    return statistics.median(window) if len(window) >= AIM_MIN_POINTS else None


def aim_verdict(points: Sequence[dict[str, Any]], facts: MeasureFacts) -> Aim | None:
    """docs/runchart.md §8.5 with its statistic named: the median of the most recent 6 reported months against the goal.

    Computed exactly from the counts, as the engine's `meets_aim` computes it; a window with a month
    hidden from the viewer (small-cell suppression) is not judged, since the viewer cannot check it.
    """
    target = facts.target
    if target is None:
        return None
    goal = facts.format(target)
    reported = [
        p for p in points if p.get("suppressed") or (p.get("denominator") and p.get("numerator") is not None)
    ]
    window = reported[-AIM_WINDOW:]
    if any(p.get("suppressed") for p in window):
        return Aim(None, None, len(window), f"Aim (goal {goal}): not shown, some recent months are hidden.")
    if len(window) < AIM_MIN_POINTS:
        return Aim(
            None, None, len(window),
            f"Aim (goal {goal}): too few recent months to judge ({len(window)} reported, {AIM_MIN_POINTS} needed).",
        )  # fmt: skip
    median = statistics.median(Fraction(p["numerator"], p["denominator"]) for p in window)
    met = median >= target if facts.direction != "down" else median <= target
    return Aim(met, median, len(window), aim_sentence(met, median, len(window), facts))


def aim_sentence(met: bool, median: float | Fraction, n_points: int, facts: MeasureFacts) -> str:
    """The verdict with the statistic it judges: "Median of the last 6 reported months: 72% ≥ goal 70%: …"."""
    return aim_words(facts)(met, median, n_points)


def aim_words(facts: MeasureFacts) -> Callable[[bool, float | Fraction, int], str]:
    """aim_sentence for one measure, its goal formatted once (a dashboard words 1,750 verdicts)."""
    up = facts.direction != "down"
    goal = facts.format(facts.target)
    fmt = value_formatter(facts.kind)
    signs = {True: "≥" if up else "≤", False: "<" if up else ">"}
    verdicts = {True: "meets the aim", False: "not yet meeting the aim"}

    def sentence(met: bool, median: float | Fraction, n_points: int) -> str:
        return (
            f"Median of the last {n_points} reported months: {fmt(float(median))} {signs[met]} goal {goal}: "
            f"{verdicts[met]}."
        )

    return sentence


@dataclass(frozen=True)
class Reading:
    """The signals and limits of one result, without the aim or centre lines: what a stored summary keeps."""

    signals: tuple[Signal, ...]
    limits: tuple[Limit, ...]
    other_signals: tuple[str, ...]
    variation: Variation | None


def read_signals(
    result: dict[str, Any], months: Sequence[dt.date], observed: set[int], facts: MeasureFacts
) -> Reading:
    """Every shift and trend read in the measure's direction, except where the rules can't judge.

    `observed` holds the indices of the months with a value (a trend marks only those).
    """
    if not months or not result.get("n_obs") or result.get("withheld"):
        return Reading((), (), (), None)
    phases = result.get("phases") or []
    first_against = "baseline median" if result.get("centre") == "baseline_median" else "median"
    # Each list of shifts is judged with the analysis that found it: the chart against its first centre
    # line over the whole series, then each later phase against its own.
    analyses = [(result, 0, len(months) - 1, first_against)] + [
        (p, p["start_index"], p["end_index"], "shifted median") for p in phases[1:]
    ]
    signals: list[Signal] = []
    limits: list[Limit] = []
    other: list[str] = []
    for analysis, first, last, against in analyses:
        limit = _cannot_judge(analysis, facts, months, first, last)
        if limit is not None:
            limits.append(limit)
            continue
        signals += [_shift(s, against, facts, months) for s in analysis.get("shifts", [])]
        if analysis is result:
            other += _undirected(result)
    # A trend does not use the median, so a centre line the rules can't judge leaves it standing.
    signals += [_trend(t, facts, months, observed) for t in result.get("trends", [])]
    signals.sort(key=lambda s: (s.start_index, s.rule))
    newest = latest(signals)
    variation: Variation
    if newest is not None:
        variation = newest.verdict
    elif other:  # too few or too many runs: not random, and no way to call it better or worse
        variation = "neutral"
    elif any(limit.end_index == len(months) - 1 for limit in limits):
        variation = "cannot_judge"
    else:
        variation = "common_cause"
    return Reading(tuple(signals), tuple(limits), tuple(other), variation)


def _undirected(result: dict[str, Any]) -> list[str]:
    """The runs-table and Anhøj signals: evidence of non-random variation that points no way."""
    out = []
    runs = (result.get("runs_table") or {}).get("signal")
    if runs:
        out.append(
            f"Too {'few' if runs == 'too_few' else 'many'} runs for random variation "
            f"({result['n_runs']} runs in {result['n_useful']} useful points): a signal with no direction"
        )
    if result.get("anhoej_signal"):
        out.append(
            f"Anhøj rules: non-random variation (longest run {result['longest_run']}, limit "
            f"{result['longest_run_max']}; crossings {result['n_crossings']}, minimum {result['n_crossings_min']})"
        )
    return out


def interpret(
    result: dict[str, Any] | None, points: Sequence[dict[str, Any]], facts: MeasureFacts
) -> Interpretation:
    """The whole reading of one stored chart. `points` are the stored points (month, numerator,
    denominator, value, and `suppressed` where the viewer may not see a month)."""
    result = result or {}
    months = [
        dt.date.fromisoformat(p["month"]) if isinstance(p["month"], str) else p["month"] for p in points
    ]
    observed = {i for i, p in enumerate(points) if p.get("value") is not None}
    reading = read_signals(result, months, observed, facts)
    aim = None if result.get("withheld") else aim_verdict(points, facts)
    centre_lines = () if reading.variation is None else tuple(_centre_lines(result, facts, months))
    lines = [c.label for c in centre_lines] + [s.text for s in reading.signals]
    lines += [lim.text for lim in reading.limits] + list(reading.other_signals)
    if reading.variation == "common_cause" and not reading.other_signals:
        lines.append("No shift or trend: common-cause variation around the median.")
    judged = reading.variation not in (None, "cannot_judge")
    if judged and result.get("n_useful", 0) < 10:
        lines.append("Too few useful points for the runs rule (fewer than 10 off the median).")
    if aim is not None:
        lines.append(aim.text)
    return Interpretation(
        centre_lines, reading.signals, reading.limits, reading.other_signals, reading.variation, aim,
        tuple(lines),
    )  # fmt: skip


def summary_sentence(interpretation: Interpretation, facts: MeasureFacts, points: Sequence[dict[str, Any]],
                     result: dict[str, Any] | None) -> str:  # fmt: skip
    """One sentence a screen reader user gets instead of the picture."""
    result = result or {}
    if result.get("withheld"):
        return (
            f"{facts.name}: this team's median and signals are not shown to you: a third or more of its "
            "months have counts too small to show for this sensitive measure."
        )
    if not result.get("n_obs"):
        return f"{facts.name}: no data yet."
    parts = [f"{facts.name}: {result['n_obs']} month{'' if result['n_obs'] == 1 else 's'} of data"]
    if interpretation.centre_lines:
        parts.append(f"current median {facts.format(interpretation.centre_lines[-1].median)}")
    latest = next((p for p in reversed(points) if p.get("value") is not None), None)
    if latest:
        parts.append(
            f"latest {facts.format(latest['value'])} in {dt.date.fromisoformat(str(latest['month'])):%B %Y}"
        )
    if len(interpretation.centre_lines) > 1:
        n = len(interpretation.centre_lines) - 1
        parts.append(f"{n} shifted median{'s' if n > 1 else ''}")
    parts.append(interpretation.variation_label.lower() if interpretation.variation else "")
    return ", ".join(p for p in parts if p) + "."
