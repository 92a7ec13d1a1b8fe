import contextlib
import datetime as dt
import itertools
import logging
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass
from fractions import Fraction
from operator import attrgetter
from typing import Any

import kombu.exceptions
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage
from django.db import connection, models, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from coiin.faults import fault_point
from collaboratives import access, enrolment, months
from collaboratives.mail import send_once
from collaboratives.models import Membership, Role, Team
from collaboratives.notifications import notification_send_many
from collaboratives.recipients import team_people
from measures import runchart, series
from measures.models import (
    ChartAnnotation,
    Measure,
    MonthlyReport,
    Observation,
    PhaseDecision,
    ReportReminder,
    RunChartAnalysis,
)
from measures.page_cache import content_changed
from measures.points import json_text
from measures.selectors import measure_active_list, monthly_report_due_date, report_cell_status
from measures.tasks import runchart_refresh as runchart_refresh_task
from measures.tasks import runchart_refresh_many as runchart_refresh_many_task

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
    errors: dict[str, str] = {}
    for cell in cells:
        errors |= observation_cell_validate(team, month, cell, prefix=f"{cell.measure.code}.")
    if errors:
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
        values = (cell.numerator, cell.denominator, cell.not_applicable, cell.note)
        if obs is not None and (obs.numerator, obs.denominator, obs.not_applicable, obs.note) == values:
            saved.append(obs)  # unchanged: no history row, no recompute (re-uploading a file is a no-op)
            continue
        if obs is None:
            added.append(cell.measure.id)
        obs = obs or Observation(team=team, measure=cell.measure, month=month)
        obs.numerator, obs.denominator, obs.not_applicable, obs.note = values
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


def _series_keys(team: Team, measure_id: int) -> list[dict[str, Any]]:
    kind = RunChartAnalysis.Kind
    common = {"measure_id": measure_id, "collaborative_id": team.collaborative_id}
    return [
        {**common, "kind": kind.TEAM, "team_id": team.id, "awardee_id": None},
        {**common, "kind": kind.COLLABORATIVE, "team_id": None, "awardee_id": None},
        {**common, "kind": kind.AWARDEE, "team_id": None, "awardee_id": team.lia.awardee_id},
    ]


def series_mark_stale(*, team: Team, measure_ids: list[int], span_changed: Collection[int] = ()) -> list[int]:
    """Mark the team's series and the aggregates it feeds stale, and enqueue their recompute on commit.

    A series spans up to the latest month any team reported for the measure (docs/architecture.md §3.3
    rule 5), so for the measures in `span_changed`, whose latest month the save moved, every series
    of the measure is marked instead: in one UPDATE, recomputed by batch tasks.
    Runs inside the caller's transaction: the stale mark commits with the data, so if the broker is
    down the periodic sweep still finds the work.
    """
    ids = []
    series_rows = RunChartAnalysis.objects.unscoped(reason="bookkeeping for data the caller may enter")
    for measure_id in sorted(set(measure_ids)):
        for key in _series_keys(team, measure_id):
            analysis, _ = series_rows.get_or_create(**key)
            if measure_id not in span_changed:
                ids.append(analysis.id)
    ids = analyses_mark_stale(analysis_ids=ids)
    if not span_changed:
        return ids
    return ids + _mark_stale_in_batches(series_rows.filter(measure_id__in=span_changed))


def _mark_stale(analyses: Any) -> None:
    """A new generation for each series: a result computed from older data will not be stored."""
    analyses.update(
        generation=F("generation") + 1, stale=True, stale_since=timezone.now(), attempts=0, failed=False
    )
    content_changed(
        collaborative_ids=analyses.order_by().values_list("collaborative_id", flat=True).distinct()
    )


def _mark_stale_in_batches(analyses: Any) -> list[int]:
    """Mark every series of the queryset stale in one UPDATE; batch tasks recompute them after commit."""
    _mark_stale(analyses)
    ids = []
    for batch in _refresh_batches(analyses):
        transaction.on_commit(_enqueue_refresh(runchart_refresh_many_task, batch), robust=True)
        ids += batch
    return ids


