import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from collaboratives import access
from collaboratives.models import Collaborative, Team
from collaboratives.selectors import team_list
from measures.charts import ChartNote, format_value
from measures.models import (
    ChartAnnotation,
    Measure,
    MonthlyReport,
    Observation,
    PhaseDecision,
    RunChartAnalysis,
)
from measures.series import month_add, months_between


def reporting_month(today: dt.date) -> dt.date:
    """The month whose data is due this calendar month: the previous month."""
    first = today.replace(day=1)
    return (first - dt.timedelta(days=1)).replace(day=1)


@dataclass(frozen=True)
class DueItem:
    """One team's report for the month now due, with where it stands."""

    team: Team
    month: dt.date
    due_date: dt.date
    status: str  # "submitted", "draft", "not started"
    overdue: bool
    can_enter: bool


def due_this_month_list(*, user: Any, today: dt.date) -> list[DueItem]:
    """For each active team the user can see, the month now due and its report status.

    One query for teams and one for reports, whatever the number of teams.
    """
    month = reporting_month(today)
    teams = [
        t
        for t in team_list(user=user).filter(withdrawn_on__isnull=True, collaborative__end_date__gte=month)
        if t.collaborative.start_date <= month
    ]
    statuses = dict(
        MonthlyReport.objects.visible_to(user)
        .filter(team__in=teams, month=month)
        .values_list("team_id", "status")
    )
    items = []
    for team in teams:
        due_day = team.collaborative.reporting_due_day
        status = statuses.get(team.id, "not started")
        due_date = today.replace(day=due_day)
        items.append(
            DueItem(
                team=team,
                month=month,
                due_date=due_date,
                status=status,
                overdue=status != "submitted" and due_date < today,
                can_enter=access.can(user, access.Action.ENTER_DATA, team),
            )
        )
    return items


def measure_list(*, user: Any, collaborative: Any | None = None) -> QuerySet[Measure]:
    qs = Measure.objects.visible_to(user).select_related("collaborative")
    return qs.filter(collaborative=collaborative) if collaborative else qs


def observation_list(*, user: Any, team: Team | None = None) -> QuerySet[Observation]:
    qs = Observation.objects.visible_to(user).select_related("team__lia", "measure")
    return qs.filter(team=team) if team else qs


def month_range(last: dt.date, n: int) -> list[dt.date]:
    """The `n` months ending with `last`, oldest first (each the first of its month)."""
    months = [last.replace(day=1)]
    while len(months) < n:
        months.append((months[-1] - dt.timedelta(days=1)).replace(day=1))
    return months[::-1]


@dataclass(frozen=True)
class MeasureRow:
    """One measure's cells over a run of months, None where nothing was reported."""

    measure: Measure
    cells: list[Observation | None]


def observation_table(*, user: Any, team: Team, last_n_months: int) -> tuple[list[dt.date], list[MeasureRow]]:
    """A team's recent observations as measures × months, ending at the month now due."""
    months = month_range(reporting_month(dt.date.today()), last_n_months)
    observations = observation_list(user=user, team=team).filter(month__gte=months[0], month__lte=months[-1])
    by_cell = {(o.measure_id, o.month): o for o in observations}
    rows = [
        MeasureRow(measure=m, cells=[by_cell.get((m.id, month)) for month in months])
        for m in measure_list(user=user, collaborative=team.collaborative_id)
    ]
    return months, rows


def monthly_report_due_date(*, collaborative: Any, month: dt.date) -> dt.date:
    """A month's data is due on the collaborative's reporting day of the following month."""
    return month_add(month, 1).replace(day=collaborative.reporting_due_day)


@dataclass(frozen=True)
class MonthStatus:
    """Where one team's month stands: its report (None before the first save), due date and timeliness."""

    report: MonthlyReport | None
    due_date: dt.date
    submitted: bool
    late: bool  # submitted after the due date, or still not submitted once it has passed


def month_status(*, user: Any, team: Team, month: dt.date, today: dt.date) -> MonthStatus:
    """On time or late is judged by the local date of submission against the due date."""
    report = (
        MonthlyReport.objects.visible_to(user)
        .select_related("submitted_by", "reopened_by")
        .filter(team=team, month=month)
        .first()
    )
    due = monthly_report_due_date(collaborative=team.collaborative, month=month)
    submitted = report is not None and report.status == MonthlyReport.Status.SUBMITTED
    if submitted:
        assert report is not None and report.submitted_at is not None
        late = timezone.localdate(report.submitted_at) > due
    else:
        late = today > due
    return MonthStatus(report=report, due_date=due, submitted=submitted, late=late)


