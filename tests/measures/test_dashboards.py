"""Dashboards read stored analyses: peers as the collaborative's setting says, phases and notes by the
right people, CSV of each chart, and a fixed number of queries whatever the number of teams."""

import csv
import datetime as dt
import io
import re

import pytest
from django.core.exceptions import PermissionDenied

from collaboratives.models import Collaborative, Role
from measures import page_cache, services
from measures.charts import inputs as series
from measures.models import ChartAnnotation, Observation, PhaseDecision, RunChartAnalysis
from tests.factories import (
    LIAFactory,
    MembershipFactory,
    TeamFactory,
    TOTPAuthenticatorFactory,
    UserFactory,
)
from tests.measures.dashboard_world import (
    START,
    STEP,
    chart_of,
    fill,
    set_peers,
    state_chart_of,
    table_labels,
)


def test_the_dashboard_table_shows_each_teams_current_median_aim_and_signal(world, charts, client):
    client.force_login(world.frank)
    page = client.get(f"/collaboratives/{world.one.public_id}/dashboard/").content.decode()
    assert table_labels(page) == ["Agency A", "Agency B", "Agency C"]
    # The shifted median, not provisional: twelve points after the shift re-based it.
    assert re.findall(r"<td>\s*([0-9.]+%\*?)", page) == ["70%", "70%", "70%"]
    assert page.count("improvement: shift above since Jan 2026") == 3
    # The aim's verdict beside the statistic it judges (not beside the current median), named in words.
    assert (
        page.count(
            '<div class="small aim-met" title="Median of the last 6 reported months: 70% ≥ goal 60%: meets the aim.">'
            '<span aria-hidden="true">✓ 70%, last 6</span>'
            '<span class="visually-hidden">Median of the last 6 reported months: 70% ≥ goal 60%: meets the aim.</span></div>'
        )
        == 3
    )
    # The variation icon, with its words as its text equivalent (not colour alone).
    assert page.count('alt="Special cause: improvement (higher values)"') == 3


def test_the_table_reads_a_provisional_median_and_missing_aim_signal_or_median_from_the_summary(
    world, charts, client
):
    RunChartAnalysis.objects.filter(team=world.team_a1, measure=charts).update(
        summary={
            "current_median": {"median": 0.625, "provisional": True},
            "meets_aim": None,
            "latest_signal": None,
        }
    )
    RunChartAnalysis.objects.filter(team=world.team_b1, measure=charts).update(
        summary={"current_median": {"median": None, "provisional": True}, "meets_aim": False}
    )
    RunChartAnalysis.objects.filter(team=world.team_c1, measure=charts).update(summary={})
    client.force_login(world.frank)
    page = client.get(f"/collaboratives/{world.one.public_id}/dashboard/").content.decode()
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    rows = re.findall(r"<tr>(.*?)</tr>", body, re.S)
    no_value = '<td><span class="text-body-secondary">–</span></td>'
    assert '<td>62%<span class="text-body-secondary">*</span></td>' in rows[0]  # Agency A
    assert no_value in rows[1] and no_value in rows[2]  # Agency B: no median; Agency C: no summary
    assert "meets the aim" not in body and "null" not in body


@pytest.mark.parametrize(
    ("person", "labels"),
    [
        ("charlie", ["Agency C", "Team A1", "Team B1"]),  # an LIA member: peers by code only
        ("diana", ["Agency B", "Team A1", "Team C1"]),  # an advisor: own teams named
        ("erin", ["Agency A", "Agency B", "Agency C"]),  # awardee leads see names
        ("frank", ["Agency A", "Agency B", "Agency C"]),  # so do the collaborative's admins
    ],
)
def test_anonymised_peers_show_codes_to_lia_users_and_names_to_leads_and_admins(
    world, charts, client, person, labels
):
    set_peers(world, Collaborative.PeerVisibility.ANONYMISED)
    client.force_login(getattr(world, person))
    page = client.get(f"/collaboratives/{world.one.public_id}/dashboard/").content.decode()
    assert sorted(table_labels(page)) == sorted(labels)
    measure_page = client.get(
        f"/collaboratives/{world.one.public_id}/dashboard/{charts.public_id}/"
    ).content.decode()
    for label in labels:
        assert label in measure_page


