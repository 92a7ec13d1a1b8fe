"""Small-cell suppression where people see it: chart pages, pooled panels and CSV exports (G13)."""

import csv
import datetime as dt
import io
from collections import Counter

import pytest

from measures.charts.recompute import recompute_all
from measures.models import PhaseDecision, RunChartAnalysis
from tests.factories import MeasureFactory, ObservationFactory
from tests.measures.test_suppression import _derived

FIGURES: Counter[str] = Counter()
JAN, FEB = dt.date(2025, 1, 1), dt.date(2025, 2, 1)
TRULY_SMALL = {(("team", "A1"), "2025-01")}  # the one month with a count from 1 to 10
PEOPLE = ["alice", "bob", "charlie", "diana", "erin", "frank", "gina", "hugo", "kate", "mia", "root"]


def SECURITY_FIGURES() -> list[str]:  # noqa: N802 (collected by tests/conftest.py)
    if not FIGURES:
        return []
    return [
        f"G13 suppression, pages and CSV: {FIGURES['cells']} count cells read by {FIGURES['viewers']} viewers "
        f"outside the team, {FIGURES['shown small']} with a value 1-10, {FIGURES['derivable']} small hidden "
        "cells derivable from what the viewer saw"
    ]


@pytest.fixture
def ipv(world_plus, django_capture_on_commit_callbacks):
    """A sensitive measure of ONE: A1 reports 3 of 20 in January (small), the others large counts."""
    w = world_plus
    measure = MeasureFactory(collaborative=w.one, code="ipv", sensitive=True)
    plain = MeasureFactory(collaborative=w.one, code="plain")
    for m in (measure, plain):
        for team, jan, feb in ((w.team_a1, (3, 20), (12, 20)), (w.team_b1, (30, 50), (31, 50)),
                               (w.team_c1, (25, 40), (26, 40))):  # fmt: skip
            ObservationFactory(team=team, measure=m, month=JAN, numerator=jan[0], denominator=jan[1])
            ObservationFactory(team=team, measure=m, month=FEB, numerator=feb[0], denominator=feb[1])
    with django_capture_on_commit_callbacks(execute=True):
        recompute_all(collaborative_ids=[w.one.id])
    return measure


def _csv(client, chart) -> dict[str, tuple[str, str]]:
    response = client.get(f"/charts/{chart.public_id}/data.csv")
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    return {
        r["month"]: (r["numerator"], r["denominator"]) for r in rows if r["month"] in ("2025-01", "2025-02")
    }


def _chart(measure, **key) -> RunChartAnalysis:
    return RunChartAnalysis.objects.get(measure=measure, **key)


def test_a_peer_sees_a_gap_where_the_team_sees_its_small_count(world_plus, ipv, client):
    a1 = _chart(ipv, team=world_plus.team_a1)
    client.force_login(world_plus.alice)
    assert _csv(client, a1)["2025-01"] == ("3", "20")
    client.force_login(world_plus.charlie)
    assert _csv(client, a1) == {"2025-01": ("", ""), "2025-02": ("12", "20")}
    page = client.get(f"/charts/{a1.public_id}/").content.decode()
    assert "1 month hidden: counts from 1 to 10 of this sensitive measure" in page


def test_the_teams_advisor_awardee_lead_and_admin_see_it_exactly(world_plus, ipv, client):
    a1 = _chart(ipv, team=world_plus.team_a1)
    for person in ("erin", "frank", "root"):
        client.force_login(getattr(world_plus, person))
        assert _csv(client, a1)["2025-01"] == ("3", "20"), person


def test_a_measure_not_flagged_sensitive_shows_small_counts_to_peers(world_plus, ipv, client):
    plain = RunChartAnalysis.objects.get(measure__code="plain", team=world_plus.team_a1)
    client.force_login(world_plus.charlie)
    assert _csv(client, plain)["2025-01"] == ("3", "20")


def test_threshold_zero_turns_suppression_off(world_plus, ipv, client):
    world_plus.one.suppression_threshold = 0
    world_plus.one.save()
    client.force_login(world_plus.charlie)
    assert _csv(client, _chart(ipv, team=world_plus.team_a1))["2025-01"] == ("3", "20")


def test_a_lone_hidden_team_month_takes_a_complement_so_the_pooled_total_cannot_reveal_it(
    world_plus, ipv, client
):
    client.force_login(world_plus.charlie)
    jan = {code: _csv(client, _chart(ipv, team__code=code))["2025-01"] for code in ("A1", "B1")}
    pooled = _csv(client, _chart(ipv, kind="collaborative"))["2025-01"]
    c1 = _csv(client, _chart(ipv, team__code="C1"))["2025-01"]  # charlie's own team: exact
    assert c1 == ("25", "40")
    assert jan["A1"] == ("", "")
    assert "" in (jan["B1"] + pooled), "A1 = pooled − B1 − C1 unless B1 or the pooled month is hidden too"


