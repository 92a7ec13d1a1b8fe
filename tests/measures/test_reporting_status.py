"""The reporting status page: teams × months of who submitted, on time or late; how many teams reported
each month; the month now due with each team's CQI lead contacts; rows only for teams the viewer sees."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from collaboratives.models import Role
from measures.selectors import reporting_status
from tests.factories import LIAFactory, MembershipFactory, MonthlyReportFactory, TeamFactory, UserFactory

TODAY = dt.date(2025, 5, 10)  # April 2025 is the month now due (by May 15); January to March are past due
JAN, FEB, MAR, APR = (dt.date(2025, m, 1) for m in range(1, 5))


def _at(*args: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime(*args))


def _submitted(team, month, at, by=None):
    return MonthlyReportFactory(team=team, month=month, status="submitted", submitted_at=at, submitted_by=by)


@pytest.fixture
def reports(world):
    """A1: on time, late, draft, nothing yet. B1: on time, missing, on time, on time. C1 joins in March: missing, draft."""
    _submitted(world.team_a1, JAN, _at(2025, 2, 10, 9))
    _submitted(world.team_a1, FEB, _at(2025, 3, 20, 9))
    MonthlyReportFactory(team=world.team_a1, month=MAR)
    _submitted(world.team_b1, JAN, _at(2025, 2, 15, 22))
    _submitted(world.team_b1, MAR, _at(2025, 4, 1, 9))
    _submitted(world.team_b1, APR, _at(2025, 5, 2, 9))
    world.team_c1.joined_on = dt.date(2025, 3, 5)
    world.team_c1.save()
    MonthlyReportFactory(team=world.team_c1, month=APR)
    beth = UserFactory(username="beth@example.org", first_name="Beth", last_name="Byrne")
    MembershipFactory(user=beth, role=Role.CQI_LEAD, lia=world.lia_b)
    return world


def _pin_today(monkeypatch, day: dt.date) -> dt.date:
    """Pin the view's "today"; timezone.localdate(value) of a timestamp still converts as usual."""
    real = timezone.localdate
    monkeypatch.setattr(
        "django.utils.timezone.localdate",
        lambda value=None, tz=None: day if value is None else real(value, tz),
    )
    return day


@pytest.fixture
def today(monkeypatch):
    return _pin_today(monkeypatch, TODAY)


