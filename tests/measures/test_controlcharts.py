"""Control charts in the product: the chart a series may take, its reading by direction and goal, its figure."""

import datetime as dt

import pytest

from measures import controlcharts
from measures.charts import inputs as series
from measures.charts.recompute import runchart_analyse
from measures.models import Measure, Observation, PhaseDecision, RunChartAnalysis
from tests.factories import MeasureFactory

START = dt.date(2025, 1, 1)
# Twelve baseline months alternating 48 % and 52 % of 100 (p chart: CL 50 %, σ = √(.5·.5/100) = 5 points,
# limits 35 % and 65 %), then 70 %: beyond the upper limit.
NUMERATORS = [48, 52] * 6 + [70]


def make_chart(world, *, goal=None, direction="up", code="fu"):
    measure = MeasureFactory(
        collaborative=world.one, code=code, name="Follow-up", goal=goal, direction=direction, chart_type="p"
    )
    Observation.objects.bulk_create(
        Observation(
            team=world.team_a1,
            measure=measure,
            month=series.month_add(START, i),
            numerator=n,
            denominator=100,
        )
        for i, n in enumerate(NUMERATORS)
    )
    chart = RunChartAnalysis.objects.create(
        kind="team", measure=measure, collaborative=world.one, team=world.team_a1
    )
    runchart_analyse(analysis=chart)
    chart.refresh_from_db()
    return chart


@pytest.mark.django_db
def test_a_point_above_the_limit_is_an_improvement_when_higher_is_better(world):
    chart = make_chart(world, goal=60)
    view = controlcharts.control_view(chart, "p", [])
    assert view is not None
    result, reading, figure = view["result"], view["reading"], view["figure"]
    assert result["cl"] == [0.5] * 13
    assert [round(v, 12) for v in result["ucl"]] == [0.65] * 13
    assert [round(v, 12) for v in result["lcl"]] == [0.35] * 13
    assert [(c.index, c.month, c.side, c.kind) for c in reading.special_causes] == [
        (12, dt.date(2026, 1, 1), "high", "improvement")
    ]
    assert reading.variation == "improvement"
    assert reading.variation_text == "Special cause: the latest month is above the upper limit."
    assert reading.assurance == "inconsistent"
    assert reading.assurance_text == (
        "The goal (60%) lies between the limits: hit and miss, the process will meet it in some months and "
        "miss it in others. The current phase shows special-cause variation, so its limits may not describe "
        "the process as it is now: once the change has held, start a new phase to recalculate them."
    )
    values, centre, upper, lower, improvement, goal = figure["data"]
    assert values["y"] == [48.0, 52.0] * 6 + [70.0]
    assert centre["name"] == "Centre line (overall proportion)" and centre["y"] == [50.0] * 13
    assert upper["name"] == "Upper limit (3 sigma)" and upper["y"] == [65.0] * 13
    assert lower["name"] == "Lower limit (3 sigma)" and lower["y"] == [35.0] * 13
    assert improvement == {
        "type": "scatter",
        "mode": "markers",
        "name": "Special cause: improvement",
        "x": ["2026-01-01"],
        "y": [70.0],
        "hoverinfo": "skip",
        "marker": {"color": "#0072b2", "size": 14, "symbol": "circle-open", "line": {"width": 3}},
    }
    assert goal["name"] == "Goal 60%" and goal["y"] == [60.0, 60.0]
    assert figure["layout"]["yaxis"] == {"title": {"text": "Percent"}, "range": [-4, 104]}
    assert figure["legend"] == ["Jan 2026: 70% above the upper limit (improvement)"]
    assert figure["summary"] == (
        "Follow-up, p chart: 13 months, centre line 50%, latest 70% in January 2026; 1 month outside the limits; "
        "Special cause: the latest month is above the upper limit; "
        "The goal (60%) lies between the limits: hit and miss, the process will meet it in some months and "
        "miss it in others. The current phase shows special-cause variation, so its limits may not describe "
        "the process as it is now: once the change has held, start a new phase to recalculate them."
    )


