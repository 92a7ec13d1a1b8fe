"""How a run chart looks: one drawable model of a stored chart, rendered as a plotly figure, an SVG and CSV rows.

Plain inputs in (the stored points and engine result, the measure's facts, the notes), so the model can
be fed from any reader of stored charts. Nothing statistical is computed here: centre lines and signals
come from the engine's result, their meaning from `measures.interpretation`. The web figure (plotly's
`graph_objects`, drawn by plotly.js from JSON), the printed SVG and the CSV are all made from the same
`ChartModel`, so the three cannot disagree. Limit lines are optional, for charts that have them.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

import plotly.graph_objects as go

from measures.interpretation import (
    COHORT_REPORTING_FLOOR,
    Interpretation,
    MeasureFacts,
    interpret,
    summary_sentence,
)

# Okabe–Ito colours, each at least 3:1 against white; improvement and concern also differ in shape and words.
INK = "#0b3d6b"
HOLLOW = "#ffffff"
FLOOR_KEY = (
    f"Hollow point: fewer than {COHORT_REPORTING_FLOOR.numerator} in {COHORT_REPORTING_FLOOR.denominator} "
    "of the teams reported that month, so the pooled value may move because of who reported; the rules "
    "leave it out"
)
FLOOR_HOVER = "<br>too few teams reporting: left out by the rules"
CENTRE = "#444444"
GOAL = "#00755a"
NOTE = "#595959"
VERDICT_COLOURS = {"improvement": "#0072b2", "concern": "#d55e00", "neutral": "#882e72"}
SHIFT_SYMBOLS = {"improvement": "circle-open", "concern": "square-open", "neutral": "diamond-open"}
TREND_DASH = {"improvement": "solid", "concern": "dash", "neutral": "dot"}
NOTE_WIDTH_PX = 32  # the widest numbered marker ("17–18"), and a little air
NARROWEST_PLOT_PX = 280  # the plot area on a 390 px phone: markers are spaced for it, so they never touch
NOTE_ROW_PX = 22


@dataclass(frozen=True)
class Note:
    """A labelled month: a team's or the collaborative's note, or a PDSA cycle (with its page)."""

    month: dt.date
    text: str
    url: str = ""


@dataclass(frozen=True)
class LimitLine:
    """An extra line over the chart's months, e.g. a control chart's limit (None where it has none)."""

    name: str
    values: Sequence[float | None]  # stored units, one per month
    dash: str = "dash"


@dataclass(frozen=True)
class FigureInput:
    """One stored chart, as plain values."""

    facts: MeasureFacts
    points: Sequence[dict[str, Any]]  # month, numerator, denominator, value (stored units), …
    result: dict[str, Any] | None
    title: str  # who the chart is about: "Agency A", "SRR CoIIN, all teams"
    notes: Sequence[Note] = ()
    aggregate: bool = False
    limit_lines: Sequence[LimitLine] = ()


@dataclass(frozen=True)
class PlacedNote:
    """A note with its number; `row` is its place in the band above the plot (None: listed, not plotted)."""

    number: int
    month: dt.date
    text: str
    url: str
    row: int | None

    @property
    def plotted(self) -> bool:
        return self.row is not None


@dataclass(frozen=True)
class Mark:
    """One judged signal as drawn: its points in display units."""

    rule: str
    verdict: str
    x: tuple[str, ...]
    y: tuple[float, ...]
    text: str


@dataclass(frozen=True)
class ChartModel:
    """Everything every rendering of one chart draws, in display units (72 for 72%)."""

    facts: MeasureFacts
    title: str
    months: tuple[str, ...]
    values: tuple[float | None, ...]
    customdata: tuple[tuple[Any, ...], ...]
    aggregate: bool
    reading: Interpretation
    centre_lines: tuple[
        tuple[str, str, float, bool, str], ...
    ]  # first month, last month, value, provisional, label
    limit_lines: tuple[tuple[str, tuple[float | None, ...], str], ...]
    goal: float | None
    marks: tuple[Mark, ...]
    notes: tuple[PlacedNote, ...]
    note_rows: int
    y_range: tuple[float, float]
    summary: str
    # Aggregate months too few of the cohort reported (docs/runchart.md §8.2): drawn hollow, not judged.
    below_floor: frozenset[int] = frozenset()

    @property
    def x_range(self) -> tuple[str, str]:
        """The data's months and half a month either side: never stretched by a note."""
        first, last = dt.date.fromisoformat(self.months[0]), dt.date.fromisoformat(self.months[-1])
        return (str(first - dt.timedelta(days=15)), str(last + dt.timedelta(days=15)))

    @property
    def export_title(self) -> str:
        """The picture's heading when downloaded: measure, who, months."""
        span = ""
        if self.months:
            first, last = dt.date.fromisoformat(self.months[0]), dt.date.fromisoformat(self.months[-1])
            span = f" · {first:%b %Y} to {last:%b %Y}"
        return f"{self.facts.name} · {self.title}{span}"


