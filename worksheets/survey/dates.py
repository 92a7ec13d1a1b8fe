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