def entry_months(*, team: Team, today: dt.date) -> list[dt.date]:
    """The months a team can open for data entry, oldest first: from when it joined the collaborative
    to the current month (entered as it goes), the collaborative's end, or the team's withdrawal."""
    collaborative = team.collaborative
    first = max(collaborative.start_date, team.joined_on).replace(day=1)
    ends = [collaborative.end_date.replace(day=1), today.replace(day=1)]
    if team.withdrawn_on is not None:
        ends.append(team.withdrawn_on.replace(day=1))
    last = max(min(ends), first)  # before the start, the first month still opens, to look ahead
    return [month_add(first, i) for i in range(months_between(first, last) + 1)]


def oldest_unsubmitted_month(*, user: Any, team: Team, today: dt.date) -> dt.date:
    """The month a data submitter should open: the oldest due month not yet submitted, else the latest due one."""
    months = entry_months(team=team, today=today)
    due = [m for m in months if m <= reporting_month(today)]
    if not due:
        return months[0]
    submitted = set(
        MonthlyReport.objects.visible_to(user)
        .filter(team=team, status=MonthlyReport.Status.SUBMITTED, month__gte=due[0], month__lte=due[-1])
        .values_list("month", flat=True)
    )
    return next((m for m in due if m not in submitted), due[-1])


def observation_cells(
    *, user: Any, team: Team, months: list[dt.date]
) -> dict[tuple[int, dt.date], Observation]:
    """A team's observations in the given months, keyed by (measure id, month). One query."""
    observations = observation_list(user=user, team=team).filter(month__in=months)
    return {(o.measure_id, o.month): o for o in observations}


# --- Dashboards and run charts (issue 5) ---


def runchart_list(
    *,
    user: Any,
    collaborative: Any | None = None,
    team: Team | None = None,
    kind: str | None = None,
    measure: Measure | None = None,
) -> QuerySet[RunChartAnalysis]:
    """Stored run charts the user may see (peers' as the collaborative's setting says), ready to draw."""
    qs = RunChartAnalysis.objects.visible_to(user).select_related(
        "measure__collaborative", "team__lia__awardee", "awardee", "collaborative"
    )
    if collaborative is not None:
        qs = qs.filter(collaborative=collaborative)
    if team is not None:
        qs = qs.filter(team=team)
    if kind is not None:
        qs = qs.filter(kind=kind)
    if measure is not None:
        qs = qs.filter(measure=measure)
    return qs.order_by("measure__order", "measure__code", "team__lia__name")


def annotation_list(*, user: Any, collaborative: Any, team: Team | None = None) -> QuerySet[ChartAnnotation]:
    """Collaborative-wide notes, plus the team's own when a team is given."""
    qs = (
        ChartAnnotation.objects.visible_to(user)
        .filter(collaborative=collaborative)
        .select_related("team", "measure")
    )
    scope = Q(team__isnull=True) | Q(team=team) if team is not None else Q(team__isnull=True)
    return qs.filter(scope)


def chart_notes(annotations: list[ChartAnnotation], measure: Measure) -> list[ChartNote]:
    return [ChartNote(a.month, a.text) for a in annotations if a.measure_id in (None, measure.id)]


def names_teams(*, user: Any, collaborative: Any) -> Callable[[Team], bool]:
    """Whether the viewer sees a team's name or only its code (spec: anonymised peers show codes to LIA users).

    Names for the viewer's own teams, for awardee leads and collaborative admins, and when the
    collaborative shares names; codes otherwise.
    """
    grants = access.grants(user)
    everyone = (
        access.sees_everything(user)
        or collaborative.peer_visibility == Collaborative.PeerVisibility.NAMED
        or collaborative.id in grants.admin_collaboratives
        or bool(grants.led_awardees)
    )
    return lambda team: everyone or team.id in grants.team


@dataclass(frozen=True)
class DashboardCell:
    """One team × measure on the dashboard, from the series' stored summary."""

    median: str
    sort_value: float
    provisional: bool
    meets_aim: bool | None
    signal: str | None