def _display(value: float | None, facts: MeasureFacts) -> float | None:
    return None if value is None else round(value * facts.multiplier, 6)


def _y_range(facts: MeasureFacts, tops: Sequence[float | None]) -> tuple[float, float]:
    """Proportions 0–100%, mean scores their whole scale, counts from 0 to a little above the highest."""
    if facts.kind == "proportion":
        return (0.0, 100.0)
    if facts.kind == "mean" and facts.scale_max is not None:
        return (0.0, float(facts.scale_max))
    top = max((t for t in tops if t is not None), default=0.0)
    return (0.0, top * 1.1 if top > 0 else 1.0)


def place_notes(notes: Sequence[Note], months: Sequence[str]) -> tuple[tuple[PlacedNote, ...], int]:
    """Number the notes by month; plot those inside the data's months in rows, far enough apart that two
    markers never touch on the narrowest screen. One marker per month carries all that month's numbers."""
    ordered = sorted(enumerate(notes), key=lambda pair: (pair[1].month, pair[0]))
    index = {m: i for i, m in enumerate(months)}
    gap = max(1, math.ceil(NOTE_WIDTH_PX * len(months) / NARROWEST_PLOT_PX))
    row_ends: list[int] = []  # per row, the last month index used
    rows_by_month: dict[int, int] = {}
    placed = []
    for number, (_, note) in enumerate(ordered, 1):
        i = index.get(note.month.isoformat())
        if i is None:
            placed.append(PlacedNote(number, note.month, note.text, note.url, None))
            continue
        if i not in rows_by_month:
            row = next((r for r, end in enumerate(row_ends) if i - end >= gap), None)
            if row is None:
                row = len(row_ends)
                row_ends.append(i)
            row_ends[row] = i
            rows_by_month[i] = row
        placed.append(PlacedNote(number, note.month, note.text, note.url, rows_by_month[i]))
    return tuple(placed), len(row_ends)


def chart_model(inp: FigureInput) -> ChartModel:
    facts = inp.facts
    points = list(inp.points)
    months = tuple(str(p["month"]) for p in points)
    values = tuple(_display(p["value"], facts) for p in points)
    # A median's stored pair is the median itself (7/2); what a reader wants beside it is how many cases.
    counts = (
        (lambda p: (p.get("n_cases"), None))
        if facts.kind == "median"
        else (lambda p: (p["numerator"], p["denominator"]))
    )
    customdata = tuple(
        (*counts(p), p.get("n_teams_reporting"), FLOOR_HOVER if p.get("below_reporting_floor") else "")
        if inp.aggregate
        else counts(p)
        for p in points
    )
    reading = interpret(inp.result, points, facts)
    centre_lines = tuple(
        (months[c.start_index], months[c.end_index], _display(c.median, facts) or 0.0, c.provisional, c.label)
        for c in reading.centre_lines
    )
    limit_lines = tuple(
        (line.name, tuple(_display(v, facts) for v in line.values), line.dash) for line in inp.limit_lines
    )
    goal = None if facts.goal is None else float(facts.goal)
    # A month hidden from this viewer (small-cell suppression) has no value to mark.
    shown = [
        (s, [(months[i], v) for i in s.indices if (v := values[i]) is not None]) for s in reading.signals
    ]
    marks = tuple(
        Mark(s.rule, s.verdict, tuple(m for m, _ in pairs), tuple(v for _, v in pairs), s.text)
        for s, pairs in shown
    )
    notes, rows = place_notes(inp.notes, months)
    tops = [*values, goal, *(c[2] for c in centre_lines), *(v for line in limit_lines for v in line[1])]
    return ChartModel(
        facts=facts,
        title=inp.title,
        months=months,
        values=values,
        customdata=customdata,
        aggregate=inp.aggregate,
        reading=reading,
        centre_lines=centre_lines,
        limit_lines=limit_lines,
        goal=goal,
        marks=marks,
        notes=notes,
        note_rows=rows,
        y_range=_y_range(facts, tops),
        summary=summary_sentence(reading, facts, points, inp.result),
        below_floor=frozenset(
            i for i, p in enumerate(points) if p.get("below_reporting_floor") and values[i] is not None
        ),
    )