@pytest.mark.django_db
def test_a_stable_process_gets_its_assurance_without_a_caveat(world):
    """Twelve months of common-cause variation: the limits describe the process, so the verdict stands."""
    chart = make_chart(world, goal=80)
    chart.points = chart.points[:12]
    reading = controlcharts.interpret(chart, "p", controlcharts.control_result(chart, "p", []))
    assert (reading.variation, reading.assurance) == ("common_cause", "fail")
    assert reading.assurance_text == (
        "The goal (80%) lies above the upper limit: while the process stays as it is, it will consistently "
        "miss the goal, every month; only a change to the process will meet it."
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("direction", "goal", "kind", "assurance"),
    [("down", 30, "concern", "fail"), ("down", 70, "concern", "pass"), ("up", 30, "improvement", "pass"),
     ("up", 70, "improvement", "fail")],
)  # fmt: skip
def test_direction_classes_the_signal_and_the_goal_beyond_the_limits(world, direction, goal, kind, assurance):
    chart = make_chart(world, goal=goal, direction=direction)
    reading = controlcharts.interpret(chart, "p", controlcharts.control_result(chart, "p", []))
    assert [c.kind for c in reading.special_causes] == [kind]
    assert reading.assurance == assurance


@pytest.mark.django_db
def test_a_decided_phase_gets_its_own_limits_and_a_rejected_one_does_not(world, django_user_model):
    chart = make_chart(world)
    user = django_user_model.objects.first()
    decided = [
        PhaseDecision(analysis=chart, collaborative=world.one, start_month=dt.date(2025, 7, 1),
                      decision="manual", decided_by=user, reason="x"),
        PhaseDecision(analysis=chart, collaborative=world.one, start_month=dt.date(2025, 9, 1),
                      decision="rejected", decided_by=user, reason="y"),
    ]  # fmt: skip
    assert controlcharts.phase_starts(chart, decided) == (6,)
    result = controlcharts.control_result(chart, "p", decided)
    assert [(p["start_index"], p["end_index"]) for p in result["phases"]] == [(0, 5), (6, 12)]
    assert result["cl"][6] == (48 * 3 + 52 * 3 + 70) / 700


@pytest.mark.django_db
def test_charts_that_suit_each_kind_and_scope(world):
    chart = make_chart(world)
    assert controlcharts.chart_types(chart) == ["run", "pp", "p"]
    assert controlcharts.chosen_chart(chart, "pp") == "pp"
    assert controlcharts.chosen_chart(chart, "c") == "p"  # not for a proportion: the measure's own chart
    Measure.objects.filter(id=chart.measure_id).update(kind="count", chart_type="c")
    chart.measure.refresh_from_db()
    assert controlcharts.chart_types(chart) == ["run", "c", "up", "u", "i"]
    chart.kind = RunChartAnalysis.Kind.COLLABORATIVE
    assert controlcharts.chart_types(chart) == ["run", "up", "u", "i"]
    assert controlcharts.chosen_chart(chart, None) == "up"


@pytest.mark.django_db
def test_a_withheld_analysis_has_no_control_chart(world):
    chart = make_chart(world)
    chart.result = {"withheld": True}
    assert controlcharts.control_view(chart, "p", []) is None


def test_funnel_limits_and_which_teams_lie_beyond():
    # Pooled 0.5: at n = 100 the 95 % limits are 0.5 ± 1.96·0.05 and the 99.8 % limits 0.5 ± 3.09·0.05.
    low, high = controlcharts.funnel_limits(0.5, 100, controlcharts.FUNNEL_Z["95%"], proportion=True)
    assert (
        abs(low - (0.5 - 1.959963984540054 * 0.05)) < 1e-12
        and abs(high - (0.5 + 1.959963984540054 * 0.05)) < 1e-12
    )
    assert controlcharts.funnel_limits(0.5, 1, 3.09, proportion=True) == (0.0, 1.0)
    assert controlcharts.funnel_limits(4.0, 1, 3.0, proportion=False) == (0.0, 10.0)
    teams = controlcharts.funnel_teams(
        [("A", 50, 100), ("B", 61, 100), ("C", 66, 100), ("D", 6, 10)], 0.5, True
    )
    assert [(t.label, t.outside, t.side) for t in teams] == [
        ("A", "", ""), ("B", "95%", "high"), ("C", "99.8%", "high"), ("D", "", "")
    ]  # fmt: skip


