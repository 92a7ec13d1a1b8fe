import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from measures.models import Measure, MonthlyReport, Observation
from measures.services import ObservationInput, monthly_report_submit, observations_record
from tests.factories import MeasureFactory

MONTH = dt.date(2025, 3, 1)


@pytest.fixture
def measures(world):
    return [
        MeasureFactory(collaborative=world.one, code="prop", order=1),
        MeasureFactory(collaborative=world.one, code="count", kind=Measure.Kind.COUNT, order=2),
    ]


def _fill(world, measures, actor=None, month=MONTH):
    prop, count = measures
    observations_record(
        actor=actor or world.alice,
        team=world.team_a1,
        month=month,
        cells=[ObservationInput(prop, 7, 10), ObservationInput(count, None, None, not_applicable=True)],
    )


def test_the_cqi_lead_submits_a_complete_month_and_who_and_when_are_kept(world, measures):
    _fill(world, measures)
    monthly_report_submit(actor=world.alice, team=world.team_a1, month=MONTH)
    report = MonthlyReport.objects.get(team=world.team_a1, month=MONTH)
    assert (report.status, report.submitted_by) == ("submitted", world.alice)
    assert report.submitted_at is not None
    assert report.history.first().history_user == world.alice


def test_a_month_with_a_blank_measure_is_refused_naming_the_measure(world, measures):
    prop, _ = measures
    observations_record(
        actor=world.alice, team=world.team_a1, month=MONTH, cells=[ObservationInput(prop, 7, 10)]
    )
    with pytest.raises(ValidationError) as excinfo:
        monthly_report_submit(actor=world.alice, team=world.team_a1, month=MONTH)
    assert excinfo.value.message_dict == {
        "count.numerator": [
            "Enter a value, or tick not applicable if this measure does not apply this month."
        ]
    }
    assert MonthlyReport.objects.get(team=world.team_a1, month=MONTH).status == "draft"


def test_a_team_member_may_not_submit_unless_the_collaborative_allows_it(world, measures):
    _fill(world, measures, actor=world.bob)
    with pytest.raises(PermissionDenied):
        monthly_report_submit(actor=world.bob, team=world.team_a1, month=MONTH)
    assert MonthlyReport.objects.get(team=world.team_a1, month=MONTH).status == "draft"

    world.one.members_can_submit = True
    world.one.save()
    team = type(world.team_a1).objects.get(id=world.team_a1.id)  # fresh collaborative setting
    monthly_report_submit(actor=world.bob, team=team, month=MONTH)
    assert MonthlyReport.objects.get(team=world.team_a1, month=MONTH).submitted_by == world.bob


def test_a_submitted_month_refuses_changes_until_reopened(world, measures):
    _fill(world, measures)
    monthly_report_submit(actor=world.alice, team=world.team_a1, month=MONTH)
    with pytest.raises(ValidationError) as excinfo:
        observations_record(
            actor=world.alice, team=world.team_a1, month=MONTH, cells=[ObservationInput(measures[0], 9, 10)]
        )
    assert list(excinfo.value.message_dict) == ["month"]
    assert "March 2025 was submitted" in excinfo.value.message_dict["month"][0]
    assert Observation.objects.get(measure=measures[0]).numerator == 7


def test_submitting_twice_is_refused(world, measures):
    _fill(world, measures)
    monthly_report_submit(actor=world.alice, team=world.team_a1, month=MONTH)
    with pytest.raises(ValidationError) as excinfo:
        monthly_report_submit(actor=world.alice, team=world.team_a1, month=MONTH)
    assert excinfo.value.message_dict == {"month": ["March 2025 has already been submitted."]}


def test_the_current_month_cannot_be_submitted_before_it_ends(world):
    this_month = timezone.localdate().replace(day=1)
    with pytest.raises(ValidationError) as excinfo:
        monthly_report_submit(actor=world.alice, team=world.team_a1, month=this_month)
    assert list(excinfo.value.message_dict) == ["month"]
    assert not MonthlyReport.objects.exists()


def test_saving_values_creates_the_months_draft_report(world, measures):
    _fill(world, measures)
    report = MonthlyReport.objects.get()
    assert (report.team, report.month, report.status, report.submitted_at) == (
        world.team_a1,
        MONTH,
        "draft",
        None,
    )
