"""Control charts on pages of many charts (dashboard, small multiples, team page), computed in the batch path;
their "Making Data Count" icons; and the "Updating…" state while a recompute is pending."""

import datetime as dt

import pytest

from measures import controlcharts
from measures.charts.recompute import recompute_all
from measures.models import CONTROL_CHARTS_BY_KIND, Measure, PhaseDecision, RunChartAnalysis
from measures.runchart import RuleParams, control_chart
from tests.factories import MeasureFactory, ObservationFactory
from tests.measures.runchart.test_control import _close
from tests.measures.test_funnel import ipv  # noqa: F401 - the fixture

START = dt.date(2025, 1, 1)


@pytest.fixture
def follow_up(world, django_capture_on_commit_callbacks):
    """A p′-chart measure with fifteen months for A1 and B1 (B1 jumps at the end); A1 has a decided phase."""
    measure = MeasureFactory(collaborative=world.one, code="fu", name="Follow-up", chart_type="pp", goal=80)
    for team, shift in ((world.team_a1, 0), (world.team_b1, 3)):
        for i in range(15):
            top = 40 + (i * 7 + shift) % 11 + (30 if team == world.team_b1 and i == 14 else 0)
            ObservationFactory(
                team=team, measure=measure, month=_month(i), numerator=top, denominator=90 + (i * 5) % 13
            )
    with django_capture_on_commit_callbacks(execute=True):
        recompute_all(collaborative_ids=[world.one.id])
    a1 = RunChartAnalysis.objects.get(measure=measure, team=world.team_a1)
    PhaseDecision.objects.create(
        analysis=a1, start_month=_month(8), decision="manual", reason="new form", decided_by=world.alice,
        collaborative=world.one, team=world.team_a1,
    )  # fmt: skip
    return measure


