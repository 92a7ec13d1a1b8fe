import datetime as dt

import pytest
from django.utils import timezone

from measures.selectors import month_status, monthly_report_due_date
from tests.factories import MonthlyReportFactory

MONTH = dt.date(2025, 3, 1)


def _at(*args):
    return timezone.make_aware(dt.datetime(*args))


def test_a_month_is_due_on_the_reporting_day_of_the_next_month(world):
    assert monthly_report_due_date(collaborative=world.one, month=MONTH) == dt.date(2025, 4, 15)
    world.one.reporting_due_day = 5
    assert monthly_report_due_date(collaborative=world.one, month=dt.date(2025, 12, 1)) == dt.date(2026, 1, 5)


@pytest.mark.parametrize(
    ("submitted_at", "late"),
    [(_at(2025, 4, 15, 23, 0), False), (_at(2025, 4, 16, 8, 0), True), (_at(2025, 3, 31, 9, 0), False)],
)
def test_a_submission_is_on_time_up_to_the_end_of_the_due_day(world, submitted_at, late):
    MonthlyReportFactory(
        team=world.team_a1,
        month=MONTH,
        status="submitted",
        submitted_at=submitted_at,
        submitted_by=world.alice,
    )
    status = month_status(user=world.alice, team=world.team_a1, month=MONTH, today=dt.date(2025, 6, 1))
    assert (status.submitted, status.late, status.due_date) == (True, late, dt.date(2025, 4, 15))


@pytest.mark.parametrize(("today", "late"), [(dt.date(2025, 4, 15), False), (dt.date(2025, 4, 16), True)])
def test_an_unsubmitted_month_becomes_late_after_its_due_date(world, today, late):
    MonthlyReportFactory(team=world.team_a1, month=MONTH)
    status = month_status(user=world.alice, team=world.team_a1, month=MONTH, today=today)
    assert (status.submitted, status.late) == (False, late)


def test_another_teams_report_is_not_read_for_someone_who_cannot_see_it(world):
    MonthlyReportFactory(
        team=world.team_a1, month=MONTH, status="submitted", submitted_at=_at(2025, 4, 1, 9, 0)
    )
    assert (
        month_status(user=world.charlie, team=world.team_a1, month=MONTH, today=dt.date(2025, 6, 1)).report
        is None
    )
