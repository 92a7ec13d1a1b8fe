"""Journeys 1 and 3 in Chromium against a live server, PostgreSQL, Redis and a real Celery worker.

1. A CQI lead signs in, opens "enter data", fills the month due, meets the inline error for a numerator
   above its denominator, fixes it and submits; within seconds the team's run chart shows the new point.
   Done twice: with the mouse, and with the keyboard alone (Tab, Shift+Tab, Enter and typing).
3. An awardee lead opens the state dashboard, sorts the teams × measures table, opens one measure's
   small multiples (still filtered to the state), confirms a suggested shifted median on the state's
   pooled chart, and downloads the chart's CSV. A collaborative admin confirms one on a team's chart.

Every page and every form error state on the way is checked with axe-core (WCAG 2.1 AA) and saved as
a screenshot in artifacts/screenshots/. Journeys 1 (mouse) and 3 (state dashboard) run at 1280 px and at a
phone's 390 px, where no page may scroll sideways.
"""

import csv
import io
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import expect

from collaboratives.models import Team
from measures.charts import format_value
from measures.charts.recompute import recompute_all
from measures.demo import DEMO_PASSWORD, load_demo
from measures.models import Measure, RunChartAnalysis
from measures.selectors import CHART_CSV_HEADER
from tests.accounts.helpers import totp_code
from tests.browser.pages import axe_violations, screenshot, wait_for_charts
from tests.factories import TOTPAuthenticatorFactory

