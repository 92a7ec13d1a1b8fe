import datetime as dt
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from collaboratives import access, enrolment, months
from collaboratives.mail import send_once
from collaboratives.models import Membership, Role, Team
from collaboratives.notifications import notification_send_many
from collaboratives.recipients import team_people
from measures import medians
from measures.charts import inputs
from measures.charts.recompute import analyses_mark_stale, analyses_mark_stale_in_batches, series_mark_stale
from measures.models import (
    ChartAnnotation,
    Measure,
    MonthlyReport,
    Observation,
    PhaseDecision,
    ReportReminder,
    RunChartAnalysis,
)
from measures.selectors import measure_active_list, monthly_report_due_date, report_cell_status

logger = logging.getLogger(__name__)

WHOLE_NUMBER = "Enter a whole number, 0 or more."
# The largest value every supported database stores in an integer column.
MAX_VALUE = 2_147_483_647
TOO_LARGE = f"Enter a number no larger than {MAX_VALUE:,}."
MAX_NOTE_CHARS = 2000
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
CONTROL_CHARACTERS = "The note contains control characters. Remove them and save again."
_MONTH = re.compile(r"(\d{4})-(0[1-9]|1[0-2])")
MONTH_FORMAT = "Give a month as YYYY-MM, e.g. 2025-03."


def month_parse(value: str) -> dt.date:
    """A month written YYYY-MM (two-digit month: `2026-1` is refused), as its first day."""
    match = _MONTH.fullmatch(value)
    if match is None:
        raise ValidationError({"month": MONTH_FORMAT})
    return dt.date(int(match[1]), int(match[2]), 1)


def note_problem(note: str) -> str | None:
    """What is wrong with a cell's note, if anything: too long, or control characters in it."""
    if len(note) > MAX_NOTE_CHARS:
        return f"The note is {len(note):,} characters long; the limit is {MAX_NOTE_CHARS:,}."
    return CONTROL_CHARACTERS if _CONTROL.search(note) else None


MEDIAN_TAKES_CASES = (
    "A median measure takes each case's value, entered on the team's month page, not a numerator and "
    "denominator: the platform finds the middle value, and pools the cases of several teams."
)
REOPEN_REASON_REQUIRED = "Say why the month is reopened, so the team knows what to correct."


@dataclass(frozen=True)
class ObservationInput:
    """One cell of a month's data as submitted: numerator and denominator may be blank.

    `not_applicable` says the measure does not apply this month, which is neither 0 nor missing data;
    its numerator and denominator must then be blank. A median measure takes `cases` instead (how many
    cases took each whole value, `measures.medians`): its numerator becomes the number of cases.
    """

    measure: Measure
    numerator: int | None
    denominator: int | None
    note: str = ""
    not_applicable: bool = False
    cases: Mapping[int, int] | None = None

    def stored(self) -> tuple[int | None, int | None, bool, str, dict[str, int] | None]:
        """(numerator, denominator, not applicable, note, cases) as the observation stores them."""
        if self.measure.kind != Measure.Kind.MEDIAN:
            return self.numerator, self.denominator, self.not_applicable, self.note, None
        n = medians.size(self.cases)
        cases = medians.to_stored(self.cases) if n and self.cases else None
        return (n or None), None, self.not_applicable, self.note, cases


