"""Writes of the learning calendar: keyword-only, atomic, field-keyed errors, like every service."""

import datetime as dt
import hashlib
import secrets
from collections.abc import Iterable
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from collaboratives import access
from collaboratives.learning import recurrence, signals
from collaboratives.learning.recurrence import Repeat
from collaboratives.learning.selectors import collaborative_people, event_invited_teams, local_start
from collaboratives.models import (
    Announcement,
    Awardee,
    CalendarFeed,
    ChangeIdea,
    Collaborative,
    Driver,
    Event,
    EventAttendance,
    Notification,
    Resource,
    Team,
)
from collaboratives.notifications import notification_send_many
from collaboratives.uploads import upload_check

UNKNOWN_ZONE = "Unknown time zone {zone!r}: use a name from the IANA list, such as America/Chicago."


def zone_or_error(name: str) -> ZoneInfo:
    """The time zone of that IANA name, or a ValidationError on `time_zone`."""
    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError({"time_zone": UNKNOWN_ZONE.format(zone=name)}) from None


def _series_starts(
    *, repeat: str, first: dt.datetime, count: int | None, until: dt.date | None, zone: ZoneInfo
) -> tuple[list[dt.datetime], str]:
    """The aware starts of a series and its RRULE text; errors keyed `count` / `until`."""
    if repeat == Repeat.NONE:
        return [first.replace(tzinfo=zone)], ""
    if count is None and until is None:
        raise ValidationError(
            {"count": "A repeating event needs an end: say how many times it happens, or until when."}
        )
    if count is not None and until is not None:
        raise ValidationError({"until": "Give either a number of times or an end date, not both."})
    if count is not None and not 2 <= count <= recurrence.SERIES_MAX:
        raise ValidationError({"count": f"A series happens 2 to {recurrence.SERIES_MAX} times."})
    if until is not None and until <= first.date():
        raise ValidationError({"until": "The series must end after its first event."})
    rule = recurrence.rule(repeat=repeat, start=first, count=count, until=until)
    starts = recurrence.occurrences(rule, zone=zone)
    if len(starts) > recurrence.SERIES_MAX:
        raise ValidationError(
            {"until": f"That end date gives more than {recurrence.SERIES_MAX} events; choose an earlier one."}
        )
    return starts, recurrence.rrule_text(rule)


@transaction.atomic
def event_schedule(
    *,
    actor: Any,
    collaborative: Collaborative,
    kind: str,
    title: str,
    date: dt.date,
    start_time: dt.time,
    end_time: dt.time,
    time_zone: str,
    join_url: str = "",
    place: str = "",
    agenda: str = "",
    awardee: Awardee | None = None,
    materials: Iterable[Resource] = (),
    training_topic: Any = None,
    repeat: str = Repeat.NONE,
    count: int | None = None,
    until: dt.date | None = None,
) -> list[Event]:
    """Schedule an event, or every occurrence of a series (the first carries the RRULE; the others point
    at it). Returns the events created, first first."""
    access.require_organiser(actor, collaborative=collaborative, awardee=awardee)
    if awardee is not None and not collaborative.teams.filter(lia__awardee=awardee).exists():
        raise ValidationError({"awardee": f"{awardee.name} has no team in {collaborative.short_name}."})
    materials = list(materials)
    if any(m.collaborative_id != collaborative.id for m in materials):
        raise ValidationError({"materials": "Materials come from this collaborative's library."})
    if training_topic is not None and training_topic.collaborative_id != collaborative.id:
        raise ValidationError({"training_topic": "Choose a training topic of this collaborative."})
    zone = zone_or_error(time_zone)
    if end_time <= start_time:
        raise ValidationError(
            {
                "end_time": f"The event must end after it starts ({start_time:%H:%M}); it ends at {end_time:%H:%M}."
            }
        )
    if not join_url.strip() and not place.strip():
        raise ValidationError({"join_url": "Give a join link, a place, or both."})
    first = dt.datetime.combine(date, start_time)
    length = dt.datetime.combine(date, end_time) - first
    starts, rrule_text = _series_starts(repeat=repeat, first=first, count=count, until=until, zone=zone)
    created: list[Event] = []
    for start in starts:
        event = Event(
            collaborative=collaborative,
            awardee=awardee,
            kind=kind,
            title=title,
            starts_at=start,
            ends_at=(start.replace(tzinfo=None) + length).replace(tzinfo=zone),
            time_zone=zone.key,
            join_url=join_url.strip(),
            place=place.strip(),
            agenda=agenda,
            training_topic=training_topic,
            series=created[0] if created else None,
            recurrence=rrule_text if not created else "",
            created_by=actor,
        )
        event.full_clean()
        event.save()
        event.materials.set(materials)
        created.append(event)
    return created