def test_hidden_peers_leave_only_the_aggregate_and_the_viewers_own_team(world, charts, client):
    set_peers(world, Collaborative.PeerVisibility.HIDDEN)
    client.force_login(world.charlie)
    page = client.get(f"/collaboratives/{world.one.public_id}/dashboard/").content.decode()
    assert table_labels(page) == ["Agency C"]
    assert "All teams pooled" in page and "Baseline median 40%" in page
    assert client.get(f"/charts/{chart_of(world.team_a1, charts).public_id}/").status_code == 404
    measure_page = client.get(
        f"/collaboratives/{world.one.public_id}/dashboard/{charts.public_id}/"
    ).content.decode()
    assert "Team A1" not in measure_page and "Agency A" not in measure_page


def test_small_multiples_carry_each_charts_variation_icon_with_its_words(world, charts, client):
    client.force_login(world.frank)
    page = client.get(f"/collaboratives/{world.one.public_id}/dashboard/{charts.public_id}/").content.decode()
    badge = (
        '<span class="variation-badge"><img class="variation-icon" src="/static/icons/variation/improvement-high.svg"'
        ' width="20" height="20" alt=""> Special cause: improvement (higher values)</span>'
    )
    assert page.count(badge) == 4  # the pooled chart and the three teams'


DASHBOARD_QUERIES = 15  # building the body
KEPT_DASHBOARD_QUERIES = 10  # serving the body kept for this viewer (measures/page_cache.py)


