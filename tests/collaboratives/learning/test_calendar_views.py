"""The calendar pages: scheduling through the form, the month view, an event's page, the home page."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from collaboratives.models import Event
from tests.collaboratives.learning.conftest import schedule

FORM = {
    "kind": "action_period_call",
    "title": "Monthly action-period call",
    "date": "2026-01-13",
    "start_time": "15:00",
    "end_time": "16:00",
    "time_zone": "America/Chicago",
    "join_url": "https://meet.example.org/srr",
    "agenda": "Wins of the month\nTesting reflective supervision",
    "repeat": "monthly_weekday",
    "count": "6",
}


def test_an_admin_schedules_a_series_through_the_form(client, world):
    client.force_login(world.frank)
    response = client.post(f"/collaboratives/{world.one.public_id}/events/new/", FORM)
    assert response.status_code == 302
    events = list(Event.objects.order_by("starts_at"))
    assert len(events) == 6 and events[0].recurrence == "FREQ=MONTHLY;COUNT=6;BYDAY=+2TU"
    page = client.get(response.url).content.decode()
    assert "Repeats monthly on the second Tuesday, 6 times" in page
    assert "Tuesday 13 January 2026, 15:00–16:00 CST (America/Chicago)" in page


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"end_time": "14:30"}, "The event must end after it starts (15:00); it ends at 14:30."),
        ({"time_zone": "Mars/Olympus"}, "Unknown time zone &#x27;Mars/Olympus&#x27;"),
        ({"count": ""}, "A repeating event needs an end"),
    ],
)
def test_the_form_shows_a_named_field_error_and_saves_nothing(client, world, change, message):
    client.force_login(world.frank)
    response = client.post(f"/collaboratives/{world.one.public_id}/events/new/", FORM | change)
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page and "There is a problem" in page
    field = next(iter(change))
    assert f'href="#id_{field}"' in page  # the summary links to the field
    assert Event.objects.count() == 0


def test_a_member_may_not_schedule_and_an_outsider_does_not_see_the_collaborative(client, world):
    client.force_login(world.bob)
    assert client.get(f"/collaboratives/{world.one.public_id}/events/new/").status_code == 403
    client.force_login(world.olga)
    assert client.get(f"/collaboratives/{world.one.public_id}/events/new/").status_code == 404


def test_the_month_view_places_an_event_on_its_local_date(client, world):
    # 23:30 in Honolulu on January 20 is already January 21 in UTC and in New York.
    schedule(
        world,
        title="Late office hours",
        kind=Event.Kind.OFFICE_HOURS,
        date=dt.date(2026, 1, 20),
        start_time=dt.time(23, 30),
        end_time=dt.time(23, 59),
        time_zone="Pacific/Honolulu",
    )
    client.force_login(world.bob)
    page = client.get("/calendar/?month=2026-01").content.decode()
    cell = page.split('<span class="calendar-day">20</span>', 1)[1].split("</td>", 1)[0]
    assert "23:30 Late office hours" in cell
    assert "January 2026" in page


def test_home_lists_the_next_events_and_hides_past_ones(client, world):
    today = timezone.localdate()
    schedule(world, title="Next call", date=today + dt.timedelta(days=3))
    schedule(world, title="Old call", date=today - dt.timedelta(days=3))
    client.force_login(world.charlie)
    page = client.get("/").content.decode()
    assert "Next call" in page and "Old call" not in page
    client.force_login(world.olga)
    assert "Next call" not in client.get("/").content.decode()


def test_an_event_of_another_collaborative_is_404(client, world):
    event = schedule(world, actor=world.root, collaborative=world.two)[0]
    client.force_login(world.charlie)  # C1 is in ONE only
    assert client.get(f"/events/{event.public_id}/").status_code == 404
    client.force_login(world.alice)  # LIA A is in TWO too
    local = event.starts_at.astimezone(ZoneInfo("America/Chicago"))
    assert f"{local:%H:%M}" in client.get(f"/events/{event.public_id}/").content.decode()