class _BrokerBreaker:
    """After a failed publish, skip publishing in this process for a few seconds: each try costs the
    broker timeouts again, and a save touching 30 series would keep its user waiting 30 times over.
    The skipped series stay stale, so the sweep enqueues them (fault test F1: a save answers in ≤ 3 s)."""

    open_until = 0.0


BROKER_PAUSE_SECONDS = 10.0


def _enqueue_refresh(task: Any, arg: int | list[int]) -> Callable[[], None]:
    """A named callable publishing `task(arg)`, the id (or batch of ids) bound now. Not functools.partial:
    Django's robust on_commit logs a failing callback by its __qualname__, which a partial lacks, so a
    broker outage would raise there."""

    def enqueue_refresh() -> None:
        if time.monotonic() < _BrokerBreaker.open_until:
            return
        try:
            task.delay(arg)
        except kombu.exceptions.OperationalError:
            _BrokerBreaker.open_until = time.monotonic() + BROKER_PAUSE_SECONDS
            logger.warning("broker unavailable: run chart %s left stale for the sweep", arg)

    return enqueue_refresh


def analyses_mark_stale(*, analysis_ids: list[int]) -> list[int]:
    stale = RunChartAnalysis.objects.unscoped(reason="ids from series_mark_stale or a trusted caller")
    _mark_stale(stale.filter(id__in=analysis_ids))
    for analysis_id in analysis_ids:
        transaction.on_commit(_enqueue_refresh(runchart_refresh_task, analysis_id), robust=True)
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
        fault_point("runchart_analyse", analysis.id)  # system tests: a slow or failing recompute
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
    if stored:
        content_changed(collaborative_ids=[analysis.collaborative_id])
    return bool(stored)


BATCH_SIZE = 1000  # team series per batch task; a national collaborative's measures share the workers evenly


def runchart_analyse_many(*, analysis_ids: list[int]) -> int:
    """`runchart_analyse` for many series: per measure, one read of the data, the batch engine, one write.

    Stores exactly what `runchart_analyse` stores for each series, under the same generation rule.
    A measure whose batch fails falls back to one series at a time, so each failure is recorded on
    its own series. Returns the number of results stored.
    """
    # A national measure's batch makes about a million short-lived objects (the observations' tuples,
    # every series' result dicts) and no reference cycles: collections set off by them walked the whole
    # heap, 40 % of the batch's CPU (bench/national.py).
    with runchart.collector_paused():
        return _analyse_many(analysis_ids)


def _analyse_many(analysis_ids: list[int]) -> int:
    analyses = list(
        RunChartAnalysis.objects.filter(id__in=analysis_ids)
        .defer("result", "points", "summary")  # replaced, never read: tens of KB a series
        .order_by("measure_id", "id")
    )
    # One instance of each measure (and its collaborative), not one per series: a batch holds a thousand.
    measures = Measure.objects.select_related("collaborative").in_bulk({a.measure_id for a in analyses})
    stored = 0
    for measure_id, group in itertools.groupby(analyses, key=attrgetter("measure_id")):
        batch = list(group)
        for analysis in batch:
            analysis.measure = measures[measure_id]
        try:
            stored += _analyse_measure_batch(batch)
        except Exception:
            logger.exception(
                "batch recompute of measure %s failed; retrying one series at a time", batch[0].measure_id
            )
            for analysis in batch:
                with contextlib.suppress(Exception):  # recorded on the series by runchart_analyse
                    stored += runchart_analyse(analysis=analysis)
    return stored


