"""The run-chart component's figure for a known analysis, asserted exactly."""

import datetime as dt

import pytest

from measures.charts import ChartNote
from measures.charts import inputs as series
from measures.charts.recompute import runchart_analyse
from measures.models import Observation, RunChartAnalysis
from measures.rendering import runchart_figure
from tests.factories import MeasureFactory

START = dt.date(2025, 1, 1)
# Twelve baseline months around 50%, then a rise to 80–90% with March 2026 missing.
NUMERATORS = [5, 4, 6, 5, 5, 4, 6, 5, 5, 4, 6, 5, 8, 8, None, 9, 8, 9, 8]
MONTHS = [series.month_add(START, i).isoformat() for i in range(len(NUMERATORS))]


@pytest.fixture
def analysis(world):
    measure = MeasureFactory(collaborative=world.one, code="fu", name="Follow-up", goal=75)
    Observation.objects.bulk_create(
        Observation(
            team=world.team_a1, measure=measure, month=dt.date.fromisoformat(m), numerator=n, denominator=10
        )
        for m, n in zip(MONTHS, NUMERATORS, strict=True)
        if n is not None
    )
    chart = RunChartAnalysis.objects.create(
        kind="team", measure=measure, collaborative=world.one, team=world.team_a1
    )
    runchart_analyse(analysis=chart)
    chart.refresh_from_db()
    return chart


def line(name, x, y, dash, colour="#444444"):
    return {
        "hoverinfo": "name",
        "line": {"color": colour, "dash": dash, "width": 2},
        "mode": "lines",
        "name": name,
        "x": x,
        "y": y,
        "type": "scatter",
    }


def test_the_figure_shows_gaps_phases_the_shift_the_goal_and_a_note_exactly(analysis):
    figure = runchart_figure(
        analysis=analysis, notes=[ChartNote(dt.date(2025, 7, 1), "Learning Session 2")], title="Agency A"
    )
    values = [None if n is None else n * 10.0 for n in NUMERATORS]
    baseline = "Baseline median 50% (first 12 points, frozen and extended)"
    shifted = "Shifted median 80% from Jan 2026 (provisional: 6 points so far)"
    shift_months = [
        "2025-11-01",
        "2026-01-01",
        "2026-02-01",
        "2026-04-01",
        "2026-05-01",
        "2026-06-01",
        "2026-07-01",
    ]
    shift_text = (
        "Shift (improvement): 7 points in a row above the baseline median from Nov 2025 to Jul 2026 "
        "(higher is better)"
    )
    assert figure["data"] == [
        {
            "cliponaxis": False,
            "connectgaps": False,
            "customdata": [[n, 10] if n is not None else [None, None] for n in NUMERATORS],
            "hovertemplate": "%{x|%b %Y}: %{y:.1f}%<br>%{customdata[0]} / %{customdata[1]}<extra></extra>",
            "line": {"color": "#0b3d6b", "width": 2},
            "marker": {"color": "#0b3d6b", "size": 7},
            "mode": "lines+markers",
            "name": "Monthly value (gaps are months with no data)",
            "x": MONTHS,
            "y": values,  # March 2026 is None: a gap, never a zero
            "type": "scatter",
        },
        line(baseline, ["2025-01-01", "2025-12-01"], [50.0, 50.0], "solid"),
        line(shifted, ["2026-01-01", "2026-07-01"], [80.0, 80.0], "dot"),  # dotted: provisional
        line("Goal 75%", ["2025-01-01", "2026-07-01"], [75.0, 75.0], "dash", colour="#00755a"),
        {
            "cliponaxis": False,
            "hoverinfo": "text",
            "hovertext": [shift_text] * 7,
            "marker": {"color": "#0072b2", "line": {"color": "#0072b2", "width": 2.5}, "size": 17,
                       "symbol": "circle-open"},
            "mode": "markers",
            "name": "Shift, improvement: 6 or more points in a row on one side of the median",
            "x": shift_months,
            "y": [60.0, 80.0, 80.0, 90.0, 80.0, 90.0, 80.0],
            "type": "scatter",
        },
        {
            "cliponaxis": False,
            "hoverinfo": "text",
            "hovertext": ["1. Jul 2025: Learning Session 2"],
            "marker": {"color": "#ffffff", "line": {"color": "#595959", "width": 1.5}, "size": [18],
                       "symbol": "circle"},
            "mode": "markers+text",
            "name": "Notes (numbered; listed under the chart)",
            "showlegend": False,
            "text": ["1"],
            "textfont": {"color": "#1a1a1a", "size": 10},
            "x": ["2025-07-01"],
            "y": [0],
            "yaxis": "y2",
            "type": "scatter",
        },
    ]  # fmt: skip
    assert figure["legend"] == [
        baseline,
        shifted,
        shift_text,
        # The new phase is six points, four of them on its median: too few off it for the rules.
        "The run-chart rules can't judge Jan 2026 to Jul 2026: 4 of 6 points lie on the median 80%. Points on "
        "the median are skipped, so scattered points off it are read as runs; no shift or run is reported here.",
        "Median of the last 6 reported months: 80% ≥ goal 75%: meets the aim.",
    ]
    assert figure["summary"] == (
        "Follow-up: 18 months of data, current median 80%, latest 80% in July 2026, 1 shifted median, "
        "special cause: improvement."
    )
    assert figure["aim"] == "Median of the last 6 reported months: 80% ≥ goal 75%: meets the aim."
    assert figure["export"] == {
        "title": "Follow-up · Agency A · Jan 2025 to Jul 2026",
        "subtitle": "Special cause: improvement · Median of the last 6 reported months: 80% ≥ goal 75%: meets the aim.",
        "filename": "follow-up-agency-a",
    }
    assert figure["layout"]["xaxis"]["range"] == ["2024-12-17", "2026-07-16"]
    assert figure["layout"]["yaxis"]["range"] == [0.0, 100.0]


