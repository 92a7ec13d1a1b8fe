"""Which months a team reports, and which month it owes now: the one rule for "enrolled and due".

Home's "due this month" list, the data-entry pages, the reporting grid and the reminder emails all
ask these functions, so a team never sees a month as due that it cannot open (docs/architecture.md,
"Months and the reporting calendar").

- A team is enrolled in a month from the month it joined (or the collaborative's first month, if
  later) to the month it withdrew (or the collaborative's last month, if earlier), both included.
- The month now due is the month before today's. A team owes it when it was enrolled in that month
  and has not withdrawn by today.
"""

import datetime as dt

from collaboratives import months
from collaboratives.models import Team


def first_month(team: Team) -> dt.date:
    """The first month the team reports: the month it joined, or the collaborative's first month if later."""
    return months.first_of(max(team.collaborative.start_date, team.joined_on))


def last_month(team: Team) -> dt.date:
    """The last month the team reports: the collaborative's last month, or the month it withdrew if earlier."""
    ends = [team.collaborative.end_date]
    if team.withdrawn_on is not None:
        ends.append(team.withdrawn_on)
    return months.first_of(min(ends))


def enrolled_in(team: Team, month: dt.date) -> bool:
    """Whether the team reports `month`."""
    return first_month(team) <= month <= last_month(team)


def enrolled_throughout(team: Team, first: dt.date, last: dt.date) -> bool:
    """Whether the team was enrolled for every day of the months `first` to `last`: it joined by the end
    of `first` and had not withdrawn before the end of `last` (the aggregate cohort, docs/runchart.md)."""
    return team.joined_on < months.add(first, 1) and (
        team.withdrawn_on is None or team.withdrawn_on >= months.add(last, 1)
    )


def entry_months(team: Team, today: dt.date) -> list[dt.date]:
    """The months the team can open for data entry, oldest first: its enrolled months up to the current
    month (data is entered as the month goes). Before the team's first month, that month still opens,
    to look ahead."""
    first = first_month(team)
    last = max(min(last_month(team), months.first_of(today)), first)
    return months.span(first, last)


def due_month(team: Team, today: dt.date) -> dt.date | None:
    """The month the team owes now, or None: the month now due when the team was enrolled in it and
    has not withdrawn by `today`."""
    month = months.now_due(today)
    if team.withdrawn_on is not None and team.withdrawn_on <= today:
        return None
    return month if enrolled_in(team, month) else None


def start_month(team: Team, today: dt.date) -> dt.date:
    """The month "Enter monthly data" opens: the month now due, or the entry month nearest to it when
    the team does not owe it (it joined later, or the collaborative has ended)."""
    open_months = entry_months(team, today)
    return min(max(months.now_due(today), open_months[0]), open_months[-1])
