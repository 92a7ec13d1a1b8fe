"""Control charts and funnel plots of stored series: what the engine gets, what its result means, how it looks.

Computed when a page or the API asks, from the stored points of the viewer's copy of a chart (small counts
already blanked by `suppression.suppress_for_viewer`): one series' control chart costs a fraction of a
millisecond, and the chart type is the viewer's choice. A page of many charts (the dashboard's pooled
panels, a measure's small multiples, a team's page) computes them together in the engine's batch path
(`control_views`, `control_charts_arrays`). The statistics are the engine's
(`measures.runchart.control`); this module only chooses inputs, classes signals by the measure's direction
and draws. docs/control-charts.md states the conventions.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

from django.utils.safestring import SafeString, mark_safe

from collaboratives.months import add as month_add
from collaboratives.months import between as month_between
from measures import icons
from measures.charts import format_value
from measures.models import Measure, PhaseDecision, RunChartAnalysis
from measures.runchart import RuleParams, control_chart, control_charts_arrays
from measures.runchart.control import encode
from measures.runchart.tables import anhoej_longest_run_max

COLOURS = {  # Okabe–Ito, as the run charts; improvement blue and concern orange as in "Making Data Count"
    "value": "#0b3d6b",
    "centre": "#444444",
    "limit": "#6f6f6f",
    "goal": "#009e73",
    "improvement": "#0072b2",
    "concern": "#d55e00",
    "neither": "#8e4585",
}
CHART_LABELS = dict(Measure.ChartType.choices)
CENTRE_NAMES = {
    "p": "Centre line (overall proportion)",
    "pp": "Centre line (overall proportion)",
    "u": "Centre line (overall rate)",
    "up": "Centre line (overall rate)",
    "i": "Centre line (mean)",
    "mr": "Centre line (mean moving range)",
    "c": "Centre line (mean)",
}
NOT_POOLED = frozenset({"c"})  # a pooled count is a mean per reporting team, not a Poisson count


@dataclass(frozen=True)
class SpecialCause:
    index: int
    month: dt.date
    value: float
    side: str  # "high" or "low"
    kind: str  # "improvement", "concern" or "neither"


@dataclass(frozen=True)
class Interpretation:
    """What the chart says, in the words of NHS England's "Making Data Count" icons (measures/icons.py)."""

    special_causes: list[SpecialCause]
    variation: str  # "common_cause", "improvement", "concern" or "neither"; "" with no data or no limits
    variation_text: str
    assurance: str  # "pass", "fail", "inconsistent" or "" when there is no goal or no limits
    assurance_text: str
    variation_side: str = ""  # "high" or "low": where the special cause of improvement or concern lies
    goal_side: str = ""  # "above", "below" or "inside" the latest limits, with an assurance

    @property
    def variation_icon(self) -> SafeString:
        """The variation icon as inline SVG with its accessible name, or "" when there is nothing to judge."""
        key = icons.variation_key(self.variation, self.variation_side)
        return mark_safe(icons.variation_svg(key)) if key else SafeString("")  # noqa: S308 - constant markup

    @property
    def assurance_icon(self) -> SafeString:
        if not self.assurance:
            return SafeString("")
        return mark_safe(icons.assurance_svg(self.assurance, self.goal_side))  # noqa: S308 - constant markup


def chart_types(analysis: RunChartAnalysis) -> list[str]:
    """The charts this series can be drawn as: the run chart, then the control charts that suit it."""
    pooled = analysis.kind != RunChartAnalysis.Kind.TEAM
    control = [c for c in analysis.measure.control_chart_types if not (pooled and c in NOT_POOLED)]
    return [Measure.ChartType.RUN, *control]


def chosen_chart(analysis: RunChartAnalysis, requested: str | None) -> str:
    """The requested chart if it suits the series, else the measure's own, else the nearest that suits."""
    allowed = chart_types(analysis)
    for choice in (requested, analysis.measure.chart_type):
        if choice in allowed:
            return str(choice)
    # A measure set to c, on a pooled chart: the suggested pooled chart for its kind.
    return allowed[1] if analysis.measure.chart_type != Measure.ChartType.RUN else allowed[0]


def engine_values(analysis: RunChartAnalysis, chart: str) -> list[Any]:
    """The stored points as the engine takes them: (numerator, denominator) pairs, or counts for c."""
    values: list[Any] = []
    for point in analysis.points or []:
        num, den = point["numerator"], point["denominator"]
        if num is None or not den:
            values.append(None)
        elif chart == "c":
            values.append(num)
        else:
            values.append((num, den))
    return values


