"""The network dashboard's month-by-month run charts: the intake figures of `selectors.network_intake_series`
analysed with the run-chart engine and drawn by the same figure builder as every CQI chart, so a signal
on them means what it means on a team's chart (docs/runchart.md)."""

import functools
from typing import Any

from measures import points as stored_points
from measures import runchart
from measures.figures import FigureInput
from measures.interpretation import MeasureFacts
from measures.rendering import figure_of, figure_parts
from referrals.selectors import IntakeSeries


def intake_figures(series: list[IntakeSeries], *, title: str) -> list[dict[str, Any]]:
    """One figure per series with at least one month, as the run-chart template takes it. Phases are
    found as on a CQI chart nobody has decided (IHI sustained shift, docs/runchart.md §7.2)."""
    return [_figure(one, title) for one in series if one.months]


# A month's figures change only when its window has closed or a late contact is logged, so most loads of
# the dashboard draw what the last one drew; a figure is a pure function of its series and title, and
# building plotly's objects was half the page's time (bench/README.md). Callers must not change it.
@functools.lru_cache(maxsize=256)
def _figure(one: IntakeSeries, title: str) -> dict[str, Any]:
    params = runchart.RuleParams(direction=one.direction, rebase="ihi_sustained")
    result = runchart.analyse(one.values, params).to_dict()
    extra = {"n_cases": list(one.cases)} if one.cases is not None else {}
    points = stored_points.rows(stored_points.columns(one.months, one.values, **extra))
    facts = MeasureFacts(name=one.name, kind=one.kind, direction=one.direction)
    figure = figure_of(FigureInput(facts, points, result, title), height=260)
    return {"series": one, "figure": figure, **figure_parts(figure), "element_id": f"intake-{one.code}"}
