from typing import Any

from django import template

from measures.charts import ChartNote, format_value, runchart_figure
from measures.models import Measure, RunChartAnalysis
from measures.suppression import suppressed_months

register = template.Library()


def runchart_context(
    analysis: RunChartAnalysis | None, *, height: int, notes: list[ChartNote] | None, compact: bool
) -> dict[str, Any]:
    """What templates/measures/_runchart.html needs: the figure, its element id and freshness."""
    if analysis is None or analysis.result is None:
        return {"analysis": analysis, "figure": None, "height": height, "compact": compact}
    return {
        "analysis": analysis,
        "figure": runchart_figure(analysis=analysis, notes=notes),
        "element_id": f"runchart-{analysis.public_id}",
        "suppressed": suppressed_months(analysis),
        "height": height,
        "compact": compact,
    }


@register.inclusion_tag("measures/_runchart.html")
def runchart(
    analysis: RunChartAnalysis | None,
    height: int = 320,
    notes: list[ChartNote] | None = None,
    compact: bool = False,
) -> dict[str, Any]:
    """`{% runchart analysis %}`: the one run-chart component, with its legend, summary and freshness."""
    return runchart_context(analysis, height=height, notes=notes, compact=compact)


@register.filter
def display_value(value: float | None, measure: Measure) -> str:
    """`{{ median|display_value:measure }}`: 72% for proportions, 4.13 for mean scores."""
    return format_value(value, measure)