def test_an_aggregate_hover_names_the_teams_reporting(world):
    measure = MeasureFactory(collaborative=world.one, code="agg")
    for team in (world.team_a1, world.team_b1):
        Observation.objects.create(team=team, measure=measure, month=START, numerator=3, denominator=4)
    chart = RunChartAnalysis.objects.create(kind="collaborative", measure=measure, collaborative=world.one)
    runchart_analyse(analysis=chart)
    chart.refresh_from_db()
    trace = runchart_figure(analysis=chart)["data"][0]
    # Two of the three teams reported: under the floor of 3 in 4, which the hover says (docs/runchart.md §8.2).
    assert trace["customdata"] == [[6, 8, 2, "<br>too few teams reporting: left out by the rules"]]
    assert trace["hovertemplate"].endswith(
        "<br>%{customdata[2]} teams reporting%{customdata[3]}<extra></extra>"
    )


def test_a_trend_is_marked_on_its_points_and_explained(world):
    measure = MeasureFactory(collaborative=world.one, code="tr")
    numerators = [2, 3, 3, 4, 5, 6, 5]  # 2,3,(3),4,5,6: five rising collapsed points
    Observation.objects.bulk_create(
        Observation(
            team=world.team_a1, measure=measure, month=series.month_add(START, i), numerator=n, denominator=10
        )
        for i, n in enumerate(numerators)
    )
    chart = RunChartAnalysis.objects.create(
        kind="team", measure=measure, collaborative=world.one, team=world.team_a1
    )
    runchart_analyse(analysis=chart)
    chart.refresh_from_db()
    figure = runchart_figure(analysis=chart)
    trend = next(t for t in figure["data"] if t["name"].startswith("Trend"))
    assert trend["x"] == [series.month_add(START, i).isoformat() for i in range(6)]
    # The trend starts at the last point of its first plateau (docs/runchart.md §4.1): January, the lone 2.
    assert figure["legend"] == [
        "Baseline median 40% (provisional: 7 of 12 baseline points so far)",
        "Trend (improvement): 5 points going up from Jan 2025 to Jun 2025 (higher is better)",
        "Too few useful points for the runs rule (fewer than 10 off the median).",
    ]


def test_the_figure_script_is_djangos_json_script_encoded_by_orjson():
    import datetime as dt
    import json
    import re

    from django.utils.html import json_script

    from measures.templatetags.runcharts import figure_json_script

    figure = {
        "title": "</script><script>alert(1)</script> & co",
        "x": [dt.date(2025, 1, 1)],
        "y": [0.5, None],
    }
    ours, django = figure_json_script(figure, "runchart-1"), json_script(figure, "runchart-1")
    body = re.fullmatch(r'<script id="runchart-1" type="application/json">(.*)</script>', ours).group(1)
    assert "<" not in body and ">" not in body and "&" not in body
    assert (
        json.loads(body)
        == json.loads(re.search(r">(.*)</script>", django).group(1))
        == {
            "title": "</script><script>alert(1)</script> & co",
            "x": ["2025-01-01"],
            "y": [0.5, None],
        }
    )