def _analyse_measure_batch(batch: list[RunChartAnalysis]) -> int:
    measure = batch[0].measure
    months = series.series_months(measure)
    decisions: dict[int, list[tuple[dt.date, str]]] = {}
    for analysis_id, start_month, decision in PhaseDecision.objects.filter(analysis__in=batch).values_list(
        "analysis_id", "start_month", "decision"
    ):
        decisions.setdefault(analysis_id, []).append((start_month, decision))
    aggregates = [a for a in batch if a.kind != RunChartAnalysis.Kind.TEAM]
    collaborative_teams = list(
        Team.objects.filter(collaborative_id=measure.collaborative_id).select_related("lia")
    )
    by_id = {t.id: t for t in collaborative_teams}
    teams = {a.team_id: by_id[a.team_id] for a in batch if a.team_id is not None}
    by_awardee: dict[int, list[Team]] = {}
    for team in collaborative_teams:
        by_awardee.setdefault(team.lia.awardee_id, []).append(team)
    cohorts = {
        a.id: series.cohort_of(
            a, by_awardee.get(a.awardee_id, []) if a.awardee_id is not None else collaborative_teams, months
        )
        for a in aggregates
    }
    teams |= {t.id: t for cohort in cohorts.values() for t in cohort}
    pairs = series.team_pairs(measure, list(teams.values()), months)
    # Every team's values encoded once; each aggregate takes its cohort's rows.
    encoded = runchart.encode_teams(list(pairs.values()))
    row_of = {team_id: row for row, team_id in enumerate(pairs)}

    def cohort_encoded(team_ids: list[int]) -> runchart.aggregate.Encoded | None:
        if encoded is None:
            return None
        index = [row_of[t] for t in team_ids]
        return encoded[0][index], encoded[1][index]

    verdicts = series.teams_meet_aim(measure, pairs, encoded)
    inputs = [
        series.series_input_from(
            a,
            months,
            series.params_from_decisions(measure, months, decisions.get(a.id, [])),
            {a.team_id: pairs[a.team_id]}
            if a.team_id is not None
            else {t.id: pairs[t.id] for t in cohorts[a.id]},
            None if a.team_id is not None else cohort_encoded([t.id for t in cohorts[a.id]]),
        )
        for a in batch
    ]
    results: dict[int, dict[str, Any]] = {}
    baselines: dict[int, Fraction | None] = {}  # from team series whose phases no one decided
    by_params: dict[runchart.RuleParams, list[int]] = {}
    for index, data in enumerate(inputs):
        by_params.setdefault(data.params, []).append(index)
    for params, indices in by_params.items():
        computed = runchart.analyse_many([inputs[i].values for i in indices], params)
        for i, result in zip(indices, computed, strict=True):
            results[i] = result.to_dict()
            if batch[i].team_id is not None and batch[i].id not in decisions:
                baselines[batch[i].team_id] = None if result.baseline is None else result.baseline.median
    cohort_pairs = {t.id: pairs[t.id] for cohort in cohorts.values() for t in cohort}
    figures = series.team_figures(measure, cohort_pairs, verdicts, baselines)
    # System tests: a slow or failing recompute, once per batch (the per-series path has its own).
    fault_point("runchart_analyse", ",".join(str(a.id) for a in batch))
    now = timezone.now()
    rows = []
    for index, (analysis, data) in enumerate(zip(batch, inputs, strict=True)):
        result = results[index]
        summary = (
            series.team_summary(analysis, data, result, verdicts)
            if analysis.kind == RunChartAnalysis.Kind.TEAM
            else series.aggregate_summary(analysis, data, result, figures)
        )
        rows.append((analysis, data, result, summary))
    return _analyses_store(rows, computed_at=now)


_STORE_FIELDS = ("first_month", "result", "points", "summary", "params_version", "input_digest",
                 "computed_generation", "computed_at")  # fmt: skip


