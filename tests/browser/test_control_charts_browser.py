"""Control charts and the funnel plot in Chromium at desktop and phone width: drawn, and axe finds nothing."""

from pathlib import Path

import pytest

from measures.demo import load_demo
from tests.browser.pages import axe_violations, screenshot, wait_for_charts

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path("/work/wt/shots/i26")


def shoot(page, name: str) -> None:
    screenshot(page, name)
    if SHOTS.parent.is_dir():
        SHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


@pytest.mark.parametrize("width", [1280, 390])
def test_a_p_prime_chart_an_i_chart_and_a_funnel_plot(signed_in_page, live_server, width):
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from measures import selectors
    from measures.charts.recompute import recompute_all
    from measures.models import Measure, RunChartAnalysis
    from tests.factories import TOTPAuthenticatorFactory

    load_demo(today=timezone.localdate())
    recompute_all()
    lead = get_user_model().objects.get(email="ohio.lead@demo.coiin")
    TOTPAuthenticatorFactory(
        user=lead
    )  # awardee leads must have MFA; this session stands for a signed-in one
    page = signed_in_page(lead, width=width)

    pooled = RunChartAnalysis.objects.get(kind="collaborative", measure__code="supported")
    # A goal of 80 %, above the limits of a process around 40-60 %: the assurance icon says it will fail.
    Measure.objects.filter(pk=pooled.measure_id).update(goal=80)
    page.goto(f"{live_server.url}/charts/{pooled.public_id}/")
    assert wait_for_charts(page) == 1
    assert page.locator('a[aria-current="page"]', has_text="p′ chart").count() == 1
    assert page.locator("figcaption", has_text="p′ chart:").count() == 1
    # The "Making Data Count" icons, drawn inline and named by what they mean.
    assert page.locator('figcaption svg[role="img"][aria-label^="Variation: "]').count() == 1
    fail = "Assurance: the goal will consistently be missed unless the process changes"
    assert page.locator(f'figcaption svg[role="img"][aria-label="{fail}"]').count() == 1
    shoot(page, f"p-prime-chart-{width}")
    assert axe_violations(page) == []

    # Small multiples: the pooled chart and each team's as the measure's p′ chart, with their icons.
    measure = pooled.measure
    page.goto(
        f"{live_server.url}/collaboratives/{measure.collaborative.public_id}/dashboard/{measure.public_id}/"
    )
    drawn = wait_for_charts(page)
    assert drawn == page.locator("figure.controlchart").count() > 1
    assert page.locator('svg[role="img"][aria-label^="Variation: "]').count() == drawn
    shoot(page, f"p-prime-small-multiples-{width}")
    assert axe_violations(page) == []

    faculty = get_user_model().objects.get(email="faculty@demo.coiin")  # admin of both collaboratives
    TOTPAuthenticatorFactory(user=faculty)
    page = signed_in_page(faculty, width=width)
    ease = selectors.runchart_list(user=faculty, kind="team").filter(measure__code="ease-of-linkage").first()
    page.goto(f"{live_server.url}/charts/{ease.public_id}/")
    assert wait_for_charts(page) == 1
    assert page.locator("figcaption", has_text="I chart:").count() == 1
    shoot(page, f"i-chart-{width}")
    assert axe_violations(page) == []

    page.goto(
        f"{live_server.url}/collaboratives/{measure.collaborative.public_id}/dashboard/{measure.public_id}/funnel/"
    )
    assert wait_for_charts(page) == 1
    assert page.locator("table tbody tr").count() == 10  # SRR's ten teams, named to the state lead
    shoot(page, f"funnel-{width}")
    assert axe_violations(page) == []
