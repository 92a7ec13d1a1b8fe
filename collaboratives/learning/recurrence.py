"""Recurring series: the occurrences of "second Tuesday monthly" and its kin, by dateutil.rrule.

Occurrences are computed in the event's own time zone on naive wall-clock times, then given the zone,
so a 3 pm call stays at 3 pm local time across daylight-saving changes.
"""

import datetime as dt
from zoneinfo import ZoneInfo

from dateutil import rrule

ORDINALS = {1: "first", 2: "second", 3: "third", 4: "fourth", -1: "last"}
SERIES_MAX = 60  # occurrences one series may create: five years of monthly calls


class Repeat:
    NONE = ""
    WEEKLY = "weekly"
    MONTHLY_WEEKDAY = "monthly_weekday"
    MONTHLY_DATE = "monthly_date"

    CHOICES = [
        (NONE, "Does not repeat"),
        (WEEKLY, "Every week, on the same day"),
        (MONTHLY_WEEKDAY, "Every month, on the same weekday (e.g. the second Tuesday)"),
        (MONTHLY_DATE, "Every month, on the same date"),
    ]


def weekday_ordinal(day: dt.date) -> int:
    """Which of the month's weekdays `day` is: 1 to 4, or -1 for a fifth (the month's last)."""
    nth = (day.day - 1) // 7 + 1
    return -1 if nth == 5 else nth


def describe(repeat: str, first: dt.date) -> str:
    """Plain words for a series, e.g. "monthly on the second Tuesday"."""
    if repeat == Repeat.WEEKLY:
        return f"weekly on {first:%A}s"
    if repeat == Repeat.MONTHLY_WEEKDAY:
        return f"monthly on the {ORDINALS[weekday_ordinal(first)]} {first:%A}"
    if repeat == Repeat.MONTHLY_DATE:
        return f"monthly on day {first.day}"
    return ""


def rule(
    *, repeat: str, start: dt.datetime, count: int | None = None, until: dt.date | None = None
) -> rrule.rrule:
    """The rule for a series starting at the naive local `start`, limited by `count` or `until`."""
    limit: dict[str, object] = (
        {"count": count} if count else {"until": dt.datetime.combine(until, dt.time.max)} if until else {}
    )
    if repeat == Repeat.WEEKLY:
        return rrule.rrule(rrule.WEEKLY, dtstart=start, **limit)
    if repeat == Repeat.MONTHLY_WEEKDAY:
        day = rrule.weekday(start.weekday(), weekday_ordinal(start.date()))
        return rrule.rrule(rrule.MONTHLY, dtstart=start, byweekday=day, **limit)
    if repeat == Repeat.MONTHLY_DATE:
        return rrule.rrule(rrule.MONTHLY, dtstart=start, bymonthday=start.day, **limit)
    raise ValueError(f"Unknown repeat {repeat!r}")


def rrule_text(r: rrule.rrule) -> str:
    """The RRULE line of a rule, e.g. "FREQ=MONTHLY;COUNT=6;BYDAY=+2TU"."""
    return next(line for line in str(r).splitlines() if line.startswith("RRULE:")).removeprefix("RRULE:")


def occurrences(r: rrule.rrule, *, zone: ZoneInfo, limit: int = SERIES_MAX + 1) -> list[dt.datetime]:
    """The aware start times of the rule's first `limit` occurrences."""
    found = []
    for start in r:
        found.append(start.replace(tzinfo=zone))
        if len(found) >= limit:
            break
    return found


def describe_rrule(text: str, first: dt.date) -> str:
    """Plain words for a stored RRULE of a series whose first event is on `first`."""
    parts = dict(p.split("=", 1) for p in text.split(";") if "=" in p)
    repeat = (
        Repeat.WEEKLY
        if parts.get("FREQ") == "WEEKLY"
        else Repeat.MONTHLY_WEEKDAY
        if "BYDAY" in parts
        else Repeat.MONTHLY_DATE
    )
    if "COUNT" in parts:
        return f"{describe(repeat, first)}, {parts['COUNT']} times"
    until = dt.date.fromisoformat(parts["UNTIL"][:8])  # RFC 5545's basic form, YYYYMMDD
    return f"{describe(repeat, first)}, until {until:%B} {until.day}, {until.year}"
