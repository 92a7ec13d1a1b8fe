"""Issue 21, broken today: the PDSA form's measures, its dates, and error summaries that list every error."""

import datetime as dt

import pytest

from measures.models import ChartAnnotation
from pdsa.models import PDSACycle
from pdsa.selectors import pdsa_chart_notes
from tests.factories import MeasureFactory
from tests.pdsa.factories import PDSACycleFactory


@pytest.fixture
def linked(world, kdd):
    measure = MeasureFactory(collaborative=world.one, code="supported", name="Staff feeling supported")
    cycle = PDSACycleFactory(
        team=world.team_a1,
        change_idea=kdd.idea,
        title="Check-in app pilot",
        started_on=dt.date(2025, 3, 17),
        created_by=world.bob,
    )
    cycle.measures.add(measure)
    return cycle, measure


def test_the_edit_form_offers_the_collaboratives_measures_with_the_linked_one_ticked(world, linked, client):
    cycle, measure = linked
    other = MeasureFactory(collaborative=world.one, code="other", name="Another measure")
    client.force_login(world.bob)
    html = client.get(f"/pdsa/{cycle.public_id}/edit/").content.decode()
    assert f'value="{measure.public_id}"' in html and f'value="{other.public_id}"' in html
    ticked = html.split(f'value="{measure.public_id}"', 1)[1].split(">", 1)[0]
    assert "checked" in ticked
    assert "checked" not in html.split(f'value="{other.public_id}"', 1)[1].split(">", 1)[0]


def test_saving_an_unchanged_linked_cycle_keeps_its_measure_and_chart_marker(world, linked, client):
    cycle, measure = linked
    client.force_login(world.bob)
    html = client.get(f"/pdsa/{cycle.public_id}/edit/").content.decode()
    # Post back exactly what the page holds: its text inputs, its selected option, its ticked boxes.
    data = {"title": cycle.title, "change_idea": str(cycle.change_idea.public_id), "started_on": "2025-03-17"}
    if "checked" in html.split(f'value="{measure.public_id}"', 1)[1].split(">", 1)[0]:
        data["measures"] = str(measure.public_id)
    response = client.post(f"/pdsa/{cycle.public_id}/edit/", data)
    assert response.status_code == 302
    assert list(PDSACycle.objects.get(id=cycle.id).measures.all()) == [measure]
    notes = pdsa_chart_notes(user=world.bob, team=world.team_a1, measure=measure)
    assert [note.text for note in notes] == ["PDSA: Check-in app pilot"]
    assert not ChartAnnotation.objects.exists()  # the marker comes from the link, not a stored copy


def test_a_planned_end_before_the_planned_start_is_refused_on_its_field(world, kdd, client):
    client.force_login(world.bob)
    response = client.post(
        f"/teams/{world.team_a1.public_id}/pdsa/new/",
        {
            "title": "Backwards",
            "change_idea": kdd.idea.public_id,
            "planned_start": "2025-03-10",
            "planned_end": "2025-03-03",
        },
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert (
        '<a class="alert-link" href="#id_planned_end">The planned end date is before the planned start date.</a>'
        in html
    )
    assert not PDSACycle.objects.exists()


def test_a_completion_before_the_start_is_refused_on_edit_and_nothing_changes(world, linked, client):
    cycle, _ = linked
    client.force_login(world.bob)
    response = client.post(
        f"/pdsa/{cycle.public_id}/edit/",
        {
            "title": "Renamed",
            "change_idea": str(cycle.change_idea.public_id),
            "started_on": "2025-03-17",
            "completed_on": "2025-03-01",
        },
    )
    assert response.status_code == 400
    assert "The completion date is before the date the test started." in response.content.decode()
    cycle.refresh_from_db()
    assert (cycle.title, cycle.completed_on) == ("Check-in app pilot", None)
