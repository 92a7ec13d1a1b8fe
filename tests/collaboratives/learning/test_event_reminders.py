"""Reminders the day before: once per event and person, to the people of the invited teams."""

import datetime as dt
from zoneinfo import ZoneInfo

from collaboratives.learning.services import event_reminders_send
from collaboratives.models import Notification
from tests.collaboratives.learning.conftest import schedule

CHICAGO = ZoneInfo("America/Chicago")


def test_people_are_reminded_once_in_the_day_before(world):
    north = schedule(world, title="North office hours", awardee=world.north)[0]
    schedule(world, title="Later call", date=dt.date(2026, 1, 20))
    now = dt.datetime(2026, 1, 12, 16, 0, tzinfo=CHICAGO)  # 23 hours before January 13, 15:00
    told = event_reminders_send(now=now)
    again = event_reminders_send(now=now + dt.timedelta(hours=1))
    recipients = set(Notification.objects.values_list("recipient__username", flat=True))
    # North's teams A1 and B1: LIA A's lead and member, B1's advisor, North's lead, ONE's admin.
    assert recipients == {
        "alice@example.org",
        "bob@example.org",
        "diana@example.org",
        "erin@example.org",
        "frank@example.org",
    }
    assert told == 5 and again == 0
    note = Notification.objects.get(recipient=world.alice)
    assert note.text == "Reminder: North office hours (ONE) on Tuesday January 13 at 15:00 CST"
    assert note.url == f"/events/{north.public_id}/"


def test_no_reminder_more_than_a_day_ahead(world):
    schedule(world)
    assert event_reminders_send(now=dt.datetime(2026, 1, 12, 14, 59, tzinfo=CHICAGO)) == 0
    assert Notification.objects.count() == 0
