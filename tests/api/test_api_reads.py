"""Read endpoints: exact JSON for each, tenancy (another tenant's object is a 404 with the body of a missing
one), filters, pagination with a cap, and CSV."""

import csv
import datetime as dt
import io
import uuid

import pytest
from django.utils import timezone

from collaboratives.models import ApiToken, Collaborative
from measures.charts.recompute import recompute_all, runchart_analyse
from measures.models import MonthlyReport, Observation, RunChartAnalysis
from pdsa.models import PDSACycle
from tests.factories import MeasureFactory, ObservationFactory

NOT_FOUND = {"status": 404, "code": "not_found", "detail": "Not found.", "errors": []}


def _page(results: list, count: int | None = None) -> dict:
    return {
        "count": len(results) if count is None else count,
        "next": None,
        "previous": None,
        "results": results,
    }


def _iso(value: dt.datetime) -> str:
    return timezone.localtime(value).isoformat()


def test_collaboratives_exact(world, api_as):
    response = api_as(world.charlie).get("/api/v1/collaboratives/")
    assert response.status_code == 200
    assert response.json() == _page(
        [
            {
                "id": str(world.one.public_id), "name": "Collaborative One", "short_name": "ONE", "topic": "",
                "start_date": "2025-01-01", "end_date": "2027-06-30", "baseline_months": 12,
                "reporting_due_day": 15, "peer_visibility": "named", "members_can_submit": False,
            }
        ]
    )  # fmt: skip


def test_teams_exact_and_filtered_by_collaborative(world, api_as):
    client = api_as(world.alice)
    a1 = {
        "id": str(world.team_a1.public_id),
        "code": "A1",
        "collaborative": str(world.one.public_id),
        "lia": {"id": str(world.lia_a.public_id), "name": "Agency A"},
        "awardee": {"id": str(world.north.public_id), "name": "North"},
        "joined_on": "2025-01-01",
        "withdrawn_on": None,
    }
    assert client.get(f"/api/v1/teams/?collaborative={world.one.public_id}").json() == _page([a1])
    assert client.get(f"/api/v1/teams/{world.team_a1.public_id}/").json() == a1
    assert [t["code"] for t in client.get("/api/v1/teams/").json()["results"]] == ["A1", "A2"]


def test_measures_exact_with_definitions(world, charted, api_as):
    response = api_as(world.charlie).get(f"/api/v1/measures/{charted.measure.public_id}/")
    assert response.json() == {
        "id": str(charted.measure.public_id),
        "collaborative": str(world.one.public_id),
        "code": "screen",
        "name": "Depression screening",
        "kind": "proportion",
        "direction": "up",
        "goal": 80.0,
        "numerator_definition": "Families who received the service",
        "denominator_definition": "Families enrolled",
        "scale_max": None,
        "data_source": "",
        "active_from": None,
        "active_to": None,
        "sensitive": False,
    }


def test_observations_exact_and_filtered_by_team_measure_and_month_range(world, charted, api_as):
    client = api_as(world.alice)
    obs = Observation.objects.get(team=world.team_a1, month=dt.date(2025, 3, 1))
    url = (
        f"/api/v1/observations/?team={world.team_a1.public_id}&measure={charted.measure.public_id}"
        "&month_from=2025-03&month_to=2025-03"
    )
    assert client.get(url).json() == _page(
        [
            {
                "team": str(world.team_a1.public_id), "team_code": "A1", "measure": str(charted.measure.public_id),
                "measure_code": "screen", "month": "2025-03", "numerator": 6, "denominator": 10,
                "cases": None, "not_applicable": False, "note": "", "updated_at": _iso(obs.updated_at),
            }
        ]
    )  # fmt: skip
    months = [o["month"] for o in client.get("/api/v1/observations/?month_from=2025-05").json()["results"]]
    assert months == ["2025-05", "2025-06"]


def test_observations_of_peer_teams_are_never_listed(world, charted, api_as):
    # charlie (LIA C) sees none of A1's or B1's rows, even when asking for them by team.
    client = api_as(world.charlie)
    assert client.get("/api/v1/observations/").json() == _page([])
    assert client.get(f"/api/v1/observations/?team={world.team_a1.public_id}").json() == _page([])