def _analyses_store(
    rows: list[tuple[RunChartAnalysis, series.SeriesInput, dict[str, Any], dict[str, Any]]],
    *,
    computed_at: dt.datetime,
) -> int:
    """Store many results, each only if its series' `generation` is still the one computed from.

    Django's bulk_update cannot carry that condition. On PostgreSQL the rows are copied into a
    temporary table and stored by one UPDATE … FROM (a national measure is 1,057 series: several
    times faster than one statement each; bench/README.md); elsewhere (SQLite, the embedded demo) one UPDATE per series.
    """
    meta = RunChartAnalysis._meta
    values = [
        (analysis.id, analysis.generation, data.months[0] if data.months else None, result,
         data.points, summary, series.PARAMS_VERSION, data.digest(), analysis.generation, computed_at)
        for analysis, data, result, summary in rows
    ]  # fmt: skip
    with transaction.atomic(), connection.cursor() as cursor:
        content_changed(collaborative_ids={analysis.collaborative_id for analysis, *_ in rows})
        if connection.vendor == "postgresql":
            return _analyses_copy(cursor, values)
        quote = connection.ops.quote_name
        columns = ", ".join(f"{quote(meta.get_field(f).column)} = %s" for f in _STORE_FIELDS)
        # Identifiers come from the model's own metadata; every value is a bound parameter.
        sql = (
            f"UPDATE {quote(meta.db_table)} SET {columns}, stale = %s, stale_since = NULL, attempts = 0, "  # noqa: S608
            f"failed = %s, last_error = '' WHERE id = %s AND generation = %s"
        )
        params = [
            [*(meta.get_field(f).get_db_prep_save(v, connection) for f, v in zip(_STORE_FIELDS, row[2:], strict=True)),
             False, False, row[0], row[1]]
            for row in values
        ]  # fmt: skip
        cursor.executemany(sql, params)
        return max(cursor.rowcount, 0)


def _analyses_copy(cursor: Any, values: list[tuple[Any, ...]]) -> int:
    meta = RunChartAnalysis._meta
    quote = connection.ops.quote_name
    fields = [meta.get_field(f) for f in _STORE_FIELDS]
    names = [quote(f.column) for f in fields]
    # The staging table takes its column types from the real one; a rollback removes it with the rest.
    cursor.execute(
        f"CREATE TEMPORARY TABLE analysis_store AS SELECT id, generation, {', '.join(names)} "  # noqa: S608
        f"FROM {quote(meta.db_table)} WITH NO DATA"
    )
    json_fields = {i for i, f in enumerate(fields) if isinstance(f, models.JSONField)}
    with cursor.cursor.copy(f"COPY analysis_store (id, generation, {', '.join(names)}) FROM STDIN") as copy:
        for row in values:
            copy.write_row(
                [*row[:2], *(json_text(fields[i].get_prep_value(v)) if i in json_fields else v
                             for i, v in enumerate(row[2:]))]
            )  # fmt: skip
    assignments = ", ".join(f"{name} = s.{name}" for name in names)
    cursor.execute(
        f"UPDATE {quote(meta.db_table)} AS t SET {assignments}, stale = false, stale_since = NULL, "  # noqa: S608
        "attempts = 0, failed = false, last_error = '' FROM analysis_store AS s "
        "WHERE t.id = s.id AND t.generation = s.generation"
    )
    stored = max(cursor.rowcount, 0)
    cursor.execute("DROP TABLE analysis_store")  # the next batch in this session makes its own
    return stored


def analysis_record_failure(*, analysis_id: int, generation: int, error: Exception) -> None:
    logger.exception("run chart analysis %s failed", analysis_id)
    RunChartAnalysis.objects.filter(id=analysis_id, generation=generation).update(
        attempts=F("attempts") + 1, last_error=f"{type(error).__name__}: {error}"[:2000]
    )
    RunChartAnalysis.objects.filter(id=analysis_id, attempts__gte=MAX_ATTEMPTS).update(failed=True)
    content_changed(
        collaborative_ids=RunChartAnalysis.objects.filter(id=analysis_id).values_list(
            "collaborative_id", flat=True
        )
    )


def runchart_sweep(*, now: dt.datetime | None = None) -> list[int]:
    """Re-enqueue stale series whose recompute never ran (broker down at save time, worker lost).

    Each pass counts as an attempt; after MAX_ATTEMPTS a series is marked failed and left visible.
    """
    now = now or timezone.now()
    due = RunChartAnalysis.objects.filter(stale=True, failed=False, stale_since__lt=now - SWEEP_GRACE)
    found = list(due.values_list("id", "collaborative_id"))
    ids = [analysis_id for analysis_id, _ in found]
    RunChartAnalysis.objects.filter(id__in=ids).update(attempts=F("attempts") + 1)
    RunChartAnalysis.objects.filter(id__in=ids, attempts__gte=MAX_ATTEMPTS).update(failed=True)
    content_changed(collaborative_ids=[collaborative_id for _, collaborative_id in found])
    retry = RunChartAnalysis.objects.filter(id__in=ids, failed=False)
    for batch in _refresh_batches(retry):
        try:
            runchart_refresh_many_task.delay(batch)
        except Exception:  # the broker is still down: the next sweep tries again
            logger.warning("sweep could not enqueue %s analyses", len(batch))
            break
        _BrokerBreaker.open_until = 0.0  # the broker is back: saves in this process publish again
    return sorted(retry.values_list("id", flat=True))