def _signal_name(rule: str, verdict: str) -> str:
    what = (
        "6 or more points in a row on one side of the median"
        if rule == "shift"
        else "5 or more points going one way"
    )
    return f"{rule.capitalize()}, {verdict}: {what}"


def plotly_figure(model: ChartModel, *, height: int) -> dict[str, Any]:
    """The plotly figure (data and layout) as JSON-ready dicts, built with plotly's graph_objects.

    `height` is for the plot; a band of notes above it makes the figure taller (`layout.height`)."""
    facts, unit = model.facts, model.facts.unit
    counts = (
        "median of %{customdata[0]} cases"
        if facts.kind == "median"
        else "%{customdata[0]} / %{customdata[1]}"
    )
    hover = "%{x|%b %Y}: %{y:.1f}" + unit + "<br>" + counts
    if model.aggregate:
        hover += "<br>%{customdata[2]} teams reporting"
        if model.below_floor:
            hover += "%{customdata[3]}"
    traces: list[go.Scatter] = []
    # Trends first: a broad band under the points, so a point in a trend and a shift shows both.
    for verdict in VERDICT_COLOURS:
        trend = [m for m in model.marks if m.rule == "trend" and m.verdict == verdict]
        if trend:
            x: list[str | None] = []
            y: list[float | None] = []
            for m in trend:
                x += [*m.x, None]
                y += [*m.y, None]
            traces.append(
                go.Scatter(
                    x=x[:-1], y=y[:-1], mode="lines", name=_signal_name("trend", verdict),
                    line={"color": VERDICT_COLOURS[verdict], "width": 9, "dash": TREND_DASH[verdict]},
                    opacity=0.45, hoverinfo="skip", connectgaps=False,
                )
            )  # fmt: skip
    traces.append(
        go.Scatter(
            x=list(model.months), y=list(model.values), customdata=[list(c) for c in model.customdata],
            mode="lines+markers", name="Monthly value (gaps are months with no data)", connectgaps=False,
            hovertemplate=hover + "<extra></extra>", line={"color": INK, "width": 2},
            marker=_point_markers(model), cliponaxis=False,
        )
    )  # fmt: skip
    for first, last, value, provisional, label in model.centre_lines:
        traces.append(
            go.Scatter(
                x=[first, last], y=[value, value], mode="lines", name=label, hoverinfo="name",
                line={"color": CENTRE, "width": 2, "dash": "dot" if provisional else "solid"},
            )
        )  # fmt: skip
    for name, values, dash in model.limit_lines:
        traces.append(
            go.Scatter(
                x=list(model.months), y=list(values), mode="lines", name=name, hoverinfo="name",
                line={"color": CENTRE, "width": 1, "dash": dash}, connectgaps=False,
            )
        )  # fmt: skip
    if model.goal is not None and model.months:
        traces.append(
            go.Scatter(
                x=[model.months[0], model.months[-1]], y=[model.goal, model.goal], mode="lines",
                name=f"Goal {facts.format(facts.target)}", hoverinfo="name",
                line={"color": GOAL, "width": 2, "dash": "dash"},
            )
        )  # fmt: skip
    for verdict in VERDICT_COLOURS:
        shifts = [m for m in model.marks if m.rule == "shift" and m.verdict == verdict]
        if shifts:
            traces.append(
                go.Scatter(
                    x=[x for m in shifts for x in m.x], y=[y for m in shifts for y in m.y], mode="markers",
                    name=_signal_name("shift", verdict),
                    hovertext=[m.text for m in shifts for _ in m.x], hoverinfo="text", cliponaxis=False,
                    marker={"color": VERDICT_COLOURS[verdict], "size": 17, "symbol": SHIFT_SYMBOLS[verdict],
                            "line": {"width": 2.5, "color": VERDICT_COLOURS[verdict]}},
                )
            )  # fmt: skip
    plotted = [n for n in model.notes if n.plotted]
    band = model.note_rows * NOTE_ROW_PX + 8 if plotted else 0
    top_margin = 12
    height += band  # the notes' band adds to the chart's height: the data keep theirs
    plot_px = height - top_margin - 40
    split = 1 - band / plot_px if band else 1.0
    if plotted:
        by_month: dict[tuple[dt.date, int], list[PlacedNote]] = {}
        for n in plotted:
            by_month.setdefault((n.month, n.row or 0), []).append(n)
        groups = list(by_month.items())
        traces.append(
            go.Scatter(
                x=[m.isoformat() for (m, _), _ in groups], y=[row for (_, row), _ in groups], yaxis="y2",
                mode="markers+text", name="Notes (numbered; listed under the chart)",
                text=[_group_label(ns) for _, ns in groups], textfont={"size": 10, "color": "#1a1a1a"},
                hovertext=["<br>".join(f"{n.number}. {n.month:%b %Y}: {escape(n.text)}" for n in ns) for _, ns in groups],
                hoverinfo="text", cliponaxis=False, showlegend=False,
                marker={"symbol": "circle", "size": [_note_size(ns) for _, ns in groups],
                        "color": "#ffffff", "line": {"color": NOTE, "width": 1.5}},
            )
        )  # fmt: skip
    y0, y1 = model.y_range
    layout = go.Layout(
        template="none",
        height=height,
        margin={"l": 56, "r": 20, "t": top_margin, "b": 40},
        showlegend=False,
        hovermode="closest",
        font={"family": "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif", "size": 12, "color": "#1a1a1a"},
        xaxis={"type": "date", "range": list(model.x_range) if model.months else None, "tickformat": "%b %Y",
               "showgrid": False, "linecolor": "#767676", "ticks": "outside", "automargin": True},
        yaxis={"range": [y0, y1], "domain": [0, split - (0.04 if band else 0)], "ticksuffix": unit,
               "title": {"text": _y_title(facts, model.aggregate)}, "gridcolor": "#e5e5e5", "zeroline": False,
               "linecolor": "#767676", "automargin": True},
        shapes=[
            {"type": "line", "xref": "x", "yref": "paper", "x0": n.month.isoformat(), "x1": n.month.isoformat(),
             "y0": 0, "y1": split, "line": {"color": "#b0b0b0", "width": 1, "dash": "dot"}, "layer": "below"}
            for n in {n.month: n for n in plotted}.values()
        ],
    )  # fmt: skip
    if band:
        layout.update(
            yaxis2={"domain": [split, 1], "range": [model.note_rows - 0.5, -0.5], "visible": False,
                    "fixedrange": True, "anchor": "x"}
        )  # fmt: skip
    return go.Figure(data=traces, layout=layout).to_plotly_json()


