"""The demo shows the learning calendar with realistic data, recorded through the services."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command

from collaboratives.models import Announcement, Event, EventAttendance, StaffMember, TrainingRequirement
from measures.models import Observation, RunChartAnalysis

pytestmark = pytest.mark.django_db


def test_the_demo_loads_a_calendar_with_attendance_a_library_and_a_training_plan(
    django_capture_on_commit_callbacks,
):
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", "--today", "2026-11-25", "--allow-without-debug", stdout=out)
    assert "Learning calendar: 57 SRR events" in out.getvalue()
    series = Event.objects.get(title="SRR action-period call", series=None)
    assert series.recurrence.startswith("FREQ=MONTHLY") and "BYDAY=+2TU" in series.recurrence
    assert EventAttendance.objects.exists() and Announcement.objects.count() == 1
    assert TrainingRequirement.objects.count() == 6 and StaffMember.objects.count() == 50
    pooled = RunChartAnalysis.objects.get(kind="collaborative", measure__code="engagement")
    values = [p["value"] for p in pooled.points if p["value"] is not None]
    assert len(values) >= 20 and all(0.5 <= v <= 1 for v in values)  # most teams attend most months
    assert (
        Observation.objects.filter(measure__code="training-current", month=dt.date(2026, 11, 1)).count() == 10
    )
    call_command("seed_demo", "--today", "2026-11-25", "--allow-without-debug", stdout=out)
    assert Event.objects.count() == 57  # a second run adds nothing
