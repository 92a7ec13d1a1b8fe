import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from collaboratives import access
from collaboratives.models import Team
from measures import runchart, series
from measures.models import (
    ChartAnnotation,
    Measure,
    MonthlyReport,
    Observation,
    PhaseDecision,
    RunChartAnalysis,
)
from measures.tasks import runchart_refresh as runchart_refresh_task

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5  # a series that fails this often is marked failed and shown as such, not retried forever
SWEEP_GRACE = dt.timedelta(
    seconds=30
)  # leave freshly-enqueued work to the worker before the sweep re-sends it
WHOLE_NUMBER = "Enter a whole number, 0 or more."
# The largest value every supported database stores in an integer column.
MAX_VALUE = 2_147_483_647
TOO_LARGE = f"Enter a number no larger than {MAX_VALUE:,}."
REOPEN_REASON_REQUIRED = "Say why the month is reopened, so the team knows what to correct."


@dataclass(frozen=True)
class ObservationInput:
    """One cell of a month's data as submitted: numerator and denominator may be blank.

    `not_applicable` says the measure does not apply this month, which is neither 0 nor missing data;
    its numerator and denominator must then be blank.
    """

    measure: Measure
    numerator: int | None
    denominator: int | None
    note: str = ""
    not_applicable: bool = False


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
    num, den = cell.numerator, cell.denominator
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


