"""The days a survey month may be open (no Django)."""

import datetime as dt

from collaboratives import months


def month_last_day(month: dt.date) -> dt.date:
    """The last day of the month `month` (any day of it) falls in."""
    return months.add(months.first_of(month), 1) - dt.timedelta(days=1)


def latest_close_day(month: dt.date) -> dt.date:
    """A month's window may stay open to the end of the following month, and no later.

    The collaborative's breakdowns of a month appear only after this day, once no team can add a window
    to that month any more, so two views of the same month can never be subtracted (docs/survey.md).
    """
    return month_last_day(months.add(month, 1))


def scheduled_days(month: dt.date, day: int, days_open: int) -> tuple[dt.date, dt.date]:
    """The days a schedule (`day` 1–28, `days_open` 1–28) keeps the survey of `month` open.

    It may run into the next month, never past `latest_close_day`. With both at most 28, one month's
    days end before the next month's begin, so at most one month is due on any day.
    """
    first = months.first_of(month)
    opens_on = first.replace(day=day)
    closes_on = min(opens_on + dt.timedelta(days=days_open - 1), latest_close_day(first))
    return opens_on, closes_on


def scheduled_month_due(today: dt.date, day: int, days_open: int) -> dt.date | None:
    """The month whose scheduled days include `today` (this month's or, running over, last month's)."""
    this_month = months.first_of(today)
    for month in (this_month, months.add(this_month, -1)):
        opens_on, closes_on = scheduled_days(month, day, days_open)
        if opens_on <= today <= closes_on:
            return month
    return None


def scheduled_next_opening(today: dt.date, day: int) -> dt.date:
    """The next day, from `today` on, that a schedule opening on `day` opens a month."""
    this_month = months.first_of(today)
    opens_on = this_month.replace(day=day)
    return opens_on if opens_on >= today else months.add(this_month, 1).replace(day=day)
