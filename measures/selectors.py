import datetime as dt
from dataclasses import dataclass
from typing import Any, NamedTuple

from django.db.models import Q, QuerySet
from django.db.models.fields.json import KT
from django.utils import timezone

from collaboratives import access, enrolment, months
from collaboratives.models import Awardee, Collaborative, Membership, Role, Team
from collaboratives.selectors import team_list
from measures import figures, medians
from measures.charts import ChartNote, team_chart_notes, value_format
from measures.charts.suppression import withheld_teams
from measures.interpretation import aim_words, variation_icon
from measures.models import (
    ChartAnnotation,
    Measure,
    MonthlyReport,
    Observation,
    PhaseDecision,
    RunChartAnalysis,
)
from measures.rendering import figure_input, measure_facts


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
    month = months.now_due(today)
    teams = [
        t
        for t in team_list(user=user).filter(
            collaborative__end_date__gte=month, joined_on__lt=months.add(month, 1)
        )
        if enrolment.due_month(t, today) == month
    ]
    statuses = dict(
        MonthlyReport.objects.visible_to(user)
        .filter(team__in=teams, month=month)
        .values_list("team_id", "status")
    )
    items = []
    for team in teams:
        status = statuses.get(team.id, "not started")
        due_date = months.due_date(month, team.collaborative.reporting_due_day)
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


@dataclass(frozen=True)
class MeasureRow:
    """One measure's cells over a run of months, None where nothing was reported."""

    measure: Measure
    cells: list[Observation | None]


def observation_table(*, user: Any, team: Team, last_n_months: int) -> tuple[list[dt.date], list[MeasureRow]]:
    """A team's recent observations as measures × months, ending at the month now due."""
    shown = months.last_n(months.now_due(dt.date.today()), last_n_months)
    observations = observation_list(user=user, team=team).filter(month__gte=shown[0], month__lte=shown[-1])
    by_cell = {(o.measure_id, o.month): o for o in observations}
    rows = [
        MeasureRow(measure=m, cells=[by_cell.get((m.id, month)) for month in shown])
        for m in measure_list(user=user, collaborative=team.collaborative_id)
    ]
    return shown, rows


def monthly_report_due_date(*, collaborative: Any, month: dt.date) -> dt.date:
    """A month's data is due on the collaborative's reporting day of the following month."""
    return months.due_date(month, collaborative.reporting_due_day)


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
    awardee: Awardee | None = None,
) -> QuerySet[RunChartAnalysis]:
    """Stored run charts the user may see (peers' as the collaborative's setting says), ready to draw.

    With `awardee`, only that state's: its teams' charts and its pooled chart. Pooled charts (`kind`
    collaborative or awardee) have no team: no team, LIA or state of one is joined for them."""
    pooled = kind in (RunChartAnalysis.Kind.COLLABORATIVE, RunChartAnalysis.Kind.AWARDEE)
    qs = RunChartAnalysis.objects.visible_to(user, kind=kind).select_related(
        "measure__collaborative", "awardee", "collaborative", *([] if pooled else ["team__lia__awardee"])
    )
    if collaborative is not None:
        qs = qs.filter(collaborative=collaborative)
    if team is not None:
        qs = qs.filter(team=team)
    if measure is not None:
        qs = qs.filter(measure=measure)
    if awardee is not None:
        qs = qs.filter(Q(awardee=awardee) if pooled else Q(team__lia__awardee=awardee) | Q(awardee=awardee))
    return qs.order_by("measure__order", "measure__code", "awardee__name" if pooled else "team__lia__name")


def annotation_list(*, user: Any, collaborative: Any, team: Team | None = None) -> QuerySet[ChartAnnotation]:
    """Collaborative-wide notes, plus the team's own when a team is given."""
    qs = (
        ChartAnnotation.objects.visible_to(user)
        .filter(collaborative=collaborative)
        .select_related("team", "measure")
    )
    scope = Q(team__isnull=True) | Q(team=team) if team is not None else Q(team__isnull=True)
    return qs.filter(scope)


def chart_notes(
    annotations: list[ChartAnnotation], measure: Measure, *, user: Any = None, team: Team | None = None
) -> list[ChartNote]:
    """The annotations that apply to `measure`; on a team's chart also the registered sources' notes
    (PDSA cycles) that `user` may see."""
    notes = [ChartNote(a.month, a.text) for a in annotations if a.measure_id in (None, measure.id)]
    if team is not None:
        notes += team_chart_notes(user=user, team=team, measure=measure)
    return notes