def phase_starts(analysis: RunChartAnalysis, decisions: list[PhaseDecision]) -> tuple[int, ...]:
    """Periods where a decided phase (manual or confirmed) starts: new limits there; suggestions are not used."""
    first = analysis.first_month
    n = len(analysis.points or [])
    if first is None:
        return ()
    starts = set()
    for decision in decisions:
        if decision.decision == PhaseDecision.Decision.REJECTED:
            continue
        index = month_between(first, decision.start_month)
        if 0 < index < n:
            starts.add(index)
    return tuple(sorted(starts))


def control_result(
    analysis: RunChartAnalysis, chart: str, decisions: list[PhaseDecision]
) -> dict[str, Any] | None:
    """The engine's to_dict() for this series, or None when its analysis is withheld from the viewer."""
    if (analysis.result or {}).get("withheld"):
        return None
    return control_chart(engine_values(analysis, chart), chart, _params(analysis, decisions)).to_dict()  # type: ignore[arg-type]


def _params(analysis: RunChartAnalysis, decisions: list[PhaseDecision]) -> RuleParams:
    """The collaborative's baseline and the series' decided phases."""
    return RuleParams(
        baseline_k=analysis.measure.collaborative.baseline_months,
        phase_starts=phase_starts(analysis, decisions),
    )


def control_view(
    analysis: RunChartAnalysis, chart: str, decisions: list[PhaseDecision]
) -> dict[str, Any] | None:
    """What a page shows for one series as one control chart: result, reading and figure; None if withheld."""
    result = control_result(analysis, chart, decisions)
    if result is None:
        return None
    return _view(analysis, chart, result)


def page_chart(analysis: RunChartAnalysis) -> str:
    """The chart a page of many charts draws for this series: its measure's own, or the nearest that suits."""
    return chosen_chart(analysis, None)


def control_views(
    charts: list[RunChartAnalysis], decisions: dict[int, list[PhaseDecision]]
) -> dict[int, dict[str, Any] | None]:
    """Each chart whose measure is drawn as a control chart, by the chart's id: as `control_view` gives it, or
    None when it is withheld from the viewer or not computed yet (run charts are left out). Computed in the
    engine's batch path: one pass per chart type, length and set of phases. `decisions` by chart id."""
    groups: dict[tuple[str, int, RuleParams], list[RunChartAnalysis]] = {}
    views: dict[int, dict[str, Any] | None] = {}
    for analysis in charts:
        chart = page_chart(analysis)
        if chart == "run":
            continue
        if analysis.result is None or analysis.result.get("withheld"):
            views[analysis.pk] = None
            continue
        params = _params(analysis, decisions.get(analysis.pk, []))
        groups.setdefault((chart, len(analysis.points or []), params), []).append(analysis)
    for (chart, length, params), members in groups.items():
        num, den = encode([engine_values(a, chart) for a in members], chart, length)  # type: ignore[arg-type]
        for analysis, result in zip(members, control_charts_arrays(num, den, chart, params), strict=True):  # type: ignore[arg-type]
            views[analysis.pk] = _view(analysis, chart, result.to_dict())
    return views


def _view(analysis: RunChartAnalysis, chart: str, result: dict[str, Any]) -> dict[str, Any]:
    reading = interpret(analysis, chart, result)
    return {
        "chart": chart,
        "name": CHART_LABELS[chart],
        "result": result,
        "reading": reading,
        "figure": control_figure(analysis, chart, result, reading),
        "element_id": f"control-{analysis.public_id}",
        "phased": len(result["phases"]) > 1,
    }


def goal_value(measure: Measure) -> float | None:
    """The goal in the engine's units (a proportion's 85 % is 0.85)."""
    if measure.goal is None:
        return None
    return float(measure.goal) / measure.display_multiplier


def _latest_run(result: dict[str, Any], phase: dict[str, Any]) -> tuple[int, int]:
    """(side, length) of the run of useful points that ends with the phase's latest useful point."""
    side, length = 0, 0
    for i in range(phase["end_index"], phase["start_index"] - 1, -1):
        y, cl = result["y"][i], result["cl"][i]
        if y is None or cl is None or y == cl:
            continue
        here = 1 if y > cl else -1
        if side and here != side:
            break
        side, length = here, length + 1
    return side, length