def _url(collaborative):
    return f"/collaboratives/{collaborative.public_id}/reporting/"


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def _grid_rows(html: str) -> list[str]:
    table = html.split("data-reporting-grid", 1)[1].split("</table>", 1)[0]
    body = table.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [_text(row) for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


def _due_rows(html: str) -> list[str]:
    table = html.split("data-due-table", 1)[1].split("</table>", 1)[0]
    body = table.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [_text(row) for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


def test_each_cell_says_on_time_late_draft_missing_not_due_or_not_enrolled(reports):
    status = reporting_status(user=reports.frank, collaborative=reports.one, today=TODAY)
    assert status.months == [JAN, FEB, MAR, APR]
    assert [(row.team.code, [c.status for c in row.cells]) for row in status.rows] == [
        ("A1", ["on_time", "late", "draft", "not_due"]),
        ("B1", ["on_time", "missing", "on_time", "on_time"]),
        ("C1", ["not_enrolled", "not_enrolled", "missing", "draft"]),
    ]


def test_each_month_counts_submitted_reports_over_teams_enrolled_and_averages_the_months_past_due(reports):
    status = reporting_status(user=reports.frank, collaborative=reports.one, today=TODAY)
    assert [(m, r.reported, r.active, r.percent) for m, r in status.rates] == [
        (JAN, 2, 2, 100),
        (FEB, 1, 2, 50),
        (MAR, 1, 3, 33),
        (APR, 1, 3, 33),
    ]
    # April is not yet due, so the average is over January to March: 4 reports of 7 team-months.
    assert (status.average.reported, status.average.active, status.average.percent) == (4 / 3, 7 / 3, 57)
    assert status.average_months == 3


def test_the_page_shows_the_grid_the_monthly_figures_and_the_average(reports, client, today):
    client.force_login(reports.frank)
    response = client.get(_url(reports.one))
    assert response.status_code == 200
    html = response.content.decode()
    assert _grid_rows(html) == [
        "Agency A (A1) ✓ On time ✓ Late ✎ Draft Not due",
        "Agency B (B1) ✓ On time ✗ Missing ✓ On time ✓ On time",
        "Agency C (C1) – Not enrolled – Not enrolled ✗ Missing ✎ Draft",
    ]
    assert re.findall(r"<td[^>]*data-rate>(.*?)</td>", html) == [
        "2 of 2 teams reported (100%)",
        "1 of 2 teams reported (50%)",
        "1 of 3 teams reported (33%)",
        "1 of 3 teams reported (33%)",
    ]
    assert (
        "On average 1.3 of 2.3 teams reported each month (57%), over the 3 months whose due date has passed."
        in _text(html)
    )


def test_the_grid_has_a_caption_column_headers_and_a_sticky_first_column(reports, client, today):
    client.force_login(reports.frank)
    html = client.get(_url(reports.one)).content.decode()
    assert "<caption>Each team's report for each month, and how many teams reported</caption>" in html
    assert re.findall(r'<th scope="col" class="text-center">(.*?)</th>', html) == [
        "Jan 2025",
        "Feb 2025",
        "Mar 2025",
        "Apr 2025",
    ]
    assert html.count('<th scope="row" class="position-sticky start-0 bg-body z-1 text-wrap">') == 4
    assert '<div class="table-responsive" tabindex="0" role="region" aria-labelledby="grid-heading">' in html


def test_the_month_now_due_lists_each_team_with_its_cqi_leads_names_and_emails(reports, client, today):
    client.force_login(reports.frank)
    html = client.get(_url(reports.one)).content.decode()
    assert "Due this month: April 2025 data, due May 15, 2025" in _text(html)
    assert _due_rows(html) == [
        f"Agency A (A1) Not due {reports.alice.get_full_name()} &lt; alice@example.org &gt; April data of Agency A",
        "Agency B (B1) ✓ On time Beth Byrne &lt; beth@example.org &gt; April data of Agency B",
        "Agency C (C1) ✎ Draft No CQI lead on the roster April data of Agency C",
    ]
    assert 'href="mailto:alice@example.org"' in html
    assert "bob@example.org" not in html  # team members are not the contact; the CQI lead is


def test_a_team_still_unsubmitted_after_the_due_date_is_marked_overdue(reports, client, monkeypatch):
    _pin_today(monkeypatch, dt.date(2025, 5, 16))
    client.force_login(reports.frank)
    html = client.get(_url(reports.one)).content.decode()
    table = html.split("data-due-table", 1)[1].split("</table>", 1)[0]
    statuses = [_text(row) for row in re.findall(r"</th>\s*<td>(.*?)</td>", table, re.S)]
    assert statuses == ["✗ Missing (overdue)", "✓ On time", "✎ Draft (overdue)"]


@pytest.mark.parametrize(
    ("person", "teams"),
    [
        ("frank", ["A1", "B1", "C1"]),  # the collaborative's admin: every team
        ("root", ["A1", "B1", "C1"]),
        ("erin", ["A1", "B1"]),  # North's awardee lead: North's LIAs A and B
        ("alice", ["A1"]),  # LIA A's CQI lead
        ("bob", ["A1"]),
        ("charlie", ["C1"]),  # a peer LIA's member sees only their own team's row
        ("diana", ["B1"]),  # the advisor of B1
    ],
)
def test_everyone_who_sees_the_collaborative_gets_rows_only_for_teams_they_see(reports, person, teams):
    status = reporting_status(user=getattr(reports, person), collaborative=reports.one, today=TODAY)
    assert [row.team.code for row in status.rows] == teams
    assert [item.team.code for item in status.due] == teams


def test_a_peer_member_sees_only_their_own_team_on_the_page_and_its_figures(reports, client, today):
    client.force_login(reports.charlie)
    html = client.get(_url(reports.one)).content.decode()
    assert [row.split(" ")[1] for row in _grid_rows(html)] == ["C"]
    assert "Agency A" not in html and "Agency B" not in html and "alice@example.org" not in html
    assert re.findall(r"<td[^>]*data-rate>(.*?)</td>", html) == [
        "0 of 0 teams reported",
        "0 of 0 teams reported",
        "0 of 1 teams reported (0%)",
        "0 of 1 teams reported (0%)",
    ]


@pytest.mark.parametrize("person", ["olga", "charlie"])
def test_a_collaborative_the_user_cannot_see_is_not_found(world, client, person):
    client.force_login(getattr(world, person))
    assert client.get(_url(world.two)).status_code == 404  # charlie's LIA is not in TWO; olga is in nothing


def test_an_unknown_collaborative_is_not_found_and_anonymous_users_are_sent_to_sign_in(world, client):
    assert client.get(_url(world.one)).status_code == 302
    client.force_login(world.frank)
    assert client.get("/collaboratives/00000000-0000-0000-0000-000000000000/reporting/").status_code == 404


def test_before_the_first_month_is_due_the_page_says_so(world, client, monkeypatch):
    _pin_today(monkeypatch, dt.date(2025, 1, 20))
    client.force_login(world.frank)
    html = _text(client.get(_url(world.one)).content.decode())
    assert "No month is due yet: the first, January 2025, is due the month after it ends." in html
    assert "Due this month" not in html


def test_the_collaborative_and_home_pages_link_to_the_reporting_status(world, client):
    client.force_login(world.alice)
    link = f'href="{_url(world.one)}"'
    assert link in client.get(f"/collaboratives/{world.one.public_id}/").content.decode()
    assert link in client.get("/").content.decode()


def test_the_number_of_queries_does_not_grow_with_the_number_of_teams(
    reports, client, today, django_assert_max_num_queries
):
    client.force_login(reports.frank)
    with CaptureQueriesContext(connection) as few:
        assert client.get(_url(reports.one)).status_code == 200
    for i in range(10):
        lia = LIAFactory(awardee=reports.north, name=f"Agency extra {i}")
        team = TeamFactory(collaborative=reports.one, lia=lia, code=f"X{i}")
        MembershipFactory(user=UserFactory(), role=Role.CQI_LEAD, lia=lia)
        _submitted(team, JAN, _at(2025, 2, 1, 9))
        MonthlyReportFactory(team=team, month=APR)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(_url(reports.one))
    assert len(_grid_rows(response.content.decode())) == 13