# --- The personal iCalendar feed ---


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def calendar_feed_create(*, actor: Any) -> tuple[CalendarFeed, str]:
    """A new secret feed URL token for the actor; any earlier one stops working. The token is returned
    once and only its hash is kept."""
    calendar_feed_revoke(actor=actor)
    token = secrets.token_urlsafe(32)
    feed = CalendarFeed(user=actor, token_hash=_hash(token))
    feed.full_clean()
    feed.save()
    return feed, token


def calendar_feed_revoke(*, actor: Any) -> int:
    """Stop the actor's feed URL; returns how many were active."""
    return CalendarFeed.objects.visible_to(actor).filter(revoked_at=None).update(revoked_at=timezone.now())


def calendar_feed_for_token(token: str) -> CalendarFeed | None:
    """The active feed the token opens, or None (unknown, revoked, or its owner deactivated)."""
    feed = (
        CalendarFeed.objects.unscoped(reason="the secret token is the credential")
        .select_related("user")
        .filter(token_hash=_hash(token), revoked_at=None, user__is_active=True)
        .first()
    )
    if feed is not None:
        CalendarFeed.objects.unscoped(reason="the feed just opened").filter(id=feed.id).update(
            last_used_at=timezone.now()
        )
    return feed


# --- Reminders ---


def event_reminders_send(*, now: dt.datetime) -> int:
    """Tell the people of each event that starts within the next 24 hours, once per event and person
    (the notification key), so the hourly task may run again. Returns how many were told."""
    events = (
        Event.objects.unscoped(reason="a periodic task reminds each event's own people")
        .filter(starts_at__gt=now, starts_at__lte=now + dt.timedelta(days=1))
        .select_related("collaborative")
    )
    told = 0
    for event in events:
        start = local_start(event)
        people = collaborative_people(collaborative=event.collaborative, teams=event_invited_teams(event))
        told += notification_send_many(
            recipients=people,
            kind=Notification.Kind.EVENT,
            text=f"Reminder: {event.title} ({event.collaborative.short_name}) on "
            f"{start:%A %B} {start.day} at {start:%H:%M} {start.tzname()}",
            url=reverse("event-detail", args=[event.public_id]),
            key=f"event-reminder:{event.public_id}",
        )
    return told


# --- Attendance ---

CHECK_IN_OPENS = dt.timedelta(hours=1)  # a team may check in from an hour before the start


def _month_of(event: Event) -> dt.date:
    return local_start(event).date().replace(day=1)


def _attendance_taken(event: Event) -> None:
    if event.attendance_taken_at is None:
        event.attendance_taken_at = timezone.now()
        Event.objects.unscoped(reason="the caller checked the actor's access to the event").filter(
            id=event.id
        ).update(attendance_taken_at=event.attendance_taken_at)


@transaction.atomic
def event_attendance_record(*, actor: Any, event: Event, teams: Iterable[Team]) -> list[EventAttendance]:
    """The organiser's register: exactly `teams` attended (earlier check-ins of others are withdrawn).
    From now on the event counts in its month's engagement measure."""
    access.require_organiser(actor, collaborative=event.collaborative, awardee=event.awardee)
    invited = {t.id: t for t in event_invited_teams(event)}
    teams = list(teams)
    if outside := [t for t in teams if t.id not in invited]:
        raise ValidationError(
            {"teams": f"{', '.join(t.lia.name for t in outside)} was not invited to this event."}
        )
    rows = EventAttendance.objects.unscoped(reason="the organiser's register of one event")
    rows.filter(event=event).exclude(team_id__in=[t.id for t in teams]).delete()
    kept = set(rows.filter(event=event).values_list("team_id", flat=True))
    for team in teams:
        if team.id not in kept:
            row = EventAttendance(
                event=event, team=team, source=EventAttendance.Source.REGISTER, recorded_by=actor
            )
            row.full_clean()
            row.save()
    _attendance_taken(event)
    signals.attendance_changed.send(sender=Event, collaborative=event.collaborative, month=_month_of(event))
    return list(rows.filter(event=event).select_related("team__lia"))