def _by_direction(side: str, measure: Measure) -> str:
    good = "high" if measure.direction == Measure.Direction.UP else "low"
    return "improvement" if side == good else "concern"


def interpret(analysis: RunChartAnalysis, chart: str, result: dict[str, Any]) -> Interpretation:
    """Special causes classed by the measure's direction, the variation icon and the assurance icon."""
    measure = analysis.measure
    first = analysis.first_month or dt.date.today()
    causes = []
    for i in result["sigma_signal_indices"]:
        y = result["y"][i]
        side = "high" if y > result["ucl"][i] else "low"
        kind = "neither" if chart == "mr" else _by_direction(side, measure)
        causes.append(SpecialCause(i, month_add(first, i), y, side, kind))
    observed = [i for i, y in enumerate(result["y"]) if y is not None]
    if not observed:
        return Interpretation(causes, "", "No data to judge yet.", "", "")
    latest = observed[-1]
    if result["ucl"][latest] is None:
        return Interpretation(
            causes, "", "No limits yet: too few months with data to judge the variation.", "", ""
        )
    phase = result["phases"][-1]
    variation, variation_text, side = (
        "common_cause",
        "Common cause variation: no special cause in the current phase.",
        "",
    )
    latest_cause = next((c for c in causes if c.index == latest), None)
    run_side, run_length = _latest_run(result, phase)
    useful = sum(
        1
        for i in observed
        if i >= phase["start_index"] and result["cl"][i] is not None and result["y"][i] != result["cl"][i]
    )
    runs_limit = anhoej_longest_run_max(max(1, useful))
    if latest_cause is not None:
        variation, side = latest_cause.kind, latest_cause.side
        variation_text = f"Special cause: the latest month is {'above the upper' if latest_cause.side == 'high' else 'below the lower'} limit."
    elif phase["anhoej_signal"] and run_side and run_length > runs_limit:
        side = "high" if run_side > 0 else "low"
        variation = "neither" if chart == "mr" else _by_direction(side, measure)
        variation_text = f"Special cause: the latest {run_length} months with data are all {'above' if run_side > 0 else 'below'} the centre line."
    elif phase["anhoej_signal"]:
        variation = "neither"
        variation_text = (
            "Non-random variation in the current phase (a long run or too few crossings of the centre line)."
        )
    elif any(c.index >= phase["start_index"] for c in causes):
        variation = "neither"
        variation_text = "Special cause earlier in the current phase; the latest month is within the limits."
    assurance, assurance_text, goal_side = _assurance(measure, chart, result, latest)
    if assurance and variation != "common_cause":
        assurance_text += (
            " The current phase shows special-cause variation, so its limits may not describe the process"
            " as it is now: once the change has held, start a new phase to recalculate them."
        )
    return Interpretation(causes, variation, variation_text, assurance, assurance_text, side, goal_side)


def _assurance(measure: Measure, chart: str, result: dict[str, Any], latest: int) -> tuple[str, str, str]:
    """Where the goal lies against the latest month's limits. 3-sigma limits hold nearly every month of a
    process that does not change, so a goal beyond them is met, or missed, consistently: every month."""
    goal = goal_value(measure)
    low, high = result["lcl"][latest], result["ucl"][latest]
    if goal is None or chart == "mr" or low is None or high is None:
        return "", "", ""
    shown = format_value(goal, measure)
    if low <= goal <= high:
        return (
            "inconsistent",
            f"The goal ({shown}) lies between the limits: hit and miss, the process will meet it in some "
            "months and miss it in others.",
            "inside",
        )
    goal_side = "below" if goal < low else "above"
    where = (
        f"The goal ({shown}) lies {'below the lower' if goal_side == 'below' else 'above the upper'} limit"
    )
    if (goal_side == "below") == (measure.direction == Measure.Direction.UP):
        return (
            "pass",
            f"{where}: while the process stays as it is, it will consistently meet the goal, every month.",
            goal_side,
        )
    return (
        "fail",
        f"{where}: while the process stays as it is, it will consistently miss the goal, every month; "
        "only a change to the process will meet it.",
        goal_side,
    )


def _display(value: float | None, scale: int) -> float | None:
    return None if value is None else round(value * scale, 6)


def _name_of(chart: str) -> str:
    return CHART_LABELS[chart].split(" (")[0]


