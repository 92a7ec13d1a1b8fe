"""One rule for "enrolled and due" (collaboratives/enrolment.py), as the pages and reminders show it: a
team that joined after the month now due neither sees that month as overdue nor gets a link to it, and
"Enter monthly data" opens the month now due, not an old gap."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from measures.models import ReportReminder
from measures.services import report_reminders_send

TODAY = dt.date(2025, 8, 20)  # July 2025 is the month now due (by August 15): overdue today
JULY = dt.date(2025, 7, 1)


@pytest.fixture
def today(monkeypatch):
    real = timezone.localdate
    monkeypatch.setattr(
        "django.utils.timezone.localdate",
        lambda value=None, tz=None: TODAY if value is None else real(value, tz),
    )
    return TODAY


@pytest.fixture
def late_joiners(world):
    """A1 reports since January; A2 (alice's other team) and C1 joined in August, after July."""
    for team in (world.team_a2, world.team_c1):
        team.joined_on = dt.date(2025, 8, 4)
        team.save()
    return world


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def _table_rows(html: str, marker: str) -> list[str]:
    table = html.split(marker, 1)[1].split("</table>", 1)[0]
    body = table.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [_text(row) for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


def test_home_lists_the_month_due_only_for_teams_enrolled_in_it(client, late_joiners, today):
    w = late_joiners
    client.force_login(w.alice)
    html = client.get("/").content.decode()
    assert "Due this month: July 2025 data" in html
    assert _table_rows(html, 'id="due-heading"') == [
        "Agency A ONE Aug 15 Overdue (not started) Enter July data for Agency A (ONE)"
    ]
    assert f"/teams/{w.team_a2.public_id}/data/2025-07/" not in html
    assert client.get(f"/teams/{w.team_a1.public_id}/data/2025-07/").status_code == 200
    assert client.get(f"/teams/{w.team_a2.public_id}/data/2025-07/").status_code == 404


def test_enter_monthly_data_opens_the_month_due_even_with_an_old_gap(client, late_joiners, today):
    w = late_joiners
    client.force_login(w.alice)
    detail = client.get(f"/teams/{w.team_a1.public_id}/").content.decode()
    assert f'href="/teams/{w.team_a1.public_id}/data/">Enter monthly data</a>' in detail
    page = client.get(f"/teams/{w.team_a1.public_id}/data/", follow=True)
    assert page.redirect_chain == [(f"/teams/{w.team_a1.public_id}/data/2025-07/", 302)]
    assert "<h1" in page.content.decode() and "July 2025" in _text(page.content.decode())


def test_a_team_that_joined_after_the_month_due_opens_its_first_month(client, late_joiners, today):
    w = late_joiners
    client.force_login(w.alice)
    page = client.get(f"/teams/{w.team_a2.public_id}/data/", follow=True)
    assert page.redirect_chain == [(f"/teams/{w.team_a2.public_id}/data/2025-08/", 302)]
    assert page.status_code == 200


def test_the_reporting_grid_lists_only_enrolled_teams_as_due(client, late_joiners, today):
    w = late_joiners
    client.force_login(w.frank)
    html = client.get(f"/collaboratives/{w.one.public_id}/reporting/").content.decode()
    due = _table_rows(html, "data-due-table")
    assert [row.split(" (")[0] for row in due] == ["Agency A", "Agency B"]
    assert f"/teams/{w.team_c1.public_id}/data/2025-07/" not in html
    grid = _table_rows(html, "data-reporting-grid")
    assert grid[-1].startswith("Agency C (C1)") and grid[-1].endswith("Not enrolled")


def test_reminders_go_only_to_teams_that_owe_the_month(late_joiners, mailoutbox):
    report_reminders_send(today=TODAY)
    reminders = ReportReminder.objects.values_list("team__code", "month", "kind")
    assert sorted(reminders) == [("A1", JULY, "overdue")]
    assert [m.to for m in mailoutbox] == [["alice@example.org"]]
