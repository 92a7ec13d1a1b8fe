"""The demo as a person meets it: sign in through the login page as each role, see that role's home page;
and the run charts the workers compute from the demo data match the seeds' published figures."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from measures.charts.recompute import recompute_all
from measures.demo import DEMO_LOGINS, load_demo
from measures.models import RunChartAnalysis

pytestmark = pytest.mark.django_db

# What each role's home page must show, from DESIGN.md's role table.
HOME_PAGE_SHOWS = {
    "lead@demo.coiin": [
        "LIA CQI lead",
        "Due this month",
        "Miami Valley Family Connections",
        "Your LIA roster",
    ],
    "member@demo.coiin": ["LIA team member", "Due this month", "Miami Valley Family Connections"],
    "advisor@demo.coiin": ["Improvement advisor", "Due this month"],
    "ohio.lead@demo.coiin": ["Awardee lead", "Your awardee", "Ohio", "Due this month"],
    "faculty@demo.coiin": ["Collaborative admin", "SRR", "IPV"],
    "admin@demo.coiin": ["Site administration"],
}


@pytest.fixture
def demo(settings) -> None:
    settings.MFA_REQUIRED = (
        False  # as `make run` has it: the demo's privileged logins have no authenticator app
    )
    load_demo(today=timezone.localdate())


def test_every_demo_role_signs_in_through_the_login_page_and_sees_its_home_page(demo, client):
    assert {login.email for login in DEMO_LOGINS} == set(HOME_PAGE_SHOWS)
    for login in DEMO_LOGINS:
        response = client.post("/accounts/login/", {"login": login.email, "password": login.password})
        assert response.status_code == 302, login.email
        page = client.get("/").content.decode()
        for text in HOME_PAGE_SHOWS[login.email]:
            assert text in page, f"{login.email}: {text!r} missing from the home page"
        assert client.post("/accounts/logout/").status_code == 302


def test_a_member_does_not_see_the_roster_link_and_an_advisor_sees_only_assigned_teams(demo, client):
    client.login(username="member@demo.coiin", password="demo-password-2026")
    assert "Your LIA roster" not in client.get("/").content.decode()
    client.login(username="advisor@demo.coiin", password="demo-password-2026")
    page = client.get("/").content.decode()
    team_links = set(re.findall(r'href="/teams/([0-9a-f-]{36})/"', page))
    assert len(team_links) == 8  # four SRR and four IPV teams are assigned to the advisor


def test_ipv_follow_up_pooled_baseline_and_shifted_medians_are_near_the_seeds_70_and_80_percent(
    demo, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        recompute_all()
    chart = RunChartAnalysis.objects.get(
        kind="collaborative", measure__code="follow-up", measure__collaborative__short_name="IPV CoIIN"
    )
    summary = chart.summary
    assert abs(summary["aggregate_baseline_median"]["median"] - 0.70) <= 0.03
    assert summary["aggregate_baseline_median"]["provisional"] is False
    shifted = summary["shifted_median"]
    assert abs(shifted["median"] - 0.80) <= 0.03
    assert shifted["provisional"] is False
    assert dt.date.fromisoformat(shifted["start_month"]) > dt.date.fromisoformat(chart.points[11]["month"])
    assert not RunChartAnalysis.objects.filter(stale=True).exists()
