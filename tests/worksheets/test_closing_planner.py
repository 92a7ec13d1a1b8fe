"""The closing CQI planner: Part 1 figures from constructed data, who may read and write it, and its PDF."""

import datetime as dt
import re
import zlib
from decimal import Decimal

import pytest
from django.utils import timezone

from measures.charts.inputs import month_add
from measures.charts.recompute import runchart_analyse
from measures.models import Measure, MonthlyReport, Observation, RunChartAnalysis
from pdsa.models import PDSACycle, PDSAReview
from tests.factories import LIAFactory, MeasureFactory, TeamFactory
from worksheets.models import Worksheet
from worksheets.pdf import closing_planner_document, closing_planner_html
from worksheets.selectors import close_to_aim_suggestions, closing_planner_figures, closing_planner_get

JAN = dt.date(2025, 1, 1)


@pytest.fixture
def north(world):
    """North in ONE: teams A1 and B1 from January 2025, E1 from March; LIA F does not participate."""
    world.lia_e = LIAFactory(awardee=world.north, name="Agency E")
    LIAFactory(awardee=world.north, name="Agency F (not participating)")
    world.team_e1 = TeamFactory(
        collaborative=world.one, lia=world.lia_e, code="E1", joined_on=dt.date(2025, 3, 1)
    )
    return world


def _report(team, month: dt.date, status: str = "submitted") -> None:
    MonthlyReport.objects.create(
        team=team,
        month=month,
        status=status,
        submitted_at=timezone.now() if status == "submitted" else None,
    )


def _pdsa_sent(team, when: dt.date) -> None:
    cycle = PDSACycle.objects.create(team=team, title="Test", other_change_idea="Anything")
    PDSAReview.objects.create(
        cycle=cycle, team=team, requested_at=timezone.make_aware(dt.datetime.combine(when, dt.time(12)))
    )


def test_engagement_figures_equal_the_hand_computed_values(north):
    w = north
    for month in range(1, 6):
        _report(w.team_a1, dt.date(2025, month, 1))  # A1: every month, January to May
        _report(w.team_c1, dt.date(2025, month, 1))  # South's team: never counted for North
    _report(w.team_b1, dt.date(2025, 1, 1))
    _report(w.team_b1, dt.date(2025, 3, 1))
    _report(w.team_b1, dt.date(2025, 4, 1), status="draft")  # a draft is not a report
    _report(w.team_e1, dt.date(2025, 4, 1))
    _pdsa_sent(w.team_a1, dt.date(2025, 1, 5))
    _pdsa_sent(w.team_a1, dt.date(2025, 1, 20))  # a second cycle in January: A1 still counts once
    _pdsa_sent(w.team_a1, dt.date(2025, 3, 3))
    _pdsa_sent(w.team_b1, dt.date(2025, 3, 9))
    _pdsa_sent(w.team_e1, dt.date(2025, 2, 9))  # before E1 joined: not a team-month
    _pdsa_sent(w.team_b1, dt.date(2025, 6, 2))  # June's reports are not due yet on 20 June

    figures = closing_planner_figures(
        user=w.erin, collaborative=w.one, awardee=w.north, today=dt.date(2025, 6, 20)
    )

    # Months due by 20 June (the 15th of the next month): January to May 2025.
    assert figures.months == [dt.date(2025, m, 1) for m in range(1, 6)]
    assert (figures.teams_engaged, figures.total_lias) == (3, 4)
    # Enrolled team-months: 2 + 2 + 3 + 3 + 3 = 13 (E1 from March).
    # Submitted reports per month: Jan 2 (A1, B1), Feb 1, Mar 2, Apr 2 (A1, E1), May 1 = 8.
    # Average N = 8 / 5 months = 1.6; % = 8 / 13 = 61.5 → 62.
    assert (figures.reporting.average, figures.reporting.percent) == (pytest.approx(1.6), 62)
    assert figures.reporting.label == "1.6 teams (62%)"
    # PDSA submitters per month: Jan 1 (A1), Feb 0, Mar 2 (A1, B1), Apr 0, May 0 = 3 → 3/5 = 0.6; 3/13 = 23%.
    assert (figures.pdsa.average, figures.pdsa.percent) == (pytest.approx(0.6), 23)
    assert figures.pdsa.label == "0.6 teams (23%)"