pytestmark = [pytest.mark.browser, pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
LEAD = "lead@demo.coiin"
OHIO_LEAD = "ohio.lead@demo.coiin"
CHART_TIMEOUT_MS = 60_000  # the page polls a stale chart every 5 s; CI machines are shared


@pytest.fixture
def demo(transactional_db: Any) -> None:
    """The demo collaboratives with every chart computed, before the worker takes over."""
    load_demo(today=timezone.localdate())
    recompute_all()  # tasks run in-process here: the worker_stack fixture has not started yet


PHONE = 390  # px: the journeys run at this width too (issue 21)


def accessible(page: Any, name: str) -> None:
    """Screenshot, 0 axe violations, and (at phone width) no sideways scrolling of the page itself: wide
    tables scroll inside their own box."""
    width = page.viewport_size["width"]
    screenshot(page, name if width != PHONE else f"{name}-390")
    assert axe_violations(page) == [], name
    if width == PHONE:
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{name}: the page scrolls sideways by {overflow} px at {PHONE} px"


def _lead_team_and_month() -> tuple[Team, Any]:
    team = Team.objects.get(
        lia__name="Miami Valley Family Connections", collaborative__short_name="SRR CoIIN"
    )
    month = timezone.localdate().replace(day=1)
    month = (
        month.replace(year=month.year - 1, month=12)
        if month.month == 1
        else month.replace(month=month.month - 1)
    )
    return team, month


def _expected_caption(team: Team, month: Any, numerator: int, denominator: int) -> str:
    measure = Measure.objects.filter(collaborative=team.collaborative).order_by("order", "code").first()
    assert measure is not None
    return f"latest {format_value(numerator / denominator, measure)} in {month:%B %Y}"


def _wait_for_the_new_point(page: Any, caption: str) -> None:
    page.locator("figcaption", has_text=caption).first.wait_for(timeout=CHART_TIMEOUT_MS)
    # The month's other measures were saved too: their charts leave "Updating…" as the worker gets to them.
    expect(page.locator(".runchart .text-bg-warning")).to_have_count(0, timeout=CHART_TIMEOUT_MS)


# Journey 1, with the mouse.


@pytest.mark.parametrize("width", [1280, PHONE])
def test_journey_1_a_lead_enters_the_month_fixes_an_error_submits_and_sees_the_chart_update(
    demo, worker_stack, chromium, live_server, width
):
    team, month = _lead_team_and_month()
    page = chromium.new_page(viewport={"width": width, "height": 900})
    page.goto(f"{live_server.url}/accounts/login/")
    accessible(page, "j1-01-login")
    page.get_by_label("Email").fill(LEAD)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/")
    accessible(page, "j1-02-home")

    page.get_by_role("link", name=f"Enter {month:%B} data").first.click()
    page.wait_for_url(f"**/teams/{team.public_id}/data/**")
    fieldsets = page.locator("fieldset.measure-entry")
    first = fieldsets.nth(0)
    first.get_by_label("Numerator").fill("9")
    first.get_by_label("Denominator").fill("5")
    first.get_by_label("Denominator").press("Tab")
    assert first.locator(".field-error").first.inner_text() == (
        "The numerator (9) cannot be larger than the denominator (5)."
    )
    accessible(page, "j1-03-inline-error")
    for i in range(1, fieldsets.count()):
        _fill_valid(fieldsets.nth(i))
    page.get_by_role("button", name="Submit month").click()
    page.wait_for_load_state()
    summary = page.locator("[data-error-summary]")
    assert summary.get_by_role("heading", name="There is a problem").count() == 1
    assert "cannot be larger than the denominator" in summary.inner_text()
    accessible(page, "j1-04-error-summary")
    assert not RunChartAnalysis.objects.filter(team=team, stale=True).exists()  # nothing saved

    page.locator("fieldset.measure-entry").nth(0).get_by_label("Numerator").fill("4")
    page.get_by_role("button", name="Submit month").click()
    page.get_by_text(f"{month:%B %Y} submitted. Thank you.").wait_for()
    accessible(page, "j1-05-submitted")

    page.get_by_role("link", name=f"{team.lia.name} ({team.collaborative.short_name})").click()
    _wait_for_the_new_point(page, _expected_caption(team, month, 4, 5))
    accessible(page, "j1-06-team-chart-updated")
    page.close()


def _fill_valid(fieldset: Any) -> None:
    """3 of 5 fits every kind of measure: a proportion, a mean of 0–6 scores, a count (numerator only)."""
    fieldset.get_by_label("Numerator").fill("3")
    denominator = fieldset.get_by_label("Denominator")
    if denominator.count():
        denominator.fill("5")


# Journey 1, with the keyboard alone.


def _tab_to(page: Any, selector: str, *, backwards: bool = False, limit: int = 250) -> None:
    """Press Tab (or Shift+Tab) until the focused element matches `selector`; fail if it never does."""
    for _ in range(limit):
        if page.evaluate("s => document.activeElement && document.activeElement.matches(s)", selector):
            return
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
    raise AssertionError(f"{selector} cannot be reached with the keyboard")


def _type(page: Any, text: str) -> None:
    page.keyboard.press("Control+A")
    page.keyboard.type(text)


def test_journey_1_can_be_completed_with_the_keyboard_alone(demo, worker_stack, chromium, live_server):
    team, month = _lead_team_and_month()
    page = chromium.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/accounts/login/")
    _tab_to(page, "input[name=login]")
    page.keyboard.type(LEAD)
    _tab_to(page, "input[name=password]")
    page.keyboard.type(DEMO_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/")

    _tab_to(page, f"a[href='/teams/{team.public_id}/data/{month:%Y-%m}/']")
    screenshot(page, "j1k-01-focus-on-enter-link")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/teams/{team.public_id}/data/**")
    ids = page.eval_on_selector_all(
        "fieldset.measure-entry",
        "fs => fs.map(f => [...f.querySelectorAll('input[inputmode=numeric]')].map(i => i.id))",
    )
    _tab_to(page, f"#{ids[0][0]}")
    _type(page, "9")
    _tab_to(page, f"#{ids[0][1]}")
    _type(page, "5")
    page.keyboard.press("Tab")
    assert (
        "cannot be larger than the denominator"
        in page.locator("fieldset.measure-entry .field-error").first.inner_text()
    )
    _tab_to(page, f"#{ids[0][0]}", backwards=True)
    _type(page, "4")
    for inputs in ids[1:]:
        for input_id, value in zip(inputs, ("3", "5"), strict=False):
            _tab_to(page, f"#{input_id}")
            _type(page, value)
    _tab_to(page, "button[value=submit]")
    screenshot(page, "j1k-02-focus-on-submit")
    page.keyboard.press("Enter")
    page.get_by_text(f"{month:%B %Y} submitted. Thank you.").wait_for()

    _tab_to(page, f"a[href='/teams/{team.public_id}/']", backwards=True)
    page.keyboard.press("Enter")
    _wait_for_the_new_point(page, _expected_caption(team, month, 4, 5))
    screenshot(page, "j1k-03-team-chart-updated")
    page.close()


# Journey 3.


def _sign_in(chromium: Any, live_server: Any, email: str, width: int = 1280) -> Any:
    """Sign in as a privileged person does: password, then the authenticator app's code (MFA)."""
    TOTPAuthenticatorFactory(user=get_user_model().objects.get(email=email))
    page = chromium.new_page(viewport={"width": width, "height": 900}, accept_downloads=True)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/accounts/2fa/authenticate/")
    accessible(page, "j3-00-two-factor-code")
    page.locator("input[name=code]").fill(totp_code())
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(f"{live_server.url}/")
    return page


def _wait_for_charts(page: Any) -> None:
    wait_for_charts(page, timeout=CHART_TIMEOUT_MS)


@pytest.mark.parametrize("width", [1280, PHONE])
def test_journey_3_an_awardee_lead_sorts_the_state_dashboard_confirms_a_state_shift_and_downloads_its_csv(
    demo, worker_stack, chromium, live_server, width
):
    srr = Team.objects.filter(collaborative__short_name="SRR CoIIN").first().collaborative
    ohio = Team.objects.filter(collaborative=srr, lia__awardee__name="Ohio")
    # The demo's Ohio pooled charts each suggest a shifted median (tests/measures/test_seed_demo.py).
    shifted = (
        RunChartAnalysis.objects.filter(kind="awardee", collaborative=srr, awardee__name="Ohio")
        .order_by("measure__order")
        .first()
    )
    assert len(shifted.result["phases"]) == 2 and not shifted.phase_decisions.exists()
    page = _sign_in(chromium, live_server, OHIO_LEAD, width)
    page.goto(f"{live_server.url}/collaboratives/{srr.public_id}/dashboard/")
    page.get_by_label("Show").select_option(label="Ohio")
    page.get_by_role("button", name="Apply").click()
    page.get_by_role("heading", name=f"{srr.short_name} dashboard: Ohio").wait_for()
    _wait_for_charts(page)
    assert page.locator("table.dashboard-table tbody tr").count() == ohio.count()
    accessible(page, "j3-01-state-dashboard")

    page.locator(f'th a[href*="sort={shifted.measure.code}"]').first.click()
    page.wait_for_load_state()
    sorted_header = page.locator('th[aria-sort="ascending"]')
    assert sorted_header.count() == 1 and shifted.measure.code in sorted_header.inner_text()
    accessible(page, "j3-02-sorted-by-measure")

    page.get_by_role("link", name=f"Each team's chart for {shifted.measure.name}").click()
    page.get_by_role("heading", name=f"{shifted.measure.name}: Ohio").wait_for()
    _wait_for_charts(page)
    # The state filter came along: Ohio's pooled chart, then Ohio's teams only.
    assert page.locator("[data-drawn]").count() == ohio.count() + 1
    titles = page.locator("article .card-title").all_inner_texts()
    assert sorted(titles) == sorted(team.lia.name for team in ohio)
    accessible(page, "j3-03-small-multiples")

    page.get_by_role("link", name="Phases and details of the pooled chart").click()
    page.wait_for_url(f"**/charts/{shifted.public_id}/")
    _wait_for_charts(page)
    suggestion = page.locator("tr", has_text="Suggested")
    assert suggestion.count() == 1
    accessible(page, "j3-04-chart-with-suggested-shift")
    # A state's pooled chart is its awardee lead's to decide (access.may_decide_phases).
    _confirm_and_wait_for_recompute(
        page,
        suggestion,
        "Ohio's agencies all started reflective supervision groups",
        "j3-05-state-shift-confirmed",
    )
    shifted.refresh_from_db()
    decision = shifted.phase_decisions.get()
    assert (shifted.stale, decision.decision, decision.decided_by.email) == (False, "confirmed", OHIO_LEAD)
    assert page.locator("li", has_text="confirmed by Grace Okafor").count() == 1

    with page.expect_download() as download:
        page.get_by_role("link", name="Download the data (CSV)").click()
    rows = list(csv.reader(io.StringIO(download.value.path().read_text())))
    assert rows[0] == CHART_CSV_HEADER
    assert [r[0] for r in rows[1:]] == [p["month"][:7] for p in shifted.points]
    page.close()


def _confirm_and_wait_for_recompute(page, suggestion, reason: str, screenshot: str) -> None:
    """Confirm a suggested phase with a reason, check the page, and wait for the worker's recompute."""
    suggestion.get_by_role("textbox").fill(reason)
    suggestion.get_by_role("button", name="Confirm").click()
    page.get_by_text("Phase decision saved. The chart is being recomputed.").wait_for()
    accessible(page, screenshot)
    # A measure may open as a control chart (issue 26); its run chart says when the recompute is done.
    page.goto(page.url.split("?")[0] + "?chart=run")
    page.locator(".runchart figcaption", has_text="Last computed").first.wait_for(timeout=CHART_TIMEOUT_MS)


def test_journey_3_the_suggested_shift_is_confirmed_with_a_reason_and_the_chart_recomputes(
    demo, worker_stack, chromium, live_server
):
    shifted = next(
        a
        for a in RunChartAnalysis.objects.filter(
            kind="team", collaborative__short_name="SRR CoIIN", team__lia__awardee__name="Ohio"
        )
        if len(a.result["phases"]) > 1
    )
    page = _sign_in(chromium, live_server, "faculty@demo.coiin")
    page.goto(f"{live_server.url}/charts/{shifted.public_id}/")
    _wait_for_charts(page)
    row = page.locator("tr", has_text="Suggested").first
    _confirm_and_wait_for_recompute(
        page, row, "Home visitors began the new referral tracking in this month", "j3-06-team-shift-confirmed"
    )
    shifted.refresh_from_db()
    assert (shifted.stale, shifted.phase_decisions.get().decision) == (False, "confirmed")
    assert page.locator("li", has_text="Confirmed by").count() == 1
    page.close()
