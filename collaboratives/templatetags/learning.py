import datetime as dt

from django import template
from django.templatetags.tz import do_timezone

from collaboratives.learning.selectors import Day, local_end, local_start
from collaboratives.models import Event

register = template.Library()


@register.filter
def event_start(event: Event) -> dt.datetime:
    """The event's start in its own time zone, marked so that `date` does not convert it to the site's."""
    return do_timezone(local_start(event), event.time_zone)


@register.filter
def event_end(event: Event) -> dt.datetime:
    return do_timezone(local_end(event), event.time_zone)


@register.filter
def split(text: str) -> list[str]:
    return text.split()


@register.filter
def has_events(weeks: list[list[Day]]) -> bool:
    return any(day.in_month and day.events for week in weeks for day in week)