def _month(i: int) -> dt.date:
    return dt.date(START.year + (START.month - 1 + i) // 12, (START.month - 1 + i) % 12 + 1, 1)


@pytest.mark.django_db
def test_a_page_of_many_charts_gets_each_series_own_control_chart_from_the_batch_path(world, follow_up):
    charts = list(RunChartAnalysis.objects.filter(measure=follow_up).filter(result__isnull=False))
    decisions = {c.pk: list(PhaseDecision.objects.filter(analysis=c)) for c in charts}
    views = controlcharts.control_views(charts, decisions)
    assert set(views) == {c.pk for c in charts}
    for chart in charts:
        view = views[chart.pk]
        assert view is not None and view["chart"] == "pp"
        one = controlcharts.control_view(chart, "pp", decisions[chart.pk])
        assert one is not None
        assert _close(view["result"], one["result"]), chart
        assert view["reading"] == one["reading"] and view["figure"] == one["figure"]
    a1 = views[next(c.pk for c in charts if c.team_id == world.team_a1.id)]
    assert a1 is not None
    assert [(p["start_index"], p["end_index"]) for p in a1["result"]["phases"]] == [(0, 7), (8, 14)]
    # And the engine's own one-series path on the same pairs, by hand.
    points = next(c for c in charts if c.team_id == world.team_b1.id).points
    alone = control_chart(
        [(p["numerator"], p["denominator"]) for p in points], "pp", RuleParams(baseline_k=12)
    ).to_dict()
    b1 = views[next(c.pk for c in charts if c.team_id == world.team_b1.id)]
    assert b1 is not None and _close(b1["result"], alone)
    assert b1["reading"].special_causes[-1].index == 14 and b1["reading"].variation == "improvement"


@pytest.mark.parametrize(
    ("kind", "chart_type"),
    [(kind, chart) for kind, charts in CONTROL_CHARTS_BY_KIND.items() for chart in charts],
)
@pytest.mark.django_db
def test_the_batch_path_gives_each_chart_type_the_one_series_view(world, follow_up, kind, chart_type):
    """Pairs read as ratios for I and MR, numerators as counts for c: the same in both paths."""
    scale = 100 if kind == Measure.Kind.MEAN else None  # a mean score needs the top of its scale
    Measure.objects.filter(id=follow_up.id).update(kind=kind, chart_type=chart_type, scale_max=scale)
    charts = list(
        RunChartAnalysis.objects.filter(measure=follow_up, result__isnull=False).select_related("measure")
    )
    decisions = {c.pk: list(PhaseDecision.objects.filter(analysis=c)) for c in charts}
    views = controlcharts.control_views(charts, decisions)
    for chart in charts:
        drawn = controlcharts.page_chart(chart)
        one = controlcharts.control_view(chart, drawn, decisions[chart.pk])
        view = views[chart.pk]
        assert view is not None and one is not None and view["chart"] == drawn
        assert _close(view["result"], one["result"]), (chart, drawn)
        assert view["reading"] == one["reading"] and view["figure"] == one["figure"]


@pytest.mark.django_db
def test_a_run_chart_measure_keeps_run_charts_and_a_withheld_chart_has_no_control_view(world, follow_up):
    Measure.objects.filter(pk=follow_up.pk).update(chart_type="run")
    charts = list(RunChartAnalysis.objects.filter(measure=follow_up).select_related("measure"))
    assert controlcharts.control_views(charts, {}) == {}
    Measure.objects.filter(pk=follow_up.pk).update(chart_type="p")
    charts = list(RunChartAnalysis.objects.filter(measure=follow_up).select_related("measure"))
    charts[0].result = {"withheld": True}
    views = controlcharts.control_views(charts, {})
    assert views[charts[0].pk] is None and all(views[c.pk] is not None for c in charts[1:] if c.result)


@pytest.mark.django_db
def test_small_multiples_dashboard_and_team_page_draw_the_measures_control_chart_with_its_icons(
    world, follow_up, client
):
    client.force_login(world.frank)
    teams = client.get(f"/collaboratives/{world.one.public_id}/dashboard/{follow_up.public_id}/")
    page = teams.content.decode()
    assert teams.status_code == 200
    # The pooled chart and each team's chart: limits, signals by direction, the variation icon.
    assert page.count('class="runchart controlchart mb-0"') == 1 + len(teams.context["teams"])
    assert "Follow-up, p′ chart: 15 months" in page
    assert 'aria-label="Variation: special cause of improvement, higher values"' in page
    assert "Assurance: the goal will consistently be missed unless the process changes" in page
    assert (
        "The goal (80%) lies above the upper limit: while the process stays as it is, it will consistently"
        in page
    )
    dashboard = client.get(f"/collaboratives/{world.one.public_id}/dashboard/").content.decode()
    assert 'class="runchart controlchart mb-0"' in dashboard and "Follow-up, p′ chart: 15 months" in dashboard
    client.force_login(world.alice)
    team = client.get(f"/teams/{world.team_a1.public_id}/").content.decode()
    assert "Follow-up, p′ chart: 15 months" in team and "recomputed from each decided phase" in team


@pytest.mark.django_db
def test_a_peer_sees_no_control_chart_of_a_withheld_team_on_the_small_multiples(world_plus, ipv, client):  # noqa: F811
    """Suppression still decides: a peer gets no limits or signals of A1's mostly hidden sensitive series."""
    w, measure = world_plus, ipv
    Measure.objects.filter(id=measure.id).update(chart_type="p")
    withheld = "This team's limits and signals are not shown to you"
    url = f"/collaboratives/{w.one.public_id}/dashboard/{measure.public_id}/"
    client.force_login(w.charlie)
    response = client.get(url)
    page = response.content.decode()
    hidden = [label for chart, label, _ in response.context["teams"] if chart.result.get("withheld")]
    assert "Agency A" in hidden  # A1's, and any team whose month was hidden beside it (the complement)
    assert page.count(withheld) == len(hidden)
    assert page.count('class="runchart controlchart mb-0"') == 1 + 3  # pooled and each team's panel
    assert "3 of 20" not in page and "15%" not in page
    client.force_login(w.alice)
    assert withheld not in client.get(url).content.decode()


@pytest.mark.django_db
def test_the_control_chart_view_says_updating_while_a_recompute_is_pending(world, follow_up, client):
    chart = RunChartAnalysis.objects.get(measure=follow_up, team=world.team_b1)
    client.force_login(world.frank)
    fresh = client.get(f"/charts/{chart.public_id}/?chart=pp").content.decode()
    assert (
        "Updating…" not in fresh and "hx-get" not in fresh.split('class="runchart controlchart', 1)[1][:200]
    )
    RunChartAnalysis.objects.filter(pk=chart.pk).update(stale=True)
    page = client.get(f"/charts/{chart.public_id}/?chart=pp").content.decode()
    poll = f'hx-get="/charts/{chart.public_id}/fragment/?chart=pp&amp;compact=0" hx-trigger="every 5s"'
    assert poll in page
    assert "Updating…</span> new data is being analysed; this chart is from" in page
    fragment = client.get(f"/charts/{chart.public_id}/fragment/?chart=pp&compact=0").content.decode()
    assert fragment.startswith('<figure class="runchart controlchart mb-0"') and poll in fragment
    assert "Follow-up, p′ chart: 15 months" in fragment
    RunChartAnalysis.objects.filter(pk=chart.pk).update(stale=False)
    done = client.get(f"/charts/{chart.public_id}/fragment/?chart=pp&compact=0").content.decode()
    assert "hx-get" not in done and "Last computed" in done and "Follow-up, p′ chart: 15 months" in done
    # The run chart's own polling (no chart asked for) still gets the run chart.
    run = client.get(f"/charts/{chart.public_id}/fragment/?compact=0").content.decode()
    assert "controlchart" not in run and "runchart-plot" in run


@pytest.mark.django_db
def test_no_variation_icon_without_limits(world, follow_up):
    chart = RunChartAnalysis.objects.get(measure=follow_up, team=world.team_b1)
    chart.points = chart.points[:1]
    result = controlcharts.control_result(chart, "i", [])
    assert result is not None and result["ucl"] == [None]
    reading = controlcharts.interpret(chart, "i", result)
    assert (reading.variation, reading.variation_icon) == ("", "")
    assert reading.variation_text == "No limits yet: too few months with data to judge the variation."
    assert (reading.assurance, reading.assurance_icon) == ("", "")


@pytest.mark.parametrize(
    ("direction", "goal", "assurance", "side", "name"),
    [("up", 90, "fail", "above", "consistently be missed"), ("up", 10, "pass", "below", "consistently be met"),
     ("down", 90, "pass", "above", "consistently be met"), ("down", 10, "fail", "below", "consistently be missed"),
     ("up", 45, "inconsistent", "inside", "hit and miss")],
)  # fmt: skip
@pytest.mark.django_db
def test_the_assurance_icon_draws_the_goal_where_it_lies(
    world, follow_up, direction, goal, assurance, side, name
):
    Measure.objects.filter(pk=follow_up.pk).update(direction=direction, goal=goal)
    chart = RunChartAnalysis.objects.select_related("measure").get(measure=follow_up, team=world.team_a1)
    reading = controlcharts.interpret(chart, "p", controlcharts.control_result(chart, "p", []))
    assert (reading.assurance, reading.goal_side) == (assurance, side)
    icon = str(reading.assurance_icon)
    assert f"Assurance: the goal will {name}" in icon or (assurance == "inconsistent" and name in icon)
    goal_y = {"below": "27", "above": "17.5", "inside": "22.5"}[side]
    assert f'<line x1="6" y1="{goal_y}"' in icon


@pytest.mark.django_db
def test_a_control_chart_not_computed_yet_says_updating_and_polls_for_its_own_type(world, follow_up, client):
    chart = RunChartAnalysis.objects.get(measure=follow_up, team=world.team_c1)
    RunChartAnalysis.objects.filter(pk=chart.pk).update(result=None, computed_at=None, stale=True)
    client.force_login(world.frank)
    page = client.get(
        f"/collaboratives/{world.one.public_id}/dashboard/{follow_up.public_id}/"
    ).content.decode()
    poll = f'hx-get="/charts/{chart.public_id}/fragment/?chart=pp&amp;compact=1" hx-trigger="every 5s"'
    assert page.count(poll) == 1
    panel = page.split(poll, 1)[1].split("</figure>", 1)[0]
    assert "Updating…</span> this chart is being computed." in panel


@pytest.mark.django_db
def test_a_control_chart_panel_lists_the_charts_notes(world, follow_up, client):
    b1 = RunChartAnalysis.objects.get(measure=follow_up, team=world.team_b1)
    client.force_login(world.diana)  # B1's advisor
    response = client.post(f"/charts/{b1.public_id}/notes/", {"month": "2025-03", "text": "Coaching call"})
    assert response.status_code == 302
    team = client.get(f"/teams/{world.team_b1.public_id}/").content.decode()
    assert "<summary>Notes on this chart (1)</summary>" in team and "Mar 2025: Coaching call</li>" in team
    fragment = client.get(f"/charts/{b1.public_id}/fragment/?chart=pp&compact=1").content.decode()
    assert "Mar 2025: Coaching call</li>" in fragment
