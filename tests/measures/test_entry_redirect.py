import datetime as dt

from django.utils import timezone

from collaboratives.enrolment import entry_months, start_month
from tests.factories import MonthlyReportFactory


def _submit(team, *months):
    for month in months:
        MonthlyReportFactory(team=team, month=month, status="submitted", submitted_at=timezone.now())


def _month_now_due() -> dt.date:
    return (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def test_the_shortcut_opens_the_month_now_due_not_an_older_gap(client, world):
    _submit(world.team_a1, dt.date(2025, 1, 1), dt.date(2025, 2, 1), dt.date(2025, 4, 1))
    MonthlyReportFactory(team=world.team_a1, month=dt.date(2025, 3, 1))  # an old draft is not where to start
    client.force_login(world.bob)
    response = client.get(f"/teams/{world.team_a1.public_id}/data/")
    assert response.status_code == 302
    assert response.url == f"/teams/{world.team_a1.public_id}/data/{_month_now_due():%Y-%m}/"
    assert client.get(response.url).status_code == 200


def test_the_month_picker_opens_the_chosen_month_and_ignores_one_outside_the_collaborative(client, world):
    client.force_login(world.alice)
    base = f"/teams/{world.team_a1.public_id}/data/"
    assert client.get(base, {"month": "2025-06"}).url == f"{base}2025-06/"
    assert client.get(base, {"month": "1999-01"}).url == f"{base}{_month_now_due():%Y-%m}/"
    assert client.get(base, {"month": "junk"}).url == f"{base}{_month_now_due():%Y-%m}/"


def test_when_every_month_is_submitted_the_month_now_due_opens(world):
    today = dt.date(2025, 4, 20)
    _submit(world.team_a1, dt.date(2025, 1, 1), dt.date(2025, 2, 1), dt.date(2025, 3, 1))
    assert start_month(world.team_a1, today) == dt.date(2025, 3, 1)


def test_a_team_that_joined_late_starts_at_its_joining_month(world):
    world.team_b1.joined_on = dt.date(2025, 5, 10)
    months = entry_months(world.team_b1, dt.date(2025, 8, 3))
    assert (months[0], months[-1]) == (dt.date(2025, 5, 1), dt.date(2025, 8, 1))
    assert start_month(world.team_b1, dt.date(2025, 8, 3)) == dt.date(2025, 7, 1)
    world.team_b1.joined_on = dt.date(2025, 8, 1)  # joined after July, the month now due
    assert start_month(world.team_b1, dt.date(2025, 8, 3)) == dt.date(2025, 8, 1)


def test_another_lias_member_gets_404_from_the_shortcut(client, world):
    client.force_login(world.charlie)
    assert client.get(f"/teams/{world.team_a1.public_id}/data/").status_code == 404
