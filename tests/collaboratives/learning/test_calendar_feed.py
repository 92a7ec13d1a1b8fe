"""The personal iCalendar feed: a secret, revocable URL holding only the events its owner may see."""

import datetime as dt
import hashlib

import icalendar
from django.utils import timezone

from collaboratives.models import CalendarFeed
from tests.collaboratives.learning.conftest import schedule


def _feed_url(client, person) -> str:
    client.force_login(person)
    page = client.post("/calendar/subscribe/", {"action": "create"}).content.decode()
    url = page.split('id="feed-url"', 1)[1].split('value="', 1)[1].split('"', 1)[0]
    client.logout()
    return url.removeprefix("http://127.0.0.1:8000")


def test_the_feed_holds_the_persons_events_and_no_other_collaboratives(client, world):
    soon = {"date": timezone.localdate() + dt.timedelta(days=7)}
    ours = schedule(world, title="ONE call", repeat="monthly_weekday", count=3, **soon)
    theirs = schedule(world, actor=world.root, collaborative=world.two, title="TWO call", **soon)[0]
    north = schedule(world, title="North office hours", awardee=world.north, **soon)[0]
    schedule(world, title="Long past", date=timezone.localdate() - dt.timedelta(days=100))
    url = _feed_url(client, world.charlie)  # South's team C1 in ONE
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(response.content)
    events = {str(e["uid"]): e for e in calendar.walk("VEVENT")}
    assert set(events) == {f"{e.public_id}@coiin" for e in ours}
    assert f"{theirs.public_id}@coiin" not in events and f"{north.public_id}@coiin" not in events
    first = events[f"{ours[0].public_id}@coiin"]
    assert str(first["summary"]) == "ONE call (ONE)"
    assert first.decoded("dtstart") == ours[0].starts_at
    assert first["dtstart"].params["TZID"] == "America/Chicago"


def test_only_the_hash_is_kept_and_revoking_ends_the_feed(client, world):
    url = _feed_url(client, world.alice)
    token = url.rsplit("/", 1)[1].removesuffix(".ics")
    feed = CalendarFeed.objects.get(user=world.alice)
    assert feed.token_hash == hashlib.sha256(token.encode()).hexdigest() and token not in feed.token_hash
    assert client.get(url).status_code == 200
    client.force_login(world.alice)
    client.post("/calendar/subscribe/", {"action": "revoke"})
    client.logout()
    assert client.get(url).status_code == 404


def test_a_new_address_replaces_the_old_one(client, world):
    old = _feed_url(client, world.alice)
    new = _feed_url(client, world.alice)
    assert client.get(old).status_code == 404 and client.get(new).status_code == 200


def test_a_deactivated_persons_feed_stops_and_a_made_up_token_is_404(client, world):
    url = _feed_url(client, world.bob)
    world.bob.is_active = False
    world.bob.save()
    assert client.get(url).status_code == 404
    assert client.get("/calendar/feed/not-a-token.ics").status_code == 404
