"""Pages as a person meets them in Chromium: they render, charts draw, and axe finds no WCAG 2.1 AA violation."""

import pytest

from measures.demo import load_demo
from tests.browser.pages import axe_violations, screenshot, wait_for_charts

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_login_page_is_accessible(chromium, live_server):
    page = chromium.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    screenshot(page, "login")
    assert axe_violations(page) == []
    page.close()


def test_a_lead_signs_in_sees_home_and_enters_data_with_an_inline_error(chromium, live_server):
    from django.utils import timezone

    load_demo(today=timezone.localdate())
    page = chromium.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=login]", "lead@demo.coiin")
    page.fill("input[name=password]", "demo-password-2026")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    assert (
        page.get_by_role("heading", name="Due this month").count() == 1 or "Due this month" in page.content()
    )
    screenshot(page, "home-lead")
    assert axe_violations(page) == []

    page.click("text=Enter")
    page.wait_for_load_state()
    assert "/data/" in page.url
    numbers = page.locator("input[inputmode=numeric]")
    numbers.nth(0).fill("9")
    numbers.nth(1).fill("5")
    numbers.nth(1).press("Tab")
    live = page.locator(".field-error").first
    assert live.inner_text() == "The numerator (9) cannot be larger than the denominator (5)."
    page.click("button:has-text('Save draft')")
    page.wait_for_load_state()
    assert page.locator("text=There is a problem").count() == 1
    screenshot(page, "entry-error")
    assert axe_violations(page) == []
    page.close()


def _wait_for_charts(page) -> int:
    return wait_for_charts(page)


def test_team_and_collaborative_dashboards_draw_their_run_charts(signed_in_page, live_server):
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from collaboratives.models import Team
    from measures.charts.recompute import recompute_all
    from tests.factories import TOTPAuthenticatorFactory

    load_demo(today=timezone.localdate())
    recompute_all()  # in-process: tasks run eagerly in tests
    lead = get_user_model().objects.get(email="ohio.lead@demo.coiin")
    TOTPAuthenticatorFactory(
        user=lead
    )  # awardee leads must have MFA; this session stands for a signed-in one
    team = Team.objects.get(lia__name="Miami Valley Family Connections")

    page = signed_in_page(lead)
    page.goto(f"{live_server.url}/teams/{team.public_id}/")
    assert _wait_for_charts(page) == 4  # the SRR measures (three staff items, well-being) as small multiples
    # Each chart's variation in words beside its icon: the run charts', and the p′ chart's (its measure's
    # chart type) Making Data Count icon.
    assert page.locator(".variation-badge, svg.mdc-variation").count() == 4
    screenshot(page, "team-dashboard")
    assert axe_violations(page) == []

    page.goto(f"{live_server.url}/collaboratives/{team.collaborative.public_id}/dashboard/")
    assert _wait_for_charts(page) == 4
    assert page.locator("table.dashboard-table tbody tr").count() == 10  # SRR's ten teams, named
    page.click('th a[href*="sort=supported"]')
    assert page.locator('th[aria-sort="ascending"]').count() == 1
    screenshot(page, "collaborative-dashboard")
    assert axe_violations(page) == []

    page.click("text=Each team's chart >> nth=0")
    assert _wait_for_charts(page) == 11  # the pooled chart and ten teams
    screenshot(page, "measure-small-multiples")
    assert axe_violations(page) == []
