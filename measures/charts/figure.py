"""One run-chart figure, built from a stored analysis: the only place that knows how a run chart looks.

Pages embed the returned dict with `json_script` and static/js/runchart.js hands it to plotly.js, so
nothing is computed in the browser and nothing statistical is computed here: every median, phase and
signal comes from the stored engine result.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from measures.models import Measure, RunChartAnalysis

COLOURS = {  # Okabe–Ito palette: distinguishable with colour-vision deficiency, ≥ 3:1 against white
    "value": "#0b3d6b",
    "median": "#444444",
    "goal": "#009e73",
    "shift": "#d55e00",
    "trend": "#cc79a7",
}


@dataclass(frozen=True)
class ChartNote:
    """A labelled month on the chart: an annotation or a PDSA cycle."""

    month: dt.date
    text: str


# Later apps (pdsa) add labelled months to a team's charts without measures importing them (issue 6).
NoteSource = Callable[..., list[ChartNote]]
_NOTE_SOURCES: list[NoteSource] = []


def register_note_source(source: NoteSource) -> None:
    """Add `source(*, user, team, measure) -> [ChartNote]`; it must return only what `user` may see."""
    if source not in _NOTE_SOURCES:
        _NOTE_SOURCES.append(source)


def team_chart_notes(*, user: Any, team: Any, measure: Measure) -> list[ChartNote]:
    """The registered sources' notes for one team's chart of one measure, as `user` may see them."""
    return [note for source in _NOTE_SOURCES for note in source(user=user, team=team, measure=measure)]


def _scale(measure: Measure) -> int:
    return measure.display_multiplier


def _display(value: float | None, scale: int) -> float | None:
    return None if value is None else round(value * scale, 6)


def _unit(measure: Measure) -> str:
    return "%" if measure.kind == Measure.Kind.PROPORTION else ""


def value_format(measure: Measure) -> Callable[[float], str]:
    """format_value for one measure's values, its scale and unit looked up once (a dashboard formats 1,750)."""
    scale = _scale(measure)
    if measure.kind == Measure.Kind.PROPORTION:
        return lambda value: f"{value * scale:.0f}%"
    return lambda value: f"{value * scale:.2f}"


def format_value(value: float | None, measure: Measure) -> str:
    """A stored (unscaled) value as people read it: 72% for proportions, 4.13 for mean scores."""
    return "no median" if value is None else value_format(measure)(value)


def _segments(result: dict[str, Any], n: int) -> list[dict[str, Any]]:
    """Centre-line segments: each phase's median over its own periods; a single line when there are none."""
    phases = result.get("phases")
    if phases:
        return phases
    baseline = result.get("baseline") or {}
    return [
        {
            "start_index": 0,
            "end_index": n - 1,
            "median": result["median"],
            "provisional": baseline.get("provisional", False),
            "median_window": baseline.get("window"),
            "n_window": baseline.get("n_window"),
            "shifts": result["shifts"],
            "trends": result["trends"],
            "trigger": None,
        }
    ]


def _median_name(
    index: int, segment: dict[str, Any], result: dict[str, Any], months: list[str], measure: Measure
) -> str:
    value = format_value(segment["median"], measure)
    n_window = segment.get("n_window")
    if index > 0:
        start = dt.date.fromisoformat(months[segment["start_index"]])
        provisional = f" (provisional: {n_window} points so far)" if segment.get("provisional") else ""
        return f"Shifted median {value} from {start:%b %Y}{provisional}"
    if result.get("centre") == "baseline_median":
        k = (result.get("baseline") or {}).get("k")
        if segment.get("provisional"):
            return f"Baseline median {value} (provisional: {n_window} of {k} baseline points so far)"
        return f"Baseline median {value} (first {k} points, frozen and extended)"
    return f"Median {value}"


