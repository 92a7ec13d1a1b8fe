"""Issue 20's five charts in Chromium at 1280 and 390 px: drawn, readable, downloadable, no axe violation.

Screenshots go to artifacts/screenshots/ (and to COIIN_SHOTS_DIR when set) for people to look at.
"""

import os
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from measures.charts.recompute import runchart_analyse
from measures.models import ChartAnnotation, Observation, RunChartAnalysis
from tests.browser.pages import axe_violations, screenshot, wait_for_charts
from tests.factories import MeasureFactory
from tests.measures.chart_cases import CASES, month

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _chart(world, case):
    measure = MeasureFactory(
        collaborative=world.one, code=case.code, name=case.name, kind=case.kind, goal=Decimal(str(case.goal)),
        scale_max=case.scale_max,
    )  # fmt: skip
    Observation.objects.bulk_create(
        Observation(
            team=world.team_a1, measure=measure, month=month(i), numerator=n, denominator=case.denominator
        )
        for i, n in enumerate(case.numerators)
        if n is not None
    )
    ChartAnnotation.objects.bulk_create(
        ChartAnnotation(collaborative=world.one, team=world.team_a1, measure=measure, month=m, text=text)
        for m, text in case.notes
    )
    chart = RunChartAnalysis.objects.create(
        kind="team", measure=measure, collaborative=world.one, team=world.team_a1
    )
    runchart_analyse(analysis=chart)
    return chart


@pytest.mark.parametrize("name", list(CASES))
def test_the_chart_reads_at_desktop_and_phone_width(world, signed_in_page, live_server, name):
    chart = _chart(world, CASES[name])
    for width in (1280, 390):
        page = signed_in_page(world.alice, width=width)
        page.goto(f"{live_server.url}/charts/{chart.public_id}/")
        assert wait_for_charts(page) == 1
        _shot(page, f"chart-{name}-{width}")
        assert axe_violations(page) == []
        # The x-axis spans the data's months: a note dated 2029 does not stretch it.
        ticks = [t.text_content() or "" for t in page.locator(".xtick text").all()]
        assert ticks and all(t[-4:] in {"2024", "2025", "2026"} for t in ticks), ticks
        # No two note markers overlap on the screen.
        boxes = [b for b in (m.bounding_box() for m in page.locator(".runchart-plot .textpoint").all()) if b]
        for i, a in enumerate(boxes):
            for b in boxes[i + 1 :]:
                assert (
                    a["x"] + a["width"] <= b["x"] or b["x"] + b["width"] <= a["x"]
                    or a["y"] + a["height"] <= b["y"] or b["y"] + b["height"] <= a["y"]
                ), (a, b)  # fmt: skip


def test_the_chart_downloads_as_png_and_svg_with_its_title(world, signed_in_page, live_server):
    chart = _chart(world, CASES["notes"])
    page = signed_in_page(world.alice)
    page.goto(f"{live_server.url}/charts/{chart.public_id}/")
    wait_for_charts(page)
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    with page.expect_download() as png:
        page.locator("[data-runchart-download=png]").click()
    assert png.value.suggested_filename == "referral-follow-up-agency-a.png"
    assert Path(png.value.path()).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    if os.environ.get("COIIN_SHOTS_DIR"):
        shutil.copy(png.value.path(), os.path.join(os.environ["COIIN_SHOTS_DIR"], "download-notes.png"))
    with page.expect_download() as svg:
        page.locator("[data-runchart-download=svg]").click()
    picture = Path(svg.value.path()).read_text(encoding="utf-8")
    assert "Referral follow-up · Agency A · Jan 2025 to Dec 2026" in picture
    assert [url for url in requests if url.startswith(live_server.url)] == []  # no server round trip


@pytest.mark.parametrize("width", [1280, 390])
def test_the_demo_dashboard_and_small_multiples_show_variation_icons_with_words(
    signed_in_page, live_server, width
):
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from collaboratives.models import Collaborative
    from measures.charts.recompute import recompute_all
    from measures.demo import load_demo
    from tests.factories import TOTPAuthenticatorFactory

    load_demo(today=timezone.localdate())
    recompute_all()
    faculty = get_user_model().objects.get(email="faculty@demo.coiin")
    TOTPAuthenticatorFactory(user=faculty)  # collaborative admins must have MFA; this session stands for one
    collaborative = Collaborative.objects.get(short_name="SRR CoIIN")
    page = signed_in_page(faculty, width=width)
    page.goto(f"{live_server.url}/collaboratives/{collaborative.public_id}/dashboard/")
    wait_for_charts(page)
    icons = page.locator("table.dashboard-table img.variation-icon")
    assert icons.count() > 0
    assert all(alt for alt in (icons.nth(i).get_attribute("alt") for i in range(icons.count())))
    assert page.evaluate("() => document.documentElement.scrollWidth") == width  # no sideways scrolling
    _shot(page, f"demo-dashboard-{width}")
    assert axe_violations(page) == []
    page.click("text=Each team's chart >> nth=0")
    wait_for_charts(page)
    # Every chart's variation beside its words (a p′-chart measure's small multiples: the inline SVG icon).
    assert page.locator(".variation-badge, svg.mdc-variation").count() == page.locator("[data-drawn]").count()
    _shot(page, f"demo-small-multiples-{width}")
    assert axe_violations(page) == []
    # A team's page: its own notes and the collaborative's, numbered in the band, listed under each chart.
    team = collaborative.teams.get(lia__name="Miami Valley Family Connections")
    page.goto(f"{live_server.url}/teams/{team.public_id}/")
    assert wait_for_charts(page) == 4  # the SRR CoIIN's three staff measures and the well-being aim
    assert page.locator("details summary", has_text="Notes on this chart (15)").count() == 4
    assert page.evaluate("() => document.documentElement.scrollWidth") == width
    _shot(page, f"demo-team-{width}")
    assert axe_violations(page) == []


def _shot(page, name):
    path = screenshot(page, name)
    if os.environ.get("COIIN_SHOTS_DIR"):
        shutil.copy(path, os.path.join(os.environ["COIIN_SHOTS_DIR"], path.name))