@dataclass(frozen=True)
class DashboardRow:
    """One team's line on the collaborative dashboard."""

    team: Team
    label: str
    linked: bool  # the viewer may open the team's own page
    cells: list[DashboardCell | None]
    report_status: str | None  # None: a peer's report is not the viewer's business


def _dashboard_cell(chart: RunChartAnalysis | None, measure: Measure) -> DashboardCell | None:
    median = ((chart.summary or {}).get("current_median") or {}) if chart else {}
    if chart is None or median.get("median") is None:
        return None
    summary = chart.summary
    return DashboardCell(
        median=format_value(median["median"], measure),
        sort_value=median["median"],
        provisional=median["provisional"],
        meets_aim=summary.get("meets_aim"),
        signal=summary.get("latest_signal"),
    )


def dashboard_rows(
    *, user: Any, collaborative: Any, measures: list[Measure], awardee: Any | None, today: dt.date
) -> list[DashboardRow]:
    """Teams × measures for the dashboard, in a fixed number of queries whatever the number of teams."""
    charts = runchart_list(user=user, collaborative=collaborative, kind=RunChartAnalysis.Kind.TEAM)
    if awardee is not None:
        charts = charts.filter(team__lia__awardee=awardee)
    by_team: dict[int, dict[int, RunChartAnalysis]] = {}
    teams: dict[int, Team] = {}
    for chart in charts:
        assert chart.team is not None
        teams[chart.team.id] = chart.team
        by_team.setdefault(chart.team.id, {})[chart.measure_id] = chart
    month = reporting_month(today)
    statuses = dict(
        MonthlyReport.objects.visible_to(user)
        .filter(team_id__in=teams, month=month)
        .values_list("team_id", "status")
    )
    own = access.grants(user).team
    everyone = access.sees_everything(user)
    named = names_teams(user=user, collaborative=collaborative)
    rows = []
    for team_id, team in teams.items():
        linked = everyone or team_id in own
        rows.append(
            DashboardRow(
                team=team,
                label=team.lia.name if named(team) else f"Team {team.code}",
                linked=linked,
                cells=[_dashboard_cell(by_team[team_id].get(m.id), m) for m in measures],
                report_status=MonthlyReport.Status(statuses[team_id]).label
                if team_id in statuses
                else ("Not started" if linked else None),
            )
        )
    return sorted(rows, key=lambda r: r.label)


def phase_decision_list(*, user: Any, analysis: RunChartAnalysis) -> QuerySet[PhaseDecision]:
    return PhaseDecision.objects.visible_to(user).filter(analysis=analysis).select_related("decided_by")


CHART_CSV_HEADER = [
    "month", "numerator", "denominator", "value", "centre_line", "phase", "provisional", "shift", "trend",
    "n_teams_reporting",
]  # fmt: skip


def chart_rows(chart: RunChartAnalysis) -> list[list[Any]]:
    """The stored chart as rows: the centre line in force each month and whether the month is part of a signal."""
    result = chart.result or {}
    points = chart.points or []
    scale = chart.measure.display_multiplier
    phases = result.get("phases") or [
        {"start_index": 0, "end_index": len(points) - 1, "median": result.get("median"),
         "provisional": (result.get("baseline") or {}).get("provisional", False)}
    ]  # fmt: skip
    shifts = {i for s in result.get("shifts", []) for i in s["indices"]}
    shifts |= {i for p in phases[1:] for s in p.get("shifts", []) for i in s["indices"]}
    trends = {i for t in result.get("trends", []) for i in range(t["start_index"], t["end_index"] + 1)}
    rows = []
    for i, point in enumerate(points):
        number, phase = next(
            ((n, p) for n, p in enumerate(phases, 1) if p["start_index"] <= i <= p["end_index"]), (None, {})
        )
        value, median = point["value"], phase.get("median")
        rows.append(
            [
                point["month"][:7],
                point["numerator"],
                point["denominator"],
                None if value is None else round(value * scale, 4),
                None if median is None else round(median * scale, 4),
                number,
                "yes" if phase.get("provisional") else "no",
                "yes" if i in shifts and value is not None else "no",
                "yes" if i in trends and value is not None else "no",
                point.get("n_teams_reporting", ""),
            ]
        )
    return rows
