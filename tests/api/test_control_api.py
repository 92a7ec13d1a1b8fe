"""GET /api/v1/runcharts/{id}/control/: a stored series as a control chart, as the chart page reads it."""

import datetime as dt

from measures.charts import inputs as series
from measures.charts.recompute import runchart_analyse
from measures.models import Observation, RunChartAnalysis
from tests.factories import MeasureFactory

# p chart: 12 months alternating 48 % and 52 % of 100 (CL 50 %, limits 35 % and 65 %), then 70 %.
NUMERATORS = [48, 52] * 6 + [70]


def make_chart(world):
    measure = MeasureFactory(collaborative=world.one, code="fu", goal=60, chart_type="p")
    Observation.objects.bulk_create(
        Observation(
            team=world.team_a1, measure=measure, month=series.month_add(dt.date(2025, 1, 1), i),
            numerator=n, denominator=100,
        )
        for i, n in enumerate(NUMERATORS)
    )  # fmt: skip
    chart = RunChartAnalysis.objects.create(
        kind="team", measure=measure, collaborative=world.one, team=world.team_a1
    )
    runchart_analyse(analysis=chart)
    return chart


def test_the_measures_control_chart_with_its_reading(world, api_as):
    chart = make_chart(world)
    body = api_as(world.charlie).get(f"/api/v1/runcharts/{chart.public_id}/control/").json()
    result = body.pop("result")
    assert body == {
        "id": str(chart.public_id),
        "measure_code": "fu",
        "chart": "p",
        "chart_name": "p chart (proportion)",
        "first_month": "2025-01-01",
        "withheld": False,
        "special_causes": [{"month": "2026-01-01", "side": "high", "kind": "improvement"}],
        "variation": "improvement",
        "assurance": "inconsistent",
    }
    assert result["cl"] == [0.5] * 13
    assert [round(v, 12) for v in result["ucl"]] == [0.65] * 13
    assert result["sigma_signal_indices"] == [12]
    # Sides − + − + … + (the 12 alternate), then + (70 %): 11 crossings, longest run 2 (52 %, 70 %).
    assert result["phases"] == [
        {"start_index": 0, "end_index": 12, "longest_run": 2, "n_crossings": 11, "anhoej_signal": False}
    ]


def test_a_chart_that_does_not_suit_the_series_gives_the_measures_own(world, api_as):
    chart = make_chart(world)
    client = api_as(world.alice)
    assert client.get(f"/api/v1/runcharts/{chart.public_id}/control/?chart=pp").json()["chart"] == "pp"
    assert client.get(f"/api/v1/runcharts/{chart.public_id}/control/?chart=c").json()["chart"] == "p"


def test_another_tenants_chart_is_404(world, api_as):
    chart = make_chart(world)
    assert api_as(world.olga).get(f"/api/v1/runcharts/{chart.public_id}/control/").status_code == 404