def test_a_bad_month_filter_names_the_field(world, api_as):
    response = api_as(world.alice).get("/api/v1/observations/?month_from=March")
    assert response.status_code == 400
    assert response.json() == {
        "status": 400,
        "code": "invalid",
        "detail": "Give a month as YYYY-MM, e.g. 2025-03.",
        "errors": [
            {"field": "month_from", "index": None, "message": "Give a month as YYYY-MM, e.g. 2025-03."}
        ],
    }


def test_runchart_detail_has_the_engine_result_points_and_phases(world, charted, api_as):
    chart = charted.team
    response = api_as(world.bob).get(f"/api/v1/runcharts/{chart.public_id}/")
    assert response.status_code == 200
    body = response.json()
    assert body == {
        "id": str(chart.public_id),
        "kind": "team",
        "collaborative": str(world.one.public_id),
        "measure": {"id": str(charted.measure.public_id), "name": "Depression screening"},
        "measure_code": "screen",
        "team": str(world.team_a1.public_id),
        "team_label": "Agency A",
        "awardee": None,
        "first_month": "2025-01",
        "computed_at": _iso(chart.computed_at),
        "stale": False,
        "summary": chart.summary,
        "result": chart.result,
        "points": [
            {"month": f"2025-0{i + 1}-01", "numerator": n, "denominator": 10, "value": n / 10}
            for i, n in enumerate([4, 5, 6, 5, 7, 8])
        ],
        "phases": [
            {"start_month": "2025-01", "end_month": "2025-06", "median": 0.55, "median_exact": "11/20",
             "provisional": True}
        ],
        "interpretation": {
            "variation": "common_cause",
            "variation_label": "Common cause: no shift or trend",
            "signals": [],
            "limits": [],
            "other_signals": [],
            "aim": {"met": False, "median": 0.55, "median_exact": "11/20", "n_points": 6,
                    "text": "Median of the last 6 reported months: 55% < goal 80%: not yet meeting the aim."},
            "lines": [
                "Baseline median 55% (provisional: 6 of 12 baseline points so far)",
                "No shift or trend: common-cause variation around the median.",
                "Too few useful points for the runs rule (fewer than 10 off the median).",
                "Median of the last 6 reported months: 55% < goal 80%: not yet meeting the aim.",
            ],
        },
    }  # fmt: skip
    assert body["result"]["median_exact"] == "11/20"


def test_a_peer_chart_is_anonymised_as_the_collaborative_says(world, charted, api_as):
    Collaborative.objects.filter(id=world.one.id).update(peer_visibility="anonymised")
    body = api_as(world.charlie).get(f"/api/v1/runcharts/{charted.team.public_id}/").json()
    assert (body["team"], body["team_label"]) == (None, "Team A1")


def test_hidden_peers_charts_are_404_like_missing_ones(world, charted, api_as):
    Collaborative.objects.filter(id=world.one.id).update(peer_visibility="hidden")
    client = api_as(world.charlie)
    assert client.get(f"/api/v1/runcharts/{charted.team.public_id}/").json() == NOT_FOUND
    assert client.get(f"/api/v1/runcharts/{uuid.uuid4()}/").json() == NOT_FOUND
    assert [c["kind"] for c in client.get("/api/v1/runcharts/").json()["results"]] == ["collaborative"]


def test_runcharts_list_filters_by_kind(world, charted, api_as):
    body = (
        api_as(world.erin).get(f"/api/v1/runcharts/?kind=awardee&measure={charted.measure.public_id}").json()
    )
    assert [(c["kind"], c["awardee"]["name"]) for c in body["results"]] == [("awardee", "North")]
    assert "result" not in body["results"][0]  # the list is light; the detail has the analysis