def _point_markers(model: ChartModel) -> dict[str, Any]:
    """Filled points; hollow, outlined in the same ink, where too few of the cohort reported."""
    if not model.below_floor:
        return {"color": INK, "size": 7}
    colours = [HOLLOW if i in model.below_floor else INK for i in range(len(model.months))]
    return {"color": colours, "size": 7, "line": {"color": INK, "width": 1.5}}


def _glyph(body: str) -> str:
    return f'<svg class="runchart-glyph" width="22" height="14" viewBox="0 0 22 14" aria-hidden="true">{body}</svg>'


def _line_glyph(colour: str, dash: str = "", width: int = 2) -> str:
    return _glyph(f'<line x1="1" x2="21" y1="7" y2="7" stroke="{colour}" stroke-width="{width}"{dash}/>')


_SHIFT_GLYPHS = {
    "improvement": '<circle cx="11" cy="7" r="5.5" fill="none" stroke-width="2" stroke="{c}"/>',
    "concern": '<rect x="5.5" y="1.5" width="11" height="11" fill="none" stroke-width="2" stroke="{c}"/>',
    "neutral": '<polygon points="11,0.5 17.5,7 11,13.5 4.5,7" fill="none" stroke-width="2" stroke="{c}"/>',
}


def key(model: ChartModel) -> list[tuple[str, str]]:
    """The chart's explanation, one claim a line, each with the glyph that draws it on the chart (markup
    built from constants only) or "" for words with no mark."""
    reading = model.reading
    out = [(_line_glyph(INK), "Monthly value (gaps are months with no data)")] if model.months else []
    if model.below_floor:
        out.append(
            (
                _glyph(f'<circle cx="11" cy="7" r="3.5" fill="{HOLLOW}" stroke="{INK}" stroke-width="1.5"/>'),
                FLOOR_KEY,
            )
        )
    for *_, provisional, label in model.centre_lines:
        out.append((_line_glyph(CENTRE, ' stroke-dasharray="2 3"' if provisional else ""), label))
    if model.goal is not None and model.months:
        out.append(
            (_line_glyph(GOAL, ' stroke-dasharray="6 4"'), f"Goal {model.facts.format(model.facts.target)}")
        )
    for signal in reading.signals:
        colour = VERDICT_COLOURS[signal.verdict]
        if signal.rule == "shift":
            glyph = _glyph(_SHIFT_GLYPHS[signal.verdict].format(c=colour))
        else:
            dash = {"solid": "", "dash": ' stroke-dasharray="6 3"', "dot": ' stroke-dasharray="2 3"'}
            glyph = _line_glyph(colour, dash[TREND_DASH[signal.verdict]] + ' stroke-opacity="0.6"', 7)
        out.append((glyph, signal.text))
    shown = {text for _, text in out} | {reading.aim.text if reading.aim else ""}  # the aim has its own line
    out += [("", line) for line in reading.lines if line not in shown]
    return out


