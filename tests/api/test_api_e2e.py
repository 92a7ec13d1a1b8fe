"""End to end against PostgreSQL, Redis and a real `celery worker`: a month pushed through the API is
analysed by the worker, and the run chart endpoint then shows the new point.

Uses the private Redis and worker of tests/measures/test_runchart_e2e.py (own port, ended by pid).
"""

import datetime as dt
import time

import pytest
from rest_framework.test import APIClient

from measures.models import RunChartAnalysis
from tests.measures.test_runchart_e2e import stack  # noqa: F401 - the fixture: private Redis + worker

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _fresh_team_chart(timeout: float = 60) -> RunChartAnalysis:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        analyses = list(RunChartAnalysis.objects.all())
        if len(analyses) == 3 and not any(a.stale for a in analyses):
            return next(a for a in analyses if a.kind == "team")
        time.sleep(0.2)
    raise AssertionError(
        f"still stale after {timeout}s: {list(RunChartAnalysis.objects.values('kind', 'stale'))}"
    )


def test_an_api_push_is_analysed_by_the_worker_and_shown_by_the_runchart_endpoint(stack, token_for):  # noqa: F811
    world, measure = stack.world, stack.measure
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_for(world.alice, 'push')}")
    url = f"/api/v1/teams/{world.team_a1.public_id}/months/2025-02/observations/"
    payload = {"observations": [{"measure": str(measure.public_id), "numerator": 6, "denominator": 8}]}

    assert client.post(url, payload, format="json").status_code == 200
    chart = _fresh_team_chart()
    body = client.get(f"/api/v1/runcharts/{chart.public_id}/").json()
    assert body["stale"] is False
    assert body["points"][-1] == {"month": "2025-02-01", "numerator": 6, "denominator": 8, "value": 0.75}
    assert body["result"]["median_exact"] == "3/4"

    payload["observations"][0]["numerator"] = 2
    assert client.post(url, payload, format="json").status_code == 200
    chart = _fresh_team_chart()
    body = client.get(f"/api/v1/runcharts/{chart.public_id}/").json()
    assert body["points"][-1]["value"] == 0.25 and body["result"]["median_exact"] == "1/4"
    aggregate = client.get(
        f"/api/v1/aggregates/?collaborative={world.one.public_id}&measure={measure.public_id}"
    ).json()["results"]
    assert [(r["month"], r["numerator_sum"], r["denominator_sum"]) for r in aggregate][-1] == (
        "2025-02",
        2,
        8,
    )
    assert dt.date.fromisoformat(body["points"][0]["month"]) == dt.date(2025, 1, 1)
