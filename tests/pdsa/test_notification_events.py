"""In-app notifications for the daily loop's events (issue 21), beside the emails: data due, a PDSA waiting
for review, feedback received, a phase suggested. Each is sent once per key however often its sender runs."""

import datetime as dt

import pytest

from collaboratives.models import Notification, Role
from measures.charts.recompute import runchart_analyse
from measures.coaching import phase_suggestions_notify
from measures.models import Observation, PhaseDecision, RunChartAnalysis
from measures.services import report_reminders_send
from pdsa.services import (
    pdsa_cycle_start,
    pdsa_cycle_submit,
    pdsa_review_complete,
    pdsa_review_notify_advisors,
    pdsa_review_notify_team,
)
from tests.factories import MeasureFactory, MembershipFactory, UserFactory

RUBRIC_ALL_MET = dict.fromkeys(
    ("prediction_stated", "small_scale", "data_planned", "study_compares", "act_explicit"), True
)


def _told(kind):
    return sorted((n.recipient.username, n.text, n.url) for n in Notification.objects.filter(kind=kind))


def test_data_due_tells_the_lias_people_once_and_links_the_month(world):
    report_reminders_send(today=dt.date(2025, 4, 12))
    report_reminders_send(today=dt.date(2025, 4, 12))
    month_url = f"/teams/{world.team_a1.public_id}/data/2025-03/"
    told = [t for t in _told("data_due") if t[2] == month_url]
    assert told == [
        ("alice@example.org", "Agency A's March 2025 data is due April 15.", month_url),
        ("bob@example.org", "Agency A's March 2025 data is due April 15.", month_url),
    ]
    report_reminders_send(today=dt.date(2025, 4, 16))  # overdue: a new event, told once more
    assert ("alice@example.org", "Agency A's March 2025 data is overdue.", month_url) in _told("data_due")


def test_a_submitted_pdsa_tells_the_advisor_and_the_feedback_tells_the_team(
    world, kdd, django_capture_on_commit_callbacks, client
):
    member = UserFactory(username="bo@example.org")
    MembershipFactory(user=member, role=Role.TEAM_MEMBER, lia=world.lia_b)
    cycle = pdsa_cycle_start(
        actor=member, team=world.team_b1, title="Peer mentor pilot", change_idea=kdd.idea_team
    )
    with django_capture_on_commit_callbacks(execute=True):
        review = pdsa_cycle_submit(actor=member, cycle=cycle)
    pdsa_review_notify_advisors(review_id=review.id)
    assert _told("pdsa_review") == [
        (
            "diana@example.org",
            "Agency B sent “Peer mentor pilot” for review.",
            f"/pdsa/{cycle.public_id}/review/",
        )
    ]
    with django_capture_on_commit_callbacks(execute=True):
        pdsa_review_complete(
            actor=world.diana, review=review, comment="Start with one visitor.", **RUBRIC_ALL_MET
        )
    pdsa_review_notify_team(review_id=review.id)
    assert _told("feedback") == [
        (
            "bo@example.org",
            "Your improvement advisor gave feedback on “Peer mentor pilot”.",
            f"/pdsa/{cycle.public_id}/",
        )
    ]
    client.force_login(member)
    page = client.get("/notifications/").content.decode()
    assert "Your improvement advisor gave feedback on “Peer mentor pilot”." in page


@pytest.fixture
def shifted_chart(world):
    """Team B1's chart with a sustained shift: the engine suggests a second phase."""
    measure = MeasureFactory(collaborative=world.one, code="supported", name="Staff feeling supported")
    values = [2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 8, 8, 9, 8, 9, 8, 9, 8, 9, 8]
    for i, value in enumerate(values):
        Observation.objects.create(
            team=world.team_b1,
            measure=measure,
            month=dt.date(2025 + (i // 12), 1 + i % 12, 1),
            numerator=value,
            denominator=10,
        )
    chart = RunChartAnalysis.objects.create(
        kind="team", measure=measure, collaborative=world.one, team=world.team_b1
    )
    runchart_analyse(analysis=chart)
    chart.refresh_from_db()
    assert len(chart.result["phases"]) > 1  # the premise: a phase is suggested
    return chart


def test_a_suggested_phase_tells_the_advisor_once_and_waits_in_the_queue(world, shifted_chart, client):
    assert phase_suggestions_notify() == 1
    assert phase_suggestions_notify() == 0
    [(who, text, url)] = _told("phase_suggested")
    assert (who, url) == ("diana@example.org", f"/charts/{shifted_chart.public_id}/")
    assert "suggested on Agency B's “Staff feeling supported” chart" in text

    client.force_login(world.diana)
    queue = client.get("/coaching/phases/").content.decode()
    assert 'data-suggestion="B1-supported"' in queue
    PhaseDecision.objects.create(
        analysis=shifted_chart,
        collaborative=world.one,
        team=world.team_b1,
        start_month=dt.date(2026, 1, 1),
        decision="confirmed",
        reason="New supervision schedule",
        decided_by=world.diana,
    )
    assert 'data-suggestion="B1-supported"' not in client.get("/coaching/phases/").content.decode()


def test_the_queue_is_only_for_those_who_may_decide(world, shifted_chart, client):
    client.force_login(world.bob)  # LIA A: does not decide B1's phases (and does not see them in the queue)
    assert 'data-suggestion="B1-supported"' not in client.get("/coaching/phases/").content.decode()
    client.force_login(world.frank)  # ONE's admin decides every team's phases
    assert 'data-suggestion="B1-supported"' in client.get("/coaching/phases/").content.decode()
