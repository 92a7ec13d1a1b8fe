"""Reminders: "due soon" and "overdue" emails about the month now due, each sent once per team, month
and kind however often the task runs; and the team's advisors told once when a month is submitted."""

import datetime as dt

import pytest
from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import timezone

from coiin.celery import app
from collaboratives.models import Role
from measures import tasks
from measures.models import Measure, MonthlyReport, ReportReminder
from measures.services import (
    ObservationInput,
    monthly_report_reopen,
    monthly_report_submit,
    observations_record,
    report_reminders_send,
)
from tests.factories import MeasureFactory, MembershipFactory, MonthlyReportFactory

MARCH = dt.date(2025, 3, 1)  # due April 15, 2025 in both collaboratives (due day 15)
DUE_SOON = dt.date(2025, 4, 12)  # three days before
OVERDUE = dt.date(2025, 4, 16)


def _link(team, month=MARCH):
    return f"{settings.SITE_URL.rstrip('/')}/teams/{team.public_id}/data/{month:%Y-%m}/"


def _sent(mailoutbox):
    return sorted((m.subject, tuple(m.to), tuple(m.cc)) for m in mailoutbox)


@pytest.fixture
def pin_today(monkeypatch):
    """Pin the task's local date; timezone.localdate(value) of a timestamp still converts as usual."""
    real = timezone.localdate

    def pin(day):
        monkeypatch.setattr(
            "django.utils.timezone.localdate",
            lambda value=None, tz=None: day if value is None else real(value, tz),
        )

    return pin


def test_due_soon_goes_to_the_lias_leads_and_members_three_days_before(world, mailoutbox):
    sent = report_reminders_send(today=DUE_SOON)
    assert len(sent) == 3
    # B1's LIA has nobody on its roster, so nobody to remind; ivan is inactive.
    assert _sent(mailoutbox) == [
        (
            "Reminder: Agency A's March 2025 data is due April 15",
            ("alice@example.org", "bob@example.org"),
            (),
        ),
        (
            "Reminder: Agency A's March 2025 data is due April 15",
            ("alice@example.org", "bob@example.org"),
            (),
        ),
        ("Reminder: Agency C's March 2025 data is due April 15", ("charlie@example.org",), ()),
    ]
    assert set(
        ReportReminder.objects.filter(sent_at__isnull=False).values_list("team__code", "month", "kind")
    ) == {("A1", MARCH, "due_soon"), ("A2", MARCH, "due_soon"), ("C1", MARCH, "due_soon")}


def test_the_email_names_the_team_the_month_the_due_date_and_links_to_the_entry_page(world, mailoutbox):
    report_reminders_send(today=DUE_SOON)
    body = next(m.body for m in mailoutbox if "Agency C" in m.subject)
    assert (
        "Agency C's March 2025 data for Collaborative One is due on Tuesday, April 15, 2025, in 3 days"
        in body
    )
    assert _link(world.team_c1) in body


def test_nothing_is_sent_more_than_three_days_before_the_due_date(world, mailoutbox):
    assert report_reminders_send(today=dt.date(2025, 4, 11)) == []
    assert mailoutbox == []
    assert not ReportReminder.objects.exists()


def test_the_task_run_twice_sends_each_reminder_once(world, mailoutbox, pin_today):
    pin_today(DUE_SOON)
    tasks.report_reminders_send.delay()
    tasks.report_reminders_send.delay()
    assert len(mailoutbox) == 3
    assert ReportReminder.objects.count() == 3
    pin_today(OVERDUE)
    tasks.report_reminders_send.delay()
    tasks.report_reminders_send.delay()
    assert len(mailoutbox) == 5  # C1 has no CQI lead to send "overdue" to
    assert ReportReminder.objects.filter(kind="overdue", sent_at__isnull=False).count() == 2


def test_a_reminder_another_run_already_claimed_is_not_sent_again(world, mailoutbox):
    for team in (world.team_a1, world.team_a2, world.team_c1):
        ReportReminder.objects.create(team=team, month=MARCH, kind="due_soon", sent_at=timezone.now())
    assert report_reminders_send(today=DUE_SOON) == []
    assert mailoutbox == []


def test_nothing_is_sent_for_a_submitted_month(world, mailoutbox):
    MonthlyReportFactory(team=world.team_a1, month=MARCH, status="submitted", submitted_at=timezone.now())
    MonthlyReportFactory(team=world.team_c1, month=MARCH)  # a draft still gets its reminder
    report_reminders_send(today=DUE_SOON)
    report_reminders_send(today=OVERDUE)
    # C1 has no CQI lead to send "overdue" to; A2 is the same LIA's team in the other collaborative.
    assert set(ReportReminder.objects.values_list("team__code", "kind")) == {
        ("A2", "due_soon"),
        ("C1", "due_soon"),
        ("A2", "overdue"),
    }
    assert not any(_link(world.team_a1) in m.body for m in mailoutbox)
    assert not ReportReminder.objects.filter(team=world.team_a1).exists()


