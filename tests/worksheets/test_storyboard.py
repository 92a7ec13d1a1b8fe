"""The team storyboard (issue 21): aim, change ideas tested, run charts with PDSA markers, learnings; on a
printable page and as a PDF; only for those who see the team."""

import datetime as dt

import pytest

from collaboratives.models import Aim
from measures.charts.recompute import runchart_analyse
from measures.models import Observation, RunChartAnalysis
from tests.factories import MeasureFactory
from tests.pdsa.factories import AimFactory, ChangeIdeaFactory, DriverFactory, PDSACycleFactory
from worksheets.storyboard import storyboard_build, storyboard_document


@pytest.fixture
def board(world):
    aim = AimFactory(collaborative=world.one, text="85% of home visitors feel supported")
    idea = ChangeIdeaFactory(
        driver=DriverFactory(aim=aim, text="Physical & Psychological Safety"),
        text="Use a check-in app on work issued phones",
    )
    measure = MeasureFactory(collaborative=world.one, code="supported", name="Staff feeling supported")
    for i in range(10):
        Observation.objects.create(
            team=world.team_a1,
            measure=measure,
            month=dt.date(2025, 1 + i, 1),
            numerator=3 + i % 3,
            denominator=10,
        )
    chart = RunChartAnalysis.objects.create(
        kind="team", measure=measure, collaborative=world.one, team=world.team_a1
    )
    runchart_analyse(analysis=chart)
    cycle = PDSACycleFactory(
        team=world.team_a1,
        change_idea=idea,
        title="Check-in app pilot",
        started_on=dt.date(2025, 4, 7),
        learned="Visitors check in when the app opens with one tap.",
        decision="adapt",
        status="done",
    )
    cycle.measures.add(measure)
    PDSACycleFactory(team=world.team_a1, other_change_idea="Walking meetings", title="Walk and talk")
    return world


def test_the_page_shows_aim_ideas_tested_charts_with_markers_and_learnings(board, client):
    client.force_login(board.bob)
    html = client.get(f"/teams/{board.team_a1.public_id}/storyboard/").content.decode()
    assert Aim.objects.get(collaborative=board.one).text in html
    assert "Use a check-in app on work issued phones</td><td>1</td><td>Adapt 1</td>" in html
    assert "Walking meetings</td><td>1</td><td>none yet</td>" in html
    chart = html.split('data-chart="supported"', 1)[1].split("</figure>", 1)[0]
    assert "<svg" in chart and '<g class="note" data-x="2025-04-01" data-numbers="1">' in chart  # the marker
    assert "PDSA cycles: 1. Check-in app pilot." in chart
    assert "Visitors check in when the app opens with one tap." in html
    assert f'href="/teams/{board.team_a1.public_id}/storyboard.pdf"' in html


def test_the_marker_sits_in_the_month_the_linked_cycle_started(board):
    storyboard = storyboard_build(user=board.bob, team=board.team_a1)
    [panel] = storyboard.charts
    assert panel.markers == [(1, "Check-in app pilot")]
    assert '<g class="note" data-x="2025-04-01" data-numbers="1">' in panel.svg


def test_the_pdf_has_the_same_content(board, client):
    client.force_login(board.bob)
    response = client.get(f"/teams/{board.team_a1.public_id}/storyboard.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    document = storyboard_document(storyboard_build(user=board.bob, team=board.team_a1))
    text = " ".join(box.text for page in document.pages for box in _text_boxes(page._page_box))
    text = " ".join(text.split())
    for expected in (
        "Agency A: storyboard",
        "Key drivers and change ideas we tested",
        "Check-in app pilot",
        "one tap",
    ):
        assert expected in text


def _text_boxes(box):
    if hasattr(box, "text"):
        yield box
    for child in box.all_children() if hasattr(box, "all_children") else []:
        yield from _text_boxes(child)


def test_another_lias_member_gets_404(board, client):
    client.force_login(board.charlie)
    assert client.get(f"/teams/{board.team_a1.public_id}/storyboard/").status_code == 404
    assert client.get(f"/teams/{board.team_a1.public_id}/storyboard.pdf").status_code == 404


def test_a_cycle_that_started_after_the_charts_last_month_is_named_but_not_drawn(board):
    measure = board.one.measures.get(code="supported")
    later = PDSACycleFactory(
        team=board.team_a1,
        other_change_idea="Later idea",
        title="Next spring",
        started_on=dt.date(2025, 12, 2),
    )
    later.measures.add(measure)
    [panel] = storyboard_build(user=board.bob, team=board.team_a1).charts
    assert (panel.markers, panel.later) == ([(1, "Check-in app pilot")], ["Next spring"])
    assert panel.svg.count('<g class="note"') == 1


def test_the_pdfs_file_name_survives_a_quote_in_the_collaboratives_name(board, client):
    collaborative = board.team_a1.collaborative
    collaborative.short_name = 'Safe "Sleep"'
    collaborative.save(update_fields=["short_name"])
    client.force_login(board.bob)
    response = client.get(f"/teams/{board.team_a1.public_id}/storyboard.pdf")
    assert response.status_code == 200
    code = board.team_a1.code.lower()
    assert response["Content-Disposition"] == f'inline; filename="storyboard-safe-\\"sleep\\"-{code}.pdf"'