def team_label(*, user: Any, team: Team, collaborative: Collaborative) -> str:
    """A team of `collaborative` as the viewer may see it named: the LIA's name, or its anonymised code."""
    if access.sees_team(user, team.id) or access.sees_team_names(user, collaborative):
        return team.lia.name
    return f"Team {team.code}"


class DashboardCell(NamedTuple):
    """One team × measure on the dashboard, from the series' stored summary (a tuple: 1,750 on a page)."""

    median: str
    sort_value: float
    provisional: bool
    meets_aim: bool | None
    signal: str | None
    variation: str | None = None  # the icon's name (interpretation.variation_icon)
    aim: str = ""  # the verdict with its statistic (interpretation.aim_sentence)
    aim_value: str = ""  # that statistic, short: "72%, last 6" (the median of the last 6 reported months)


@dataclass(frozen=True)
class DashboardRow:
    """One team's line on the collaborative dashboard."""

    team_public_id: str
    label: str
    linked: bool  # the viewer may open the team's own page
    cells: list[DashboardCell | None]
    report_status: str | None  # None: a peer's report is not the viewer's business
    withheld: int = (
        0  # cells left empty: the team's analysis of a sensitive measure is withheld from the viewer
    )


def runchart_team_analysed_for_task() -> QuerySet[RunChartAnalysis]:
    """Every analysed team chart of a team still taking part, for a trusted periodic task with no viewer
    (measures.coaching tells the deciders of suggested phases). Shows nobody a figure: a viewer reads
    charts through measures/charts/read.py."""
    return (
        RunChartAnalysis.objects.unscoped(reason="periodic task over every team chart")
        .filter(kind=RunChartAnalysis.Kind.TEAM, failed=False, team__withdrawn_on=None)
        .filter(result__isnull=False)
        .select_related("team__lia", "measure")
    )


# KT() reads a JSON value as text: booleans come as "true"/"false", and on SQLite a JSON null as "null".
_JSON_BOOL: dict[str | None, bool] = {"true": True, "false": False}