def control_figure(
    analysis: RunChartAnalysis, chart: str, result: dict[str, Any], reading: Interpretation
) -> dict[str, Any]:
    """The plotly figure (data + layout), a one-sentence summary and a legend, in the run charts' shape."""
    measure = analysis.measure
    scale = 1 if chart == "mr" else measure.display_multiplier
    first = analysis.first_month or dt.date.today()
    months = [month_add(first, i).isoformat() for i in range(len(result["y"]))]
    percent = scale == 100
    unit = "%" if percent else ""
    values = [_display(v, scale) for v in result["y"]]
    what = "Moving range (change from the month before)" if chart == "mr" else "Monthly value"
    data: list[dict[str, Any]] = [
        {
            "type": "scatter", "mode": "lines+markers", "name": f"{what} (gaps are months with no data)",
            "x": months, "y": values, "connectgaps": False,
            "hovertemplate": "%{x|%b %Y}: %{y:.2f}" + unit + "<extra></extra>",
            "line": {"color": COLOURS["value"], "width": 2}, "marker": {"color": COLOURS["value"], "size": 7},
        },
        {
            "type": "scatter", "mode": "lines", "name": CENTRE_NAMES[chart], "x": months,
            "y": [_display(v, scale) for v in result["cl"]], "connectgaps": False, "hoverinfo": "skip",
            "line": {"color": COLOURS["centre"], "width": 2, "shape": "hvh"},
        },
    ]  # fmt: skip
    for key, name in (("ucl", "Upper limit (3 sigma)"), ("lcl", "Lower limit (3 sigma)")):
        data.append(
            {
                "type": "scatter", "mode": "lines", "name": name, "x": months,
                "y": [_display(v, scale) for v in result[key]], "connectgaps": False, "hoverinfo": "skip",
                "line": {"color": COLOURS["limit"], "width": 1.5, "dash": "dash", "shape": "hvh"},
            }
        )  # fmt: skip
    for kind, label in (("improvement", "Special cause: improvement"), ("concern", "Special cause: concern"),
                        ("neither", "Special cause: unusual change")):  # fmt: skip
        picked = [c for c in reading.special_causes if c.kind == kind]
        if picked:
            data.append(
                {
                    "type": "scatter", "mode": "markers", "name": label,
                    "x": [c.month.isoformat() for c in picked], "y": [_display(c.value, scale) for c in picked],
                    "hoverinfo": "skip",
                    "marker": {"color": COLOURS[kind], "size": 14, "symbol": "circle-open", "line": {"width": 3}},
                }
            )  # fmt: skip
    goal = goal_value(measure)
    if goal is not None and months and chart != "mr":
        data.append(
            {
                "type": "scatter", "mode": "lines", "name": f"Goal {float(measure.goal or 0):g}{unit}",
                "x": [months[0], months[-1]], "y": [_display(goal, scale)] * 2, "hoverinfo": "name",
                "line": {"color": COLOURS["goal"], "width": 2, "dash": "dot"},
            }
        )  # fmt: skip
    yaxis: dict[str, Any] = {"title": {"text": "Percent" if percent else _axis_title(measure, chart)}}
    bounds = _axis_bounds(measure, chart)
    if bounds is not None:
        yaxis["range"] = list(bounds)
    layout = {
        "margin": {"l": 56, "r": 16, "t": 16, "b": 48},
        "xaxis": {"type": "date", "tickformat": "%b %Y"},
        "yaxis": yaxis,
        "legend": {"orientation": "h", "y": -0.15, "yanchor": "top"},
    }
    legend = [
        f"{c.month:%b %Y}: {format_value(c.value, measure) if chart != 'mr' else f'{c.value:.2f}'} "
        f"{'above the upper' if c.side == 'high' else 'below the lower'} limit ({c.kind if c.kind != 'neither' else 'an unusual change'})"
        for c in reading.special_causes
    ]
    return {
        "data": data,
        "layout": layout,
        "legend": legend,
        "summary": _summary(analysis, chart, result, reading),
    }


def _axis_title(measure: Measure, chart: str) -> str:
    if chart == "mr":
        return "Moving range"
    if chart in ("u", "up") and measure.kind == Measure.Kind.COUNT:
        return "Count per reporting team"
    return measure.get_kind_display().split(" (")[0]


def _axis_bounds(measure: Measure, chart: str) -> tuple[float, float] | None:
    """The measure's own scale, so limits beyond what a value can be are drawn to the edge (the engine
    does not clamp I-chart limits, as qicharts2)."""
    if chart == "mr":
        return None
    if measure.kind == Measure.Kind.PROPORTION:
        return (-4, 104)
    if measure.kind == Measure.Kind.MEAN and measure.scale_max is not None:
        return (0, float(measure.scale_max) * 1.04)
    return None


