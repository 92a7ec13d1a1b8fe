"""The dashboard's body is kept per viewer (measures/page_cache.py), and every write that changes what it
shows makes the next view build it again: each test views the page, makes one change the way the
platform makes it, and views it again."""

import datetime as dt
import re

from django.db.models import Max
from django.utils import timezone

from collaboratives.models import Collaborative, Role
from collaboratives.months import now_due as reporting_month
from measures import page_cache, services
from measures.charts import recompute
from measures.models import DashboardChange, MonthlyReport, Observation, RunChartAnalysis
from tests.factories import MembershipFactory
from tests.measures.dashboard_world import chart_of, set_peers, table_labels

BODY_END = '<section aria-labelledby="notes-heading"'


def body(client, world) -> str:
    """The kept part of the page: everything before the notes and their form."""
    page = client.get(f"/collaboratives/{world.one.public_id}/dashboard/")
    assert page.status_code == 200
    return page.content.decode().split(BODY_END, 1)[0]


def medians(html: str) -> list[str]:
    return re.findall(r"<td>\s*([0-9.]+%\*?)", html)


def pooled_summary(html: str) -> str:
    return re.search(r'<figcaption class="small">\s*<p class="mb-1">(.*?)</p>', html, re.S).group(1)


def test_a_viewers_next_view_is_the_kept_body_until_a_change_is_recorded(world, charts, client):
    client.force_login(world.frank)
    assert medians(body(client, world)) == ["70%", "70%", "70%"]
    # A write that goes around the services (and so records no change) is not seen yet...
    RunChartAnalysis.objects.filter(team=world.team_a1, measure=charts).update(
        summary={"current_median": {"median": 0.5, "provisional": False}}
    )
    assert medians(body(client, world)) == ["70%", "70%", "70%"]
    # ...until a change of the collaborative is recorded.
    page_cache.content_changed(collaborative_ids=[world.one.id])
    assert medians(body(client, world)) == ["50%", "70%", "70%"]


def test_with_page_cache_seconds_0_every_view_is_built(world, charts, client, settings):
    settings.PAGE_CACHE_SECONDS = 0
    client.force_login(world.frank)
    assert medians(body(client, world)) == ["70%", "70%", "70%"]
    RunChartAnalysis.objects.filter(team=world.team_a1, measure=charts).update(
        summary={"current_median": {"median": 0.5, "provisional": False}}
    )
    assert medians(body(client, world)) == ["50%", "70%", "70%"]


def test_a_change_of_another_collaborative_keeps_this_ones_body(world, charts, client):
    client.force_login(world.frank)
    before = DashboardChange.objects.unscoped(reason="test").filter(collaborative=world.one).count()
    body(client, world)
    RunChartAnalysis.objects.filter(team=world.team_a1, measure=charts).update(
        summary={"current_median": {"median": 0.5, "provisional": False}}
    )
    page_cache.content_changed(collaborative_ids=[world.two.id])
    assert medians(body(client, world)) == ["70%", "70%", "70%"]
    assert DashboardChange.objects.unscoped(reason="test").filter(collaborative=world.one).count() == before


def test_saving_a_month_shows_the_pooled_charts_updating_on_the_next_view(world, charts, client):
    client.force_login(world.frank)
    assert "Updating…" not in body(client, world)
    services.observations_record(
        actor=world.alice,
        team=world.team_a1,
        month=dt.date(2025, 6, 1),
        cells=[services.ObservationInput(measure=charts, numerator=9, denominator=10)],
    )  # its recompute is enqueued on commit, which a test's transaction never reaches: the charts stay stale
    assert "Updating…" in body(client, world)


def test_a_recompute_shows_the_new_median_on_the_next_view(world, charts, client):
    client.force_login(world.frank)
    assert medians(body(client, world)) == ["70%", "70%", "70%"]
    Observation.objects.filter(team=world.team_a1, measure=charts, month__gte=dt.date(2026, 1, 1)).update(
        numerator=9
    )
    recompute.runchart_analyse(analysis=chart_of(world.team_a1, charts))
    assert medians(body(client, world)) == ["90%", "70%", "70%"]


