"""Recomputing the stored run charts: marking series stale, analysing them with the engine, storing results.

The writing half of the stored run chart (`measures.charts`): a save marks the series it touches stale
and enqueues their recompute on commit; tasks and the sweep call `runchart_analyse(_many)`; the engine
(`measures.runchart`) is fed by `measures.charts.inputs`.
"""

import contextlib
import datetime as dt
import itertools
import logging
import time
from collections.abc import Callable, Collection
from fractions import Fraction
from operator import attrgetter
from typing import Any

import kombu.exceptions
import orjson
from django.db import connection, models, transaction
from django.db.models import F
from django.utils import timezone

from coiin.faults import fault_point
from collaboratives.models import Team
from measures import points as stored_points
from measures import runchart
from measures.charts import inputs
from measures.models import Measure, PhaseDecision, RunChartAnalysis
from measures.page_cache import content_changed
from measures.points import json_text

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5  # a series that fails this often is marked failed and shown as such, not retried forever
SWEEP_GRACE = dt.timedelta(
    seconds=30
)  # leave freshly-enqueued work to the worker before the sweep re-sends it


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
    return ids + analyses_mark_stale_in_batches(series_rows.filter(measure_id__in=span_changed))


def _mark_stale(analyses: Any) -> None:
    """A new generation for each series: a result computed from older data will not be stored."""
    analyses.update(
        generation=F("generation") + 1, stale=True, stale_since=timezone.now(), attempts=0, failed=False
    )
    content_changed(
        collaborative_ids=analyses.order_by().values_list("collaborative_id", flat=True).distinct()
    )


def analyses_mark_stale_in_batches(analyses: Any) -> list[int]:
    """Mark every series of the queryset stale in one UPDATE; batch tasks recompute them after commit."""
    _mark_stale(analyses)
    ids = []
    for batch in _refresh_batches(analyses):
        transaction.on_commit(_enqueue_refresh(RefreshTasks.many, batch), robust=True)
        ids += batch
    return ids


class RefreshTasks:
    """The Celery tasks that recompute one series and a batch. They live in measures.tasks, above this
    module (tasks call services, docs/architecture.md §2.1), so MeasuresConfig.ready() hands them over."""

    one: Any = None
    many: Any = None


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
        transaction.on_commit(_enqueue_refresh(RefreshTasks.one, analysis_id), robust=True)
    return analysis_ids


