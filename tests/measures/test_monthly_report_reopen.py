import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from measures.models import MonthlyReport
from measures.services import monthly_report_reopen
from tests.factories import MonthlyReportFactory

MONTH = dt.date(2025, 3, 1)


def _submitted(team, by):
    return MonthlyReportFactory(
        team=team, month=MONTH, status="submitted", submitted_at=timezone.now(), submitted_by=by
    )


def test_the_advisor_reopens_her_teams_month_with_a_reason(world):
    report = _submitted(world.team_b1, by=world.alice)
    monthly_report_reopen(
        actor=world.diana, team=world.team_b1, month=MONTH, reason="  Denominator counts a family twice "
    )
    report.refresh_from_db()
    assert (report.status, report.reopened_by, report.reopen_reason) == (
        "draft",
        world.diana,
        "Denominator counts a family twice",
    )
    assert report.reopened_at is not None
    assert (report.submitted_at, report.submitted_by) == (None, None)
    # The earlier submission is still on record.
    assert report.history.filter(status="submitted").exists()


@pytest.mark.parametrize("who", ["alice", "frank"])
def test_the_cqi_lead_and_the_collaborative_admin_may_reopen(world, who):
    _submitted(world.team_a1, by=world.alice)
    monthly_report_reopen(
        actor=getattr(world, who), team=world.team_a1, month=MONTH, reason="late correction"
    )
    assert MonthlyReport.objects.get().status == "draft"


@pytest.mark.parametrize("who", ["bob", "erin"])
def test_a_team_member_or_awardee_lead_may_not_reopen(world, who):
    _submitted(world.team_a1, by=world.alice)
    with pytest.raises(PermissionDenied):
        monthly_report_reopen(actor=getattr(world, who), team=world.team_a1, month=MONTH, reason="please")
    assert MonthlyReport.objects.get().status == "submitted"


def test_a_reason_is_required(world):
    _submitted(world.team_a1, by=world.alice)
    with pytest.raises(ValidationError) as excinfo:
        monthly_report_reopen(actor=world.alice, team=world.team_a1, month=MONTH, reason="   ")
    assert list(excinfo.value.message_dict) == ["reason"]
    assert MonthlyReport.objects.get().status == "submitted"


def test_a_month_that_is_not_submitted_cannot_be_reopened(world):
    MonthlyReportFactory(team=world.team_a1, month=MONTH)
    with pytest.raises(ValidationError) as excinfo:
        monthly_report_reopen(actor=world.alice, team=world.team_a1, month=MONTH, reason="why not")
    assert excinfo.value.message_dict == {
        "month": ["March 2025 is not submitted, so there is nothing to reopen."]
    }
