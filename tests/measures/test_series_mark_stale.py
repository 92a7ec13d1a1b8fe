"""Which series a save marks stale (docs/architecture.md §3.3 rule 5: recomputing everything from the database
gives what is stored). A series spans up to the latest month any team reported for the measure, so a
save that moves that month changes every series of the measure, not only the saving team's."""

import datetime as dt
from types import SimpleNamespace

import pytest
from rest_framework.test import APIClient

from collaboratives.services import api_token_create
from measures.charts.recompute import runchart_analyse
from measures.models import RunChartAnalysis
from measures.services import ObservationInput, observations_record
from tests.factories import MeasureFactory

STORED = ("result", "points", "summary", "input_digest", "first_month")


def _save(world, team, month: dt.date, numerator: int, measure) -> None:
    lead = world.alice if team == world.team_a1 else world.mia  # the CQI leads of LIA A and LIA B
    cells = [ObservationInput(measure, numerator, 10)]
    observations_record(actor=lead, team=team, month=month, cells=cells)


@pytest.fixture
def reported(world_plus, django_capture_on_commit_callbacks):
    """A1 and B1 reported January to March 2025; every series of the measure is fresh."""
    measure = MeasureFactory(collaborative=world_plus.one, code="rule5")
    with django_capture_on_commit_callbacks(execute=True):
        for team in (world_plus.team_a1, world_plus.team_b1):
            for month in (1, 2, 3):
                _save(world_plus, team, dt.date(2025, month, 1), 4 + month, measure)
    series = {
        a.team.code if a.team else a.kind: a
        for a in RunChartAnalysis.objects.filter(measure=measure).select_related("team")
    }
    assert sorted(series) == ["A1", "B1", "awardee", "collaborative"]  # A and B share an awardee
    assert not any(a.stale for a in series.values())
    return SimpleNamespace(world=world_plus, measure=measure, series=series)


def _state(analysis: RunChartAnalysis) -> dict:
    analysis.refresh_from_db()
    return {f: getattr(analysis, f) for f in (*STORED, "stale", "generation", "computed_generation")}


def _stored(analysis: RunChartAnalysis) -> dict:
    return {f: v for f, v in _state(analysis).items() if f in STORED}


def _every_series_equals_a_clean_recompute(reported: SimpleNamespace) -> None:
    for analysis in reported.series.values():
        stored = _stored(analysis)
        assert runchart_analyse(analysis=analysis) is True
        assert _stored(analysis) == stored, analysis


def test_a_new_latest_month_makes_every_series_of_the_measure_stale_and_recomputes_them_in_batches(
    reported, django_capture_on_commit_callbacks
):
    world, b1 = reported.world, reported.series["B1"]
    before = _state(b1)
    assert before["result"]["n_periods"] == 3

    with django_capture_on_commit_callbacks() as callbacks:
        _save(world, world.team_a1, dt.date(2025, 4, 1), 8, reported.measure)
    stale = RunChartAnalysis.objects.filter(measure=reported.measure).values_list("stale", flat=True)
    assert list(stale) == [True] * 4
    assert _state(b1)["generation"] == before["generation"] + 1
    # One batch task for the measure, not one per series: its data is read once.
    assert len(callbacks) == 1
    for callback in callbacks:
        callback()  # tasks run in-process in tests

    after = _state(b1)
    assert after["stale"] is False and after["computed_generation"] == after["generation"]
    assert after["result"]["n_periods"] == 4  # B1's April is a missing period now
    assert after["points"][-1] == {
        "month": "2025-04-01",
        "numerator": None,
        "denominator": None,
        "value": None,
    }
    _every_series_equals_a_clean_recompute(reported)


def test_a_new_latest_month_pushed_through_the_api_makes_the_other_teams_series_stale(
    reported, django_capture_on_commit_callbacks
):
    world, b1 = reported.world, reported.series["B1"]
    client = APIClient()
    token = api_token_create(actor=world.alice, name="push", scope="push", lifetime_days=30)[1]
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    payload = {
        "observations": [{"measure": str(reported.measure.public_id), "numerator": 6, "denominator": 8}]
    }
    url = f"/api/v1/teams/{world.team_a1.public_id}/months/2025-05/observations/"
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, payload, format="json").status_code == 200
    assert _state(b1)["result"]["n_periods"] == 5
    _every_series_equals_a_clean_recompute(reported)


def test_a_month_inside_the_range_leaves_the_other_teams_series_untouched(
    reported, django_capture_on_commit_callbacks
):
    world = reported.world
    with django_capture_on_commit_callbacks(execute=True):
        _save(world, world.team_b1, dt.date(2025, 4, 1), 9, reported.measure)  # B1 reports April first
    b1 = _state(reported.series["B1"])

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        _save(world, world.team_a1, dt.date(2025, 4, 1), 8, reported.measure)  # a new row, not a new month
        _save(world, world.team_a1, dt.date(2025, 2, 1), 3, reported.measure)  # a changed row
    assert len(callbacks) == 6  # per save: A1's series and the two aggregates it feeds, one task each
    assert _state(reported.series["B1"]) == b1  # computed_generation and all: not recomputed
    assert _state(reported.series["A1"])["result"]["n_periods"] == 4
    _every_series_equals_a_clean_recompute(reported)
