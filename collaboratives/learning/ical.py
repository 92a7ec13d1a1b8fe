"""A person's calendar as an iCalendar (RFC 5545) file, built with the `icalendar` package, for Outlook,
Google Calendar and Apple Calendar to subscribe to."""

import datetime as dt
from collections.abc import Iterable

import icalendar
from django.conf import settings

from collaboratives.learning.selectors import local_end, local_start
from collaboratives.models import Event


def feed_ical(events: Iterable[Event], *, base_url: str, now: dt.datetime) -> bytes:
    """One VEVENT per event (each occurrence of a series is its own), in the event's own time zone."""
    cal = icalendar.Calendar()
    cal.add("prodid", "-//CoIIN platform//Learning calendar//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", "CoIIN learning calendar")
    cal.add("refresh-interval", dt.timedelta(hours=6), parameters={"VALUE": "DURATION"})
    for event in events:
        vevent = icalendar.Event()
        vevent.add("uid", f"{event.public_id}@coiin")
        vevent.add("dtstamp", now)
        vevent.add("summary", f"{event.title} ({event.collaborative.short_name})")
        vevent.add("dtstart", local_start(event))
        vevent.add("dtend", local_end(event))
        vevent.add("categories", [event.get_kind_display()])
        if event.place:
            vevent.add("location", event.place)
        elif event.join_url:
            vevent.add("location", event.join_url)
        page = f"{base_url}/events/{event.public_id}/"
        vevent.add("url", event.join_url or page)
        vevent.add("description", "\n\n".join(p for p in (event.agenda, f"Details: {page}") if p))
        cal.add_component(vevent)
    cal.add_missing_timezones()
    return cal.to_ical()


def site_url() -> str:
    return settings.SITE_URL.rstrip("/")
