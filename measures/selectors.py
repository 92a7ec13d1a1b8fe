import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from collaboratives import access
from collaboratives.models import Team
from collaboratives.selectors import team_list
from measures.models import Measure, MonthlyReport, Observation
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
