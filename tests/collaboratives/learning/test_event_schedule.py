"""Scheduling events and series: occurrences in the event's own time zone, and named-field errors."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from collaboratives.models import Event
from tests.collaboratives.learning.conftest import schedule

CHICAGO = ZoneInfo("America/Chicago")


def test_a_second_tuesday_monthly_series_keeps_its_local_time_across_daylight_saving(world):
    events = schedule(world, repeat="monthly_weekday", count=4)
    starts = [e.starts_at.astimezone(CHICAGO) for e in events]
    assert [(s.date(), s.hour) for s in starts] == [
        (dt.date(2026, 1, 13), 15),
        (dt.date(2026, 2, 10), 15),
        (dt.date(2026, 3, 10), 15),  # after the change to daylight time on March 8
        (dt.date(2026, 4, 14), 15),
    ]
    assert [e.ends_at - e.starts_at for e in events] == [dt.timedelta(hours=1)] * 4
    first = events[0]
    assert first.recurrence == "FREQ=MONTHLY;COUNT=4;BYDAY=+2TU" and first.series is None
    assert all(e.series_id == first.id and e.recurrence == "" for e in events[1:])


def test_a_weekly_series_until_a_date_includes_that_date(world):
    events = schedule(world, repeat="weekly", until=dt.date(2026, 2, 3))
    assert [e.starts_at.astimezone(CHICAGO).date() for e in events] == [
        dt.date(2026, 1, 13),
        dt.date(2026, 1, 20),
        dt.date(2026, 1, 27),
        dt.date(2026, 2, 3),
    ]


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"end_time": dt.time(14, 0)}, "end_time", "must end after it starts"),
        ({"end_time": dt.time(15, 0)}, "end_time", "must end after it starts"),
        ({"time_zone": "America/Springfield"}, "time_zone", "Unknown time zone 'America/Springfield'"),
        ({"time_zone": "../etc/passwd"}, "time_zone", "Unknown time zone"),
        ({"repeat": "monthly_weekday"}, "count", "needs an end"),
        ({"repeat": "weekly", "count": 3, "until": dt.date(2026, 3, 1)}, "until", "not both"),
        ({"repeat": "weekly", "count": 61}, "count", "2 to 60 times"),
        ({"repeat": "weekly", "until": dt.date(2030, 1, 1)}, "until", "more than 60 events"),
        ({"repeat": "weekly", "until": dt.date(2026, 1, 13)}, "until", "must end after its first event"),
        ({"join_url": "", "place": ""}, "join_url", "join link, a place"),
    ],
)
def test_bad_input_is_refused_with_a_named_field_and_nothing_saved(world, overrides, field, words):
    with pytest.raises(ValidationError) as caught:
        schedule(world, **overrides)
    assert list(caught.value.message_dict) == [field]
    assert words in caught.value.message_dict[field][0]
    assert Event.objects.count() == 0


def test_an_awardee_event_needs_an_awardee_with_teams_in_the_collaborative(world):
    with pytest.raises(ValidationError) as caught:
        schedule(world, awardee=world.south, collaborative=world.two, actor=world.root)
    assert "South has no team in TWO" in caught.value.message_dict["awardee"][0]


def test_only_organisers_schedule(world):
    for person in (world.alice, world.bob, world.olga):
        with pytest.raises(PermissionDenied):
            schedule(world, actor=person)
    # North's awardee lead schedules for North's teams, not for the whole collaborative.
    assert schedule(world, actor=world.erin, awardee=world.north)[0].awardee == world.north
    with pytest.raises(PermissionDenied):
        schedule(world, actor=world.erin)
    assert Event.objects.count() == 1


def test_an_awardee_event_is_hidden_from_the_other_awardees_teams(world):
    north_only = schedule(world, awardee=world.north, title="North office hours")[0]
    everyone = schedule(world, title="All-team call")[0]

    def seen(person):
        return set(Event.objects.visible_to(person).values_list("id", flat=True))

    assert seen(world.alice) == {north_only.id, everyone.id}
    assert seen(world.charlie) == {everyone.id}  # South's team C1
    assert seen(world.olga) == set()