def _refresh_batches(analyses: Any) -> list[list[int]]:
    """Batch tasks per measure: its series in one task, so its data is read once, unless it has more
    than BATCH_SIZE team series; then team series in chunks of BATCH_SIZE and the aggregates apart."""
    series: dict[int, tuple[list[int], list[int]]] = {}
    for analysis_id, measure_id, kind in analyses.order_by("measure_id", "id").values_list(
        "id", "measure_id", "kind"
    ):
        teams, aggregates = series.setdefault(measure_id, ([], []))
        (teams if kind == RunChartAnalysis.Kind.TEAM else aggregates).append(analysis_id)
    batches = []
    for teams, aggregates in series.values():
        if len(teams) <= BATCH_SIZE:
            batches.append(teams + aggregates)
            continue
        batches += [teams[i : i + BATCH_SIZE] for i in range(0, len(teams), BATCH_SIZE)]
        if aggregates:
            batches.append(aggregates)
    return batches


def recompute_all(*, collaborative_ids: list[int] | None = None) -> list[int]:
    """Create any missing series for every enrolled team and measure, mark them stale and enqueue them.

    Measure by measure, each in its own transaction: insert its missing series, mark all its series
    stale in one update, and enqueue its batch tasks on commit. Workers start on the first measure
    while later ones are still being marked (a national collaborative has 31,710 series); a run cut
    short leaves whole measures done, and running it again is safe.
    """
    teams = Team.objects.select_related("lia")
    if collaborative_ids is not None:
        teams = teams.filter(collaborative_id__in=collaborative_ids)
    by_collaborative: dict[int, list[Team]] = {}
    for team in teams:
        by_collaborative.setdefault(team.collaborative_id, []).append(team)
    ids = []
    for measure_id, collaborative_id in (
        Measure.objects.filter(collaborative_id__in=by_collaborative)
        .order_by("collaborative_id", "order", "id")
        .values_list("id", "collaborative_id")
    ):
        with transaction.atomic():
            series_rows = RunChartAnalysis.objects.filter(measure_id=measure_id)
            existing = set(series_rows.values_list("kind", "measure_id", "team_id", "awardee_id"))
            wanted = {
                (key["kind"], key["measure_id"], key["team_id"], key["awardee_id"]): key
                for team in by_collaborative[collaborative_id]
                for key in _series_keys(team, measure_id)
            }
            RunChartAnalysis.objects.bulk_create(
                (RunChartAnalysis(**key) for k, key in wanted.items() if k not in existing),
                batch_size=2000,
                ignore_conflicts=True,  # a save creating the same series meanwhile
            )
            ids += _mark_stale_in_batches(series_rows)
    return sorted(ids)


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
    months = series.series_months(analysis.measure)
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
    is_mean = measure.kind == Measure.Kind.MEAN
    if is_mean and measure.scale_max is None:
        errors["scale_max"] = "A mean-score measure needs the highest score one answer can take."
    elif not is_mean and measure.scale_max is not None:
        errors["scale_max"] = "Leave the scale blank: only mean-score measures have one."
    if measure.chart_type != Measure.ChartType.RUN and measure.chart_type not in measure.control_chart_types:
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
        elif measure.kind == Measure.Kind.COUNT and goal < 0:
            errors["goal"] = "A count's goal cannot be negative."
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
        _mark_stale_in_batches(
            RunChartAnalysis.objects.unscoped(reason="the actor administers the measure").filter(
                measure=measure
            )
        )
    return measure