def dashboard_rows(
    *, user: Any, collaborative: Any, measures: list[Measure], awardee: Any | None, today: dt.date
) -> list[DashboardRow]:
    """Teams × measures for the dashboard, in a fixed number of queries whatever the number of teams.

    Reads plain values, not model instances, and only the four summary figures the table shows, as
    text the database extracts: at 175 teams × 10 measures, building 1,750 analyses cost most of the
    page's time, and decoding their JSON summaries (or each JSON key's value) more than doubled this
    query's CPU time (bench/README.md). The teams' names and ids come once per team, not
    once per cell.
    """
    charts = runchart_list(user=user, collaborative=collaborative, kind=RunChartAnalysis.Kind.TEAM)
    if awardee is not None:
        charts = charts.filter(team__lia__awardee=awardee)
    column = {m.id: i for i, m in enumerate(measures)}
    formats = [value_format(m) for m in measures]
    cells: dict[int, list[DashboardCell | None]] = {}
    figures = (
        charts.select_related(None)
        .order_by()
        .annotate(
            median=KT("summary__current_median__median"),
            provisional=KT("summary__current_median__provisional"),
            meets_aim=KT("summary__meets_aim"),
            signal=KT("summary__latest_signal"),
            variation=KT("summary__variation"),
            aim_median=KT("summary__aim_median__value"),
            aim_points=KT("summary__aim_points"),
        )
        .values_list(
            "team_id", "measure_id", "median", "provisional", "meets_aim", "signal", "variation", "aim_median",
            "aim_points",
        )
    )  # fmt: skip
    directions = [m.direction for m in measures]
    aim_texts = [aim_words(measure_facts(m)) for m in measures]
    for (
        team_id,
        measure_id,
        median,
        provisional,
        meets_aim,
        signal,
        variation,
        aim_median,
        aim_points,
    ) in figures:
        row = cells.get(team_id)
        if row is None:
            row = cells[team_id] = [None] * len(measures)
        # On PostgreSQL the median comes as text, on SQLite as a number; a series without one is skipped.
        if median is None or median == "null" or measure_id not in column:
            continue
        i, value = column[measure_id], float(median)
        met = _JSON_BOOL.get(meets_aim)
        aim = aim_value = ""
        if met is not None and aim_median not in (None, "null"):
            aim = aim_texts[i](met, float(aim_median), int(aim_points))
            aim_value = f"{formats[i](float(aim_median))}, last {aim_points}"
        row[i] = DashboardCell(
            formats[i](value),
            value,
            _JSON_BOOL.get(provisional, False),
            met,
            None if signal == "null" else signal,
            variation_icon(None if variation == "null" else variation, directions[i]),
            aim,
            aim_value,
        )
    # A sensitive measure's figures of a team with a month hidden from the viewer are withheld
    # (measures/charts/suppression.py), as on the team's chart page and in the API.
    withheld: dict[int, int] = {}
    for i, measure in enumerate(measures):
        for team_id in withheld_teams(user=user, measure=measure):
            if team_id in cells and cells[team_id][i] is not None:
                cells[team_id][i] = None
                withheld[team_id] = withheld.get(team_id, 0) + 1
    # The rows' teams, once each: not on every cell's row, nor by scanning the charts a second time.
    teams = {
        team_id: (str(public_id), code, name)
        for team_id, public_id, code, name in Team.objects.unscoped(
            reason="the ids are of the teams whose charts visible_to just returned"
        )
        .filter(id__in_set=cells)
        .values_list("id", "public_id", "code", "lia__name")
    }
    statuses = dict(
        MonthlyReport.objects.visible_to(user)
        .filter(team_id__in_set=teams, month=months.now_due(today))
        .values_list("team_id", "status")
    )
    named_all = access.sees_team_names(user, collaborative)
    out = []
    for team_id, (public_id, code, name) in teams.items():
        linked = access.sees_team(user, team_id)
        out.append(
            DashboardRow(
                team_public_id=public_id,
                label=name if named_all or linked else f"Team {code}",
                linked=linked,
                cells=cells[team_id],
                report_status=MonthlyReport.Status(statuses[team_id]).label
                if team_id in statuses
                else ("Not started" if linked else None),
                withheld=withheld.get(team_id, 0),
            )
        )
    return sorted(out, key=lambda r: r.label)


def phase_decision_list(*, user: Any, analysis: RunChartAnalysis) -> QuerySet[PhaseDecision]:
    return PhaseDecision.objects.visible_to(user).filter(analysis=analysis).select_related("decided_by")


def phase_decisions_by_chart(
    *, user: Any, analyses: list[RunChartAnalysis]
) -> dict[int, list[PhaseDecision]]:
    """The phase decisions `user` may see of many charts, by chart id, in one query."""
    found: dict[int, list[PhaseDecision]] = {}
    for decision in PhaseDecision.objects.visible_to(user).filter(analysis__in=[a.pk for a in analyses]):
        found.setdefault(decision.analysis_id, []).append(decision)
    return found


CHART_CSV_HEADER = figures.CSV_HEADER


def chart_rows(chart: RunChartAnalysis, *, title: str = "") -> list[list[Any]]:
    """The stored chart as rows, from the same model as its picture: the centre line in force each month
    and the judged signals the month is part of."""
    model = figures.chart_model(figure_input(chart, title=title))
    return figures.csv_rows(model, chart.points or [])


# --- Reporting status (issue 4) ---

REPORT_CELL_LABELS = {
    "on_time": "Submitted on time",
    "late": "Submitted late",
    "draft": "Draft, not submitted",
    "missing": "Missing",
    "not_due": "Not yet due",
    "not_enrolled": "Not enrolled",
}


def report_cell_status(*, report: MonthlyReport | None, due_date: dt.date, today: dt.date) -> str:
    """One team-month as a key of REPORT_CELL_LABELS; on time or late judged as month_status judges it."""
    if report is not None and report.status == MonthlyReport.Status.SUBMITTED:
        assert report.submitted_at is not None
        return "late" if timezone.localdate(report.submitted_at) > due_date else "on_time"
    if report is not None:
        return "draft"
    return "missing" if today > due_date else "not_due"


@dataclass(frozen=True)
class ReportingCell:
    month: dt.date
    status: str  # a key of REPORT_CELL_LABELS

    @property
    def label(self) -> str:
        return REPORT_CELL_LABELS[self.status]

    @property
    def reported(self) -> bool:
        return self.status in ("on_time", "late")


