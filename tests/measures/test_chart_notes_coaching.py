"""Coaching on charts (issue 21): advisors add notes to their teams' charts; authors edit and delete their own."""

import datetime as dt

import pytest

from measures.charts.recompute import runchart_analyse
from measures.models import ChartAnnotation, Observation, RunChartAnalysis
from tests.factories import MeasureFactory


@pytest.fixture
def b1_chart(world):
    measure = MeasureFactory(collaborative=world.one, code="supported")
    for i in range(6):
        Observation.objects.create(
            team=world.team_b1, measure=measure, month=dt.date(2025, 1 + i, 1), numerator=i, denominator=10
        )
    chart = RunChartAnalysis.objects.create(
        kind="team", measure=measure, collaborative=world.one, team=world.team_b1
    )
    runchart_analyse(analysis=chart)
    return chart


def test_the_teams_advisor_annotates_its_chart(world, b1_chart, client):
    client.force_login(world.diana)
    page = client.get(f"/charts/{b1_chart.public_id}/").content.decode()
    assert f'action="/charts/{b1_chart.public_id}/notes/"' in page
    response = client.post(
        f"/charts/{b1_chart.public_id}/notes/", {"month": "2025-03", "text": "Coaching call on intake"}
    )
    assert response.status_code == 302
    note = ChartAnnotation.objects.get()
    assert (note.team, note.month, note.text, note.created_by) == (
        world.team_b1,
        dt.date(2025, 3, 1),
        "Coaching call on intake",
        world.diana,
    )


def test_another_teams_advisor_may_not(world, world_plus, b1_chart, client):
    client.force_login(world_plus.hugo)  # advises C1, a peer of B1
    assert (
        client.post(f"/charts/{b1_chart.public_id}/notes/", {"month": "2025-03", "text": "x"}).status_code
        == 403
    )
    assert not ChartAnnotation.objects.exists()


@pytest.fixture
def note(world, b1_chart):
    return ChartAnnotation.objects.create(
        collaborative=world.one,
        team=world.team_b1,
        month=dt.date(2025, 3, 1),
        text="Coaching call",
        created_by=world.diana,
    )


def test_the_author_edits_and_deletes_their_note(world, b1_chart, note, client):
    client.force_login(world.diana)
    page = client.get(f"/charts/{b1_chart.public_id}/").content.decode()
    assert f'href="/notes/{note.public_id}/"' in page
    response = client.post(f"/notes/{note.public_id}/", {"month": "2025-04", "text": "Coaching call, moved"})
    assert response.status_code == 302
    note.refresh_from_db()
    assert (note.month, note.text) == (dt.date(2025, 4, 1), "Coaching call, moved")
    assert client.post(f"/notes/{note.public_id}/delete/").status_code == 302
    assert not ChartAnnotation.objects.exists()


def test_an_edit_without_text_names_the_field_and_changes_nothing(world, b1_chart, note, client):
    client.force_login(world.diana)
    response = client.post(f"/notes/{note.public_id}/", {"month": "2025-04", "text": " "})
    assert response.status_code == 400 and 'href="#id_text"' in response.content.decode()
    note.refresh_from_db()
    assert (note.month, note.text) == (dt.date(2025, 3, 1), "Coaching call")


def test_others_who_see_the_note_may_not_change_it(world, b1_chart, note, client):
    client.force_login(world.frank)  # ONE's admin sees the note but did not write it
    assert client.post(f"/notes/{note.public_id}/delete/").status_code == 403
    client.force_login(world.charlie)  # does not see team B1's notes
    assert client.post(f"/notes/{note.public_id}/delete/").status_code == 404
    assert ChartAnnotation.objects.filter(id=note.id).exists()


def test_the_edit_form_shows_the_month_as_typed_so_saving_it_unchanged_works(world, b1_chart, note, client):
    client.force_login(world.diana)
    assert 'value="2025-03"' in client.get(f"/notes/{note.public_id}/").content.decode()
    assert (
        client.post(f"/notes/{note.public_id}/", {"month": "2025-03", "text": "Coaching call"}).status_code
        == 302
    )
