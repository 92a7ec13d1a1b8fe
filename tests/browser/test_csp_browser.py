"""The Content-Security-Policy holds in a real browser: dashboards draw their plotly charts, htmx runs,
and Chromium reports no CSP violation on any page (docs/security.md §3)."""

import pytest

from tests.browser.pages import screenshot, wait_for_charts

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Added by Playwright before any page script; a CSP cannot block it.
RECORD_VIOLATIONS = (
    "window.__csp = [];"
    "document.addEventListener('securitypolicyviolation',"
    " e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI + ' ' + (e.sample || '')));"
)


def _charts_drawn(page) -> int:
    return wait_for_charts(page, at_least=0)


def test_pages_run_under_the_csp_without_a_single_violation(signed_in_page, live_server):
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from collaboratives.models import Team
    from measures.charts.recompute import recompute_all
    from measures.demo import load_demo
    from measures.models import RunChartAnalysis
    from pdsa.demo import load_pdsa_demo
    from pdsa.models import PDSACycle
    from tests.factories import TOTPAuthenticatorFactory
    from worksheets.demo import load as load_worksheets_demo

    today = timezone.localdate()
    load_demo(today=today)
    load_pdsa_demo(today=today)
    load_worksheets_demo(today=today)
    recompute_all()
    faculty = get_user_model().objects.get(email="faculty@demo.coiin")
    TOTPAuthenticatorFactory(user=faculty)
    team = Team.objects.get(lia__name="Miami Valley Family Connections")
    chart = RunChartAnalysis.objects.filter(kind="team", team=team).order_by("measure__order").first()
    collaborative = team.collaborative
    urls = [
        "/",
        f"/teams/{team.public_id}/",
        f"/collaboratives/{collaborative.public_id}/dashboard/",
        f"/charts/{chart.public_id}/",
        f"/collaboratives/{collaborative.public_id}/dashboard/{chart.measure.public_id}/",
        "/accounts/2fa/",
        "/accounts/password/change/",
        "/pdsa/",
        "/reviews/",
        f"/pdsa/{PDSACycle.objects.filter(team=team).first().public_id}/",
        f"/collaboratives/{collaborative.public_id}/kdd/",
        f"/collaboratives/{collaborative.public_id}/kdd/edit/",
        f"/collaboratives/{collaborative.public_id}/ledger/",
        "/worksheets/",
        f"/teams/{team.public_id}/joy-in-work/",
        f"/collaboratives/{collaborative.public_id}/awardees/{team.lia.awardee.public_id}/closing-planner/",
        "/api-tokens/",
        "/api/docs/",
    ]

    page = signed_in_page(faculty)
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    page.add_init_script(RECORD_VIOLATIONS)
    violations: list[str] = []
    charts = 0
    for url in urls:
        response = page.goto(f"{live_server.url}{url}")
        assert response.status == 200, url
        directives = [d.strip() for d in response.headers["content-security-policy"].split(";")]
        assert "script-src 'self'" in directives, url
        drawn = _charts_drawn(page)
        if drawn:
            page.locator(".js-plotly-plot").first.hover()  # the mode bar and hover label add styles
            page.wait_for_timeout(300)
        charts += drawn
        violations += [f"{url}: {v}" for v in page.evaluate("window.__csp")]
    screenshot(page, "csp-password-change")
    refused = [m for m in console if "Content Security Policy" in m]
    print(f"CSP: {len(urls)} pages and {charts} plotly charts in Chromium, {len(violations)} violations")
    assert charts >= 4
    assert violations == []
    assert refused == []
