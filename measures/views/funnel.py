"""The funnel plot page: each team's rate over a chosen period against its denominator (docs/control-charts.md)."""

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from collaboratives import selectors as collab_selectors
from collaboratives.months import add as month_add
from measures import controlcharts, selectors
from measures.charts.read import chart_choices, charts_read
from measures.forms import PeriodForm
from measures.models import Measure, RunChartAnalysis


def _default_period(aggregate: RunChartAnalysis | None) -> tuple[dt.date, dt.date] | None:
    """The last 12 months of the pooled series."""
    if aggregate is None or aggregate.first_month is None or not aggregate.points:
        return None
    last = month_add(aggregate.first_month, len(aggregate.points) - 1)
    return max(aggregate.first_month, month_add(last, -11)), last


@login_required
@require_GET
def measure_funnel(request: HttpRequest, public_id: str, measure_id: str) -> HttpResponse:
    collaborative = get_object_or_404(
        collab_selectors.collaborative_list(user=request.user), public_id=public_id
    )
    measure = get_object_or_404(
        selectors.measure_list(user=request.user, collaborative=collaborative), public_id=measure_id
    )
    chosen = chart_choices(user=request.user, collaborative=collaborative, measure=measure)
    charts = [c.stored for c in charts_read(user=request.user, charts=chosen)]
    aggregate = next((c for c in charts if c.kind == RunChartAnalysis.Kind.COLLABORATIVE), None)
    default = _default_period(aggregate)
    given = "start" in request.GET or "end" in request.GET
    form = PeriodForm(
        request.GET if given else None,
        initial={"start": default[0], "end": default[1]} if default else None,
    )
    period = None
    if given and form.is_valid():
        period = (form.cleaned_data["start"].replace(day=1), form.cleaned_data["end"].replace(day=1))
    elif not given:
        period = default
    result = None
    if period is not None and measure.kind not in (Measure.Kind.MEAN, Measure.Kind.MEDIAN):
        teams = [
            (c, selectors.team_label(user=request.user, team=c.team, collaborative=collaborative))
            for c in charts
            if c.kind == RunChartAnalysis.Kind.TEAM and c.team is not None
        ]
        result = controlcharts.funnel(measure, teams, aggregate, *period)
    return render(
        request,
        "measures/dashboards/funnel.html",
        {
            "collaborative": collaborative,
            "measure": measure,
            "form": form,
            "period": period,
            "funnel": result,
            "element_id": f"funnel-{measure.public_id}",
        },
        status=400 if given and not form.is_valid() else 200,
    )