def test_aggregates_rows_per_month_with_the_series_figures(world, charted, api_as):
    response = api_as(world.frank).get(f"/api/v1/aggregates/?collaborative={world.one.public_id}&page_size=2")
    assert response.status_code == 200
    body = response.json()
    chart = charted.collaborative
    common = {
        "scope": "collaborative", "collaborative": str(world.one.public_id), "awardee": None,
        "measure": str(charted.measure.public_id), "measure_code": "screen", "cohort_size": 3,
        "baseline_median": None, "shifted_median": None, "n_teams_meeting_aim": 0,
        "n_teams_assessed_for_aim": 1, "pct_teams_meeting_aim": 0.0, "computed_at": _iso(chart.computed_at),
        "stale": False, "below_reporting_floor": True, "suppressed": False,
    }  # fmt: skip
    assert body["count"] == 6 and body["previous"] is None
    assert body["next"].endswith(
        f"/api/v1/aggregates/?collaborative={world.one.public_id}&page=2&page_size=2"
    )
    assert body["results"] == [
        {**common, "month": "2025-01", "pooled_value": 0.4, "numerator_sum": 4, "denominator_sum": 10,
         "n_teams_reporting": 1, "median_of_team_rates": 0.4},
        {**common, "month": "2025-02", "pooled_value": 0.571428571429, "numerator_sum": 8, "denominator_sum": 14,
         "n_teams_reporting": 2, "median_of_team_rates": 0.625},
    ]  # fmt: skip


def test_awardee_aggregates_for_the_awardee_and_404_for_an_awardee_not_seen(world, charted, api_as):
    url = f"/api/v1/aggregates/?collaborative={world.one.public_id}&awardee={world.north.public_id}"
    rows = api_as(world.erin).get(url).json()["results"]
    assert {(r["scope"], r["awardee"]) for r in rows} == {("awardee", str(world.north.public_id))}
    assert [r["numerator_sum"] for r in rows] == [4, 8, 6, 5, 7, 8]
    charlie = api_as(world.charlie)  # charlie's LIA is South's
    assert charlie.get(url).json() == NOT_FOUND
    assert charlie.get(url.replace(str(world.north.public_id), str(uuid.uuid4()))).json() == NOT_FOUND


def test_aggregates_need_a_collaborative_the_caller_sees(world, charted, api_as):
    client = api_as(world.olga)
    missing = client.get("/api/v1/aggregates/")
    assert missing.status_code == 400
    assert missing.json()["errors"] == [
        {"field": "collaborative", "index": None, "message": "This field is required."}
    ]
    assert client.get(f"/api/v1/aggregates/?collaborative={world.one.public_id}").json() == NOT_FOUND
    assert client.get(f"/api/v1/aggregates/?collaborative={uuid.uuid4()}").json() == NOT_FOUND


