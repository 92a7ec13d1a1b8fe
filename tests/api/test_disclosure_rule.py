"""The disclosure rule's regressions (issue 19, findings 1 and 2): what a peer derived from the API."""

import datetime as dt
from fractions import Fraction

import pytest

from measures.charts.recompute import recompute_all
from measures.models import RunChartAnalysis
from tests.factories import MeasureFactory, ObservationFactory

START = dt.date(2025, 1, 1)


def _month(i: int) -> dt.date:
    return dt.date(START.year + (START.month - 1 + i) // 12, (START.month - 1 + i) % 12 + 1, 1)


@pytest.fixture
def ipv(world_plus, django_capture_on_commit_callbacks):
    """A sensitive proportion of ONE over 12 months. North's two teams A1 and B1 report every month,
    South's C1 too. A1's March is small (4 of 30); every other count is over 10, but in January 2026
    only A1 reports, 3 of 8, so the pooled month is small too."""
    w = world_plus
    measure = MeasureFactory(collaborative=w.one, code="ipv", sensitive=True)
    for i in range(12):
        a1 = (4, 30) if i == 2 else (12 + i % 3, 30)
        for team, (n, d) in ((w.team_a1, a1), (w.team_b1, (20 + i % 4, 40)), (w.team_c1, (15, 35))):
            ObservationFactory(team=team, measure=measure, month=_month(i), numerator=n, denominator=d)
    ObservationFactory(team=w.team_a1, measure=measure, month=_month(12), numerator=3, denominator=8)
    with django_capture_on_commit_callbacks(execute=True):
        recompute_all(collaborative_ids=[w.one.id])
    return measure


def test_a_month_with_a_hidden_team_month_has_no_median_of_team_rates(world_plus, ipv, api_as):
    """Finding 1: charlie (C1) knows C1 and the pooled sums a+c and b+d of A1 and B1; with the median
    of the three teams' rates, A1's hidden March had one integer solution."""
    url = f"/api/v1/aggregates/?collaborative={world_plus.one.public_id}&measure={ipv.public_id}"
    rows = {r["month"]: r for r in api_as(world_plus.charlie).get(url).json()["results"]}
    march = rows["2025-03"]
    assert (march["numerator_sum"], march["denominator_sum"], march["suppressed"]) == (41, 105, False)
    assert march["median_of_team_rates"] is None
    assert rows["2025-04"]["median_of_team_rates"] == pytest.approx(float(Fraction(15, 35)))


def test_no_suppressed_aggregate_row_carries_a_median_of_team_rates(world_plus, ipv, api_as):
    url = f"/api/v1/aggregates/?collaborative={world_plus.one.public_id}&measure={ipv.public_id}"
    for person in ("charlie", "diana", "kate", "mia"):  # none of them sees A1, whose month January 2026 is
        rows = api_as(getattr(world_plus, person)).get(url).json()["results"]
        assert "2026-01" in [r["month"] for r in rows if r["suppressed"]], person
        assert [r["month"] for r in rows if r["suppressed"] and r["median_of_team_rates"] is not None] == []


def test_a_peer_gets_no_analysis_of_a_team_chart_with_one_hidden_month(world_plus, ipv, api_as):
    """Finding 2: one hidden month in twelve (under a third) left the median, exact median, on-median
    months, phase medians and latest value in the peer's read; each can be a hidden month's rate."""
    a1 = RunChartAnalysis.objects.get(measure=ipv, team=world_plus.team_a1)
    assert a1.result["median"] is not None  # stored in full
    peer = api_as(world_plus.charlie).get(f"/api/v1/runcharts/{a1.public_id}/").json()
    assert peer["result"] == {"withheld": True}
    assert peer["summary"]["latest"] is None and peer["summary"]["current_median"] is None
    assert [(p["median"], p["median_exact"]) for p in peer["phases"]] == [(None, None)]
    assert [p["month"] for p in peer["points"] if p.get("suppressed")] == ["2025-03-01", "2026-01-01"]
    listed = api_as(world_plus.charlie).get(f"/api/v1/runcharts/?team={world_plus.team_a1.public_id}").json()
    assert [c["summary"]["current_median"] for c in listed["results"]] == [None]
    own = api_as(world_plus.alice).get(f"/api/v1/runcharts/{a1.public_id}/").json()
    assert own["result"]["median_exact"] == a1.result["median_exact"]
