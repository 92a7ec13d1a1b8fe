import datetime as dt

import pytest

from measures.models import Measure
from measures.services import (
    ObservationInput,
    monthly_report_reopen,
    monthly_report_submit,
    observations_record,
)
from tests.factories import MeasureFactory

MONTH = dt.date(2025, 3, 1)


@pytest.fixture
def measures(world):
    return (
        MeasureFactory(collaborative=world.one, code="prop", name="Screened", order=1),
        MeasureFactory(collaborative=world.one, code="ease", name="Ease", kind=Measure.Kind.MEAN, scale_max=6, order=2),
    )  # fmt: skip


def _url(team, month=MONTH):
    return f"/teams/{team.public_id}/data/{month:%Y-%m}/history/"


def _rows(response):
    return [(c.who, c.subject, c.field, c.old, c.new) for c in response.context["changes"]]


def test_the_history_shows_who_changed_what_from_old_to_new_newest_first(client, world, measures):
    prop, ease = measures
    observations_record(
        actor=world.bob, team=world.team_a1, month=MONTH,
        cells=[ObservationInput(prop, 5, 10), ObservationInput(ease, None, None, not_applicable=True)],
    )  # fmt: skip
    observations_record(
        actor=world.alice, team=world.team_a1, month=MONTH,
        cells=[ObservationInput(prop, 6, 10, note="Recounted"), ObservationInput(ease, 20, 5)],
    )  # fmt: skip
    monthly_report_submit(actor=world.alice, team=world.team_a1, month=MONTH)
    monthly_report_reopen(actor=world.frank, team=world.team_a1, month=MONTH, reason="Ease was 22")
    observations_record(
        actor=world.alice, team=world.team_a1, month=dt.date(2025, 4, 1), cells=[ObservationInput(prop, 1, 2)]
    )  # another month: not shown
    bob, alice, frank = (p.get_full_name() for p in (world.bob, world.alice, world.frank))
    client.force_login(world.bob)
    response = client.get(_url(world.team_a1))
    assert response.status_code == 200
    assert _rows(response) == [
        (frank, "Monthly report", "Status", "Submitted", "Draft"),
        (frank, "Monthly report", "Reason reopened", "blank", "Ease was 22"),
        (alice, "Monthly report", "Status", "Draft", "Submitted"),
        (alice, "ease: Ease", "Sum of scores", "blank", "20"),
        (alice, "ease: Ease", "Number of scores", "blank", "5"),
        (alice, "ease: Ease", "Not applicable", "yes", "no"),
        (alice, "prop: Screened", "Numerator", "5", "6"),
        (alice, "prop: Screened", "Note", "blank", "Recounted"),
        (bob, "ease: Ease", "Not applicable", "no", "yes"),
        (bob, "prop: Screened", "Numerator", "blank", "5"),
        (bob, "prop: Screened", "Denominator", "blank", "10"),
    ]
    whens = [c.when for c in response.context["changes"]]
    assert whens == sorted(whens, reverse=True)
    page = response.content.decode()
    assert (
        "<caption>" in page
        and '<th scope="col">Old value</th>' in page
        and '<th scope="col">New value</th>' in page
    )
    assert f"<td>{alice}</td>" in page and "<td>Recounted</td>" in page


def test_a_month_with_no_saves_says_so(client, world, measures):
    client.force_login(world.alice)
    response = client.get(_url(world.team_a1))
    assert response.status_code == 200
    assert response.context["changes"] == []
    assert "No values have been saved for this month yet." in response.content.decode()


def test_the_entry_page_links_to_the_months_history(client, world, measures):
    client.force_login(world.bob)
    page = client.get(f"/teams/{world.team_a1.public_id}/data/{MONTH:%Y-%m}/").content.decode()
    assert f'href="{_url(world.team_a1)}"' in page


@pytest.mark.parametrize("person", ["charlie", "diana", "olga"])
def test_team_a1s_history_is_404_for_people_who_do_not_see_the_team(client, world, measures, person):
    observations_record(
        actor=world.bob, team=world.team_a1, month=MONTH, cells=[ObservationInput(measures[0], 5, 10)]
    )
    client.force_login(getattr(world, person))
    assert client.get(_url(world.team_a1)).status_code == 404


@pytest.mark.parametrize("person", ["erin", "frank", "root"])
def test_those_who_oversee_the_team_read_its_history(client, world, measures, person):
    observations_record(
        actor=world.bob, team=world.team_a1, month=MONTH, cells=[ObservationInput(measures[0], 5, 10)]
    )
    client.force_login(getattr(world, person))
    response = client.get(_url(world.team_a1))
    assert response.status_code == 200
    assert len(response.context["changes"]) == 2


def test_the_history_reads_in_a_fixed_number_of_queries(client, world, django_assert_max_num_queries):
    many = [MeasureFactory(collaborative=world.one, code=f"m{i}") for i in range(8)]
    for n in (1, 2, 3):
        observations_record(
            actor=world.bob, team=world.team_a1, month=MONTH, cells=[ObservationInput(m, n, 10) for m in many]
        )
    client.force_login(world.alice)
    with django_assert_max_num_queries(8):
        response = client.get(_url(world.team_a1))
    assert len(response.context["changes"]) == 8 * 4