def test_a_withdrawn_team_is_no_longer_engaged_but_its_months_count(north):
    north.team_e1.withdrawn_on = dt.date(2025, 4, 10)
    north.team_e1.save()
    figures = closing_planner_figures(
        user=north.erin, collaborative=north.one, awardee=north.north, today=dt.date(2025, 6, 20)
    )
    assert figures.teams_engaged == 2
    assert figures.reporting.percent == 0 and figures.reporting.label == "0.0 teams (0%)"


def _measure_with_data(w) -> Measure:
    """A1 reports 3/10 for 12 months then 7/10; B1 15/50 then 23/50 (24 months from January 2025)."""
    measure = MeasureFactory(
        collaborative=w.one, code="screened", name="Depression screening", goal=Decimal(50)
    )
    for i in range(24):
        month = month_add(JAN, i)
        Observation.objects.create(
            team=w.team_a1, measure=measure, month=month, numerator=3 if i < 12 else 7, denominator=10
        )
        Observation.objects.create(
            team=w.team_b1, measure=measure, month=month, numerator=15 if i < 12 else 23, denominator=50
        )
    analyses = [
        RunChartAnalysis.objects.create(
            kind="awardee", measure=measure, collaborative=w.one, awardee=w.north
        ),
        RunChartAnalysis.objects.create(kind="team", measure=measure, collaborative=w.one, team=w.team_a1),
        RunChartAnalysis.objects.create(kind="team", measure=measure, collaborative=w.one, team=w.team_b1),
    ]
    for analysis in analyses:
        assert runchart_analyse(analysis=analysis)
    return measure


def test_measure_results_come_from_the_stored_awardee_analysis(world):
    measure = _measure_with_data(world)
    unmeasured = MeasureFactory(collaborative=world.one, code="zz", name="Not analysed", order=9)
    figures = closing_planner_figures(
        user=world.erin, collaborative=world.one, awardee=world.north, today=dt.date(2027, 1, 20)
    )
    row, empty = figures.measures
    assert row.measure == measure and empty.measure == unmeasured
    # Pooled baseline: (3 + 15) / (10 + 50) = 30%. After the shift: (7 + 23) / 60 = 50% from January 2026.
    # Aim (≥ 50%, median of the latest 6 points): A1 at 70% meets it, B1 at 46% does not: 1 of 2.
    assert (row.baseline, row.shifted, row.meeting) == ("30%", "50% since Jan 2026", "1 of 2 (50%)")
    assert (empty.baseline, empty.shifted, empty.meeting) == ("not computed yet",) * 3
    assert figures.analyses_computed_at is not None


def test_no_shift_is_reported_as_no_shift(world):
    measure = MeasureFactory(collaborative=world.one, code="flat", name="Flat", goal=Decimal(90))
    for i in range(14):  # both teams alternate 50% and 60%: baseline median 55%, no run long enough to shift
        for team in (world.team_a1, world.team_b1):
            Observation.objects.create(
                team=team, measure=measure, month=month_add(JAN, i), numerator=5 + i % 2, denominator=10
            )
    analysis = RunChartAnalysis.objects.create(
        kind="awardee", measure=measure, collaborative=world.one, awardee=world.north
    )
    runchart_analyse(analysis=analysis)
    (row,) = closing_planner_figures(
        user=world.erin, collaborative=world.one, awardee=world.north, today=dt.date(2026, 6, 1)
    ).measures
    assert (row.baseline, row.shifted, row.meeting) == ("55%", "no shift", "0 of 2 (0%)")


def test_teams_close_to_the_aim_are_suggested_in_a_new_planner(world, client):
    _measure_with_data(world)
    suggestion = "Agency B: Depression screening, median of the last 6 reported months 46% (aim 50%)"
    assert close_to_aim_suggestions(user=world.erin, collaborative=world.one, awardee=world.north) == [
        suggestion
    ]
    client.force_login(world.erin)
    page = client.get(_url(world)).content.decode()
    assert re.search(
        r'<textarea name="p2_close_teams"[^>]*>\s*' + re.escape(suggestion) + r"</textarea>", page
    )


