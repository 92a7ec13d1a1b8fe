"""The one viewer-facing read of stored run charts: every page, export, API response and PDF uses it.

`chart_choices` says which charts exist for a viewer (to filter, count, page or answer 404) and never
what they hold; `charts_read` turns chosen charts into `Chart`s with visibility, naming, small-cell
suppression and withholding applied (measures/charts/suppression.py), so a new interface cannot
forget the disclosure rule.
"""

from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from collaboratives import access
from measures import selectors
from measures.charts import suppression
from measures.charts.model import Chart
from measures.models import RunChartAnalysis


def chart_choices(**filters: Any) -> QuerySet[RunChartAnalysis]:
    """The stored charts `user` may see (keyword `user`, plus `collaborative`, `team`, `kind`, `measure`,
    `awardee`), to filter, count, page or 404 on. Read what they hold only through `charts_read`."""
    return selectors.runchart_list(**filters)


def _label(user: Any, chart: RunChartAnalysis) -> str:
    if chart.team is not None:
        return selectors.team_label(user=user, team=chart.team, collaborative=chart.collaborative)
    if chart.awardee is not None:
        return f"{chart.awardee.name}, all teams"
    return f"{chart.collaborative.short_name}, all teams"


def _team_public_id(user: Any, chart: RunChartAnalysis) -> str | None:
    if chart.team is None or chart.team_id is None or not access.sees_team(user, chart.team_id):
        return None
    return str(chart.team.public_id)


def charts_read(*, user: Any, charts: Iterable[RunChartAnalysis]) -> list[Chart]:
    """Charts chosen through `chart_choices(user=user, ...)` as `user` may see them, in the order given."""
    shown = suppression.suppress_for_viewer(user=user, charts=charts)
    return [Chart.of(c, label=_label(user, c), team_public_id=_team_public_id(user, c)) for c in shown]


def chart_get(*, user: Any, public_id: Any) -> Chart:
    """One chart by its public id as `user` may see it; 404 when it is not theirs to see (or missing)."""
    stored = chart_choices(user=user).filter(public_id=public_id).first()
    if stored is None:
        raise Http404("No run chart here.")
    [chart] = charts_read(user=user, charts=[stored])
    return chart


def withheld_team_ids(*, user: Any, measure: Any) -> frozenset[int]:
    """Teams whose analysis of `measure` is withheld from `user` (a month of theirs hidden from them),
    for reads that take single figures of many series at once (the dashboard's table)."""
    return suppression.withheld_teams(user=user, measure=measure)