def test_a_batch_recompute_shows_its_new_medians_on_the_next_view(world, charts, client):
    client.force_login(world.frank)
    assert medians(body(client, world)) == ["70%", "70%", "70%"]
    Observation.objects.filter(measure=charts, month__gte=dt.date(2026, 1, 1)).update(numerator=8)
    recompute.runchart_analyse_many(
        analysis_ids=list(RunChartAnalysis.objects.filter(measure=charts).values_list("id", flat=True))
    )
    assert medians(body(client, world)) == ["80%", "80%", "80%"]


def test_a_failed_recompute_of_the_pooled_chart_shows_on_the_next_view(world, charts, client):
    client.force_login(world.frank)
    assert "Not updated" not in body(client, world)
    pooled = RunChartAnalysis.objects.get(kind="collaborative", measure=charts)
    for _ in range(recompute.MAX_ATTEMPTS):
        recompute.analysis_record_failure(
            analysis_id=pooled.id, generation=pooled.generation, error=RuntimeError("worker lost")
        )
    assert "Not updated" in body(client, world)


def test_a_collaborative_note_shows_on_the_pooled_charts_on_the_next_view(world, charts, client):
    client.force_login(world.frank)
    assert "Learning Session 2" not in body(client, world)
    response = client.post(
        f"/collaboratives/{world.one.public_id}/dashboard/notes/",
        {"month": "2025-07", "text": "Learning Session 2"},
    )
    assert response.status_code == 302
    assert "Learning Session 2" in body(client, world)


def test_renaming_an_agency_renames_its_row_on_the_next_view(world, charts, client):
    client.force_login(world.frank)
    assert table_labels(body(client, world)) == ["Agency A", "Agency B", "Agency C"]
    world.team_a1.lia.name = "Agency Z"
    world.team_a1.lia.save()
    assert table_labels(body(client, world)) == ["Agency B", "Agency C", "Agency Z"]


def test_renaming_a_measure_renames_its_chart_on_the_next_view(world, charts, client):
    client.force_login(world.frank)
    assert '<h3 class="h5 card-title">Follow-up</h3>' in body(client, world)
    services.measure_update(actor=world.frank, measure=charts, name="Follow-up visit")
    assert '<h3 class="h5 card-title">Follow-up visit</h3>' in body(client, world)


def test_a_submitted_month_shows_in_the_report_column_on_the_next_view(world, charts, client):
    client.force_login(world.frank)
    assert body(client, world).count("<td>Not started</td>") == 3
    MonthlyReport.objects.create(
        team=world.team_a1, month=reporting_month(timezone.localdate()), status=MonthlyReport.Status.SUBMITTED
    )
    page = body(client, world)
    assert page.count("<td>Not started</td>") == 2 and page.count("<td>Submitted</td>") == 1


def test_changing_who_sees_peers_shows_on_the_next_view(world, charts, client):
    client.force_login(world.charlie)
    assert table_labels(body(client, world)) == ["Agency A", "Agency B", "Agency C"]
    world.one.peer_visibility = Collaborative.PeerVisibility.ANONYMISED
    world.one.save()
    assert table_labels(body(client, world)) == ["Agency C", "Team A1", "Team B1"]


def test_a_new_membership_shows_on_the_viewers_next_view(world, charts, client):
    set_peers(world, Collaborative.PeerVisibility.HIDDEN)
    client.force_login(world.charlie)
    assert table_labels(body(client, world)) == ["Agency C"]
    MembershipFactory(user=world.charlie, role=Role.CQI_LEAD, lia=world.team_a1.lia)
    assert table_labels(body(client, world)) == ["Agency A", "Agency C"]


