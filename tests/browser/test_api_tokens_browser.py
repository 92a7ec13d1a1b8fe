"""Journey 6: an awardee lead creates an API token in the web UI, then a script pulls aggregates with it."""

import datetime as dt
import json
import urllib.error
import urllib.request

import pytest

from measures.charts.recompute import runchart_analyse
from measures.models import Observation, RunChartAnalysis
from tests.browser.pages import axe_violations, screenshot
from tests.factories import MeasureFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _call(url: str, token: str) -> tuple[int, dict]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_an_awardee_lead_creates_a_token_and_pulls_aggregates_with_it(world, signed_in_page, live_server):
    measure = MeasureFactory(collaborative=world.one, code="screen", name="Depression screening")
    for i, num in enumerate([4, 6, 5]):
        Observation.objects.create(
            team=world.team_a1, measure=measure, month=dt.date(2025, 1 + i, 1), numerator=num, denominator=10
        )
    runchart_analyse(
        analysis=RunChartAnalysis.objects.create(
            kind="collaborative", measure=measure, collaborative=world.one
        )
    )

    page = signed_in_page(world.erin)
    page.goto(f"{live_server.url}/api-tokens/")
    assert page.get_by_role("heading", name="API tokens").count() == 1
    assert axe_violations(page) == []

    page.get_by_label("What is it for?").fill("State data warehouse")
    page.get_by_label("Read", exact=True).check()
    page.get_by_label("Expires after").select_option("30")
    page.get_by_role("button", name="Create token").click()
    page.wait_for_load_state()
    token = page.get_by_label("Your new token").input_value()
    assert token.startswith("coiin_")
    assert page.get_by_role("cell", name="State data warehouse", exact=True).count() == 1
    screenshot(page, "api-token-created")
    assert axe_violations(page) == []

    status, body = _call(f"{live_server.url}/api/v1/aggregates/?collaborative={world.one.public_id}", token)
    assert status == 200
    assert [(r["month"], r["numerator_sum"], r["denominator_sum"]) for r in body["results"][:3]] == [
        ("2025-01", 4, 10), ("2025-02", 6, 10), ("2025-03", 5, 10),
    ]  # fmt: skip

    page.get_by_role("button", name="Revoke State data warehouse").click()
    page.wait_for_load_state()
    assert "is revoked" in page.content()
    assert _call(f"{live_server.url}/api/v1/aggregates/?collaborative={world.one.public_id}", token)[0] == 401


def test_the_api_docs_render_from_our_own_files(world, signed_in_page, live_server):
    page = signed_in_page(world.alice)
    outside = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(live_server.url) else None)
    page.goto(f"{live_server.url}/api/docs/")
    page.wait_for_selector("text=/api/v1/aggregates/", timeout=20_000)
    assert page.locator(".opblock").count() == 20  # every operation of the schema
    screenshot(page, "api-docs")
    assert [u for u in outside if not u.startswith("data:")] == []