def test_aggregates_as_csv_are_spreadsheet_safe(world, charted, api_as):
    charted.measure.code = "-x"  # a code that a spreadsheet would run as a formula
    charted.measure.save()
    response = api_as(world.alice).get(f"/api/v1/aggregates/?collaborative={world.one.public_id}&format=csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == 6
    assert "Link" not in response  # one page holds it all
    assert rows[1]["measure_code"] == "'-x"
    assert (rows[1]["month"], rows[1]["numerator_sum"], rows[1]["denominator_sum"]) == ("2025-02", "8", "14")


TODAY = dt.date(2025, 3, 20)


def test_reporting_status_exact(world, api_as, monkeypatch):
    real_localdate = timezone.localdate
    monkeypatch.setattr(timezone, "localdate", lambda value=None: real_localdate(value) if value else TODAY)
    MonthlyReport.objects.create(
        team=world.team_a1, month=dt.date(2025, 1, 1), status="submitted",
        submitted_at=timezone.make_aware(dt.datetime(2025, 2, 10, 12)),
    )  # fmt: skip
    response = api_as(world.alice).get(f"/api/v1/reporting-status/?collaborative={world.one.public_id}")
    assert response.json() == {
        "collaborative": str(world.one.public_id),
        "months": ["2025-01", "2025-02"],
        "teams": [
            {"team": str(world.team_a1.public_id), "team_code": "A1", "label": "Agency A",
             "cells": [{"month": "2025-01", "status": "on_time"}, {"month": "2025-02", "status": "missing"}]}
        ],
        "rates": [
            {"month": "2025-01", "reported": 1.0, "active": 1.0, "percent": 100},
            {"month": "2025-02", "reported": 0.0, "active": 1.0, "percent": 0},
        ],
        "average": {"reported": 0.5, "active": 1.0, "percent": 50},
        "average_months": 2,
        "due_month": "2025-02",
        "due_date": "2025-03-15",
    }  # fmt: skip


@pytest.fixture
def cycle_a1(world) -> PDSACycle:
    return PDSACycle.objects.create(
        team=world.team_a1, title="Warm hand-off script", other_change_idea="Script", question="Will it help?"
    )


def test_pdsa_cycles_exact_for_the_team(world, cycle_a1, api_as):
    body = api_as(world.bob).get(f"/api/v1/pdsa-cycles/{cycle_a1.public_id}/").json()
    assert body == {
        "id": str(cycle_a1.public_id), "team": str(world.team_a1.public_id), "change_idea": None,
        "change_idea_text": "Script", "previous": None, "title": "Warm hand-off script", "status": "planning",
        "objective": "", "question": "Will it help?", "prediction": "", "plan_who": "", "plan_what": "",
        "plan_where": "", "plan_when": "", "data_to_collect": "", "what_happened": "", "observations": "",
        "problems": "", "results_vs_prediction": "", "learned": "", "decision": "", "next_step": "",
        "planned_start": None, "planned_end": None, "started_on": None, "completed_on": None,
        "created_at": _iso(cycle_a1.created_at), "updated_at": _iso(cycle_a1.updated_at),
    }  # fmt: skip


@pytest.mark.parametrize("who", ["charlie", "diana", "olga"])
def test_another_teams_pdsa_text_is_404_like_a_missing_cycle(world, cycle_a1, api_as, who):
    client = api_as(getattr(world, who))
    assert client.get(f"/api/v1/pdsa-cycles/{cycle_a1.public_id}/").json() == NOT_FOUND
    assert client.get(f"/api/v1/pdsa-cycles/{uuid.uuid4()}/").json() == NOT_FOUND
    assert client.get("/api/v1/pdsa-cycles/").json() == _page([])


@pytest.mark.parametrize(
    "path", ["collaboratives/{one}", "teams/{a1}", "measures/{measure}", "runcharts/{chart}"]
)
def test_an_outsider_gets_the_body_of_a_missing_object(world, charted, api_as, path):
    ids = {"one": world.one.public_id, "a1": world.team_a1.public_id, "measure": charted.measure.public_id,
           "chart": charted.team.public_id}  # fmt: skip
    client = api_as(world.olga)
    foreign = client.get(f"/api/v1/{path.format(**ids)}/")
    missing = client.get(f"/api/v1/{path.format(**dict.fromkeys(ids, uuid.uuid4()))}/")
    assert (foreign.status_code, foreign.json()) == (missing.status_code, missing.json()) == (404, NOT_FOUND)


def test_page_size_is_capped_and_ordering_is_stable(world, api_as):
    client = api_as(world.root)
    for i in range(3):
        MeasureFactory(collaborative=world.one, code=f"m{i}", order=1)
    capped = client.get("/api/v1/measures/?page_size=100000&ordering=password&page_size=1")
    assert [m["code"] for m in capped.json()["results"]] == ["m0"]  # the last repeated value wins
    big = client.get("/api/v1/measures/?page_size=100000")
    assert big.status_code == 200 and [m["code"] for m in big.json()["results"]] == ["m0", "m1", "m2"]
    assert client.get("/api/v1/measures/?page=-1").json() == NOT_FOUND


def test_the_list_reads_a_fixed_number_of_queries(world, charted, api_as, django_assert_max_num_queries):
    client = api_as(world.root)
    with django_assert_max_num_queries(8):
        assert client.get("/api/v1/observations/").json()["count"] == 7


@pytest.mark.parametrize("path", ["collaboratives/", "observations/", "aggregates/?collaborative={one}"])
def test_responses_are_never_cached_and_name_their_charset(world, api_as, path):
    response = api_as(world.alice).get(f"/api/v1/{path.format(one=world.one.public_id)}")
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert response["Content-Type"] == "application/json; charset=utf-8"


def test_run_charts_and_aggregates_read_a_fixed_number_of_queries(
    world, charted, api_as, django_assert_max_num_queries
):
    client = api_as(world.charlie)
    for code in ("second", "third"):  # more series must not mean more queries
        measure = MeasureFactory(collaborative=world.one, code=code)
        Observation.objects.create(
            team=world.team_a1, measure=measure, month=dt.date(2025, 1, 1), numerator=1, denominator=2
        )
    recompute_all()
    with django_assert_max_num_queries(8):  # 9 team charts (peers named), 3 of ONE, 3 of South (charlie's)
        assert client.get("/api/v1/runcharts/").json()["count"] == 15
    with django_assert_max_num_queries(8):
        assert (
            client.get(f"/api/v1/aggregates/?collaborative={world.one.public_id}&page_size=500").status_code
            == 200
        )


def test_runcharts_list_exact(world, charted, api_as):
    chart = charted.collaborative
    response = api_as(world.diana).get(
        f"/api/v1/runcharts/?kind=collaborative&collaborative={world.one.public_id}"
    )
    assert response.json() == _page(
        [
            {
                "id": str(chart.public_id), "kind": "collaborative", "collaborative": str(world.one.public_id),
                "measure": {"id": str(charted.measure.public_id), "name": "Depression screening"},
                "measure_code": "screen", "team": None, "team_label": None, "awardee": None, "first_month": "2025-01",
                "computed_at": _iso(chart.computed_at), "stale": False, "summary": chart.summary,
            }
        ]
    )  # fmt: skip
    assert chart.summary["cohort_size"] == 3


def test_me_names_the_caller_and_the_token_it_used(world, api_as):
    response = api_as(world.charlie, "push").get("/api/v1/me/")
    assert response.status_code == 200
    token = ApiToken.objects.get(user=world.charlie)
    assert response.json() == {
        "email": world.charlie.email,
        "name": world.charlie.get_full_name(),
        "auth": "token",
        "token": {"id": str(token.public_id), "name": token.name, "scope": "push", "expires_at": _iso(token.expires_at)},
    }  # fmt: skip


def test_me_with_a_session_has_no_token(world, client):
    client.force_login(world.charlie)
    response = client.get("/api/v1/me/")
    assert response.status_code == 200
    assert response.json() == {
        "email": world.charlie.email, "name": world.charlie.get_full_name(), "auth": "session", "token": None,
    }  # fmt: skip


def test_me_without_credentials_is_401(client):
    assert client.get("/api/v1/me/").status_code == 401


@pytest.fixture
def sensitive(world_plus, django_capture_on_commit_callbacks):
    """A sensitive measure of ONE: in January only A1 reports, 3 of 8 (a small count, and so is the
    pooled month); in February every team reports large counts."""
    w = world_plus
    measure = MeasureFactory(collaborative=w.one, code="ipv", sensitive=True)
    ObservationFactory(team=w.team_a1, measure=measure, month=dt.date(2025, 1, 1), numerator=3, denominator=8)
    for team, (n, d) in ((w.team_a1, (12, 20)), (w.team_b1, (30, 50)), (w.team_c1, (25, 40))):
        ObservationFactory(team=team, measure=measure, month=dt.date(2025, 2, 1), numerator=n, denominator=d)
    with django_capture_on_commit_callbacks(execute=True):
        recompute_all(collaborative_ids=[w.one.id])
    return measure


def _january(points: list[dict]) -> dict:
    return next(p for p in points if p["month"].startswith("2025-01"))


def test_a_peer_reads_a_small_count_of_a_sensitive_measure_as_suppressed(world_plus, sensitive, api_as):
    a1 = RunChartAnalysis.objects.get(measure=sensitive, team=world_plus.team_a1)
    peer = api_as(world_plus.charlie).get(f"/api/v1/runcharts/{a1.public_id}/").json()
    assert _january(peer["points"]) == {
        "month": "2025-01-01", "numerator": None, "denominator": None, "value": None, "suppressed": True,
    }  # fmt: skip
    own = api_as(world_plus.alice).get(f"/api/v1/runcharts/{a1.public_id}/").json()
    assert _january(own["points"]) == {
        "month": "2025-01-01",
        "numerator": 3,
        "denominator": 8,
        "value": 0.375,
    }


def test_the_aggregate_api_hides_a_small_pooled_month_from_everyone_but_whose_months_it_sums(
    world_plus, sensitive, api_as
):
    url = f"/api/v1/aggregates/?collaborative={world_plus.one.public_id}&measure={sensitive.public_id}"
    pooled = RunChartAnalysis.objects.get(measure=sensitive, kind="collaborative")
    for person in ("alice", "frank"):  # A1's own lead and the admin: January's pool is A1's month alone
        rows = api_as(getattr(world_plus, person)).get(url).json()["results"]
        assert (_january(rows)["numerator_sum"], _january(rows)["denominator_sum"]) == (3, 8), person
    for person in (
        "charlie",
        "diana",
    ):  # a peer, B1's advisor
        rows = api_as(getattr(world_plus, person)).get(url).json()["results"]
        january, february = _january(rows), next(r for r in rows if r["month"] == "2025-02")
        assert (january["numerator_sum"], january["denominator_sum"], january["suppressed"]) == (
            None,
            None,
            True,
        )
        assert (february["numerator_sum"], february["denominator_sum"], february["suppressed"]) == (
            67,
            110,
            False,
        )
    assert _january(pooled.points)["numerator"] == 3  # stored exactly; only the caller's copy is blanked


def test_aggregate_pages_of_any_size_join_up_to_every_row_across_measures(world, charted, api_as):
    second = MeasureFactory(collaborative=world.one, code="visit", order=2)
    for i in range(4):
        Observation.objects.create(
            team=world.team_a1, measure=second, month=dt.date(2025, 1 + i, 1), numerator=i, denominator=5
        )
    with_second = RunChartAnalysis.objects.create(
        kind="collaborative", measure=second, collaborative=world.one
    )
    runchart_analyse(analysis=with_second)
    client, url = api_as(world.frank), f"/api/v1/aggregates/?collaborative={world.one.public_id}"
    everything = client.get(f"{url}&page_size=500").json()
    assert everything["count"] == 6 + 4  # each measure's series runs to its latest reported month
    assert [r["measure_code"] for r in everything["results"]] == ["screen"] * 6 + ["visit"] * 4
    for size in (1, 4, 5, 7):
        joined, page = [], 1
        while True:
            body = client.get(f"{url}&page_size={size}&page={page}").json()
            joined += body["results"]
            if body["next"] is None:
                break
            page += 1
        assert joined == everything["results"], size


def test_a_peers_figures_of_a_mostly_suppressed_sensitive_series_are_withheld_in_the_list(
    world_plus, sensitive, api_as
):
    url = f"/api/v1/runcharts/?kind=team&measure={sensitive.public_id}"
    a1 = RunChartAnalysis.objects.get(measure=sensitive, team=world_plus.team_a1)

    def a1_summary(person: str) -> dict:
        rows = api_as(getattr(world_plus, person)).get(url).json()["results"]
        return next(r["summary"] for r in rows if r["team_label"] == "Agency A")

    # Half of A1's months (January, 3 of 8) are hidden from a peer: as on the dashboard, no figures.
    assert a1_summary("charlie") == {
        "current_median": None, "latest": None, "meets_aim": None, "aim_median": None, "aim_points": None,
        "latest_signal": None, "variation": None, "withheld": True,
    }  # fmt: skip
    assert a1_summary("alice") == a1.summary


def test_a_peer_reading_a_mostly_suppressed_team_chart_gets_no_analysis(world_plus, sensitive, api_as):
    """The detail read withholds what the list withholds: the engine's result, the summary's figures and
    the phases' medians. The team's own people read them."""
    a1 = RunChartAnalysis.objects.get(measure=sensitive, team=world_plus.team_a1)
    peer = api_as(world_plus.charlie).get(f"/api/v1/runcharts/{a1.public_id}/").json()
    assert peer["result"] == {"withheld": True}
    assert peer["interpretation"] == {
        "variation": None, "variation_label": "", "signals": [], "limits": [], "other_signals": [], "aim": None,
        "lines": [],
    }  # fmt: skip
    assert peer["summary"] == {
        "current_median": None, "latest": None, "meets_aim": None, "aim_median": None, "aim_points": None,
        "latest_signal": None, "variation": None, "withheld": True,
    }  # fmt: skip
    assert [(p["median"], p["median_exact"]) for p in peer["phases"]] == [(None, None)]
    own = api_as(world_plus.alice).get(f"/api/v1/runcharts/{a1.public_id}/").json()
    assert own["result"] == a1.result and own["result"]["median_exact"] == "39/80"
    assert own["summary"] == a1.summary
