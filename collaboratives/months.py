"""Calendar months: the one place that does month arithmetic and reads or writes "YYYY-MM".

A month is a `datetime.date` on the first of that month. Every app imports this module (it imports
nothing of the project), and tests/test_architecture.py fails when another module counts months or
parses "YYYY-MM" itself. The reporting calendar (docs/architecture.md, "Months and the reporting
calendar"): a month's data is due in the following month, on the collaborative's reporting day.
"""

import datetime as dt

FORMAT = "%Y-%m"  # how a month is written in URLs, the API, forms and spreadsheets


def first_of(day: dt.date) -> dt.date:
    """The month `day` falls in."""
    return day.replace(day=1)


def add(month: dt.date, n: int) -> dt.date:
    """The month `n` months after `month` (before it when `n` is negative)."""
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def between(first: dt.date, last: dt.date) -> int:
    """How many months `last` is after `first` (negative when it is before)."""
    return (last.year - first.year) * 12 + last.month - first.month


def span(first: dt.date, last: dt.date) -> list[dt.date]:
    """The months from `first` to `last`, both included, oldest first; [] when `last` is before `first`."""
    start = first_of(first)
    return [add(start, i) for i in range(between(start, last) + 1)]


def last_n(last: dt.date, n: int) -> list[dt.date]:
    """The `n` months ending with the month of `last`, oldest first."""
    end = first_of(last)
    return [add(end, i) for i in range(1 - n, 1)]


def parse(text: str) -> dt.date:
    """The month written as "YYYY-MM". Raises ValueError for anything else, e.g. "2025-13" or "junk"."""
    return dt.datetime.strptime(text, FORMAT).date()


def format(month: dt.date) -> str:  # noqa: A001 - read as months.format
    """The month as "YYYY-MM"."""
    return month.strftime(FORMAT)


def now_due(today: dt.date) -> dt.date:
    """The month whose data is due this calendar month: the month before `today`'s."""
    return add(first_of(today), -1)


def due_date(month: dt.date, due_day: int) -> dt.date:
    """The day `month`'s data is due: `due_day` of the following month."""
    return add(month, 1).replace(day=due_day)