def test_overdue_goes_to_the_leads_with_the_teams_advisors_copied(world, mailoutbox):
    MembershipFactory(user=world.diana, role=Role.ADVISOR, team=world.team_a1)
    report_reminders_send(today=OVERDUE)
    mail = next(
        m for m in mailoutbox if m.subject.startswith("Overdue: Agency A") and _link(world.team_a1) in m.body
    )
    assert (mail.subject, mail.to, mail.cc) == (
        "Overdue: Agency A's March 2025 data was due April 15",
        ["alice@example.org"],
        ["diana@example.org"],
    )
    assert "who is copied on this email" in mail.body
    assert ReportReminder.objects.get(team=world.team_a1, kind="overdue").recipients == [
        "alice@example.org",
        "diana@example.org",
    ]


def test_overdue_is_not_sent_to_a_team_with_no_cqi_lead(world, mailoutbox):
    report_reminders_send(today=OVERDUE)
    assert [m.subject for m in mailoutbox if "Agency C" in m.subject] == []  # charlie is a member, not a lead


def test_a_withdrawn_team_and_a_finished_collaborative_get_no_reminder(world, mailoutbox):
    world.team_c1.withdrawn_on = dt.date(2025, 3, 20)
    world.team_c1.save()
    world.two.start_date, world.two.end_date = dt.date(2024, 1, 1), dt.date(2025, 2, 28)
    world.two.save()
    report_reminders_send(today=DUE_SOON)
    assert _sent(mailoutbox) == [
        ("Reminder: Agency A's March 2025 data is due April 15", ("alice@example.org", "bob@example.org"), ())
    ]


def test_a_failed_send_releases_the_claim_so_the_next_run_sends_it(world, mailoutbox, monkeypatch):
    def smtp_down(self, fail_silently=False):
        raise OSError("SMTP server unreachable")

    monkeypatch.setattr(EmailMessage, "send", smtp_down)
    assert report_reminders_send(today=DUE_SOON) == []
    assert ReportReminder.objects.filter(sent_at__isnull=False).count() == 0
    monkeypatch.undo()
    assert len(report_reminders_send(today=DUE_SOON)) == 3
    assert len(mailoutbox) == 3


@pytest.fixture
def measure(world):
    return MeasureFactory(collaborative=world.one, code="prop", kind=Measure.Kind.PROPORTION)


def _submit(world, measure, month=MARCH):
    observations_record(
        actor=world.alice, team=world.team_a1, month=month, cells=[ObservationInput(measure, 7, 10)]
    )
    return monthly_report_submit(actor=world.alice, team=world.team_a1, month=month)


def test_the_teams_advisor_is_told_once_when_the_month_is_submitted(
    world, measure, mailoutbox, django_capture_on_commit_callbacks
):
    MembershipFactory(user=world.diana, role=Role.ADVISOR, team=world.team_a1)
    with django_capture_on_commit_callbacks(execute=True):
        _submit(world, measure)
    assert [(m.subject, m.to, m.cc) for m in mailoutbox] == [
        ("Agency A submitted its March 2025 data", ["diana@example.org"], [])
    ]
    body = mailoutbox[0].body
    assert "Agency A (team A1) submitted its March 2025 data for Collaborative One" in body
    assert "It was due on Tuesday, April 15, 2025 and arrived late." in body
    assert _link(world.team_a1) in body
    with django_capture_on_commit_callbacks(execute=True):
        monthly_report_reopen(actor=world.alice, team=world.team_a1, month=MARCH, reason="A typo")
        monthly_report_submit(actor=world.alice, team=world.team_a1, month=MARCH)
    assert len(mailoutbox) == 1
    reminder = ReportReminder.objects.get(team=world.team_a1, month=MARCH, kind="submitted")
    assert reminder.sent_at is not None and reminder.recipients == ["diana@example.org"]


def test_nothing_is_sent_before_the_submission_commits(
    world, measure, mailoutbox, django_capture_on_commit_callbacks
):
    MembershipFactory(user=world.diana, role=Role.ADVISOR, team=world.team_a1)
    with django_capture_on_commit_callbacks() as callbacks:
        _submit(world, measure)
    assert mailoutbox == []
    assert len(callbacks) >= 1
    assert ReportReminder.objects.get(team=world.team_a1, kind="submitted").sent_at is None


def test_a_team_with_no_advisor_submits_without_any_notice(
    world, measure, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _submit(world, measure)
    assert MonthlyReport.objects.get(team=world.team_a1, month=MARCH).status == "submitted"
    assert mailoutbox == []
    assert not ReportReminder.objects.exists()


def test_the_beat_schedule_runs_the_reminders_daily():
    entry = app.conf.beat_schedule["report-reminders"]
    assert entry["task"] == "measures.tasks.report_reminders_send"
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({8}, {0})