def _y_title(facts: MeasureFacts, aggregate: bool = False) -> str:
    """The value axis's words; an aggregate of a count is the mean count per reporting team (§8.1)."""
    if facts.kind == "proportion":
        return "Percent"
    if facts.kind == "mean":
        return f"Mean score (0–{facts.scale_max})" if facts.scale_max is not None else "Mean score"
    if facts.kind == "median":
        return "Median"
    return "Mean count per team" if aggregate else "Count"


def _note_size(notes: Sequence[PlacedNote]) -> int:
    """A marker wide enough for its label: "7", "17" or "17–18"."""
    return {1: 18, 2: 21}.get(len(_group_label(notes)), 30)


def _group_label(notes: Sequence[PlacedNote]) -> str:
    first, last = notes[0].number, notes[-1].number
    return str(first) if first == last else f"{first}–{last}"


# --- SVG, for print (weasyprint draws inline SVG; plotly's static export would need kaleido) ---

SVG_WIDTH, SVG_PLOT_HEIGHT = 640, 200
SVG_LEFT, SVG_RIGHT, SVG_TOP, SVG_BOTTOM = 56, 16, 12, 36


def svg(model: ChartModel) -> str:
    """The same chart as markup: points, centre lines, goal, signals and numbered notes from the model.

    Each drawn element carries its month and value in data- attributes, which tests compare with the
    web figure."""
    n = len(model.months)
    band = model.note_rows * NOTE_ROW_PX + 8 if any(p.plotted for p in model.notes) else 0
    height = SVG_TOP + band + SVG_PLOT_HEIGHT + SVG_BOTTOM
    plot_w = SVG_WIDTH - SVG_LEFT - SVG_RIGHT
    top = SVG_TOP + band
    y0, y1 = model.y_range

    def x(i: int) -> float:
        # Half a month either side, as on the web: the x-axis spans the data only.
        return SVG_LEFT + plot_w * (i + 0.5) / max(n, 1)

    def y(v: float) -> float:
        return top + SVG_PLOT_HEIGHT * (1 - (v - y0) / ((y1 - y0) or 1))

    index = {m: i for i, m in enumerate(model.months)}
    title = f"Run chart: {model.export_title}"
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {SVG_WIDTH} {height}" width="{SVG_WIDTH}" '
        f'height="{height}" role="img" aria-label="{escape(title, {chr(34): "&quot;"})}">',
        f"<title>{escape(title)}</title>",
        f"<desc>{escape(model.summary)}</desc>",
    ]
    for fraction in (0, 0.5, 1):
        v = y0 + (y1 - y0) * fraction
        out.append(
            f'<line x1="{SVG_LEFT}" x2="{SVG_WIDTH - SVG_RIGHT}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="#e5e5e5"/>'
        )
        label = f"{v:g}{model.facts.unit}"
        out.append(
            f'<text x="{SVG_LEFT - 6}" y="{y(v) + 4:.1f}" font-size="11" text-anchor="end" fill="#1a1a1a">{label}</text>'
        )
    for m in model.marks:
        if m.rule == "trend":
            pts = " ".join(f"{x(index[mx]):.1f},{y(my):.1f}" for mx, my in zip(m.x, m.y, strict=True))
            dash = {"solid": "", "dash": ' stroke-dasharray="10 6"', "dot": ' stroke-dasharray="2 5"'}[
                TREND_DASH[m.verdict]
            ]
            out.append(
                f'<polyline class="signal trend {m.verdict}" data-x="{" ".join(m.x)}" fill="none" '
                f'stroke="{VERDICT_COLOURS[m.verdict]}" stroke-opacity="0.45" stroke-width="9"{dash} points="{pts}"/>'
            )
    if model.goal is not None and n:
        out.append(
            f'<line class="goal" data-y="{model.goal:g}" x1="{x(0):.1f}" x2="{x(n - 1):.1f}" y1="{y(model.goal):.1f}" '
            f'y2="{y(model.goal):.1f}" stroke="{GOAL}" stroke-width="2" stroke-dasharray="6 4"/>'
        )
    for first, last, value, provisional, _label in model.centre_lines:
        dash = ' stroke-dasharray="2 3"' if provisional else ""
        out.append(
            f'<line class="centre" data-x0="{first}" data-x1="{last}" data-y="{value:g}" x1="{x(index[first]):.1f}" '
            f'x2="{x(index[last]):.1f}" y1="{y(value):.1f}" y2="{y(value):.1f}" stroke="{CENTRE}" stroke-width="2"{dash}/>'
        )
    for name, values, _dash in model.limit_lines:
        # One polyline per stretch with a limit, as the web figure leaves gaps unjoined.
        stretches = " ".join(f"{x(i):.1f},{y(v):.1f}" if v is not None else "|" for i, v in enumerate(values))
        for pts in filter(None, (p.strip() for p in stretches.split("|"))):
            out.append(
                f'<polyline class="limit" data-name="{escape(name)}" fill="none" stroke="{CENTRE}" '
                f'stroke-dasharray="5 3" points="{pts}"/>'
            )
    segment: list[str] = []
    for i, point in enumerate([*model.values, None]):
        if point is None:
            if len(segment) > 1:
                out.append(
                    f'<polyline fill="none" stroke="{INK}" stroke-width="2" points="{" ".join(segment)}"/>'
                )
            segment = []
            continue
        segment.append(f"{x(i):.1f},{y(point):.1f}")
    for i, shown in enumerate(model.values):
        if shown is not None:
            fill = (
                f'fill="{HOLLOW}" stroke="{INK}" stroke-width="1.5"'
                if i in model.below_floor
                else f'fill="{INK}"'
            )
            out.append(
                f'<circle class="point" data-x="{model.months[i]}" data-y="{shown:g}" cx="{x(i):.1f}" cy="{y(shown):.1f}" '
                f'r="3.5" {fill}/>'
            )
    for m in model.marks:
        if m.rule != "shift":
            continue
        colour = VERDICT_COLOURS[m.verdict]
        for mx, my in zip(m.x, m.y, strict=True):
            cx, cy, attrs = (
                x(index[mx]),
                y(my),
                f'class="signal shift {m.verdict}" data-x="{mx}" data-y="{my:g}"',
            )
            style = f'fill="none" stroke="{colour}" stroke-width="2"'
            if m.verdict == "improvement":
                out.append(f'<circle {attrs} cx="{cx:.1f}" cy="{cy:.1f}" r="7.5" {style}/>')
            elif m.verdict == "concern":
                out.append(
                    f'<rect {attrs} x="{cx - 7:.1f}" y="{cy - 7:.1f}" width="14" height="14" {style}/>'
                )
            else:
                out.append(
                    f'<polygon {attrs} points="{cx:.1f},{cy - 8:.1f} {cx + 8:.1f},{cy:.1f} {cx:.1f},{cy + 8:.1f} '
                    f'{cx - 8:.1f},{cy:.1f}" {style}/>'
                )
    groups: dict[tuple[str, int], list[PlacedNote]] = {}
    for note in model.notes:
        if note.row is not None:
            groups.setdefault((note.month.isoformat(), note.row), []).append(note)
    for (month, row), notes in groups.items():
        cx, cy = x(index[month]), SVG_TOP + NOTE_ROW_PX * row + NOTE_ROW_PX / 2
        out.append(
            f'<g class="note" data-x="{month}" data-numbers="{" ".join(str(n.number) for n in notes)}">'
            f'<line x1="{cx:.1f}" x2="{cx:.1f}" y1="{top:.1f}" y2="{top + SVG_PLOT_HEIGHT:.1f}" stroke="#b0b0b0" '
            f'stroke-dasharray="2 3"/><circle cx="{cx:.1f}" cy="{cy:.1f}" r="{_note_size(notes) / 2:g}" fill="#fff" stroke="{NOTE}"/>'
            f'<text x="{cx:.1f}" y="{cy + 3.5:.1f}" font-size="9" text-anchor="middle" fill="#1a1a1a">'
            f"{_group_label(notes)}</text></g>"
        )
    step = max(1, math.ceil(n / 8))
    for i in range(0, n, step):
        tick = dt.date.fromisoformat(model.months[i])
        out.append(
            f'<text x="{x(i):.1f}" y="{top + SVG_PLOT_HEIGHT + 18}" font-size="10" text-anchor="middle" '
            f'fill="#1a1a1a">{tick:%b %y}</text>'
        )
    out.append("</svg>")
    return "".join(out)


