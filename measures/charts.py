"""Run charts from stored analyses: the bridge from a `RunChartAnalysis` row to `measures.figures`.

Pages embed `runchart_figure`'s dict with `json_script` and static/js/runchart.js hands it to plotly.js,
so nothing is computed in the browser. The figure, the printed SVG and the CSV all come from one
`figures.ChartModel`; what a result means comes from `measures.interpretation`.
"""

from collections.abc import Callable
from fractions import Fraction
from typing import Any

from measures import figures
from measures.figures import Note as ChartNote
from measures.interpretation import Interpretation, MeasureFacts, interpret, summary_sentence, value_formatter
from measures.models import Measure, RunChartAnalysis

__all__ = ["ChartNote", "register_note_source", "team_chart_notes"]

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


def measure_facts(measure: Measure) -> MeasureFacts:
    """What the interpretation layer needs of a measure: its kind, direction, goal and scale."""
    return MeasureFacts(
        name=measure.name,
        kind=measure.kind,  # type: ignore[arg-type]  # a Measure.Kind value
        direction=measure.direction,  # type: ignore[arg-type]  # a Measure.Direction value
        goal=None if measure.goal is None else Fraction(measure.goal),
        scale_max=measure.scale_max,
    )


def value_format(measure: Measure) -> Callable[[float], str]:
    """format_value for one measure's values, its scale and unit looked up once (a dashboard formats 1,750)."""
    return value_formatter(measure.kind)


def format_value(value: float | None, measure: Measure) -> str:
    """A stored (unscaled) value as people read it: 72% for proportions, 4.13 for mean scores."""
    return "no median" if value is None else value_format(measure)(value)


def figure_input(
    analysis: RunChartAnalysis, *, title: str, notes: list[ChartNote] | None = None
) -> figures.FigureInput:
    """The stored chart as the figure builder's plain input."""
    return figures.FigureInput(
        facts=measure_facts(analysis.measure),
        points=analysis.points or [],
        result=analysis.result,
        title=title,
        notes=notes or [],
        aggregate=analysis.kind != RunChartAnalysis.Kind.TEAM,
    )


def chart_title(analysis: RunChartAnalysis, team_label: str | None = None) -> str:
    """Who a chart is about: the team as the viewer may see it named, or the pooled teams."""
    if analysis.team is not None:
        return team_label or f"Team {analysis.team.code}"
    if analysis.awardee is not None:
        return f"{analysis.awardee.name}, all teams"
    return f"{analysis.collaborative.short_name}, all teams"


def runchart_figure(
    *, analysis: RunChartAnalysis, notes: list[ChartNote] | None = None, height: int = 320, title: str = ""
) -> dict[str, Any]:
    """The plotly figure (data + layout), its key, notes, aim and plain-language summary for one analysis."""
    model = figures.chart_model(figure_input(analysis, title=title or chart_title(analysis), notes=notes))
    figure = figures.plotly_figure(model, height=height)
    reading = model.reading
    return {
        "data": figure["data"],
        "layout": figure["layout"],
        "legend": list(reading.lines),
        "key": figures.key(model),
        "notes": model.notes,
        "summary": model.summary,
        "aim": reading.aim.text if reading.aim else "",
        "variation": reading.variation,
        "variation_label": reading.variation_label,
        "export": {
            "title": model.export_title,
            # Under the title of a downloaded picture: what the chart shows, in words.
            "subtitle": " · ".join(
                t for t in (reading.variation_label, reading.aim.text if reading.aim else "") if t
            ),
            "filename": _filename(model),
        },
    }


def _filename(model: figures.ChartModel) -> str:
    name = f"{model.facts.name}-{model.title}"
    return "".join(c if c.isalnum() else "-" for c in name).strip("-").lower()[:80] or "run-chart"


def runchart_svg(analysis: RunChartAnalysis, *, title: str, notes: list[ChartNote] | None = None) -> str:
    """The same chart as inline SVG, for print."""
    return figures.svg(figures.chart_model(figure_input(analysis, title=title, notes=notes)))


def chart_reading(analysis: RunChartAnalysis) -> Interpretation:
    """The interpretation layer's reading of one stored analysis, as the viewer was given it."""
    return interpret(analysis.result, analysis.points or [], measure_facts(analysis.measure))


def chart_summary(analysis: RunChartAnalysis) -> str:
    """One sentence a screen reader user gets instead of the picture."""
    facts = measure_facts(analysis.measure)
    return summary_sentence(chart_reading(analysis), facts, analysis.points or [], analysis.result)
