"""Coaching on team run charts: the phases the engine suggests that nobody has decided yet.

A team chart's phases after the first are suggestions until someone decides one (once a series has any
decision, its decided phases are the chart's phases). These are what an improvement advisor (or the
team's CQI lead, or a collaborative admin) is asked to confirm or reject.
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse

from collaboratives import access
from collaboratives.models import Role
from collaboratives.notifications import notification_send_many
from collaboratives.recipients import team_people
from measures.charts.inputs import month_add
from measures.charts.read import chart_choices, charts_read
from measures.charts.recompute import analyses_mark_stale
from measures.models import PhaseDecision, RunChartAnalysis
from measures.selectors import runchart_team_analysed_for_task


@dataclass(frozen=True)
class Suggestion:
    """A team chart with phases the engine suggests and nobody has decided: one row of the advisor's queue."""

    chart: RunChartAnalysis
    months: tuple[dt.date, ...]  # the suggested phases' first months


def _suggested_months(chart: RunChartAnalysis) -> tuple[dt.date, ...]:
    phases = (chart.result or {}).get("phases") or []
    if chart.first_month is None or (chart.result or {}).get("withheld"):
        return ()
    return tuple(month_add(chart.first_month, phase["start_index"]) for phase in phases[1:])


def _undecided(charts: Any) -> list[Suggestion]:
    decided = set(
        PhaseDecision.objects.unscoped(reason="only which of these charts have any decision")
        .filter(analysis__in=[c.id for c in charts])
        .values_list("analysis_id", flat=True)
    )
    return [
        Suggestion(chart, months)
        for chart in charts
        if chart.id not in decided and (months := _suggested_months(chart))
    ]


def phase_suggestion_queue(*, user: Any) -> list[Suggestion]:
    """Team charts whose suggested phases wait for a decision `user` may take, oldest suggestion first.

    An advisor sees their teams'; a CQI lead their LIA's; a collaborative admin the collaborative's.
    """
    chosen = (
        chart_choices(user=user, kind=RunChartAnalysis.Kind.TEAM)
        .filter(failed=False)
        .filter(result__isnull=False)
        .order_by("team__lia__name", "measure__name")
    )
    charts = [
        chart.stored
        for chart in charts_read(user=user, charts=chosen)
        if access.can(user, access.Action.DECIDE_PHASES, chart.stored.team)
    ]
    return sorted(_undecided(charts), key=lambda s: s.months[0])


def phase_suggestions_notify() -> int:
    """Tell each team chart's deciders (its advisors and CQI leads) in the app that a phase is suggested.

    Once per chart and suggested month, however often it runs (the notification key). Trusted: a periodic
    task over every team chart."""
    charts = list(runchart_team_analysed_for_task())
    told = 0
    for suggestion in _undecided(charts):
        chart = suggestion.chart
        if chart.team is None:
            continue
        for month in suggestion.months:
            told += notification_send_many(
                recipients=team_people(team=chart.team, roles=[Role.ADVISOR, Role.CQI_LEAD]),
                kind="phase_suggested",
                text=f"A new phase from {month:%B %Y} is suggested on {chart.team.lia.name}'s "
                f"“{chart.measure.name}” chart: confirm or reject it.",
                url=reverse("chart-detail", args=[chart.public_id]),
                key=f"phase-suggested:{chart.public_id}:{month:%Y-%m}",
            )
    return told


@transaction.atomic
def phase_decision_undo(*, actor: Any, decision: PhaseDecision, reason: str) -> None:
    """Undo a phase decision, saying why; the decision and its undoing stay in the phase history
    (`PhaseDecision.history`, the undo's reason as its change reason) and the chart is recomputed."""
    analysis = decision.analysis
    access.require_phase_decider(
        actor, collaborative=analysis.collaborative, team=analysis.team, awardee=analysis.awardee
    )
    if not reason.strip():
        raise ValidationError(
            {"reason": "Say why the decision is undone, so others reading the chart understand."}
        )
    # simple_history stores these on the deletion's history row (its documented per-instance hooks).
    decision._change_reason = reason.strip()
    decision._history_user = actor
    decision.delete()
    analyses_mark_stale(analysis_ids=[analysis.id])


def phase_decision_undone_list(*, analysis: RunChartAnalysis) -> list[Any]:
    """The chart's undone decisions, newest first: what was decided, who undid it, when and why.

    For a chart the viewer was shown through `visible_to`; its history holds nothing beyond its decisions."""
    return list(
        PhaseDecision.history.filter(analysis_id=analysis.id, history_type="-")
        .select_related("history_user")
        .order_by("-history_date")
    )
