"""A stored run chart rendered: the bridge from a `RunChartAnalysis` row to `measures.figures` and
`measures.interpretation`, which take plain values.

Pages embed `runchart_figure`'s dict with `json_script` and static/js/runchart.js hands it to plotly.js,
so nothing is computed in the browser. The figure, the printed SVG and the CSV all come from one
`figures.ChartModel` (docs/charts.md).
"""

from fractions import Fraction
from typing import Any

from django.utils.safestring import mark_safe

from measures import figures
from measures.charts import ChartNote
from measures.interpretation import Interpretation, MeasureFacts, interpret
from measures.models import Measure, RunChartAnalysis


def measure_facts(measure: Measure) -> MeasureFacts:
    """What the interpretation layer needs of a measure: its kind, direction, goal and scale."""
    return MeasureFacts(
        name=measure.name,
        kind=measure.kind,  # type: ignore[arg-type]  # a Measure.Kind value
        direction=measure.direction,  # type: ignore[arg-type]  # a Measure.Direction value
        goal=None if measure.goal is None else Fraction(measure.goal),
        scale_max=measure.scale_max,
    )


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
    return figure_of(figure_input(analysis, title=title or chart_title(analysis), notes=notes), height=height)


def figure_of(inp: figures.FigureInput, *, height: int = 320) -> dict[str, Any]:
    """`runchart_figure` of any series given as plain values (e.g. the referral network's own months)."""
    model = figures.chart_model(inp)
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


def figure_parts(figure: dict[str, Any]) -> dict[str, Any]:
    """What a page needs of a figure besides its words: the key with its glyphs as markup, and the plot
    (data, layout, export) that static/js/runchart.js draws."""
    return {
        # The glyphs are markup built from constants in measures/figures.py; the texts are escaped by the template.
        "key": [(mark_safe(glyph), text) for glyph, text in figure["key"]],  # noqa: S308
        "plot": {"data": figure["data"], "layout": figure["layout"], "export": figure["export"]},
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