def _url(w, suffix: str = "/") -> str:
    return f"/collaboratives/{w.one.public_id}/awardees/{w.north.public_id}/closing-planner{suffix}"


def test_only_the_awardee_lead_writes_and_admins_read(world, client):
    for person, status in [
        ("erin", 200), ("frank", 200), ("root", 200), ("alice", 404), ("bob", 404), ("diana", 404), ("olga", 404)
    ]:  # fmt: skip
        client.force_login(getattr(world, person))
        assert client.get(_url(world)).status_code == status, person
    client.force_login(world.frank)
    assert client.post(_url(world), {"p1_confidence": "Yes"}).status_code == 403
    client.force_login(world.alice)
    assert client.post(_url(world), {"p1_confidence": "Yes"}).status_code == 404
    assert not Worksheet.objects.exists()
    client.force_login(world.erin)
    response = client.post(
        _url(world), {"p1_confidence": "Mostly", "p3_new_sites": "25", "p2_support": ["Office Hours"]}
    )
    assert response.status_code == 302
    planner = Worksheet.objects.get()
    assert (planner.awardee, planner.collaborative, planner.team, planner.updated_by) == (
        world.north,
        world.one,
        None,
        world.erin,
    )
    assert planner.answers == {"p1_confidence": "Mostly", "p2_support": ["Office Hours"], "p3_new_sites": 25}
    client.force_login(world.frank)
    assert "Mostly" in client.get(_url(world)).content.decode()


def test_a_bad_answer_is_named_and_nothing_is_saved(world, client):
    client.force_login(world.erin)
    response = client.post(_url(world), {"p1_confidence": "Kept?", "p3_new_sites": "7", "bts_1": "Perhaps"})
    assert response.status_code == 400
    page = response.content.decode()
    assert (
        "How many new sites do you want to scale with?: Ensure this value is a multiple of step size 5"
        in page
    )
    assert (
        "Condition 1: self-assessment: Select a valid choice. Perhaps is not one of the available choices."
        in page
    )
    assert not Worksheet.objects.exists()


def test_an_awardee_without_teams_in_the_collaborative_has_no_planner(world, client):
    client.force_login(world.erin)
    url = f"/collaboratives/{world.two.public_id}/awardees/{world.south.public_id}/closing-planner/"
    assert client.get(url).status_code == 404


def _pdf_objects(pdf: bytes) -> bytes:
    """The PDF's objects with its compressed streams inflated, to count pages without a PDF library."""
    inflated = [pdf]
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.DOTALL):
        try:
            inflated.append(zlib.decompress(stream))
        except zlib.error:
            continue
    return b"\n".join(inflated)


def _text(document) -> str:
    def walk(box) -> str:
        children = box.all_children() if hasattr(box, "all_children") else []
        return (getattr(box, "text", "") or "") + " ".join(walk(child) for child in children)

    return " ".join(walk(page._page_box) for page in document.pages)


def test_the_pdf_renders_with_the_part_1_figures_and_run_charts(world, client):
    _measure_with_data(world)
    client.force_login(world.erin)
    client.post(_url(world), {"p1_messages": "Screening rose from 30% to 50%", "bts_1": "Met"})
    response = client.get(_url(world, ".pdf"))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    pages = len(re.findall(rb"/Type\s*/Page[^s]", _pdf_objects(response.content)))

    planner = closing_planner_get(user=world.erin, collaborative=world.one, awardee=world.north)
    figures = closing_planner_figures(
        user=world.erin, collaborative=world.one, awardee=world.north, today=timezone.localdate()
    )
    html = closing_planner_html(
        collaborative=world.one, awardee=world.north, planner=planner, figures=figures
    )
    document = closing_planner_document(html)
    assert pages == len(document.pages) >= 2
    text = _text(document)
    for figure in (
        "Total # of MIECHV LIAs", "30%", "50% since Jan 2026", "1 of 2 (50%)", "Screening rose from 30% to 50%", "Met"
    ):  # fmt: skip
        assert figure in text, figure
    assert html.count("<svg") == 1 and "Run chart: Depression screening" in html
