"""Reads of the learning calendar: every query a person reaches starts from `visible_to(user)`."""

import calendar
import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Q, QuerySet

from collaboratives.models import Announcement, ChangeIdea, Driver, Event, Membership, Resource, Role, Team


def event_list(*, user: Any, collaborative: Any = None) -> QuerySet[Event]:
    qs = Event.objects.visible_to(user).select_related("collaborative", "awardee")
    return qs.filter(collaborative=collaborative) if collaborative is not None else qs


def upcoming_event_list(*, user: Any, now: dt.datetime, limit: int = 5) -> list[Event]:
    """The person's next events (those not yet over), soonest first."""
    return list(event_list(user=user).filter(ends_at__gt=now)[:limit])


def local_start(event: Event) -> dt.datetime:
    return event.starts_at.astimezone(ZoneInfo(event.time_zone))


def local_end(event: Event) -> dt.datetime:
    return event.ends_at.astimezone(ZoneInfo(event.time_zone))


@dataclass(frozen=True)
class Day:
    date: dt.date
    in_month: bool
    events: list[Event]


def month_weeks(*, user: Any, month: dt.date) -> list[list[Day]]:
    """The weeks (Monday first) covering `month`, each day with the visible events that start on it in
    the event's own time zone."""
    cal = calendar.Calendar(firstweekday=0)
    days = [d for week in cal.monthdatescalendar(month.year, month.month) for d in week]
    # A day's events in any zone start within a day either side of its UTC bounds.
    window = event_list(user=user).filter(
        starts_at__gte=dt.datetime.combine(days[0], dt.time.min, tzinfo=dt.UTC) - dt.timedelta(days=1),
        starts_at__lt=dt.datetime.combine(days[-1], dt.time.max, tzinfo=dt.UTC) + dt.timedelta(days=1),
    )
    by_day: dict[dt.date, list[Event]] = {}
    for event in window:
        by_day.setdefault(local_start(event).date(), []).append(event)
    return [
        [Day(d, d.month == month.month, by_day.get(d, [])) for d in days[i : i + 7]]
        for i in range(0, len(days), 7)
    ]


def event_invited_teams(event: Event) -> QuerySet[Team]:
    """The teams an event is for: the collaborative's (or its awardee's) teams enrolled on its date.
    Trusted: the caller loaded the event through `visible_to` or is a task."""
    on = local_start(event).date()
    teams = Team.objects.unscoped(reason="the teams of an event the caller may see").filter(
        Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gte=on),
        collaborative_id=event.collaborative_id,
        joined_on__lte=on,
    )
    if event.awardee_id is not None:
        teams = teams.filter(lia__awardee_id=event.awardee_id)
    return teams.select_related("lia").order_by("lia__name")


def collaborative_people(*, collaborative: Any, teams: QuerySet[Team] | None = None) -> list[Any]:
    """The active people of the teams (default: all the collaborative's teams): their LIAs' members and
    CQI leads, their advisors and awardee leads, and the collaborative's admins. Trusted (tasks, services)."""
    teams = teams if teams is not None else collaborative.teams.filter(withdrawn_on__isnull=True)
    team_rows = list(teams.values_list("id", "lia_id", "lia__awardee_id"))
    memberships = Membership.objects.unscoped(reason="who an event or announcement is for").filter(
        Q(role__in=[Role.TEAM_MEMBER, Role.CQI_LEAD], lia_id__in=[t[1] for t in team_rows])
        | Q(role=Role.ADVISOR, team_id__in=[t[0] for t in team_rows])
        | Q(role=Role.AWARDEE_LEAD, awardee_id__in=[t[2] for t in team_rows])
        | Q(role=Role.COLLABORATIVE_ADMIN, collaborative_id=collaborative.id),
        user__is_active=True,
    )
    return list({m.user_id: m.user for m in memberships.select_related("user")}.values())


def learning_home(*, user: Any, now: dt.datetime) -> dict[str, Any]:
    """What the home page shows of the learning calendar: the person's next events and the last
    fortnight's announcements (at most three)."""
    from collaboratives import access
    from collaboratives.models import Role
    from collaboratives.selectors import team_list

    lead_lias = access.ids_with_role(user, Role.CQI_LEAD)
    return {
        "staff_teams": [
            t for t in team_list(user=user).filter(withdrawn_on__isnull=True) if t.lia_id in lead_lias
        ],
        "upcoming_events": upcoming_event_list(user=user, now=now),
        "announcements": list(
            announcement_list(user=user).filter(created_at__gte=now - dt.timedelta(days=14))[:3]
        ),
    }


def announcement_list(*, user: Any, collaborative: Any = None) -> QuerySet[Announcement]:
    qs = Announcement.objects.visible_to(user).select_related("collaborative", "created_by")
    return qs.filter(collaborative=collaborative) if collaborative is not None else qs


def engagement_counts(*, collaborative: Any, month: dt.date) -> dict[int, tuple[int, int]]:
    """Per team of the collaborative: (events of `month` it attended, events of `month` it was invited
    to), counting only events whose attendance was taken. A month is the event's local calendar month.
    Teams with no such event are left out. Trusted (the measures bridge)."""
    from collaboratives.models import EventAttendance

    events = (
        Event.objects.unscoped(reason="the engagement measure counts every event of the collaborative")
        .filter(
            collaborative=collaborative,
            attendance_taken_at__isnull=False,
            starts_at__gte=dt.datetime.combine(month, dt.time.min, tzinfo=dt.UTC) - dt.timedelta(days=1),
            starts_at__lt=dt.datetime.combine(month + dt.timedelta(days=32), dt.time.min, tzinfo=dt.UTC),
        )
        .order_by()
    )
    in_month = [e for e in events if local_start(e).date().replace(day=1) == month]
    attended = set(
        EventAttendance.objects.unscoped(reason="as above")
        .filter(event__in=in_month)
        .values_list("event_id", "team_id")
    )
    counts: dict[int, tuple[int, int]] = {}
    for event in in_month:
        for team_id in event_invited_teams(event).values_list("id", flat=True):
            went, held = counts.get(team_id, (0, 0))
            counts[team_id] = (went + ((event.id, team_id) in attended), held + 1)
    return counts


def resource_list(
    *,
    user: Any,
    collaborative: Any,
    query: str = "",
    driver: Driver | None = None,
    change_idea: ChangeIdea | None = None,
) -> QuerySet[Resource]:
    """The collaborative's library, searched in title and description (every word must match), and
    narrowed to a driver (tagged with it, a secondary driver under it, or one of their change ideas)
    or to a change idea."""
    qs = Resource.objects.visible_to(user).filter(collaborative=collaborative).defer("content")
    for word in query.split():
        qs = qs.filter(Q(title__icontains=word) | Q(description__icontains=word))
    if driver is not None:
        qs = qs.filter(
            Q(drivers=driver)
            | Q(drivers__parent=driver)
            | Q(change_ideas__driver=driver)
            | Q(change_ideas__driver__parent=driver)
        )
    if change_idea is not None:
        qs = qs.filter(change_ideas=change_idea)
    return qs.distinct().prefetch_related("drivers", "change_ideas")


def change_idea_resource_counts(*, user: Any, collaborative: Any) -> dict[int, int]:
    """How many library resources each change idea of the collaborative is tagged in."""
    from django.db.models import Count

    rows = (
        ChangeIdea.objects.visible_to(user)
        .filter(collaborative=collaborative)
        .annotate(n=Count("resources"))
        .filter(n__gt=0)
        .values_list("id", "n")
    )
    return dict(rows)