def _report_for_update(*, team: Team, month: dt.date) -> MonthlyReport | None:
    """The team's report for the month, locked so a save and a submit of the same month serialise."""
    return MonthlyReport.objects.select_for_update().filter(team=team, month=month).first()


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
    A submitted month refuses changes (error keyed `month`) until it is reopened; the first save of a
    month creates its draft report.
    """
    access.require(actor, access.Action.ENTER_DATA, team)
    _check_month(team, month)
    report = _report_for_update(team=team, month=month)
    if report is not None and report.status == MonthlyReport.Status.SUBMITTED:
        raise ValidationError({"month": _submitted_message(report)})
    errors: dict[str, str] = {}
    for cell in cells:
        errors |= observation_cell_validate(team, month, cell, prefix=f"{cell.measure.code}.")
    if errors:
        raise ValidationError(errors)
    if report is None:
        report = MonthlyReport(team=team, month=month, status=MonthlyReport.Status.DRAFT)
        report._history_user = actor
        report.full_clean()
        report.save()
    saved, changed = [], []
    for cell in cells:
        obs = (
            Observation.objects.select_for_update()
            .filter(team=team, measure=cell.measure, month=month)
            .first()
        )
        values = (cell.numerator, cell.denominator, cell.not_applicable, cell.note)
        if obs is not None and (obs.numerator, obs.denominator, obs.not_applicable, obs.note) == values:
            saved.append(obs)  # unchanged: no history row, no recompute (re-uploading a file is a no-op)
            continue
        obs = obs or Observation(team=team, measure=cell.measure, month=month)
        obs.numerator, obs.denominator, obs.not_applicable, obs.note = values
        obs.updated_by = actor
        obs._history_user = actor
        obs.full_clean()
        obs.save()
        saved.append(obs)
        changed.append(cell.measure.id)
    if changed:
        series_mark_stale(team=team, measure_ids=changed)
    return saved


def _series_keys(team: Team, measure_id: int) -> list[dict[str, Any]]:
    kind = RunChartAnalysis.Kind
    common = {"measure_id": measure_id, "collaborative_id": team.collaborative_id}
    return [
        {**common, "kind": kind.TEAM, "team_id": team.id, "awardee_id": None},
        {**common, "kind": kind.COLLABORATIVE, "team_id": None, "awardee_id": None},
        {**common, "kind": kind.AWARDEE, "team_id": None, "awardee_id": team.lia.awardee_id},
    ]


def series_mark_stale(*, team: Team, measure_ids: list[int]) -> list[int]:
    """Mark the team's series and the aggregates it feeds stale, and enqueue their recompute on commit.

    Runs inside the caller's transaction: the stale mark commits with the data, so if the broker is
    down the periodic sweep still finds the work.
    """
    ids = []
    for measure_id in sorted(set(measure_ids)):
        for key in _series_keys(team, measure_id):
            analysis, _ = RunChartAnalysis.objects.get_or_create(**key)
            ids.append(analysis.id)
    return analyses_mark_stale(analysis_ids=ids)


def _enqueue_refresh(analysis_id: int) -> Callable[[], None]:
    """A named callable binding the id now. Not functools.partial: Django's robust on_commit logs a
    failing callback by its __qualname__, which a partial lacks, so a broker outage would raise there."""

    def enqueue_refresh() -> None:
        runchart_refresh_task.delay(analysis_id)

    return enqueue_refresh


def analyses_mark_stale(*, analysis_ids: list[int]) -> list[int]:
    RunChartAnalysis.objects.filter(id__in=analysis_ids).update(
        generation=F("generation") + 1, stale=True, stale_since=timezone.now(), attempts=0, failed=False
    )
    for analysis_id in analysis_ids:
        transaction.on_commit(_enqueue_refresh(analysis_id), robust=True)
    return analysis_ids


def runchart_analyse(*, analysis: RunChartAnalysis) -> bool:
    """Recompute one series from the database and store it, if no newer data arrived meanwhile.

    Idempotent: the same inputs give the same stored row. Returns whether this call stored the result.
    """
    generation = RunChartAnalysis.objects.filter(id=analysis.id).values_list("generation", flat=True).first()
    if generation is None:
        return False
    try:
        data = series.series_input(analysis)
        result = runchart.analyse(data.values, data.params).to_dict()
        summary = (
            series.team_summary(analysis, data, result)
            if analysis.kind == RunChartAnalysis.Kind.TEAM
            else series.aggregate_summary(analysis, data, result)
        )
    except Exception as exc:
        analysis_record_failure(analysis_id=analysis.id, generation=generation, error=exc)
        raise
    stored = RunChartAnalysis.objects.filter(id=analysis.id, generation=generation).update(
        first_month=data.months[0] if data.months else None,
        result=result,
        points=data.points,
        summary=summary,
        params_version=series.PARAMS_VERSION,
        input_digest=data.digest(),
        computed_generation=generation,
        computed_at=timezone.now(),
        stale=False,
        stale_since=None,
        attempts=0,
        failed=False,
        last_error="",
    )
    return bool(stored)


def analysis_record_failure(*, analysis_id: int, generation: int, error: Exception) -> None:
    logger.exception("run chart analysis %s failed", analysis_id)
    RunChartAnalysis.objects.filter(id=analysis_id, generation=generation).update(
        attempts=F("attempts") + 1, last_error=f"{type(error).__name__}: {error}"[:2000]
    )
    RunChartAnalysis.objects.filter(id=analysis_id, attempts__gte=MAX_ATTEMPTS).update(failed=True)


def runchart_sweep(*, now: dt.datetime | None = None) -> list[int]:
    """Re-enqueue stale series whose recompute never ran (broker down at save time, worker lost).

    Each pass counts as an attempt; after MAX_ATTEMPTS a series is marked failed and left visible.
    """
    now = now or timezone.now()
    due = RunChartAnalysis.objects.filter(stale=True, failed=False, stale_since__lt=now - SWEEP_GRACE)
    ids = list(due.values_list("id", flat=True))
    RunChartAnalysis.objects.filter(id__in=ids).update(attempts=F("attempts") + 1)
    RunChartAnalysis.objects.filter(id__in=ids, attempts__gte=MAX_ATTEMPTS).update(failed=True)
    retry = list(RunChartAnalysis.objects.filter(id__in=ids, failed=False).values_list("id", flat=True))
    for analysis_id in retry:
        try:
            runchart_refresh_task.delay(analysis_id)
        except Exception:  # the broker is still down: the next sweep tries again
            logger.warning("sweep could not enqueue analysis %s", analysis_id)
            break
    return retry


def recompute_all(*, collaborative_ids: list[int] | None = None) -> list[int]:
    """Create any missing series for every enrolled team and measure, mark them stale and enqueue them."""
    teams = Team.objects.select_related("lia")
    if collaborative_ids is not None:
        teams = teams.filter(collaborative_id__in=collaborative_ids)
    ids: list[int] = []
    with transaction.atomic():
        for team in teams:
            measure_ids = list(
                Measure.objects.filter(collaborative_id=team.collaborative_id).values_list("id", flat=True)
            )
            ids += series_mark_stale(team=team, measure_ids=measure_ids)
    return sorted(set(ids))


@transaction.atomic
def phase_decide(
    *, actor: Any, analysis: RunChartAnalysis, start_month: dt.date, decision: str, reason: str
) -> PhaseDecision:
    """Record a person's phase decision for a series (who, when, why) and recompute it."""
    target = analysis.team if analysis.team_id else analysis.collaborative
    action = access.Action.REOPEN_MONTH if analysis.team_id else access.Action.ADMINISTER
    access.require(actor, action, target)
    if decision not in PhaseDecision.Decision.values:
        raise ValidationError({"decision": "Choose manual, confirmed or rejected."})
    if not reason.strip():
        raise ValidationError({"reason": "Say why, so others reading the chart understand the phase."})
    months = series.series_months(analysis.measure)
    if start_month.day != 1 or not months[0] < start_month <= months[-1]:
        raise ValidationError(
            {"start_month": "Choose a month after the first month of the chart and within it."}
        )
    phase, _ = PhaseDecision.objects.update_or_create(
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
        Observation.objects.filter(team=team, month=month)
        .exclude(numerator__isnull=True, not_applicable=False)
        .values_list("measure_id", flat=True)
    )
    missing = Measure.objects.filter(collaborative_id=team.collaborative_id).exclude(id__in=complete)
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
        access.require(actor, access.Action.ENTER_DATA, team)
        if team.collaborative_id != collaborative.id:
            raise ValidationError({"team": "This team is not part of the collaborative."})
    if measure is not None and measure.collaborative_id != collaborative.id:
        raise ValidationError({"measure": "This measure is not part of the collaborative."})
    month = month.replace(day=1)
    if not collaborative.start_date.replace(day=1) <= month <= collaborative.end_date:
        raise ValidationError(
            {
                "month": f"Choose a month between {collaborative.start_date:%B %Y} and {collaborative.end_date:%B %Y}."
            }
        )
    if not text.strip():
        raise ValidationError({"text": "Write the note."})
    note = ChartAnnotation(
        collaborative=collaborative,
        team=team,
        measure=measure,
        month=month,
        text=text.strip(),
        created_by=actor,
    )
    note.full_clean()
    note.save()
    return note