# --- CSV ---

CSV_HEADER = [
    "month", "numerator", "denominator", "value", "centre_line", "phase", "provisional", "shift", "trend",
    "signal", "judged", "n_teams_reporting", "n_cases",
]  # fmt: skip


def csv_rows(model: ChartModel, points: Sequence[dict[str, Any]]) -> list[list[Any]]:
    """The chart as rows: the centre line in force each month, and the judged signals it is part of.

    `signal` names the verdicts ("improvement", "concern"); `judged` is "no" in months the run-chart
    rules can't judge (see docs/charts.md). A median measure's rows leave numerator and denominator
    blank and give the number of cases the median is of (`n_cases`)."""
    median = model.facts.kind == "median"
    shift = {mx: m.verdict for m in model.marks if m.rule == "shift" for mx in m.x}
    trend = {mx: m.verdict for m in model.marks if m.rule == "trend" for mx in m.x}
    unjudged = {i for lim in model.reading.limits for i in range(lim.start_index, lim.end_index + 1)}
    rows = []
    for i, (month, point) in enumerate(zip(model.months, points, strict=True)):
        phase = next(
            ((k, c) for k, c in enumerate(model.centre_lines, 1) if c[0] <= month <= c[1]), (None, None)
        )
        number, line = phase
        verdicts = sorted({v for v in (shift.get(month), trend.get(month)) if v})
        value = model.values[i]
        rows.append(
            [
                month[:7], None if median else point["numerator"], None if median else point["denominator"],
                None if value is None else round(value, 4),
                None if line is None else round(line[2], 4),
                number, "yes" if line is not None and line[3] else "no",
                "yes" if month in shift else "no", "yes" if month in trend else "no",
                " and ".join(verdicts), "no" if i in unjudged else "yes",
                point.get("n_teams_reporting", ""), point.get("n_cases", ""),
            ]
        )  # fmt: skip
    return rows