def _summary(analysis: RunChartAnalysis, chart: str, result: dict[str, Any], reading: Interpretation) -> str:
    measure = analysis.measure
    n = sum(1 for y in result["y"] if y is not None)
    if not n:
        return f"{measure.name}, {_name_of(chart)}: no data yet."
    last = result["phases"][-1]
    cl = next(
        (
            result["cl"][i]
            for i in range(last["end_index"], last["start_index"] - 1, -1)
            if result["cl"][i] is not None
        ),
        None,
    )
    centre = (
        "" if cl is None else f", centre line {format_value(cl, measure) if chart != 'mr' else f'{cl:.2f}'}"
    )
    if chart != "mr":
        latest = max(i for i, y in enumerate(result["y"]) if y is not None)
        first = analysis.first_month or dt.date.today()
        centre += f", latest {format_value(result['y'][latest], measure)} in {month_add(first, latest):%B %Y}"
    causes = len(reading.special_causes)
    parts = [
        f"{measure.name}, {_name_of(chart)}: {n} {'moving ranges' if chart == 'mr' else 'months'}{centre}",
        f"{causes} month{'s' if causes != 1 else ''} outside the limits",
        reading.variation_text.rstrip("."),
    ]
    if reading.assurance_text:
        parts.append(reading.assurance_text.rstrip("."))
    return "; ".join(parts) + "."


# --- funnel plots ---------------------------------------------------------------------------------------

FUNNEL_Z = {"95%": 1.959963984540054, "99.8%": 3.090232306167813}  # two-sided normal quantiles


@dataclass(frozen=True)
class FunnelTeam:
    label: str
    numerator: int
    denominator: int
    rate: float
    outside: str  # "", "95%" or "99.8%": the widest limits the team is beyond
    side: str  # "high", "low" or ""


def funnel_limits(pooled: float, denominator: float, z: float, proportion: bool) -> tuple[float, float]:
    """pooled ± z·√(pooled(1 − pooled)/n) for a proportion, ± z·√(pooled/n) for a rate (Spiegelhalter 2005,
    normal approximation); clamped to [0, 1] and at 0 as the control charts are."""
    spread = math.sqrt((pooled * (1 - pooled) if proportion else pooled) / denominator)
    low, high = max(pooled - z * spread, 0.0), pooled + z * spread
    return low, min(high, 1.0) if proportion else high


def funnel_teams(totals: list[tuple[str, int, int]], pooled: float, proportion: bool) -> list[FunnelTeam]:
    """Each team's rate over the period against the limits at its own denominator."""
    out = []
    for label, num, den in totals:
        rate = num / den
        outside, side = "", ""
        for name in ("95%", "99.8%"):
            low, high = funnel_limits(pooled, den, FUNNEL_Z[name], proportion)
            if rate > high or rate < low:
                outside, side = name, "high" if rate > high else "low"
        out.append(FunnelTeam(label, num, den, rate, outside, side))
    return out