def runchart_analyse(*, analysis: RunChartAnalysis) -> bool:
    """Recompute one series from the database and store it, if no newer data arrived meanwhile.

    Idempotent: the same inputs give the same stored row. Returns whether this call stored the result.
    """
    generation = RunChartAnalysis.objects.filter(id=analysis.id).values_list("generation", flat=True).first()
    if generation is None:
        return False
    try:
        data = inputs.series_input(analysis)
        result = runchart.analyse(data.values, data.params).to_dict()
        summary = (
            inputs.team_summary(analysis, data, result)
            if analysis.kind == RunChartAnalysis.Kind.TEAM
            else inputs.aggregate_summary(analysis, data, result)
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
        params_version=inputs.PARAMS_VERSION,
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


def runchart_verify(*, collaborative_ids: list[int] | None = None) -> list[str]:
    """Recompute every stored series in memory and describe each whose stored result, points or summary
    differ (none is written). A series still marked stale is not compared: it is due to change."""
    analyses = RunChartAnalysis.objects.filter(stale=False).select_related(
        "measure__collaborative", "team__lia", "awardee", "collaborative"
    )
    if collaborative_ids is not None:
        analyses = analyses.filter(collaborative_id__in=collaborative_ids)
    differences = []
    for analysis in analyses.order_by("id").iterator(chunk_size=500):
        data = inputs.series_input(analysis)
        result = runchart.analyse(data.values, data.params).to_dict()
        summary = (
            inputs.team_summary(analysis, data, result)
            if analysis.kind == RunChartAnalysis.Kind.TEAM
            else inputs.aggregate_summary(analysis, data, result)
        )
        fresh = {"result": result, "points": stored_points.rows(data.points), "summary": summary}
        stored = {"result": analysis.result, "points": analysis.points, "summary": analysis.summary}
        for name, value in fresh.items():
            if _canonical(value) != _canonical(stored[name]):
                differences.append(
                    f"run chart {analysis.public_id} ({analysis}): stored {name} differ{'s' if name != 'points' else ''}"
                )
    return differences


def _canonical(value: Any) -> bytes:
    """JSON text with sorted keys: the stored and the fresh value compare as the database holds them."""
    return orjson.dumps(orjson.loads(json_text(value)), option=orjson.OPT_SORT_KEYS)


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
    months = inputs.series_months(measure)
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
        a.id: inputs.cohort_of(
            a, by_awardee.get(a.awardee_id, []) if a.awardee_id is not None else collaborative_teams, months
        )
        for a in aggregates
    }
    teams |= {t.id: t for cohort in cohorts.values() for t in cohort}
    pairs = inputs.team_pairs(measure, list(teams.values()), months)
    cases = (
        inputs.team_cases(measure, list(teams.values()), months)
        if measure.kind == Measure.Kind.MEDIAN
        else None
    )
    # Every team's values encoded once; each aggregate takes its cohort's rows.
    encoded = runchart.encode_teams(list(pairs.values()))
    row_of = {team_id: row for row, team_id in enumerate(pairs)}

    def cohort_encoded(team_ids: list[int]) -> runchart.aggregate.Encoded | None:
        if encoded is None:
            return None
        index = [row_of[t] for t in team_ids]
        return encoded[0][index], encoded[1][index]

    verdicts = inputs.teams_meet_aim(measure, pairs, encoded)
    batch_inputs = [
        inputs.series_input_from(
            a,
            months,
            inputs.params_from_decisions(measure, months, decisions.get(a.id, [])),
            {a.team_id: pairs[a.team_id]}
            if a.team_id is not None
            else {t.id: pairs[t.id] for t in cohorts[a.id]},
            None if a.team_id is not None else cohort_encoded([t.id for t in cohorts[a.id]]),
            cases,
        )
        for a in batch
    ]
    results: dict[int, dict[str, Any]] = {}
    baselines: dict[int, Fraction | None] = {}  # from team series whose phases no one decided
    by_params: dict[runchart.RuleParams, list[int]] = {}
    for index, data in enumerate(batch_inputs):
        by_params.setdefault(data.params, []).append(index)
    for params, indices in by_params.items():
        computed = runchart.analyse_many([batch_inputs[i].values for i in indices], params)
        for i, analysed in zip(indices, computed, strict=True):
            results[i] = analysed.to_dict()
            if (team_id := batch[i].team_id) is not None and batch[i].id not in decisions:
                baselines[team_id] = None if analysed.baseline is None else analysed.baseline.median
    cohort_pairs = {t.id: pairs[t.id] for cohort in cohorts.values() for t in cohort}
    figures = inputs.team_figures(measure, cohort_pairs, verdicts, baselines)
    # System tests: a slow or failing recompute, once per batch (the per-series path has its own).
    fault_point("runchart_analyse", ",".join(str(a.id) for a in batch))
    now = timezone.now()
    rows = []
    for index, (analysis, data) in enumerate(zip(batch, batch_inputs, strict=True)):
        result = results[index]
        summary = (
            inputs.team_summary(analysis, data, result, verdicts)
            if analysis.kind == RunChartAnalysis.Kind.TEAM
            else inputs.aggregate_summary(analysis, data, result, figures)
        )
        rows.append((analysis, data, result, summary))
    return _analyses_store(rows, computed_at=now)


_STORE_FIELDS = ("first_month", "result", "points", "summary", "params_version", "input_digest",
                 "computed_generation", "computed_at")  # fmt: skip


def _stored(name: str) -> tuple[models.Field, str]:
    """A stored field of RunChartAnalysis and its column: each is a concrete field, so it has one."""
    field = RunChartAnalysis._meta.get_field(name)
    assert isinstance(field, models.Field) and field.column is not None
    return field, field.column


def _analyses_store(
    rows: list[tuple[RunChartAnalysis, inputs.SeriesInput, dict[str, Any], dict[str, Any]]],
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
         data.points, summary, inputs.PARAMS_VERSION, data.digest(), analysis.generation, computed_at)
        for analysis, data, result, summary in rows
    ]  # fmt: skip
    with transaction.atomic(), connection.cursor() as cursor:
        content_changed(collaborative_ids={analysis.collaborative_id for analysis, *_ in rows})
        if connection.vendor == "postgresql":
            return _analyses_copy(cursor, values)
        quote = connection.ops.quote_name
        columns = ", ".join(f"{quote(_stored(f)[1])} = %s" for f in _STORE_FIELDS)
        # Identifiers come from the model's own metadata; every value is a bound parameter.
        sql = (
            f"UPDATE {quote(meta.db_table)} SET {columns}, stale = %s, stale_since = NULL, attempts = 0, "  # noqa: S608
            f"failed = %s, last_error = '' WHERE id = %s AND generation = %s"
        )
        params = [
            [*(_stored(f)[0].get_db_prep_save(v, connection) for f, v in zip(_STORE_FIELDS, row[2:], strict=True)),
             False, False, row[0], row[1]]
            for row in values
        ]  # fmt: skip
        cursor.executemany(sql, params)
        return max(cursor.rowcount, 0)


def _analyses_copy(cursor: Any, values: list[tuple[Any, ...]]) -> int:
    meta = RunChartAnalysis._meta
    quote = connection.ops.quote_name
    fields = [_stored(f)[0] for f in _STORE_FIELDS]
    names = [quote(_stored(f)[1]) for f in _STORE_FIELDS]
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
            RefreshTasks.many.delay(batch)
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
            ids += analyses_mark_stale_in_batches(series_rows)
    return sorted(ids)