@dataclass(frozen=True)
class ReportingRow:
    """One team's line of the reporting grid."""

    team: Team
    cells: list[ReportingCell]


@dataclass(frozen=True)
class ReportingRate:
    """Submitted reports over teams enrolled, for one month or averaged over the months already due."""

    reported: float
    active: float
    percent: int | None  # rounded half up; None when no team was enrolled


def _rate(reported: int, active: int, months: int = 1) -> ReportingRate:
    percent = (200 * reported + active) // (2 * active) if active else None
    return ReportingRate(reported=reported / months, active=active / months, percent=percent)


@dataclass(frozen=True)
class DueTeam:
    """A team's report for the month now due, with the LIA's CQI leads to contact about it."""

    team: Team
    cell: ReportingCell
    overdue: bool
    contacts: list[Any]  # users


@dataclass(frozen=True)
class ReportingStatus:
    months: list[dt.date]
    rows: list[ReportingRow]
    rates: list[tuple[dt.date, ReportingRate]]
    average: ReportingRate | None  # over months whose due date has passed
    average_months: int
    due_month: dt.date | None  # None before the first month is due or after the collaborative
    due_date: dt.date | None
    due: list[DueTeam]


def reporting_status(*, user: Any, collaborative: Collaborative, today: dt.date) -> ReportingStatus:
    """Teams × months of a collaborative for the teams the user can see, from its first month to the month now due.

    Rates count only teams enrolled that month. Three queries (teams, reports, contacts), whatever
    the number of teams.
    """
    first = months.first_of(collaborative.start_date)
    last = min(months.now_due(today), months.first_of(collaborative.end_date))
    shown = months.span(first, last)
    teams = list(team_list(user=user, collaborative=collaborative).order_by("lia__name", "code"))
    reports = {
        (r.team_id, r.month): r
        for r in MonthlyReport.objects.visible_to(user).filter(
            team__in=teams, month__gte=first, month__lte=last
        )
    }
    due_dates = {m: monthly_report_due_date(collaborative=collaborative, month=m) for m in shown}
    rows = [
        ReportingRow(
            team=team,
            cells=[
                ReportingCell(
                    month=m,
                    status=report_cell_status(
                        report=reports.get((team.id, m)), due_date=due_dates[m], today=today
                    )
                    if enrolment.enrolled_in(team, m)
                    else "not_enrolled",
                )
                for m in shown
            ],
        )
        for team in teams
    ]
    counts = [
        (
            sum(row.cells[i].reported for row in rows),
            sum(row.cells[i].status != "not_enrolled" for row in rows),
        )
        for i in range(len(shown))
    ]
    rates = [(m, _rate(*c)) for m, c in zip(shown, counts, strict=True)]
    past = [c for m, c in zip(shown, counts, strict=True) if due_dates[m] < today]
    average = _rate(sum(c[0] for c in past), sum(c[1] for c in past), len(past)) if past else None

    due_month = shown[-1] if shown and shown[-1] == months.now_due(today) else None
    due: list[DueTeam] = []
    if due_month is not None:
        due_rows = [row for row in rows if enrolment.due_month(row.team, today) == due_month]
        leads: dict[int | None, list[Any]] = {}  # by LIA id (a membership's LIA column may be empty)
        for membership in (
            Membership.objects.visible_to(user)
            .filter(role=Role.CQI_LEAD, lia__in={row.team.lia_id for row in due_rows}, user__is_active=True)
            .select_related("user")
            .order_by("user__first_name", "user__last_name", "user__email")
        ):
            leads.setdefault(membership.lia_id, []).append(membership.user)
        overdue = today > due_dates[due_month]
        due = [
            DueTeam(
                team=row.team,
                cell=row.cells[-1],
                overdue=overdue and not row.cells[-1].reported,
                contacts=leads.get(row.team.lia_id, []),
            )
            for row in due_rows
        ]
    return ReportingStatus(
        months=shown,
        rows=rows,
        rates=rates,
        average=average,
        average_months=len(past),
        due_month=due_month,
        due_date=due_dates[due_month] if due_month else None,
        due=due,
    )


# --- Measures management and a month's change history (issue 4) ---