def funnel_figure(
    measure: Measure, teams: list[FunnelTeam], pooled: float, proportion: bool
) -> dict[str, Any]:
    scale = measure.display_multiplier
    unit = "%" if scale == 100 else ""
    # From half the smallest team to a fifth past the largest, denser where the funnel bends, and each team's own.
    bottom = max(1.0, min(t.denominator for t in teams) / 2)
    top = 1.2 * max(t.denominator for t in teams)
    steps = 80
    grid = sorted(
        {round(bottom * (top / bottom) ** (k / steps), 6) for k in range(steps + 1)}
        | {float(t.denominator) for t in teams}
    )
    data: list[dict[str, Any]] = []
    for name, dash in (("99.8%", "dash"), ("95%", "dot")):
        lows, highs = zip(*(funnel_limits(pooled, n, FUNNEL_Z[name], proportion) for n in grid), strict=True)
        for bound, ys in (("upper", highs), ("lower", lows)):
            data.append(
                {
                    "type": "scatter", "mode": "lines", "name": f"{name} limits" if bound == "upper" else f"{name} limits (lower)",
                    "showlegend": bound == "upper", "legendgroup": name, "x": grid,
                    "y": [_display(v, scale) for v in ys], "hoverinfo": "skip",
                    "line": {"color": COLOURS["limit"], "width": 1.5, "dash": dash},
                }
            )  # fmt: skip
    data.append(
        {
            "type": "scatter", "mode": "lines", "name": f"Pooled rate {format_value(pooled, measure)}",
            "x": [grid[0], grid[-1]], "y": [_display(pooled, scale)] * 2, "hoverinfo": "name",
            "line": {"color": COLOURS["centre"], "width": 2},
        }
    )  # fmt: skip
    groups = [("", "", "Teams within the 95% limits", COLOURS["value"], "circle")]
    for outside, symbol in (("95%", "diamond"), ("99.8%", "square")):
        for kind in ("improvement", "concern"):
            label = (
                f"Beyond the {outside} limits: {'better' if kind == 'improvement' else 'worse'} than the pool"
            )
            groups.append((outside, kind, label, COLOURS[kind], symbol))
    for outside, kind, label, colour, symbol in groups:
        picked = [
            t
            for t in teams
            if t.outside == outside and (not outside or _by_direction(t.side, measure) == kind)
        ]
        if not picked:
            continue
        data.append(
            {
                # Only the teams beyond the limits are labelled on the plot; the table names every team.
                "type": "scatter", "mode": "markers+text" if outside else "markers", "name": label,
                "x": [t.denominator for t in picked], "y": [_display(t.rate, scale) for t in picked],
                "text": [t.label for t in picked], "textposition": "top center", "textfont": {"size": 11},
                "hovertemplate": "%{text}: %{y:.1f}" + unit + " of %{x}<extra></extra>",
                "marker": {"color": colour, "size": 10, "symbol": symbol},
            }
        )  # fmt: skip
    layout = {
        "margin": {"l": 56, "r": 16, "t": 16, "b": 56},
        "xaxis": {"title": {"text": "Denominator over the period"}, "rangemode": "tozero"},
        "yaxis": {"title": {"text": "Percent" if unit else "Rate"}, **({"range": [-4, 104]} if unit else {})},
        "legend": {"orientation": "h", "y": -0.25, "yanchor": "top"},
    }
    return {"data": data, "layout": layout}


@dataclass(frozen=True)
class Funnel:
    """One measure's funnel over a period, as one viewer may see it."""

    teams: list[FunnelTeam]
    pooled: float | None
    pooled_from: str  # "aggregate" or "teams"
    not_shown: int  # teams with a month hidden (small counts) or figures withheld in the period
    no_data: int
    figure: dict[str, Any] | None


def _period_sum(points: list[dict[str, Any]], first: dt.date, last: dt.date) -> tuple[int, int, bool]:
    """(Σ numerator, Σ denominator, whether a month in the period is hidden from the viewer)."""
    num = den = 0
    hidden = False
    for point in points:
        month = dt.date.fromisoformat(point["month"])
        if not first <= month <= last:
            continue
        hidden |= bool(point.get("suppressed"))
        if point["numerator"] is not None and point["denominator"]:
            num += point["numerator"]
            den += point["denominator"]
    return num, den, hidden


def funnel(
    measure: Measure,
    team_charts: list[tuple[RunChartAnalysis, str]],
    aggregate: RunChartAnalysis | None,
    first: dt.date,
    last: dt.date,
) -> Funnel:
    """Each labelled team chart (the viewer's copies) summed over first..last against the pooled rate.

    A team with any month of the period hidden from the viewer, or whose figures are withheld, is left
    out (its total would be wrong, or would show what is hidden). The pooled rate is the collaborative
    aggregate's over the period when the viewer sees all of it, else the plotted teams' own.
    """
    proportion = measure.kind == Measure.Kind.PROPORTION
    totals, not_shown, no_data = [], 0, 0
    for chart, label in team_charts:
        num, den, hidden = _period_sum(chart.points or [], first, last)
        if hidden or (chart.result or {}).get("withheld"):
            not_shown += 1
        elif den == 0:
            no_data += 1
        else:
            totals.append((label, num, den))
    pooled, source = None, "teams"
    if aggregate is not None:
        num, den, hidden = _period_sum(aggregate.points or [], first, last)
        if den and not hidden:
            pooled, source = num / den, "aggregate"
    if pooled is None and totals:
        pooled = sum(t[1] for t in totals) / sum(t[2] for t in totals)
    if pooled is None or not totals:
        return Funnel([], pooled, source, not_shown, no_data, None)
    teams = funnel_teams(totals, pooled, proportion)
    return Funnel(
        teams, pooled, source, not_shown, no_data, funnel_figure(measure, teams, pooled, proportion)
    )