def observation_cell_validate(
    team: Team, month: dt.date, cell: ObservationInput, prefix: str
) -> dict[str, str]:
    measure = cell.measure
    errors: dict[str, str] = {}
    if measure.collaborative_id != team.collaborative_id:
        return {f"{prefix}measure": "This measure is not part of the team's collaborative."}
    for name in ("numerator", "denominator"):
        value = getattr(cell, name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
            errors[f"{prefix}{name}"] = WHOLE_NUMBER
        elif value is not None and value > MAX_VALUE:
            errors[f"{prefix}{name}"] = TOO_LARGE
    if errors:
        return errors
    if (problem := note_problem(cell.note)) is not None:
        errors[f"{prefix}note"] = problem
    num, den = cell.numerator, cell.denominator
    if measure.kind == Measure.Kind.MEDIAN or cell.cases is not None:
        return errors | _median_cell_validate(cell, prefix)
    if cell.not_applicable:
        if num is not None or den is not None:
            errors[f"{prefix}not_applicable"] = (
                "Leave the values blank when the measure does not apply this month, or untick not applicable."
            )
        return errors
    if measure.kind != Measure.Kind.COUNT and (num is None) != (den is None):
        missing = "denominator" if den is None else "numerator"
        errors[f"{prefix}{missing}"] = "Enter both numerator and denominator, or leave both blank."
    elif measure.kind == Measure.Kind.PROPORTION and num is not None and den is not None and num > den:
        errors[f"{prefix}numerator"] = f"The numerator ({num}) cannot be larger than the denominator ({den})."
    elif measure.kind == Measure.Kind.MEAN and num is not None and den is not None:
        assert measure.scale_max is not None
        if num > measure.scale_max * den:
            errors[f"{prefix}numerator"] = (
                f"The sum of scores ({num}) cannot exceed {measure.scale_max} × the number of scores ({den})."
            )
    return errors


def _median_cell_validate(cell: ObservationInput, prefix: str) -> dict[str, str]:
    if cell.measure.kind != Measure.Kind.MEDIAN:
        return {f"{prefix}cases": "Only a median measure takes each case's value."}
    if cell.numerator is not None or cell.denominator is not None:
        field = "numerator" if cell.numerator is not None else "denominator"
        return {f"{prefix}{field}": MEDIAN_TAKES_CASES}
    if cell.cases is not None and (problem := medians.problem(cell.cases)) is not None:
        return {f"{prefix}cases": problem}
    if cell.not_applicable and medians.size(cell.cases):
        return {
            f"{prefix}not_applicable": "Leave the cases blank when the measure does not apply this month, "
            "or untick not applicable."
        }
    return {}


def observations_check(*, team: Team, month: dt.date, cells: list[ObservationInput]) -> dict[str, str]:
    """Every cell's problems, keyed `<measure code>.<field>`: the rules of the form, the import and the API."""
    errors: dict[str, str] = {}
    for cell in cells:
        errors |= observation_cell_validate(team, month, cell, prefix=f"{cell.measure.code}.")
    return errors


def _report_for_update(*, team: Team, month: dt.date) -> MonthlyReport | None:
    """The team's report for the month, locked so a save and a submit of the same month serialise."""
    reports = MonthlyReport.objects.unscoped(reason="the caller checked the actor's access to the team")
    return reports.select_for_update().filter(team=team, month=month).first()


def _submitted_message(report: MonthlyReport) -> str:
    at = timezone.localtime(report.submitted_at) if report.submitted_at else None
    when = f" on {at:%B} {at.day}, {at.year}" if at else ""
    return (
        f"{report.month:%B %Y} was submitted{when}, so its values can no longer be changed. "
        "Ask your CQI lead or improvement advisor to reopen the month first."
    )


def _check_month(team: Team, month: dt.date) -> None:
    collaborative = team.collaborative
    if month.day != 1:
        raise ValidationError({"month": "A month is given by its first day."})
    if month > timezone.localdate().replace(day=1):
        raise ValidationError({"month": f"{month:%B %Y} is in the future: enter a month once it has begun."})
    if not collaborative.start_date.replace(day=1) <= month <= collaborative.end_date:
        raise ValidationError(
            {
                "month": f"{month:%B %Y} is outside the collaborative ({collaborative.start_date:%B %Y} to {collaborative.end_date:%B %Y})."
            }
        )


@transaction.atomic
def observations_record(
    *, actor: Any, team: Team, month: dt.date, cells: list[ObservationInput]
) -> list[Observation]:
    """Save a team's values for one month, all or nothing, with history; then recompute the affected series.

    Errors are keyed `<measure code>.<field>`, so a form or an import can point at the exact cell.
    A submitted month refuses changes (error keyed `month`) until it is reopened, except to measures the
    platform records itself (`recorded_by_platform`, e.g. learning-event attendance), which teams neither
    enter nor submit; the first save of a team's own values in a month creates its draft report.
    """
    access.require(actor, access.Action.ENTER_DATA, team)
    _check_month(team, month)
    report = _report_for_update(team=team, month=month)
    team_entered = any(not cell.measure.recorded_by_platform for cell in cells)
    if report is not None and report.status == MonthlyReport.Status.SUBMITTED and team_entered:
        raise ValidationError({"month": _submitted_message(report)})
    if errors := observations_check(team=team, month=month, cells=cells):
        raise ValidationError(errors)
    if report is None and team_entered:  # the platform's own values do not start a team's draft
        report = MonthlyReport(team=team, month=month, status=MonthlyReport.Status.DRAFT)
        report._history_user = actor
        report.full_clean()
        report.save()
    saved, changed, added = [], [], []
    for cell in cells:
        obs = (
            Observation.objects.unscoped(reason="the caller checked the actor's access to the team")
            .select_for_update()
            .filter(team=team, measure=cell.measure, month=month)
            .first()
        )
        values = cell.stored()
        if (
            obs is not None
            and (obs.numerator, obs.denominator, obs.not_applicable, obs.note, obs.cases) == values
        ):
            saved.append(obs)  # unchanged: no history row, no recompute (re-uploading a file is a no-op)
            continue
        if obs is None:
            added.append(cell.measure.id)
        obs = obs or Observation(team=team, measure=cell.measure, month=month)
        obs.numerator, obs.denominator, obs.not_applicable, obs.note, obs.cases = values
        obs.updated_by = actor
        obs._history_user = actor
        obs.full_clean()
        obs.save()
        saved.append(obs)
        changed.append(cell.measure.id)
    if changed:
        series_mark_stale(
            team=team, measure_ids=changed, span_changed=_latest_month_added(team, month, added)
        )
    return saved


def _latest_month_added(team: Team, month: dt.date, measure_ids: list[int]) -> list[int]:
    """Those of the measures given a new row for (team, month) whose latest reported month this row moved.

    Rows are only ever added or changed here, never deleted, so only a new row can move it. One
    EXISTS per measure on (measure, month); none at all when the save added no row.
    """
    if not measure_ids:
        return []
    later = (
        Observation.objects.unscoped(reason="whether any team reported this measure this month or later")
        .filter(measure=OuterRef("pk"), month__gte=month)
        .exclude(team=team, month=month)
    )
    measures = Measure.objects.unscoped(reason="measures of the team's collaborative, checked by the caller")
    return list(measures.filter(id__in=measure_ids).exclude(Exists(later)).values_list("id", flat=True))


@transaction.atomic
def phase_decide(
    *, actor: Any, analysis: RunChartAnalysis, start_month: dt.date, decision: str, reason: str
) -> PhaseDecision:
    """Record a person's phase decision for a series (who, when, why) and recompute it."""
    access.require_phase_decider(
        actor, collaborative=analysis.collaborative, team=analysis.team, awardee=analysis.awardee
    )
    if decision not in PhaseDecision.Decision.values:
        raise ValidationError({"decision": "Choose manual, confirmed or rejected."})
    if not reason.strip():
        raise ValidationError({"reason": "Say why, so others reading the chart understand the phase."})
    months = inputs.series_months(analysis.measure)
    if start_month.day != 1 or not months[0] < start_month <= months[-1]:
        raise ValidationError(
            {"start_month": "Choose a month after the first month of the chart and within it."}
        )
    phase, _ = PhaseDecision.objects.unscoped(
        reason="the actor may decide this chart's phases"
    ).update_or_create(
        analysis=analysis,
        start_month=start_month,
        defaults={
            "decision": decision,
            "reason": reason.strip(),
            "decided_by": actor,
            "collaborative_id": analysis.collaborative_id,
            "team_id": analysis.team_id,
        },
    )
    analyses_mark_stale(analysis_ids=[analysis.id])
    return phase


@transaction.atomic
def monthly_report_submit(*, actor: Any, team: Team, month: dt.date) -> MonthlyReport:
    """Submit a team's month once every measure has a value or is marked not applicable.

    Missing cells are reported as `<measure code>.numerator`, like observations_record's errors.
    """
    access.require(actor, access.Action.SUBMIT_MONTH, team)
    _check_month(team, month)
    if month >= timezone.localdate().replace(day=1):
        raise ValidationError({"month": f"{month:%B %Y} can be submitted once the month has ended."})
    report = _report_for_update(team=team, month=month)
    if report is not None and report.status == MonthlyReport.Status.SUBMITTED:
        raise ValidationError({"month": f"{month:%B %Y} has already been submitted."})
    complete = set(
        Observation.objects.unscoped(reason="the caller checked the actor's access to the team")
        .filter(team=team, month=month)
        .exclude(numerator__isnull=True, not_applicable=False)
        .values_list("measure_id", flat=True)
    )
    missing = measure_active_list(user=actor, collaborative=team.collaborative, month=month).exclude(
        id__in=complete
    )
    if missing:
        raise ValidationError(
            {
                f"{m.code}.numerator": "Enter a value, or tick not applicable if this measure does not apply this month."
                for m in missing
            }
        )
    report = report or MonthlyReport(team=team, month=month)
    report.status = MonthlyReport.Status.SUBMITTED
    report.submitted_at, report.submitted_by = timezone.now(), actor
    report._history_user = actor
    report.full_clean()
    report.save()
    report_submitted_notify(team=team, report=report)
    return report


@transaction.atomic
def monthly_report_reopen(*, actor: Any, team: Team, month: dt.date, reason: str) -> MonthlyReport:
    """Return a submitted month to draft so its values can be corrected; who, when and why are kept.

    The earlier submission stays in the report's history; the month counts as not submitted until
    it is submitted again.
    """
    access.require(actor, access.Action.REOPEN_MONTH, team)
    if not reason.strip():
        raise ValidationError({"reason": REOPEN_REASON_REQUIRED})
    report = _report_for_update(team=team, month=month)
    if report is None or report.status != MonthlyReport.Status.SUBMITTED:
        raise ValidationError({"month": f"{month:%B %Y} is not submitted, so there is nothing to reopen."})
    report.status = MonthlyReport.Status.DRAFT
    report.submitted_at = report.submitted_by = None
    report.reopened_at, report.reopened_by, report.reopen_reason = timezone.now(), actor, reason.strip()
    report._history_user = actor
    report.full_clean()
    report.save()
    return report


@transaction.atomic
def annotation_add(
    *,
    actor: Any,
    collaborative: Any,
    team: Team | None,
    month: dt.date,
    text: str,
    measure: Measure | None = None,
) -> ChartAnnotation:
    """Add a note to a month of the run charts: a team's own, or (admins) collaborative-wide."""
    if team is None:
        access.require(actor, access.Action.ADMINISTER, collaborative)
    else:
        access.require(actor, access.Action.ANNOTATE_CHARTS, team)
        if team.collaborative_id != collaborative.id:
            raise ValidationError({"team": "This team is not part of the collaborative."})
    if measure is not None and measure.collaborative_id != collaborative.id:
        raise ValidationError({"measure": "This measure is not part of the collaborative."})
    note = ChartAnnotation(collaborative=collaborative, team=team, measure=measure, created_by=actor)
    return _annotation_write(note, month=month, text=text)


def _annotation_write(note: ChartAnnotation, *, month: dt.date, text: str) -> ChartAnnotation:
    """Check a note's month (inside its collaborative) and text, then save it."""
    collaborative = note.collaborative
    month = month.replace(day=1)
    if not collaborative.start_date.replace(day=1) <= month <= collaborative.end_date:
        raise ValidationError(
            {
                "month": f"Choose a month between {collaborative.start_date:%B %Y} and {collaborative.end_date:%B %Y}."
            }
        )
    if not text.strip():
        raise ValidationError({"text": "Write the note."})
    note.month, note.text = month, text.strip()
    note.full_clean()
    note.save()
    return note


@transaction.atomic
def annotation_update(*, actor: Any, note: ChartAnnotation, month: dt.date, text: str) -> ChartAnnotation:
    """Its author corrects a note's month or text."""
    if not access.may_change_note(actor, note):
        raise PermissionDenied("Only the note's author may change it.")
    return _annotation_write(note, month=month, text=text)


@transaction.atomic
def annotation_delete(*, actor: Any, note: ChartAnnotation) -> None:
    """Its author removes a note from the charts."""
    if not access.may_change_note(actor, note):
        raise PermissionDenied("Only the note's author may delete it.")
    ChartAnnotation.objects.visible_to(actor).filter(id=note.id).delete()


# --- Report reminders (issue 4) ---

REMINDER_DAYS_BEFORE = 3  # "due soon" goes out when the due date is this many days away or fewer


def _entry_link(team: Team, month: dt.date) -> str:
    path = reverse("team-data-month", kwargs={"public_id": team.public_id, "month": month})
    return settings.SITE_URL.rstrip("/") + path


def _reminder_message(
    *, kind: str, team: Team, month: dt.date, due_date: dt.date, to: list[str], cc: list[str], **extra: Any
) -> EmailMessage:
    subjects = {
        ReportReminder.Kind.DUE_SOON: f"Reminder: {team.lia.name}'s {month:%B %Y} data is due {due_date:%B} {due_date.day}",
        ReportReminder.Kind.OVERDUE: f"Overdue: {team.lia.name}'s {month:%B %Y} data was due {due_date:%B} {due_date.day}",
        ReportReminder.Kind.SUBMITTED: f"{team.lia.name} submitted its {month:%B %Y} data",
    }
    body = render_to_string(
        f"measures/email/report_{kind}.txt",
        {
            "team": team,
            "month": month,
            "due_date": due_date,
            "link": _entry_link(team, month),
            "cc": cc,
            **extra,
        },
    )
    return EmailMessage(subjects[ReportReminder.Kind(kind)], body, None, to, cc=cc)


def _reminder_send_once(*, reminder: ReportReminder, message: EmailMessage) -> bool:
    """Send the reminder unless another run has; the row records when and to whom."""
    row = ReportReminder.objects.unscoped(reason="claims the reminder row it was given").filter(
        id=reminder.id
    )
    return send_once(row=row, field="sent_at", message=message, claimed={"recipients": message.recipients()})


def _team_people(teams: list[Team]) -> dict[tuple[int, str], list[str]]:
    """Active people's emails by (team id, role): the LIA's CQI leads and members, and the team's advisors."""
    memberships = (
        Membership.objects.unscoped(reason="the people to notify about these teams")
        .filter(
            Q(lia__in={t.lia_id for t in teams}, role__in=[Role.CQI_LEAD, Role.TEAM_MEMBER])
            | Q(team__in=teams, role=Role.ADVISOR),
            user__is_active=True,
        )
        .values_list("role", "lia_id", "team_id", "user__email")
    )
    by_scope: dict[tuple[int | None, str], set[str]] = {}
    for role, lia_id, team_id, email in memberships:
        if email:
            by_scope.setdefault((lia_id or team_id, role), set()).add(email)
    return {
        (team.id, role): sorted(by_scope.get((team.id if role == Role.ADVISOR else team.lia_id, role), ()))
        for team in teams
        for role in (Role.CQI_LEAD, Role.TEAM_MEMBER, Role.ADVISOR)
    }


def report_reminders_send(*, today: dt.date) -> list[ReportReminder]:
    """Remind every enrolled team of an unsubmitted month now due: "due soon" within REMINDER_DAYS_BEFORE
    days of the due date (to the LIA's CQI leads and members), "overdue" after it (to the leads, cc the
    team's advisors). Returns the reminders this call sent.

    Once per (team, month, kind) however often it runs. Deliberately not one transaction: each claim
    commits before its email goes out, so two workers or a rerun never send the same reminder twice.
    """
    month = months.now_due(today)
    teams = [
        team
        for team in Team.objects.filter(
            collaborative__start_date__lt=months.add(month, 1),
            collaborative__end_date__gte=month,
            joined_on__lt=months.add(month, 1),
        ).select_related("lia", "collaborative")
        if enrolment.due_month(team, today) == month
    ]
    submitted = set(
        MonthlyReport.objects.filter(team__in=teams, month=month, status=MonthlyReport.Status.SUBMITTED)
        .values_list("team_id", flat=True)
    )  # fmt: skip
    pending = []
    for team in teams:
        due_date = monthly_report_due_date(collaborative=team.collaborative, month=month)
        if team.id in submitted or (due_date - today).days > REMINDER_DAYS_BEFORE:
            continue
        pending.append(
            (
                team,
                due_date,
                ReportReminder.Kind.OVERDUE if today > due_date else ReportReminder.Kind.DUE_SOON,
            )
        )
    people = _team_people([team for team, _, _ in pending])
    sent = []
    for team, due_date, kind in pending:
        leads = people[team.id, Role.CQI_LEAD]
        if kind == ReportReminder.Kind.DUE_SOON:
            to, cc = sorted({*leads, *people[team.id, Role.TEAM_MEMBER]}), []
        else:
            to, cc = leads, [e for e in people[team.id, Role.ADVISOR] if e not in leads]
        if not to:
            logger.info("team %s has nobody to remind about %s", team.id, month)
            continue
        reminder, _ = ReportReminder.objects.get_or_create(team=team, month=month, kind=kind)
        if reminder.sent_at is not None:
            continue
        message = _reminder_message(
            kind=kind,
            team=team,
            month=month,
            due_date=due_date,
            to=to,
            cc=cc,
            days_left=(due_date - today).days,
        )
        if _reminder_send_once(reminder=reminder, message=message):
            sent.append(reminder)
            data_due_notify(
                team=team, month=month, due_date=due_date, overdue=kind == ReportReminder.Kind.OVERDUE
            )
    return sent


def data_due_notify(*, team: Team, month: dt.date, due_date: dt.date, overdue: bool) -> int:
    """Beside a due-soon or overdue email, tell the LIA's CQI leads and members in the app, once per key."""
    state = "is overdue" if overdue else f"is due {due_date:%B} {due_date.day}"
    return notification_send_many(
        recipients=team_people(team=team, roles=[Role.CQI_LEAD, Role.TEAM_MEMBER]),
        kind="data_due",
        text=f"{team.lia.name}'s {month:%B %Y} data {state}.",
        url=reverse("team-data-month", kwargs={"public_id": team.public_id, "month": month}),
        key=f"data-due:{team.public_id}:{month:%Y-%m}:{'overdue' if overdue else 'due-soon'}",
    )


def report_submitted_notify(*, team: Team, report: MonthlyReport) -> None:
    """Tell the team's advisors that a month was submitted, once per (team, month), after the submission commits."""
    advisors = _team_people([team])[team.id, Role.ADVISOR]
    if not advisors:
        return
    reminder, _ = ReportReminder.objects.unscoped(reason="the submitting actor's team").get_or_create(
        team=team, month=report.month, kind=ReportReminder.Kind.SUBMITTED
    )
    if reminder.sent_at is not None:
        return
    due_date = monthly_report_due_date(collaborative=team.collaborative, month=report.month)
    message = _reminder_message(
        kind=ReportReminder.Kind.SUBMITTED,
        team=team,
        month=report.month,
        due_date=due_date,
        to=advisors,
        cc=[],
        submitted_by=report.submitted_by,
        on_time=report_cell_status(report=report, due_date=due_date, today=due_date) == "on_time",
    )

    def notify_advisors() -> None:
        _reminder_send_once(reminder=reminder, message=message)

    transaction.on_commit(notify_advisors, robust=True)


# --- Measures management (issue 4) ---

MEASURE_FIELDS = frozenset(
    {
        "code",
        "name",
        "kind",
        "direction",
        "goal",
        "numerator_definition",
        "denominator_definition",
        "data_source",
        "sensitive",
        "scale_max",
        "active_from",
        "active_to",
        "order",
        "chart_type",
    }
)
# What stored run-chart summaries depend on: changing one makes the measure's series stale.
MEASURE_ANALYSIS_FIELDS = ("kind", "direction", "goal", "scale_max")
KIND_FIXED = (
    "This measure already has reported data, so its kind cannot change: the stored numbers would "
    "mean something else. Create a new measure instead."
)


def _measure_rule_errors(measure: Measure, collaborative: Any, kind_was: str | None) -> dict[str, str]:
    """The measure's own rules, keyed by field; `kind_was` is the stored kind when editing."""
    errors: dict[str, str] = {}
    siblings = (
        Measure.objects.unscoped(reason="codes are unique within the collaborative the actor administers")
        .filter(collaborative=collaborative, code=measure.code)
        .exclude(pk=measure.pk)
    )
    if siblings.exists():
        errors["code"] = f"Another measure of this collaborative already has the code “{measure.code}”."
    if kind_was is not None and measure.kind != kind_was and measure.observations.exists():
        errors["kind"] = KIND_FIXED
    if measure.kind == Measure.Kind.MEDIAN and measure.sensitive:
        errors["sensitive"] = (
            "A median measure cannot be sensitive: suppressing small counts works on counts that add up "
            "across teams, and a median does not."
        )
    is_mean = measure.kind == Measure.Kind.MEAN
    if is_mean and measure.scale_max is None:
        errors["scale_max"] = "A mean-score measure needs the highest score one answer can take."
    elif not is_mean and measure.scale_max is not None:
        errors["scale_max"] = "Leave the scale blank: only mean-score measures have one."
    if measure.kind == Measure.Kind.MEDIAN and measure.chart_type != Measure.ChartType.RUN:
        errors["chart_type"] = "A median measure is drawn as a run chart: it has no control chart here."
    elif (
        measure.chart_type != Measure.ChartType.RUN and measure.chart_type not in measure.control_chart_types
    ):
        suits = ", ".join(Measure.ChartType(c).label for c in measure.control_chart_types)
        errors["chart_type"] = (
            f"A {measure.get_kind_display().split(' (')[0].lower()} measure's control chart is one of: {suits}."
        )
    goal = measure.goal
    if goal is not None:
        if measure.kind == Measure.Kind.PROPORTION and not 0 <= goal <= 100:
            errors["goal"] = "Give a proportion's goal as a percentage from 0 to 100."
        elif is_mean and measure.scale_max is not None and not 0 <= goal <= measure.scale_max:
            errors["goal"] = f"Give a mean score's goal on its scale, from 0 to {measure.scale_max}."
        elif measure.kind in (Measure.Kind.COUNT, Measure.Kind.MEDIAN) and goal < 0:
            errors["goal"] = f"A {measure.kind}'s goal cannot be negative."
    first, last = collaborative.start_date.replace(day=1), collaborative.end_date
    for name in ("active_from", "active_to"):
        month = getattr(measure, name)
        if month is None:
            continue
        if month.day != 1:
            errors[name] = f"Give a month as its first day, e.g. {month:%Y-%m}-01."
        elif not first <= month <= last:
            errors[name] = f"Choose a month from {first:%B %Y} to {last:%B %Y}, the collaborative's dates."
    start, end = measure.active_from, measure.active_to
    if (
        start is not None
        and end is not None
        and end < start
        and not errors.keys() & {"active_from", "active_to"}
    ):
        errors["active_to"] = "The last month cannot be before the first month."
    return errors


def _measure_save(measure: Measure, collaborative: Any, fields: dict[str, Any], kind_was: str | None) -> None:
    unknown = fields.keys() - MEASURE_FIELDS
    if unknown:
        raise TypeError(f"Unknown measure fields: {', '.join(sorted(unknown))}")
    for name, value in fields.items():
        setattr(measure, name, value)
    try:
        measure.clean_fields()  # converts values (e.g. goal to Decimal) in place, before the rules compare them
        errors: dict[str, list[str]] = {}
    except ValidationError as exc:
        errors = exc.message_dict
    if not errors:
        errors = {k: [v] for k, v in _measure_rule_errors(measure, collaborative, kind_was).items()}
    if errors:
        raise ValidationError(errors)
    measure.full_clean()
    measure.save()


@transaction.atomic
def measure_create(*, actor: Any, collaborative: Any, **fields: Any) -> Measure:
    """Add a measure to a collaborative (its admins only). Fields are Measure's own, goal in display units."""
    access.require(actor, access.Action.ADMINISTER, collaborative)
    measure = Measure(collaborative=collaborative)
    _measure_save(measure, collaborative, fields, kind_was=None)
    return measure


@transaction.atomic
def measure_update(*, actor: Any, measure: Measure, **fields: Any) -> Measure:
    """Change a measure's definition. Its kind is fixed once data exists; a change to what the run
    charts judge by (kind, direction, goal, scale) marks its series stale and recomputes them."""
    collaborative = measure.collaborative
    access.require(actor, access.Action.ADMINISTER, collaborative)
    measure = (
        Measure.objects.unscoped(reason="the actor administers its collaborative")
        .select_for_update()
        .get(pk=measure.pk)
    )
    before = [getattr(measure, name) for name in MEASURE_ANALYSIS_FIELDS]
    _measure_save(measure, collaborative, fields, kind_was=measure.kind)
    if [getattr(measure, name) for name in MEASURE_ANALYSIS_FIELDS] != before:
        analyses_mark_stale_in_batches(
            RunChartAnalysis.objects.unscoped(reason="the actor administers the measure").filter(
                measure=measure
            )
        )
    return measure