def test_no_viewer_is_served_the_body_kept_for_another(world, charts, client):
    set_peers(world, Collaborative.PeerVisibility.ANONYMISED)
    client.force_login(world.frank)
    assert table_labels(body(client, world)) == ["Agency A", "Agency B", "Agency C"]
    client.force_login(world.charlie)
    assert table_labels(body(client, world)) == ["Agency C", "Team A1", "Team B1"]
    client.force_login(world.frank)
    assert table_labels(body(client, world)) == ["Agency A", "Agency B", "Agency C"]


def test_the_sort_and_the_state_filter_are_kept_apart(world, charts, client):
    client.force_login(world.frank)
    url = f"/collaboratives/{world.one.public_id}/dashboard/"
    ascending = client.get(url + "?sort=team").content.decode()
    descending = client.get(url + "?sort=team&dir=desc").content.decode()
    south = client.get(url + f"?awardee={world.south.public_id}").content.decode()
    assert table_labels(ascending) == ["Agency A", "Agency B", "Agency C"]
    assert table_labels(descending) == ["Agency C", "Agency B", "Agency A"]
    assert table_labels(south) == ["Agency C"]
    assert table_labels(client.get(url + "?sort=team").content.decode()) == [
        "Agency A",
        "Agency B",
        "Agency C",
    ]


def test_rows_older_than_a_day_are_pruned_but_each_collaboratives_latest_stays(world, charts):
    changes = DashboardChange.objects.unscoped(reason="the test reads the bookkeeping itself")
    page_cache.content_changed(collaborative_ids=[world.one.id, world.two.id])
    changes.update(at=timezone.now() - dt.timedelta(days=2))
    page_cache.content_changed(collaborative_ids=[world.one.id])  # today's: it and the old rows' latest stay
    latest = dict(
        changes.values("collaborative_id")
        .annotate(latest=Max("id"))
        .values_list("collaborative_id", "latest")
    )
    recent = changes.filter(at__gte=timezone.now() - dt.timedelta(days=1)).count()
    assert recent == 1 and changes.count() > 3
    page_cache.changes_prune(now=timezone.now())
    assert sorted(changes.values_list("collaborative_id", "id")) == sorted(latest.items())


def pull(client, world, query: str = "") -> dict:
    response = client.get(f"/api/v1/aggregates/?collaborative={world.one.public_id}{query}")
    assert response.status_code == 200
    return response.json()


def test_a_callers_next_aggregate_pull_is_the_kept_page_until_a_change_is_recorded(world, charts, client):
    client.force_login(world.frank)
    assert {row["baseline_median"] for row in pull(client, world)["results"]} == {0.4}
    pooled = RunChartAnalysis.objects.filter(kind="collaborative", measure=charts)
    pooled.update(summary={"aggregate_baseline_median": {"median": 0.45}})  # around the services
    assert {row["baseline_median"] for row in pull(client, world)["results"]} == {0.4}
    page_cache.content_changed(collaborative_ids=[world.one.id])
    assert {row["baseline_median"] for row in pull(client, world)["results"]} == {0.45}


def test_a_recompute_shows_on_the_next_aggregate_pull(world, charts, client):
    client.force_login(world.frank)
    assert pull(client, world)["results"][-1]["numerator_sum"] == 21  # 3 teams × 7
    Observation.objects.filter(measure=charts, month=dt.date(2026, 12, 1)).update(numerator=9)
    recompute.runchart_analyse(analysis=RunChartAnalysis.objects.get(kind="collaborative", measure=charts))
    assert pull(client, world)["results"][-1]["numerator_sum"] == 27


def test_each_aggregate_page_and_page_size_is_kept_apart(world, charts, client):
    client.force_login(world.frank)
    first, second = pull(client, world, "&page_size=5"), pull(client, world, "&page_size=5&page=2")
    everything = pull(client, world)
    assert [r["month"] for r in first["results"]] == [f"2025-0{m}" for m in range(1, 6)]
    assert [r["month"] for r in second["results"]] == [f"2025-0{m}" for m in range(6, 10)] + ["2025-10"]
    assert second["previous"].endswith("page_size=5") and first["next"].endswith("page=2&page_size=5")
    assert len(everything["results"]) == everything["count"] == 24