def test_no_viewer_outside_a_team_sees_a_small_count_or_can_derive_a_hidden_one(world_plus, ipv, client):
    """Every chart of the sensitive measure, as every signed-in principal reads its CSV export."""
    charts = list(RunChartAnalysis.objects.filter(measure=ipv).select_related("team", "awardee"))
    for person in PEOPLE:
        user = getattr(world_plus, person)
        client.force_login(user)
        seen: dict[tuple, tuple[str, str]] = {}
        insider_of = set()
        for chart in charts:
            response = client.get(f"/charts/{chart.public_id}/data.csv")
            if response.status_code == 404:
                continue
            key = ("team", chart.team.code) if chart.team else ("total", chart.awardee_id or "all")
            if chart.team and client.get(f"/teams/{chart.team.public_id}/").status_code == 200:
                insider_of.add(key)
            for month, pair in _csv(client, chart).items():
                seen[key, month] = pair
        outside = {k: v for k, v in seen.items() if k[0] not in insider_of}
        FIGURES["viewers"] += 1
        FIGURES["cells"] += len(outside)
        small = [k for k, (n, d) in outside.items() if any(x and 1 <= int(x) <= 10 for x in (n, d))]
        FIGURES["shown small"] += len(small)
        assert small == [], person
        for month in ("2025-01", "2025-02"):
            teams = [k for k in seen if k[1] == month and k[0][0] == "team"]
            hidden = frozenset(k for k in seen if k[1] == month and seen[k] == ("", ""))
            lines = [teams + [(("total", "all"), month)]] if (("total", "all"), month) in seen else []
            small_derived = [
                k for k in _derived(lines, hidden) if k in TRULY_SMALL and k[0] not in insider_of
            ]
            FIGURES["derivable"] += len(small_derived)
            assert small_derived == [], person


def test_the_collaborative_admin_flags_a_measure_sensitive_on_its_form(world_plus, ipv, client):
    plain = ipv.collaborative.measures.get(code="plain")
    client.force_login(world_plus.frank)
    page = client.get(f"/measures/{plain.public_id}/edit/").content.decode()
    assert "Sensitive: hide small counts outside the team" in page
    form = {"code": "plain", "name": "Disclosures", "kind": "proportion", "direction": "up",
            "numerator_definition": "Caregivers disclosing IPV", "order": "0", "sensitive": "on"}  # fmt: skip
    assert client.post(f"/measures/{plain.public_id}/edit/", form).status_code == 302
    plain.refresh_from_db()
    assert plain.sensitive is True
    client.force_login(world_plus.charlie)
    assert _csv(client, _chart(plain, team=world_plus.team_a1))["2025-01"] == ("", "")


def test_a_peer_does_not_see_the_median_of_a_mostly_suppressed_team_series(world_plus, ipv, client):
    """A1 reported two months of the sensitive measure and one is hidden from peers: no median for them."""

    def a1_cell(person: str) -> tuple[object, bool]:
        client.force_login(getattr(world_plus, person))
        response = client.get(f"/collaboratives/{world_plus.one.public_id}/dashboard/")
        column = [m.code for m in response.context["measures"]].index("ipv")
        [row] = [r for r in response.context["rows"] if r.team_public_id == str(world_plus.team_a1.public_id)]
        return row.cells[column], "medians of sensitive measures are not shown" in response.content.decode()

    assert a1_cell("charlie") == (None, True)
    cell, noted = a1_cell("alice")
    assert cell is not None and cell.median and not noted


def test_a_peer_opening_a_mostly_suppressed_team_chart_gets_its_points_but_not_its_analysis(
    world_plus, ipv, client
):
    """As on the dashboard: the chart page, its fragment and its CSV show a peer no centre line and no
    signal of A1's sensitive series, and say why; A1's own people see them."""
    a1 = _chart(ipv, team=world_plus.team_a1)
    PhaseDecision.objects.create(
        analysis=a1, start_month=FEB, decision="manual", reason="new screening form", decided_by=world_plus.alice,
        collaborative=world_plus.one, team=world_plus.team_a1,
    )  # fmt: skip
    withheld = "this team&#x27;s median and signals are not shown to you"
    phases_withheld = "phases are not shown to you"

    def seen_by(person: str) -> tuple[str, str, list[str]]:
        client.force_login(getattr(world_plus, person))
        page = client.get(f"/charts/{a1.public_id}/").content.decode()
        fragment = client.get(f"/charts/{a1.public_id}/fragment/").content.decode()
        rows = csv.DictReader(io.StringIO(client.get(f"/charts/{a1.public_id}/data.csv").content.decode()))
        return page, fragment, [r["centre_line"] for r in rows]

    page, fragment, centre = seen_by("charlie")
    assert withheld in page and withheld in fragment and phases_withheld in page
    assert "current median" not in page and "Baseline median" not in page and "new screening form" not in page
    assert centre == ["", ""]
    page, fragment, centre = seen_by("alice")
    assert withheld not in page and "current median" in page
    assert phases_withheld not in page and "new screening form" in page
    assert centre == ["37.5", "37.5"]  # the median of 15 % and 60 %


def test_the_chart_csv_filename_survives_a_quote_in_the_lia_name(world_plus, ipv, client):
    """Issue 19, finding 6: the header is built by Django's helper, not by string formatting."""
    world_plus.lia_a.name = 'Agency "A"'
    world_plus.lia_a.save()
    client.force_login(world_plus.alice)
    response = client.get(f"/charts/{_chart(ipv, team=world_plus.team_a1).public_id}/data.csv")
    assert response["Content-Disposition"] == 'attachment; filename="ipv-Agency-\\"A\\".csv"'
