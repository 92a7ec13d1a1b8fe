"""send_once: the one claim-then-send helper behind reminders and PDSA review notices."""

import datetime as dt

import pytest
from django.core.mail import EmailMessage

from collaboratives.mail import send_once
from measures.models import ReportReminder

MARCH = dt.date(2025, 3, 1)


def _row(world):
    reminder = ReportReminder.objects.create(
        team=world.team_a1, month=MARCH, kind=ReportReminder.Kind.OVERDUE
    )
    return ReportReminder.objects.unscoped(reason="test").filter(id=reminder.id)


def _message(to=("alice@example.org",)):
    return EmailMessage("March is overdue", "Please submit.", None, list(to), cc=["diana@example.org"])


def test_the_first_call_claims_and_sends_and_a_second_sends_nothing(world, mailoutbox):
    row = _row(world)
    claimed = {"recipients": ["alice@example.org", "diana@example.org"]}
    assert send_once(row=row, field="sent_at", message=_message(), claimed=claimed) is True
    assert send_once(row=row, field="sent_at", message=_message(), claimed=claimed) is False
    assert [m.subject for m in mailoutbox] == ["March is overdue"]
    reminder = row.get()
    assert reminder.sent_at is not None and reminder.recipients == claimed["recipients"]


def test_an_smtp_failure_releases_the_claim_so_the_next_run_sends(world, mailoutbox, monkeypatch, caplog):
    row = _row(world)

    def refuse(self, fail_silently=False):
        raise OSError("SMTP server unreachable")

    monkeypatch.setattr(EmailMessage, "send", refuse)
    assert send_once(row=row, field="sent_at", message=_message(), claimed={"recipients": ["a@b.c"]}) is False
    assert (row.get().sent_at, row.get().recipients) == (None, [])
    assert "March is overdue could not be sent" in caplog.text
    monkeypatch.undo()
    assert send_once(row=row, field="sent_at", message=_message()) is True
    assert len(mailoutbox) == 1


def test_another_error_releases_the_claim_and_is_raised(world, monkeypatch):
    row = _row(world)

    def broken(self, fail_silently=False):
        raise ValueError("header injection")

    monkeypatch.setattr(EmailMessage, "send", broken)
    with pytest.raises(ValueError, match="header injection"):
        send_once(row=row, field="sent_at", message=_message())
    assert row.get().sent_at is None


def test_a_message_without_recipients_claims_nothing(world, mailoutbox):
    row = _row(world)
    assert send_once(row=row, field="sent_at", message=EmailMessage("Nobody", "", None, [])) is False
    assert row.get().sent_at is None and mailoutbox == []
