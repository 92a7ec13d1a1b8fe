import datetime as dt
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.utils import timezone

from measures import services
from measures.charts import inputs as series
from measures.charts.recompute import MAX_ATTEMPTS, runchart_analyse, runchart_sweep
from measures.models import Observation, PhaseDecision, RunChartAnalysis
from tests.factories import MeasureFactory, TeamFactory

START = dt.date(2025, 1, 1)


def month(i: int) -> dt.date:
    return series.month_add(START, i)


def fill(team, measure, values):
    Observation.objects.bulk_create(
        Observation(team=team, measure=measure, month=month(i), numerator=v[0], denominator=v[1])
        for i, v in enumerate(values)
        if v is not None
    )


@pytest.fixture
def chart(world):
    """Team A1's series for one measure, 24 months at 50% then 80%: a sustained upward shift at month 12."""
    measure = MeasureFactory(collaborative=world.one, code="fu", goal=75)
    fill(world.team_a1, measure, [(5, 10)] * 12 + [(8, 10)] * 12)
    analysis = RunChartAnalysis.objects.create(
        kind="team", measure=measure, collaborative=world.one, team=world.team_a1
    )
    return SimpleNamespace(measure=measure, analysis=analysis)


def stored(analysis):
    analysis.refresh_from_db()
    return {
        f: getattr(analysis, f)
        for f in ("result", "points", "summary", "input_digest", "stale", "computed_generation")
    }


def test_analysis_stores_the_engines_result_with_a_suggested_shifted_median(chart):
    assert runchart_analyse(analysis=chart.analysis) is True
    result = stored(chart.analysis)["result"]
    assert result["baseline"]["median"] == 0.5
    assert [(p["start_index"], p["median"]) for p in result["phases"]] == [(0, 0.5), (12, 0.8)]
    assert result["phases"][1]["trigger"]["side"] == "above"


def test_running_the_same_analysis_twice_leaves_one_identical_result(chart):
    runchart_analyse(analysis=chart.analysis)
    first = stored(chart.analysis)
    runchart_analyse(analysis=chart.analysis)
    assert stored(chart.analysis) == first
    assert RunChartAnalysis.objects.count() == 1


def test_a_result_computed_from_older_data_is_not_stored(chart, monkeypatch):
    real = series.series_input

    def newer_data_arrives_meanwhile(analysis):
        data = real(analysis)
        RunChartAnalysis.objects.filter(id=analysis.id).update(generation=99, stale=True)
        return data

    monkeypatch.setattr(series, "series_input", newer_data_arrives_meanwhile)
    assert runchart_analyse(analysis=chart.analysis) is False
    chart.analysis.refresh_from_db()
    assert (chart.analysis.stale, chart.analysis.result, chart.analysis.generation) == (True, None, 99)


def test_a_failing_series_records_its_error_and_is_marked_failed_after_bounded_attempts(chart, monkeypatch):
    def broken(analysis):
        raise ArithmeticError("bad series")

    monkeypatch.setattr(series, "series_input", broken)
    for _ in range(MAX_ATTEMPTS):
        with pytest.raises(ArithmeticError):
            runchart_analyse(analysis=chart.analysis)
    chart.analysis.refresh_from_db()
    assert (chart.analysis.attempts, chart.analysis.failed) == (MAX_ATTEMPTS, True)
    assert chart.analysis.last_error == "ArithmeticError: bad series"


def test_the_sweep_recomputes_stale_series_left_behind_and_skips_fresh_ones(chart):
    RunChartAnalysis.objects.filter(id=chart.analysis.id).update(
        stale=True, stale_since=timezone.now() - dt.timedelta(minutes=5)
    )
    assert runchart_sweep() == [chart.analysis.id]
    chart.analysis.refresh_from_db()
    assert chart.analysis.stale is False and chart.analysis.result["n_obs"] == 24
    RunChartAnalysis.objects.filter(id=chart.analysis.id).update(stale=True, stale_since=timezone.now())
    assert runchart_sweep() == []  # still within the grace period: the worker may have it