def test_the_dashboard_needs_the_same_queries_for_3_or_12_teams(world, charts, client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from measures.charts.recompute import runchart_analyse

    client.force_login(world.frank)
    url = f"/collaboratives/{world.one.public_id}/dashboard/"
    client.get(url)  # warm the session
    per_request = re.compile(r'(?:value|nonce)="[^"]*"')  # the CSRF token's masking, the CSP nonce

    def queries() -> tuple[int, int, int]:
        """Queries of a request that builds the body, then of one that is served it kept; teams shown."""
        page_cache.content_changed(collaborative_ids=[world.one.id])
        with CaptureQueriesContext(connection) as built:
            page = client.get(url).content.decode()
        with CaptureQueriesContext(connection) as kept:
            again = client.get(url).content.decode()
        assert per_request.sub("", again) == per_request.sub("", page)
        return len(built), len(kept), len(table_labels(page))

    few = queries()
    for i in range(9):
        team = TeamFactory(collaborative=world.one, lia=LIAFactory(awardee=world.north), code=f"X{i}")
        fill(team, charts, STEP)
        RunChartAnalysis.objects.create(kind="team", measure=charts, collaborative=world.one, team=team)
    for chart in RunChartAnalysis.objects.filter(kind="team", computed_at__isnull=True):
        runchart_analyse(analysis=chart)
    # Built: session, user, the viewer's memberships and teams, MFA enrolment, unread notifications;
    # collaborative, measures, notes, the body's version; pooled charts, the teams, their cells, this month's reports, awardees.
    # Kept: the same without the last five.
    assert few == (DASHBOARD_QUERIES, KEPT_DASHBOARD_QUERIES, 3)
    assert queries() == (DASHBOARD_QUERIES, KEPT_DASHBOARD_QUERIES, 12)


def test_a_lead_confirms_a_suggested_phase_with_a_reason(
    world, charts, client, django_capture_on_commit_callbacks
):
    chart = chart_of(world.team_a1, charts)
    client.force_login(world.alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/charts/{chart.public_id}/phases/",
            {"start_month": "2026-01", "decision": "confirmed", "reason": "New follow-up call script"},
        )
    assert response.status_code == 302
    decision = PhaseDecision.objects.get()
    assert (decision.start_month, decision.decision, decision.decided_by) == (
        dt.date(2026, 1, 1),
        "confirmed",
        world.alice,
    )
    chart.refresh_from_db()
    assert [p["start_index"] for p in chart.result["phases"]] == [0, 12]
    assert "Suggested phase confirmed by Alice" in client.get(f"/charts/{chart.public_id}/").content.decode()


def test_a_phase_without_a_reason_or_with_a_bad_month_is_refused_by_field(world, charts, client):
    chart = chart_of(world.team_a1, charts)
    client.force_login(world.alice)
    response = client.post(
        f"/charts/{chart.public_id}/phases/", {"start_month": "2026-13", "decision": "manual", "reason": ""}
    )
    assert response.status_code == 400
    errors = response.context["phase_form"].errors
    assert errors["start_month"] == ["Enter a month as YYYY-MM, e.g. 2026-03."]
    assert errors["reason"] == ["This field is required."]
    response = client.post(
        f"/charts/{chart.public_id}/phases/", {"start_month": "2024-01", "decision": "manual", "reason": "x"}
    )
    assert response.status_code == 400
    assert response.context["phase_form"].errors["start_month"] == [
        "Choose a month after the first month of the chart and within it."
    ]
    assert not PhaseDecision.objects.exists()


def test_an_awardee_lead_confirms_a_suggested_shift_on_their_states_pooled_chart(
    world, charts, client, django_capture_on_commit_callbacks
):
    chart = state_chart_of(world.north, charts)  # A1 and B1 pooled: the same shift at month 12
    assert [p["start_index"] for p in chart.result["phases"]] == [0, 12]
    client.force_login(world.erin)
    page = client.get(f"/charts/{chart.public_id}/").content.decode()
    assert "North, all teams" in page and page.count(">Confirm</button>") == 1
    with django_capture_on_commit_callbacks() as recomputes:
        response = client.post(
            f"/charts/{chart.public_id}/phases/",
            {"start_month": "2026-01", "decision": "confirmed", "reason": "Statewide follow-up protocol"},
        )
    assert response.status_code == 302
    decision = PhaseDecision.objects.get()
    assert (decision.analysis, decision.decision, decision.decided_by, decision.team) == (
        chart,
        "confirmed",
        world.erin,
        None,
    )
    chart.refresh_from_db()
    assert chart.stale is True  # marked stale in the same transaction, as for a team's lead
    for recompute in recomputes:
        recompute()
    chart.refresh_from_db()
    assert chart.stale is False and [p["start_index"] for p in chart.result["phases"]] == [0, 12]
    assert "Suggested phase confirmed by Erin" in client.get(f"/charts/{chart.public_id}/").content.decode()


def test_an_awardee_lead_may_not_decide_other_charts_phases(world, charts, client):
    decide = {"start_month": "2026-01", "decision": "confirmed", "reason": "Not theirs to decide"}
    # A lead of North who is also a member of LIA C sees South's pooled chart, through team C1.
    north_lead_in_c = UserFactory(username="nora@example.org", first_name="Nora")
    MembershipFactory(user=north_lead_in_c, role=Role.AWARDEE_LEAD, awardee=world.north)
    MembershipFactory(user=north_lead_in_c, role=Role.TEAM_MEMBER, lia=world.lia_c)
    TOTPAuthenticatorFactory(user=north_lead_in_c)
    south = state_chart_of(world.south, charts)
    team_a1 = chart_of(world.team_a1, charts)
    pooled = RunChartAnalysis.objects.get(kind="collaborative", measure=charts)
    for user, chart, status, message in [
        (north_lead_in_c, south, 403, "Only South's awardee lead or a collaborative admin may decide"),
        (world.erin, south, 404, None),  # South's pooled chart is not erin's to see
        (world.erin, team_a1, 403, "Only the team's CQI lead, its advisor or a collaborative admin may"),
        (world.erin, pooled, 403, "Only a collaborative admin may decide this chart's phases."),
    ]:
        client.force_login(user)
        assert client.post(f"/charts/{chart.public_id}/phases/", decide).status_code == status, chart.kind
        page = client.get(f"/charts/{chart.public_id}/")
        assert page.status_code == 200 if status == 403 else 404
        assert ">Confirm</button>" not in page.content.decode()
        if message:
            with pytest.raises(PermissionDenied, match=re.escape(message)):
                services.phase_decide(
                    actor=user,
                    analysis=chart,
                    start_month=dt.date(2026, 1, 1),
                    decision="confirmed",
                    reason="x",
                )
    assert not PhaseDecision.objects.exists()


def test_small_multiples_filtered_to_a_state_show_its_teams_and_link_its_pooled_chart(world, charts, client):
    client.force_login(world.erin)
    dashboard = client.get(
        f"/collaboratives/{world.one.public_id}/dashboard/?awardee={world.north.public_id}"
    )
    url = f"/collaboratives/{world.one.public_id}/dashboard/{charts.public_id}/"
    assert f'href="{url}?awardee={world.north.public_id}"' in dashboard.content.decode()

    page = client.get(f"{url}?awardee={world.north.public_id}").content.decode()
    assert "Agency A" in page and "Agency B" in page and "Agency C" not in page
    assert "North's teams pooled" in page and f'href="{url}">Show every team in ONE</a>' in page
    north = state_chart_of(world.north, charts)
    assert f'href="/charts/{north.public_id}/">Phases and details' in page
    assert f'href="/charts/{north.public_id}/data.csv">Data (CSV)' in page

    every_team = client.get(url).content.decode()
    assert "Agency C" in every_team and "All teams pooled" in every_team
    # Unfiltered, the lead still finds the one pooled chart whose phases are theirs.
    assert f'href="/charts/{north.public_id}/">North\'s teams pooled</a>' in every_team
    assert str(state_chart_of(world.south, charts).public_id) not in every_team


def test_small_multiples_filtered_to_an_unseen_state_answer_404_like_the_dashboard(world, charts, client):
    client.force_login(world.erin)  # North's lead: South is not erin's to see
    dashboard = f"/collaboratives/{world.one.public_id}/dashboard/"
    for url in (dashboard, f"{dashboard}{charts.public_id}/"):
        assert client.get(f"{url}?awardee={world.south.public_id}").status_code == 404
        page = client.get(f"{url}?awardee=not-a-uuid")
        assert (
            page.status_code == 200 and "Agency C" in page.content.decode()
        )  # a malformed filter is ignored


def test_team_and_collaborative_notes_appear_on_the_right_charts(world, charts, client):
    client.force_login(world.bob)
    client.post(
        f"/charts/{chart_of(world.team_a1, charts).public_id}/notes/",
        {"month": "2025-06", "text": "Two visitors left"},
    )
    client.force_login(world.frank)
    client.post(
        f"/collaboratives/{world.one.public_id}/dashboard/notes/",
        {"month": "2025-09", "text": "Learning Session 2"},
    )
    assert list(ChartAnnotation.objects.values_list("team__code", "text")) == [
        ("A1", "Two visitors left"),
        (None, "Learning Session 2"),
    ]

    def notes_on(user, team):
        client.force_login(user)
        page = client.get(f"/charts/{chart_of(team, charts).public_id}/").content.decode()
        listed = re.search(r'<ol class="runchart-notes[^"]*">(.*?)</ol>', page, re.S)
        return re.findall(r'<li value="\d+">\w+ \d{4}: ([^<]+)', listed.group(1)) if listed else []

    assert notes_on(world.alice, world.team_a1) == ["Two visitors left", "Learning Session 2"]
    assert notes_on(world.charlie, world.team_c1) == ["Learning Session 2"]
    assert notes_on(world.charlie, world.team_a1) == ["Learning Session 2"]  # a peer never sees A1's own note


def test_chart_csv_has_one_row_per_month_with_centre_line_and_signals(world, charts, client):
    client.force_login(world.alice)
    response = client.get(f"/charts/{chart_of(world.team_a1, charts).public_id}/data.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == [
        "month", "numerator", "denominator", "value", "centre_line", "phase", "provisional", "shift", "trend",
        "signal", "judged", "n_teams_reporting", "n_cases",
    ]  # fmt: skip
    assert rows[1] == ["2025-01", "4", "10", "40.0", "40.0", "1", "no", "no", "no", "", "yes", "", ""]
    # The shift above the baseline is judged; the new phase, every point on its median, is not.
    assert rows[13] == [
        "2026-01",
        "7",
        "10",
        "70.0",
        "70.0",
        "2",
        "no",
        "yes",
        "no",
        "improvement",
        "no",
        "",
        "",
    ]
    assert len(rows) == 25


def test_sorting_by_a_measure_orders_teams_by_current_median(world, charts, client):
    Observation.objects.filter(team=world.team_b1, month__gte=series.month_add(START, 12)).update(numerator=9)
    from measures.charts.recompute import runchart_analyse

    runchart_analyse(analysis=chart_of(world.team_b1, charts))
    client.force_login(world.frank)
    page = client.get(f"/collaboratives/{world.one.public_id}/dashboard/?sort=fu&dir=desc").content.decode()
    assert table_labels(page)[0] == "Agency B"
    assert 'aria-sort="descending"' in page


def test_a_stale_chart_polls_for_its_update_and_stops_once_fresh(world, charts, client):
    chart = chart_of(world.team_a1, charts)
    client.force_login(world.alice)
    RunChartAnalysis.objects.filter(id=chart.id).update(stale=True)
    stale = client.get(f"/charts/{chart.public_id}/fragment/").content.decode()
    assert "Updating…" in stale and 'hx-trigger="every 5s"' in stale
    RunChartAnalysis.objects.filter(id=chart.id).update(stale=False)
    fresh = client.get(f"/charts/{chart.public_id}/fragment/").content.decode()
    assert "Updating…" not in fresh and "hx-trigger" not in fresh and "Last computed" in fresh