@pytest.mark.django_db
def test_the_chart_page_opens_with_the_measures_chart_and_switches(world, client):
    chart = make_chart(world, goal=60)
    client.force_login(world.alice)
    page = client.get(f"/charts/{chart.public_id}/").content.decode()
    assert 'class="nav-link active" aria-current="page" href="?chart=p">p chart (proportion)</a>' in page
    assert (
        "Follow-up, p chart: 13 months, centre line 50%, latest 70% in January 2026; 1 month outside the limits"
        in page
    )
    # The "Making Data Count" icons, drawn inline, each named by what it means, beside the reading's words.
    assert (
        '<li><svg class="mdc-icon mdc-variation" role="img" '
        'aria-label="Variation: special cause of improvement, higher values"'
    ) in page
    assert "</svg> Special cause: the latest month is above the upper limit.</li>" in page
    assert (
        '<li><svg class="mdc-icon mdc-assurance" role="img" aria-label="Assurance: hit and miss, the goal will '
        'be met in some months and missed in others"'
    ) in page
    assert (
        "</svg> The goal (60%) lies between the limits: hit and miss, the process will meet it in some months "
        "and miss it in others. The current phase shows special-cause variation, so its limits may not "
        "describe the process as it is now: once the change has held, start a new phase to recalculate "
        "them.</li>"
    ) in page
    run = client.get(f"/charts/{chart.public_id}/?chart=run").content.decode()
    assert 'aria-current="page" href="?chart=run"' in run and "p chart:" not in run
    # A chart that does not suit a proportion falls back to the measure's own, not an error.
    odd = client.get(f"/charts/{chart.public_id}/?chart=c")
    assert odd.status_code == 200 and 'aria-current="page" href="?chart=p"' in odd.content.decode()


@pytest.mark.django_db
def test_a_measure_keeps_a_chart_that_suits_its_kind_and_a_wrong_one_is_refused_on_its_field(client, world):
    client.force_login(world.frank)
    form = {
        "code": "dev-screen", "name": "Developmental screening", "kind": "proportion", "direction": "up",
        "numerator_definition": "Children screened", "denominator_definition": "Children due", "order": "0",
    }  # fmt: skip
    url = f"/collaboratives/{world.one.public_id}/measures/new/"
    refused = client.post(url, form | {"chart_type": "c"})
    assert refused.status_code == 400
    assert "A proportion measure&#x27;s control chart is one of: p′ chart" in refused.content.decode()
    assert not Measure.objects.filter(code="dev-screen").exists()
    assert client.post(url, form | {"chart_type": "pp"}).status_code == 302
    assert Measure.objects.get(code="dev-screen").chart_type == "pp"
    assert client.post(url, form | {"code": "other"}).status_code == 302
    assert Measure.objects.get(code="other").chart_type == "run"


