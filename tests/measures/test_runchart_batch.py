"""`runchart_analyse_many` (batch recompute) stores exactly what `runchart_analyse` stores, series by series."""

import datetime as dt
import gc
import random

import orjson
import pytest
from django.db import connection

from measures import runchart, tasks
from measures.charts import inputs as series
from measures.charts.recompute import (
    analyses_mark_stale,
    recompute_all,
    runchart_analyse,
    runchart_analyse_many,
)
from measures.models import Measure, Observation, PhaseDecision, RunChartAnalysis
from tests.factories import LIAFactory, MeasureFactory, TeamFactory

START = dt.date(2025, 1, 1)
STORED = ("first_month", "result", "points", "summary", "params_version", "input_digest", "stale")


def snapshot() -> dict[int, tuple]:
    return {
        a["id"]: tuple(a[f] for f in STORED)
        for a in RunChartAnalysis.objects.values("id", "computed_generation", *STORED)
    }


def forget_results() -> None:
    RunChartAnalysis.objects.update(result=None, points=[], summary={}, input_digest="", stale=True)


@pytest.fixture
def national(world):
    """Collaborative ONE with 8 teams over two awardees, three kinds of measure and 24 months of varied data:
    steady teams, improving teams (re-based by a sustained shift), gaps, a late joiner, a withdrawn team,
    and a person's phase decision on one series."""
    rng = random.Random(7)
    teams = [world.team_a1, world.team_b1, world.team_c1]
    teams += [
        TeamFactory(collaborative=world.one, lia=LIAFactory(awardee=world.lia_d.awardee), code=f"D{i}")
        for i in range(4)
    ]
    teams.append(
        TeamFactory(
            collaborative=world.one,
            lia=LIAFactory(awardee=world.lia_b.awardee),
            code="LATE",
            joined_on=dt.date(2025, 5, 1),
        )
    )
    teams[3].withdrawn_on = dt.date(2025, 9, 1)
    teams[3].save()
    measures = [
        MeasureFactory(collaborative=world.one, code="prop", goal=70),
        MeasureFactory(collaborative=world.one, code="down", direction=Measure.Direction.DOWN, goal=20),
        MeasureFactory(collaborative=world.one, code="mean", kind=Measure.Kind.MEAN, scale_max=6),
        MeasureFactory(collaborative=world.one, code="count", kind=Measure.Kind.COUNT),
    ]
    rows = []
    for t, team in enumerate(teams):
        for measure in measures:
            rate = rng.uniform(0.2, 0.6)
            for i in range(24):
                if rng.random() < 0.08:
                    continue
                den = rng.randint(0, 20)
                p = min(1.0, rate + (0.3 if t % 2 and i >= 10 else 0.0))
                num = sum(rng.random() < p for _ in range(den))
                if measure.kind == Measure.Kind.MEAN:
                    num = min(num * 6 // 2, 6 * den)
                rows.append(
                    Observation(team=team, measure=measure, month=series.month_add(START, i), numerator=num,
                                denominator=den)
                )  # fmt: skip
    Observation.objects.bulk_create(rows)
    ids = recompute_all(collaborative_ids=[world.one.id])
    decided = RunChartAnalysis.objects.get(kind="team", team=world.team_b1, measure=measures[0])
    PhaseDecision.objects.create(
        analysis=decided, start_month=series.month_add(START, 8), decision="manual", reason="new form",
        decided_by=world.alice, collaborative=world.one, team=world.team_b1,
    )  # fmt: skip
    return ids


def test_batch_recompute_stores_the_same_rows_as_one_series_at_a_time(national):
    for analysis in RunChartAnalysis.objects.select_related("measure__collaborative", "team__lia"):
        assert runchart_analyse(analysis=analysis) is True
    one_at_a_time = snapshot()
    forget_results()

    assert runchart_analyse_many(analysis_ids=national) == len(national)

    assert snapshot() == one_at_a_time
    # The data really exercises the engine: re-based phases, a manual phase and aggregates with cohorts.
    results = [a.result for a in RunChartAnalysis.objects.filter(kind="team")]
    assert sum(len(r["phases"]) > 1 for r in results) >= 4
    assert sum(len(r["phases"]) == 1 for r in results) >= 4
    assert RunChartAnalysis.objects.filter(kind="awardee").count() == 8
    assert {a.summary["cohort_size"] for a in RunChartAnalysis.objects.filter(kind="collaborative")} == {6}


def stored_text(column: str) -> dict[int, str]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, CAST({column} AS text) FROM measures_runchartanalysis")  # noqa: S608
        return dict(cursor.fetchall())


def test_results_and_points_are_stored_as_the_text_written_whichever_path_stored_them(national):
    """PostgreSQL's json keeps the text it is given (jsonb would re-order keys and re-space it): each
    series reads back in the engine's key order, and the batch's COPY and a single series' UPDATE
    store the very same text."""
    runchart_analyse_many(analysis_ids=national)
    batch = stored_text("result"), stored_text("points")
    analysis = RunChartAnalysis.objects.select_related("measure__collaborative", "team__lia").get(
        id=national[0]
    )
    data = series.series_input(analysis)
    assert list(orjson.loads(batch[0][analysis.id])) == list(
        runchart.analyse(data.values, data.params).to_dict()
    )
    assert list(orjson.loads(batch[1][analysis.id]))[:3] == ["first_month", "numerator", "denominator"]
    forget_results()

    for analysis in RunChartAnalysis.objects.select_related("measure__collaborative", "team__lia"):
        runchart_analyse(analysis=analysis)

    assert (stored_text("result"), stored_text("points")) == batch


def test_running_the_batch_twice_leaves_identical_rows(national):
    runchart_analyse_many(analysis_ids=national)
    first = snapshot()
    runchart_analyse_many(analysis_ids=national)
    assert snapshot() == first
    assert RunChartAnalysis.objects.count() == len(national)


def computed_at() -> dict[int, object]:
    return dict(RunChartAnalysis.objects.values_list("id", "computed_at"))


@pytest.mark.parametrize("task", ["batch", "single"])
def test_a_repeated_refresh_task_leaves_fresh_series_alone_and_recomputes_stale_ones(national, task):
    """An import of several new months enqueues the same refreshes once per month: after the first
    round has stored them, the repeats store nothing; a series marked stale again is recomputed."""

    def refresh() -> None:
        if task == "batch":
            tasks.runchart_refresh_many(national)
        else:
            for analysis_id in national:
                tasks.runchart_refresh(analysis_id)

    refresh()
    first = computed_at()
    assert None not in first.values() and not RunChartAnalysis.objects.filter(stale=True).exists()
    refresh()
    assert computed_at() == first
    analyses_mark_stale(analysis_ids=national[:2])
    refresh()
    again = computed_at()
    assert [again[i] > first[i] for i in national[:3]] == [True, True, False]


def test_a_batch_result_computed_from_older_data_is_not_stored(national, monkeypatch):
    target = national[0]
    real = series.team_pairs

    def newer_data_arrives_meanwhile(*args, **kwargs):
        pairs = real(*args, **kwargs)
        RunChartAnalysis.objects.filter(id=target).update(generation=99)
        return pairs

    monkeypatch.setattr(series, "team_pairs", newer_data_arrives_meanwhile)
    assert runchart_analyse_many(analysis_ids=national) == len(national) - 1
    left = RunChartAnalysis.objects.get(id=target)
    assert (left.stale, left.result, left.generation) == (True, None, 99)
    assert not RunChartAnalysis.objects.exclude(id=target).filter(stale=True).exists()


def test_a_failing_batch_falls_back_to_single_series_and_records_each_failure(national, monkeypatch):
    def broken(*args, **kwargs):
        raise ArithmeticError("bad series")

    monkeypatch.setattr(series, "team_pairs", broken)
    assert runchart_analyse_many(analysis_ids=national) == 0
    failed = RunChartAnalysis.objects.filter(id__in=national)
    assert set(failed.values_list("attempts", "last_error", "stale")) == {
        (1, "ArithmeticError: bad series", True)
    }


def test_each_measure_batch_runs_with_the_cyclic_collector_off_and_it_is_back_on_after(national, monkeypatch):
    collector_on_while_reading = []
    real = series.team_pairs

    def reading(*args, **kwargs):
        collector_on_while_reading.append(gc.isenabled())
        return real(*args, **kwargs)

    monkeypatch.setattr(series, "team_pairs", reading)
    assert gc.isenabled()
    assert runchart_analyse_many(analysis_ids=national) == len(national)
    assert collector_on_while_reading == [False, False, False, False]  # one read per measure
    assert gc.isenabled()


def test_the_collector_is_back_on_after_a_failing_batch_and_left_off_for_a_caller_who_turned_it_off(
    national, monkeypatch
):
    def broken(*args, **kwargs):
        raise ArithmeticError("bad series")

    monkeypatch.setattr(series, "team_pairs", broken)
    runchart_analyse_many(analysis_ids=national)
    assert gc.isenabled()
    with pytest.raises(KeyError), runchart.collector_paused():
        raise KeyError("escapes the block")
    assert gc.isenabled()
    gc.disable()
    try:
        runchart_analyse_many(analysis_ids=national)
        with runchart.collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_recompute_all_enqueues_one_task_per_measure_batch_and_computes_every_series(
    world, national, django_capture_on_commit_callbacks
):
    forget_results()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        ids = recompute_all(collaborative_ids=[world.one.id])
    # 4 measures, each with its team series and aggregates in one task (one read of its data): 4 tasks.
    assert len(ids) == 44 and sorted(ids) == sorted(national)
    assert len(callbacks) == 4
    assert not RunChartAnalysis.objects.filter(stale=True).exists()
    assert RunChartAnalysis.objects.filter(result__isnull=True).count() == 0


def test_a_measure_with_more_team_series_than_a_batch_splits_them_and_keeps_its_aggregates_apart(
    world, national, monkeypatch, django_capture_on_commit_callbacks
):
    def stored() -> dict[int, tuple]:
        return {a: row[1:] for a, row in snapshot().items()}  # all but the generation

    runchart_analyse_many(analysis_ids=national)
    expected = stored()
    forget_results()
    monkeypatch.setattr("measures.charts.recompute.BATCH_SIZE", 3)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        recompute_all(collaborative_ids=[world.one.id])
    # Per measure: 8 team series in chunks of 3 (3 tasks) and its 3 aggregates in one more.
    assert len(callbacks) == 4 * 4
    assert not RunChartAnalysis.objects.filter(stale=True).exists()
    assert stored() == expected