@transaction.atomic
def event_check_in(*, actor: Any, event: Event, team: Team, now: dt.datetime) -> EventAttendance:
    """The team's CQI lead says the team attended; a second check-in changes nothing."""
    access.require(actor, access.Action.CHECK_IN, team)
    if not event_invited_teams(event).filter(id=team.id).exists():
        raise ValidationError({"team": f"{team.lia.name} was not invited to this event."})
    if now < event.starts_at - CHECK_IN_OPENS:
        raise ValidationError({"team": "Check-in opens an hour before the event starts."})
    row, created = EventAttendance.objects.unscoped(reason="the team's own check-in").get_or_create(
        event=event,
        team=team,
        defaults={"source": EventAttendance.Source.CHECK_IN, "recorded_by": actor},
    )
    if created:
        _attendance_taken(event)
        signals.attendance_changed.send(
            sender=Event, collaborative=event.collaborative, month=_month_of(event)
        )
    return row


PLATFORM_USERNAME = "platform-recorder"


def platform_actor() -> Any:
    """The account the platform records derived observations as (engagement, training), so their
    history says "recorded by the platform". It may take any action through access.require, and can
    never sign in: no password, no email, no membership, no token."""
    user, created = get_user_model().objects.get_or_create(
        username=PLATFORM_USERNAME,
        defaults={"first_name": "Recorded by the platform", "is_superuser": True, "is_active": True},
    )
    if created or user.has_usable_password():
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


# --- The resource library ---


@transaction.atomic
def resource_add(
    *,
    actor: Any,
    collaborative: Collaborative,
    title: str,
    kind: str,
    description: str = "",
    url: str = "",
    filename: str = "",
    content: bytes = b"",
    drivers: Iterable[Driver] = (),
    change_ideas: Iterable[ChangeIdea] = (),
) -> Resource:
    """Add a file (checked as PDSA attachments are) or a link to the collaborative's library."""
    access.require(actor, access.Action.MANAGE_LIBRARY, collaborative)
    url = url.strip()
    if bool(url) == bool(filename):
        raise ValidationError({"url": "Give a link or upload a file, one of the two."})
    content_type = ""
    if filename:
        filename, content_type = upload_check(filename=filename, content=content)
    drivers, change_ideas = list(drivers), list(change_ideas)
    if any(d.collaborative_id != collaborative.id for d in drivers):
        raise ValidationError({"drivers": "Tag drivers of this collaborative's key driver diagram."})
    if any(i.collaborative_id != collaborative.id for i in change_ideas):
        raise ValidationError(
            {"change_ideas": "Tag change ideas of this collaborative's key driver diagram."}
        )
    resource = Resource(
        collaborative=collaborative,
        title=title,
        kind=kind,
        description=description,
        url=url,
        filename=filename,
        content_type=content_type,
        content=content if filename else b"",
        size=len(content) if filename else 0,
        added_by=actor,
    )
    resource.full_clean()
    resource.save()
    resource.drivers.set(drivers)
    resource.change_ideas.set(change_ideas)
    return resource


# --- Announcements ---


@transaction.atomic
def announcement_send(*, actor: Any, collaborative: Collaborative, title: str, body: str) -> Announcement:
    """Post an announcement to every team of the collaborative and notify their people (once each)."""
    access.require(actor, access.Action.ANNOUNCE, collaborative)
    announcement = Announcement(
        collaborative=collaborative, title=title.strip(), body=body.strip(), created_by=actor
    )
    announcement.full_clean()
    announcement.save()
    notification_send_many(
        recipients=[p for p in collaborative_people(collaborative=collaborative) if p.pk != actor.pk],
        kind=Notification.Kind.ANNOUNCEMENT,
        text=f"{collaborative.short_name}: {announcement.title}",
        url=reverse("announcement-list", args=[collaborative.public_id]),
        key=f"announcement:{announcement.public_id}",
    )
    return announcement