@pytest.mark.django_db
def test_the_funnel_figure_draws_both_funnels_the_pool_and_labels_only_teams_beyond(world):
    measure = MeasureFactory(collaborative=world.one, code="fn")
    teams = controlcharts.funnel_teams([("A", 50, 100), ("C", 66, 100), ("D", 30, 100)], 0.5, True)
    figure = controlcharts.funnel_figure(measure, teams, 0.5, proportion=True)
    names = [trace["name"] for trace in figure["data"]]
    assert names == [
        "99.8% limits", "99.8% limits (lower)", "95% limits", "95% limits (lower)", "Pooled rate 50%",
        "Teams within the 95% limits", "Beyond the 99.8% limits: better than the pool",
        "Beyond the 99.8% limits: worse than the pool",
    ]  # fmt: skip
    upper = figure["data"][0]
    assert upper["x"][0] == 50.0 and upper["x"][-1] == 120.0  # half the smallest team to 1.2 × the largest
    at_100 = upper["x"].index(100.0)
    assert upper["y"][at_100] == round((0.5 + 3.090232306167813 * 0.05) * 100, 6)
    within, better, worse = figure["data"][5:]
    assert (within["mode"], within["x"], within["y"], within["text"]) == ("markers", [100], [50.0], ["A"])
    assert (better["mode"], better["x"], better["y"], better["text"]) == (
        "markers+text",
        [100],
        [66.0],
        ["C"],
    )
    assert better["marker"] == {"color": "#0072b2", "size": 10, "symbol": "square"}
    assert (worse["y"], worse["text"], worse["marker"]["color"]) == ([30.0], ["D"], "#d55e00")
    assert figure["layout"]["yaxis"] == {"title": {"text": "Percent"}, "range": [-4, 104]}


@pytest.mark.django_db
def test_a_long_run_at_the_end_is_special_cause_without_a_point_outside(world):
    # CL 50 %, limits 35–65 %; then nine months at 56 %: inside the limits, but with the last 52 % they make a
    # run of 10 above the centre line, over Anhøj's limit for 21 useful points (round(log2 21) + 3 = 7).
    chart = make_chart(world)
    chart.points = chart.points[:12] + [
        {
            "month": series.month_add(START, 12 + i).isoformat(),
            "numerator": 56,
            "denominator": 100,
            "value": 0.56,
        }
        for i in range(9)
    ]
    result = controlcharts.control_result(chart, "p", [])
    assert result["sigma_signal_indices"] == []
    assert result["phases"][0]["longest_run"] == 10 and result["phases"][0]["anhoej_signal"] is True
    reading = controlcharts.interpret(chart, "p", result)
    assert reading.variation == "improvement"
    assert (
        reading.variation_text
        == "Special cause: the latest 10 months with data are all above the centre line."
    )


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["count", "mean"])
def test_every_chart_a_series_offers_draws_for_team_and_pooled_charts(
    world, client, kind, django_capture_on_commit_callbacks
):
    from measures.charts.recompute import recompute_all

    measure = MeasureFactory(
        collaborative=world.one,
        code=f"k-{kind}",
        name="Kinds",
        kind=kind,
        scale_max=6 if kind == "mean" else None,
    )
    for t, team in enumerate((world.team_a1, world.team_b1)):
        Observation.objects.bulk_create(
            Observation(
                team=team, measure=measure, month=series.month_add(START, i),
                numerator=3 + (i + t) % 4 if kind == "count" else 10 + (i + t) % 7,
                denominator=None if kind == "count" else 4,
            )
            for i in range(14)
            if i != 5
        )  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        recompute_all(collaborative_ids=[world.one.id])
    client.force_login(world.frank)
    for chart in RunChartAnalysis.objects.filter(measure=measure, kind__in=["team", "collaborative"]):
        for chart_type in controlcharts.chart_types(chart)[1:]:
            page = client.get(f"/charts/{chart.public_id}/?chart={chart_type}")
            assert page.status_code == 200, (chart.kind, chart_type)
            # 13 months have data; the MR chart has 11 moving ranges (none beside the missing month).
            what = "11 moving ranges" if chart_type == "mr" else "13 months"
            if chart.team == world.team_c1:  # C1 reported nothing
                what = "no data yet"
            name = controlcharts.CHART_LABELS[chart_type].split(" (")[0]
            caption = page.content.decode().split("<figcaption", 1)[1][:400]
            assert f"Kinds, {name}: {what}" in caption, (chart.kind, chart_type, caption)