def test_the_sweep_gives_up_after_bounded_attempts(chart):
    RunChartAnalysis.objects.filter(id=chart.analysis.id).update(
        stale=True, stale_since=timezone.now() - dt.timedelta(minutes=5), attempts=MAX_ATTEMPTS - 1
    )
    assert runchart_sweep() == []
    chart.analysis.refresh_from_db()
    assert chart.analysis.failed is True and chart.analysis.result is None


def test_a_manual_phase_replaces_the_suggested_phases(chart, world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.phase_decide(
            actor=world.alice,
            analysis=chart.analysis,
            start_month=month(6),
            decision=PhaseDecision.Decision.MANUAL,
            reason="New intake form from July",
        )
    result = stored(chart.analysis)["result"]
    assert [p["start_index"] for p in result["phases"]] == [0, 6]
    decision = PhaseDecision.objects.get()
    assert (decision.decided_by, decision.reason) == (world.alice, "New intake form from July")


def test_rejecting_the_suggested_phase_leaves_one_phase(chart, world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.phase_decide(
            actor=world.alice,
            analysis=chart.analysis,
            start_month=month(12),
            decision=PhaseDecision.Decision.REJECTED,
            reason="Data definition changed, not a real improvement",
        )
    assert [p["start_index"] for p in stored(chart.analysis)["result"]["phases"]] == [0]


def test_a_team_member_may_not_decide_phases(chart, world):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.phase_decide(
            actor=world.bob, analysis=chart.analysis, start_month=month(6), decision="manual", reason="x"
        )
    assert not PhaseDecision.objects.exists()


def test_aggregate_pools_the_cohort_and_reports_the_closing_figures(world):
    measure = MeasureFactory(collaborative=world.one, code="agg", goal=60)
    # A1 and B1 report every month; C1 misses months 0 to 3, so those months fall below the 75% floor.
    fill(world.team_a1, measure, [(4, 10)] * 12 + [(7, 10)] * 12)
    fill(world.team_b1, measure, [(6, 10)] * 12 + [(9, 10)] * 12)
    fill(world.team_c1, measure, [None] * 4 + [(1, 2)] * 20)
    late = TeamFactory(collaborative=world.one, joined_on=month(6), code="LATE")  # not in the cohort
    fill(late, measure, [None] * 6 + [(0, 50)] * 18)
    analysis = RunChartAnalysis.objects.create(kind="collaborative", measure=measure, collaborative=world.one)
    runchart_analyse(analysis=analysis)
    analysis.refresh_from_db()
    assert analysis.points[0] == {
        "month": "2025-01-01",
        "numerator": 10,
        "denominator": 20,
        "value": 0.5,
        "n_teams_reporting": 2,
        "median_of_team_rates": {"value": 0.5, "exact": "1/2"},
        "below_reporting_floor": True,
    }
    assert analysis.points[4]["numerator"] == 11 and analysis.points[4]["denominator"] == 22
    assert analysis.result["n_obs"] == 20  # the four thin months are not analysed
    summary = analysis.summary
    assert summary["cohort_size"] == 3
    assert summary["aggregate_baseline_median"] == {
        "median": 0.5,
        "median_exact": "1/2",
        "provisional": False,
    }
    assert summary["median_of_lia_baseline_medians"]["median"] == {"value": 0.5, "exact": "1/2"}
    assert summary["median_of_lia_baseline_medians"]["n"] == 3
    # Latest 6 months: A1 70%, B1 90% meet 60%; C1 50% does not.
    assert {k: summary["teams_meeting_aim"][k] for k in ("n_meeting", "n_assessed", "pct_meeting")} == {
        "n_meeting": 2,
        "n_assessed": 3,
        "pct_meeting": 66.7,
    }


def test_recompute_command_creates_and_computes_every_series(world, django_capture_on_commit_callbacks):
    measure = MeasureFactory(collaborative=world.one, code="cmd")
    fill(world.team_a1, measure, [(1, 2)] * 3)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("recompute", "--collaborative", "ONE")
    # 3 teams in ONE: 3 team series, 1 collaborative aggregate, 2 awardee aggregates (North, South).
    assert RunChartAnalysis.objects.filter(stale=False).count() == 6
    assert RunChartAnalysis.objects.get(kind="team", team=world.team_a1).result["n_obs"] == 3