def measure_active_list(*, user: Any, collaborative: Any, month: dt.date) -> QuerySet[Measure]:
    """The collaborative's measures teams report in `month`: active_from ≤ month ≤ active_to, a blank end
    open; not those the platform records itself (`recorded_by_platform`)."""
    return measure_list(user=user, collaborative=collaborative).filter(
        Q(active_from__isnull=True) | Q(active_from__lte=month),
        Q(active_to__isnull=True) | Q(active_to__gte=month),
        recorded_by_platform=False,
    )


@dataclass(frozen=True)
class HistoryChange:
    """One field of one record changed: who, when, from what to what (values as shown to people)."""

    when: dt.datetime
    who: str
    subject: str  # the measure, or the monthly report
    field: str
    old: str
    new: str


OBSERVATION_HISTORY_FIELDS = ("numerator", "denominator", "cases", "not_applicable", "note")
REPORT_HISTORY_FIELDS = ("status", "reopen_reason")
REPORT_SUBJECT = "Monthly report"


def _history_label(field: str, measure: Measure | None) -> str:
    kind = measure.kind if measure is not None else None
    if field == "numerator":
        labels: dict[str | None, str] = {
            Measure.Kind.COUNT: "Count",
            Measure.Kind.MEAN: "Sum of scores",
            Measure.Kind.MEDIAN: "Number of cases",
        }
        return labels.get(kind, "Numerator")
    if field == "denominator":
        return "Number of scores" if kind == Measure.Kind.MEAN else "Denominator"
    return {
        "cases": "Cases' values",
        "not_applicable": "Not applicable",
        "note": "Note",
        "status": "Status",
    }.get(field, "Reason reopened")


def _history_value(field: str, value: Any) -> str:
    if value is None or value == "":
        return "blank"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if field == "status":
        return str(MonthlyReport.Status(value).label)
    if field == "cases":
        return medians.expanded(medians.from_stored(value))
    return str(value)


def _record_changes(records: list[Any], fields: tuple[str, ...], model: Any) -> list[HistoryChange]:
    """Consecutive history records of one object (oldest first) as field changes; a creation counts
    from the fields' defaults, so a first save shows blank → value."""
    defaults = {name: model._meta.get_field(name).get_default() for name in fields}
    changes, previous = [], None
    for record in records:
        measure = getattr(record, "measure", None)
        if previous is not None and previous.id != record.id:
            previous = None  # the next object's history starts here
        if record.history_type == "-":
            pairs = [
                (name, getattr(record, name), None)
                for name in fields
                if getattr(record, name) != defaults[name]
            ]
        elif previous is None:
            pairs = [(name, defaults[name], getattr(record, name)) for name in fields]
            pairs = [(name, old, new) for name, old, new in pairs if old != new]
        else:
            delta = record.diff_against(previous, included_fields=fields)
            pairs = [
                (c.field, c.old, c.new) for c in sorted(delta.changes, key=lambda c: fields.index(c.field))
            ]
        user = record.history_user
        changes += [
            HistoryChange(
                when=record.history_date,
                who=(user.get_full_name() or user.email) if user is not None else "unknown",
                subject=f"{measure.code}: {measure.name}" if measure is not None else REPORT_SUBJECT,
                field=_history_label(name, measure),
                old=_history_value(name, old),
                new=_history_value(name, new),
            )
            for name, old, new in pairs
        ]
        previous = record
    return changes


def month_history(*, user: Any, team: Team, month: dt.date) -> list[HistoryChange]:
    """Every change to a team-month's observations and monthly report, newest first. Two queries."""
    teams = Team.objects.visible_to(user).filter(id=team.id)
    order = ("id", "history_date", "history_id")
    observations = list(
        Observation.history.filter(team__in=teams, month=month)
        .select_related("measure", "history_user")
        .order_by(*order)
    )
    reports = list(
        MonthlyReport.history.filter(team__in=teams, month=month)
        .select_related("history_user")
        .order_by(*order)
    )
    changes = _record_changes(observations, OBSERVATION_HISTORY_FIELDS, Observation)
    changes += _record_changes(reports, REPORT_HISTORY_FIELDS, MonthlyReport)
    # Stable sort: a record's fields stay in form order under the newest-first ordering.
    return sorted(changes, key=lambda c: c.when, reverse=True)
