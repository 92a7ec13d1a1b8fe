"""Attendance and the engagement measure it records through the observation service."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from collaboratives.learning.services import event_attendance_record, event_check_in, platform_actor
from collaboratives.models import EventAttendance
from measures.models import Measure, MonthlyReport, Observation, RunChartAnalysis
from measures.selectors import measure_active_list
from measures.services import ObservationInput, monthly_report_submit, observations_record
from tests.collaboratives.learning.conftest import schedule
from tests.factories import MeasureFactory

JANUARY = dt.date(2026, 1, 1)


def _engagement(world) -> dict[str, tuple[int, int]]:
    rows = Observation.objects.filter(measure__code="engagement", month=JANUARY).select_related("team")
    return {o.team.code: (o.numerator, o.denominator) for o in rows}


def test_the_register_records_each_teams_share_of_the_months_events(
    world, django_capture_on_commit_callbacks
):
    first, second = (
        schedule(world, date=dt.date(2026, 1, 13))[0],
        schedule(world, date=dt.date(2026, 1, 27))[0],
    )
    with django_capture_on_commit_callbacks(execute=True):
        event_attendance_record(actor=world.frank, event=first, teams=[world.team_a1, world.team_c1])
    assert _engagement(world) == {"A1": (1, 1), "B1": (0, 1), "C1": (1, 1)}
    with django_capture_on_commit_callbacks(execute=True):
        event_attendance_record(actor=world.frank, event=second, teams=[world.team_a1])
    assert _engagement(world) == {"A1": (2, 2), "B1": (0, 2), "C1": (1, 2)}
    # Pooled over the three teams: 3 of 6 invited places filled, and the collaborative's chart shows it.
    pooled = RunChartAnalysis.objects.get(
        kind="collaborative", measure__code="engagement", collaborative=world.one
    )
    last = pooled.points[-1]
    assert (last["month"], last["numerator"], last["denominator"], last["value"]) == ("2026-01-01", 3, 6, 0.5)
    assert last["n_teams_reporting"] == 3
    measure = Measure.objects.get(code="engagement", collaborative=world.one)
    assert measure.recorded_by_platform and measure.kind == "proportion"
    history = Observation.objects.get(team=world.team_a1, measure=measure).history.first()
    assert history.history_user == platform_actor()
    assert MonthlyReport.objects.count() == 0  # the platform's values start no team's draft month


def test_a_register_is_replaced_not_added_to(world):
    event = schedule(world)[0]
    event_attendance_record(actor=world.frank, event=event, teams=[world.team_a1, world.team_b1])
    event_attendance_record(actor=world.frank, event=event, teams=[world.team_b1])
    assert list(EventAttendance.objects.values_list("team__code", flat=True)) == ["B1"]
    assert _engagement(world) == {"A1": (0, 1), "B1": (1, 1), "C1": (0, 1)}


def test_an_event_counts_only_for_the_teams_it_invited(world):
    north = schedule(world, awardee=world.north)[0]
    event_attendance_record(actor=world.erin, event=north, teams=[world.team_b1])
    assert _engagement(world) == {"A1": (0, 1), "B1": (1, 1)}
    with pytest.raises(ValidationError) as caught:
        event_attendance_record(actor=world.frank, event=north, teams=[world.team_c1])
    assert caught.value.message_dict == {"teams": ["Agency C was not invited to this event."]}


def test_a_cqi_lead_checks_the_team_in_once(world):
    event = schedule(world)[0]
    during = event.starts_at + dt.timedelta(minutes=5)
    event_check_in(actor=world.alice, event=event, team=world.team_a1, now=during)
    event_check_in(actor=world.alice, event=event, team=world.team_a1, now=during)
    assert _engagement(world) == {"A1": (1, 1), "B1": (0, 1), "C1": (0, 1)}
    with pytest.raises(PermissionDenied):
        event_check_in(actor=world.bob, event=event, team=world.team_a1, now=during)
    with pytest.raises(ValidationError) as caught:
        event_check_in(
            actor=world.alice,
            event=event,
            team=world.team_a1,
            now=event.starts_at - dt.timedelta(hours=2),
        )
    assert "opens an hour before" in caught.value.message_dict["team"][0]


def test_a_submitted_month_takes_the_platforms_engagement_but_still_locks_what_the_team_entered(world):
    event = schedule(world)[0]
    MonthlyReport.objects.create(
        team=world.team_b1, month=JANUARY, status="submitted", submitted_by=world.bob
    )
    event_attendance_record(actor=world.frank, event=event, teams=[world.team_b1])
    assert _engagement(world) == {"A1": (0, 1), "B1": (1, 1), "C1": (0, 1)}
    hand_entered = MeasureFactory(collaborative=world.one, code="screened")
    with pytest.raises(ValidationError) as caught:
        observations_record(
            actor=world.root,
            team=world.team_b1,
            month=JANUARY,
            cells=[ObservationInput(measure=hand_entered, numerator=1, denominator=2)],
        )
    assert "was submitted" in caught.value.message_dict["month"][0]


def test_teams_neither_enter_nor_submit_the_engagement_measure(world):
    north = schedule(world, awardee=world.north)[0]
    event_attendance_record(actor=world.frank, event=north, teams=[world.team_a1])
    active = measure_active_list(user=world.alice, collaborative=world.one, month=JANUARY)
    assert not active.filter(code="engagement").exists()
    # C1 was not invited, so it has no engagement value for January; its month submits all the same.
    report = monthly_report_submit(actor=world.root, team=world.team_c1, month=JANUARY)
    assert report.status == "submitted"


def test_the_platform_account_cannot_sign_in(client, world):
    account = platform_actor()
    assert not account.has_usable_password() and account.email == ""
    assert account.memberships.count() == 0
    assert not client.login(username=account.username, password="")


def test_the_event_page_shows_the_register_to_organisers_and_check_in_to_leads(client, world):
    event = schedule(world)[0]
    client.force_login(world.frank)
    response = client.post(
        f"/events/{event.public_id}/attendance/", {"teams": [str(world.team_c1.public_id)]}
    )
    assert response.status_code == 302
    page = client.get(f"/events/{event.public_id}/").content.decode()
    assert "Register: teams that attended" in page and "the engagement chart" in page
    client.force_login(world.alice)
    page = client.get(f"/events/{event.public_id}/").content.decode()
    assert "Check in Agency A" in page and "Register" not in page and "Agency C" not in page
    client.force_login(world.charlie)  # C1's member: sees that C1 attended, may not check in
    page = client.get(f"/events/{event.public_id}/").content.decode()
    assert "Agency C (organiser&#x27;s register)" in page and "Check in" not in page


def test_a_register_naming_a_team_not_invited_is_a_field_error(client, world):
    event = schedule(world, awardee=world.north)[0]
    client.force_login(world.frank)
    response = client.post(
        f"/events/{event.public_id}/attendance/", {"teams": [str(world.team_c1.public_id)]}
    )
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert EventAttendance.objects.count() == 0