def runchart_figure(*, analysis: RunChartAnalysis, notes: list[ChartNote] | None = None) -> dict[str, Any]:
    """The plotly figure (data + layout) and a plain-language summary for one stored analysis."""
    measure = analysis.measure
    scale = _scale(measure)
    points = analysis.points or []
    result = analysis.result or {}
    months = [p["month"] for p in points]
    values = [_display(p["value"], scale) for p in points]
    aggregate = analysis.kind != RunChartAnalysis.Kind.TEAM
    customdata = [
        [p["numerator"], p["denominator"], p.get("n_teams_reporting")]
        if aggregate
        else [p["numerator"], p["denominator"]]
        for p in points
    ]
    unit = _unit(measure)
    hover = "%{x|%b %Y}: %{y:.1f}" + unit + "<br>%{customdata[0]} / %{customdata[1]}"
    if aggregate:
        hover += "<br>%{customdata[2]} teams reporting"
    data: list[dict[str, Any]] = [
        {
            "type": "scatter",
            "mode": "lines+markers",
            "name": "Monthly value (gaps are months with no data)",
            "x": months,
            "y": values,
            "customdata": customdata,
            "connectgaps": False,
            "hovertemplate": hover + "<extra></extra>",
            "line": {"color": COLOURS["value"], "width": 2},
            "marker": {"color": COLOURS["value"], "size": 7},
        }
    ]
    legend: list[str] = []
    shift_indices: set[int] = set()
    trend_indices: set[int] = set()

    def note_shifts(shifts: list[dict[str, Any]], against: str) -> None:
        for shift in shifts:
            shift_indices.update(shift["indices"])
            start = dt.date.fromisoformat(months[shift["start_index"]])
            legend.append(
                f"{shift['length']} points in a row {shift['side']} the {against} from {start:%b %Y}: a shift"
            )

    if result.get("median") is not None and months:
        segments = _segments(result, len(months))
        for i, segment in enumerate(segments):
            first, last = segment["start_index"], segment["end_index"]
            name = _median_name(i, segment, result, months, measure)
            dash = "dot" if segment.get("provisional") else "solid"
            data.append(
                {
                    "type": "scatter",
                    "mode": "lines",
                    "name": name,
                    "x": [months[first], months[last]],
                    "y": [_display(segment["median"], scale)] * 2,
                    "hoverinfo": "name",
                    "line": {"color": COLOURS["median"], "width": 2, "dash": dash},
                }
            )
            legend.append(name)
        # Shifts against the first centre line are what re-based the chart; later phases' own shifts follow.
        note_shifts(
            result.get("shifts", []),
            "baseline median" if result.get("centre") == "baseline_median" else "median",
        )
        for segment in segments[1:]:
            note_shifts(segment.get("shifts", []), "shifted median")
        for trend in result.get("trends", []):
            trend_indices.update(
                j
                for j in range(trend["start_index"], trend["end_index"] + 1)
                if points[j]["value"] is not None
            )
            start = dt.date.fromisoformat(months[trend["start_index"]])
            legend.append(f"{trend['length']} points going {trend['direction']} from {start:%b %Y}: a trend")
    for indices, key, name in (
        (shift_indices, "shift", "Shift: 6 or more points in a row on one side of the median"),
        (trend_indices, "trend", "Trend: 5 or more points going up or down"),
    ):
        if indices:
            ordered = sorted(indices)
            data.append(
                {
                    "type": "scatter",
                    "mode": "markers",
                    "name": name,
                    "x": [months[j] for j in ordered],
                    "y": [values[j] for j in ordered],
                    "hoverinfo": "skip",
                    "marker": {
                        "color": COLOURS[key],
                        "size": 13,
                        "symbol": "circle-open" if key == "shift" else "diamond-open",
                        "line": {"width": 3},
                    },
                }
            )
    if measure.goal is not None and months:
        goal = float(measure.goal)
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "name": f"Goal {goal:g}{unit}",
                "x": [months[0], months[-1]],
                "y": [goal, goal],
                "hoverinfo": "name",
                "line": {"color": COLOURS["goal"], "width": 2, "dash": "dash"},
            }
        )
    if result.get("anhoej_signal"):
        legend.append(
            f"Anhøj rules: non-random variation (longest run {result['longest_run']}, limit {result['longest_run_max']}; "
            f"crossings {result['n_crossings']}, minimum {result['n_crossings_min']})"
        )
    if result.get("n_useful", 0) < 10 and result.get("n_obs"):
        legend.append("Too few useful points for the runs rule (fewer than 10 off the median)")
    layout = {
        "margin": {"l": 56, "r": 16, "t": 16, "b": 48},
        "xaxis": {"type": "date", "tickformat": "%b %Y"},
        "yaxis": {
            "title": {"text": "Percent" if unit else measure.get_kind_display().split(" (")[0]},
            # A little room past 0 and 100 so markers at the limits are drawn whole.
            **({"range": [-4, 104]} if unit else {}),
            "rangemode": "tozero",
        },
        "legend": {"orientation": "h", "y": -0.15, "yanchor": "top"},
        "shapes": [
            {
                "type": "line",
                "xref": "x",
                "yref": "paper",
                "x0": note.month.isoformat(),
                "x1": note.month.isoformat(),
                "y0": 0,
                "y1": 1,
                "line": {"color": "#767676", "width": 1, "dash": "dot"},
            }
            for note in notes or []
        ],
        "annotations": [
            {
                "x": note.month.isoformat(),
                "xref": "x",
                "yref": "paper",
                "y": 1,
                "text": note.text,
                "showarrow": False,
                "xanchor": "left",
                "font": {"size": 11},
            }
            for note in notes or []
        ],
    }
    return {"data": data, "layout": layout, "legend": legend, "summary": chart_summary(analysis)}


def chart_summary(analysis: RunChartAnalysis) -> str:
    """One sentence a screen reader user gets instead of the picture."""
    measure = analysis.measure
    result = analysis.result or {}
    if result.get("withheld"):
        return (
            f"{measure.name}: this team's median and signals are not shown to you: a third or more of its "
            "months have counts too small to show for this sensitive measure."
        )
    if not result or result.get("n_obs", 0) == 0:
        return f"{measure.name}: no data yet."
    segments = result.get("phases") or []
    current = segments[-1]["median"] if segments else result["median"]
    points = analysis.points or []
    latest = next((p for p in reversed(points) if p["value"] is not None), None)
    parts = [
        f"{measure.name}: {result['n_obs']} months of data",
        f"current median {format_value(current, measure)}",
    ]
    if latest:
        parts.append(
            f"latest {format_value(latest['value'], measure)} in {dt.date.fromisoformat(latest['month']):%B %Y}"
        )
    if len(segments) > 1:
        parts.append(f"{len(segments) - 1} shifted median{'s' if len(segments) > 2 else ''}")
    if result.get("shift_present"):
        parts.append("a shift")
    if result.get("trend_present"):
        parts.append("a trend")
    return ", ".join(parts) + "."
