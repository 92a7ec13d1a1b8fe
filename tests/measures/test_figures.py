"""The run-chart figure, exactly, for the five charts of issue 20; and the printed SVG draws the same chart."""

import re
from fractions import Fraction

import pytest

from measures import figures, runchart
from measures.interpretation import MeasureFacts
from tests.measures.chart_cases import CASES, month

FONT = {"color": "#1a1a1a", "family": "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif", "size": 12}
HOVER = "%{x|%b %Y}: %{y:.1f}<unit><br>%{customdata[0]} / %{customdata[1]}<extra></extra>"
BASELINE = "Baseline median {} (first 12 points, frozen and extended)"


def model(case, notes=True):
    pairs = [None if n is None else (n, case.denominator) for n in case.numerators]
    result = runchart.analyse(pairs, runchart.RuleParams(direction=case.direction)).to_dict()
    facts = MeasureFacts(case.name, case.kind, case.direction, Fraction(str(case.goal)), case.scale_max)
    return figures.chart_model(
        figures.FigureInput(
            facts,
            case.points(),
            result,
            "Agency A",
            [figures.Note(m, t) for m, t in case.notes] if notes else [],
        )
    )


def months(first, last):
    return [month(i).isoformat() for i in range(first, last + 1)]


def values(case):
    scale = 100 if case.kind == "proportion" else 1
    return [round(n / case.denominator * scale, 6) for n in case.numerators]


def value_trace(case, unit="%"):
    return {
        "cliponaxis": False, "connectgaps": False,
        "customdata": [[n, case.denominator] for n in case.numerators],
        "hovertemplate": HOVER.replace("<unit>", unit),
        "line": {"color": "#0b3d6b", "width": 2}, "marker": {"color": "#0b3d6b", "size": 7},
        "mode": "lines+markers", "name": "Monthly value (gaps are months with no data)",
        "x": months(0, len(case.numerators) - 1), "y": values(case), "type": "scatter",
    }  # fmt: skip


def flat(name, x0, x1, y, colour, dash):
    return {
        "hoverinfo": "name", "line": {"color": colour, "dash": dash, "width": 2}, "mode": "lines", "name": name,
        "x": [x0, x1], "y": [y, y], "type": "scatter",
    }  # fmt: skip


def shift(verdict, symbol, colour, text, x, y):
    return {
        "cliponaxis": False, "hoverinfo": "text", "hovertext": [text] * len(x),
        "marker": {"color": colour, "line": {"color": colour, "width": 2.5}, "size": 17, "symbol": symbol},
        "mode": "markers", "name": f"Shift, {verdict}: 6 or more points in a row on one side of the median",
        "x": x, "y": y, "type": "scatter",
    }  # fmt: skip


def layout(x_last, y_range=(0.0, 100.0), suffix="%", title="Percent", domain=1.0):
    return {
        "font": FONT, "height": 320, "hovermode": "closest", "margin": {"b": 40, "l": 56, "r": 20, "t": 12},
        "showlegend": False, "template": {"data": {"scatter": [{"type": "scatter"}]}},
        "xaxis": {"automargin": True, "linecolor": "#767676", "range": ["2024-12-17", x_last], "showgrid": False,
                  "tickformat": "%b %Y", "ticks": "outside", "type": "date"},
        "yaxis": {"automargin": True, "domain": [0, domain], "gridcolor": "#e5e5e5", "linecolor": "#767676",
                  "range": list(y_range), "ticksuffix": suffix, "title": {"text": title}, "zeroline": False},
    }  # fmt: skip


def test_an_improvement_shift_is_blue_circles_named_improvement():
    case = CASES["improvement"]
    text = (
        "Shift (improvement): 6 points in a row above the baseline median from Jan 2026 to Jun 2026 "
        "(higher is better)"
    )
    assert figures.plotly_figure(model(case), height=320) == {
        "data": [
            value_trace(case),
            flat(BASELINE.format("50%"), "2025-01-01", "2026-06-01", 50.0, "#444444", "solid"),
            flat("Goal 70%", "2025-01-01", "2026-06-01", 70.0, "#00755a", "dash"),
            shift(
                "improvement",
                "circle-open",
                "#0072b2",
                text,
                months(12, 17),
                [80.0, 80.0, 90.0, 80.0, 90.0, 80.0],
            ),
        ],
        "layout": layout("2026-06-16"),
    }


def test_a_concern_shift_is_orange_squares_named_concern():
    case = CASES["concern"]
    text = "Shift (concern): 7 points in a row below the baseline median from Nov 2025 to Jun 2026 (higher is better)"
    assert figures.plotly_figure(model(case), height=320) == {
        "data": [
            value_trace(case),
            flat(BASELINE.format("50%"), "2025-01-01", "2026-06-01", 50.0, "#444444", "solid"),
            flat("Goal 70%", "2025-01-01", "2026-06-01", 70.0, "#00755a", "dash"),
            shift(
                "concern", "square-open", "#d55e00", text, ["2025-11-01", *months(12, 17)],
                [40.0, 30.0, 20.0, 30.0, 20.0, 30.0, 20.0],
            ),
        ],
        "layout": layout("2026-06-16"),
    }  # fmt: skip


def test_a_series_at_the_ceiling_marks_no_signal_and_says_why():
    case = CASES["ceiling"]
    m = model(case)
    assert figures.plotly_figure(m, height=320) == {
        "data": [
            value_trace(case),
            flat(BASELINE.format("100%"), "2025-01-01", "2026-06-01", 100.0, "#444444", "solid"),
            flat("Goal 95%", "2025-01-01", "2026-06-01", 95.0, "#00755a", "dash"),
        ],
        "layout": layout("2026-06-16"),
    }
    assert m.reading.variation == "cannot_judge"
    assert m.summary == (
        "Safe sleep education: 18 months of data, current median 100%, latest 90% in June 2026, "
        "not judged: too many points on the median."
    )


def test_thirty_notes_are_numbered_in_a_band_above_the_plot_and_the_axis_spans_the_data():
    case = CASES["notes"]
    m = model(case)
    figure = figures.plotly_figure(m, height=320)
    # 24 months on a 280 px plot: markers 3 months apart in each row never touch, so three rows; the band
    # (3 rows of 22 px and 8 px) is added to the figure's height, the data keep their 320 px.
    split = 1 - (3 * 22 + 8) / (320 + 74 - 12 - 40)
    labels = ["2", "3", "4–5", "6", "7", "8–10", *map(str, range(11, 17)), "17–18", *map(str, range(19, 30))]
    note_trace = figure["data"][-1]
    assert {k: v for k, v in note_trace.items() if k != "hovertext"} == {
        "cliponaxis": False, "hoverinfo": "text",
        "marker": {"color": "#ffffff", "line": {"color": "#595959", "width": 1.5}, "symbol": "circle",
                   "size": [{1: 18, 2: 21}.get(len(label), 30) for label in labels]},
        "mode": "markers+text", "name": "Notes (numbered; listed under the chart)", "showlegend": False,
        "text": labels, "textfont": {"color": "#1a1a1a", "size": 10},
        "x": months(0, 23), "y": [i % 3 for i in range(24)], "yaxis": "y2", "type": "scatter",
    }  # fmt: skip
    assert (
        note_trace["hovertext"][2]
        == "4. Mar 2025: Note 3: test number 3<br>5. Mar 2025: Note 4: PDSA: test number 4"
    )
    assert figure["data"][:-1] == [
        value_trace(case),
        flat(BASELINE.format("50%"), "2025-01-01", "2026-12-01", 50.0, "#444444", "solid"),
        flat("Goal 60%", "2025-01-01", "2026-12-01", 60.0, "#00755a", "dash"),
    ]
    expected = layout("2026-12-16", domain=split - 0.04) | {"height": 394}
    expected["yaxis2"] = {
        "anchor": "x",
        "domain": [split, 1],
        "fixedrange": True,
        "range": [2.5, -0.5],
        "visible": False,
    }
    expected["shapes"] = [
        {"layer": "below", "line": {"color": "#b0b0b0", "dash": "dot", "width": 1}, "type": "line", "x0": x,
         "x1": x, "xref": "x", "y0": 0, "y1": split, "yref": "paper"}
        for x in months(0, 23)
    ]  # fmt: skip
    assert figure["layout"] == expected
    # The notes outside the data's months are listed, not plotted: the axis never reaches 2029.
    assert [(n.number, n.text) for n in m.notes if not n.plotted] == [
        (1, "Kick-off (before)"),
        (30, "Closing webinar (after the data)"),
    ]


def test_a_mean_score_is_drawn_on_its_whole_scale_and_a_point_in_a_trend_and_a_shift_shows_both():
    case = CASES["mean"]
    trend = {
        "connectgaps": False, "hoverinfo": "skip", "line": {"color": "#0072b2", "dash": "solid", "width": 9},
        "mode": "lines", "name": "Trend, improvement: 5 or more points going one way", "opacity": 0.45,
        "x": months(9, 14), "y": [3.8, 4.4, 4.5, 4.6, 4.7, 4.8], "type": "scatter",
    }  # fmt: skip
    text = (
        "Shift (improvement): 6 points in a row above the baseline median from Nov 2025 to Apr 2026 "
        "(higher is better)"
    )
    assert figures.plotly_figure(model(case), height=320) == {
        "data": [
            trend,  # drawn first, under the points, as a broad band
            value_trace(case, unit=""),
            flat(BASELINE.format("4.00"), "2025-01-01", "2026-04-01", 4.0, "#444444", "solid"),
            flat("Goal 4.50", "2025-01-01", "2026-04-01", 4.5, "#00755a", "dash"),
            shift(
                "improvement", "circle-open", "#0072b2", text, months(10, 15), [4.4, 4.5, 4.6, 4.7, 4.8, 4.6]
            ),
        ],
        "layout": layout("2026-04-16", y_range=(0.0, 6.0), suffix="", title="Mean score (0–6)"),
    }


def _svg_elements(svg, cls):
    return re.findall(rf'<\w+ class="{cls}"([^>]*)>', svg)


def _attrs(element):
    return dict(re.findall(r'(data-[\w-]+)="([^"]*)"', element))


@pytest.mark.parametrize("name", list(CASES))
def test_the_printed_svg_draws_the_points_centre_lines_signals_and_notes_of_the_web_figure(name):
    m = model(CASES[name])
    web = figures.plotly_figure(m, height=320)["data"]
    svg = figures.svg(m)
    value = next(t for t in web if t["name"].startswith("Monthly value"))
    assert [(a["data-x"], float(a["data-y"])) for a in map(_attrs, _svg_elements(svg, "point"))] == [
        (x, y) for x, y in zip(value["x"], value["y"], strict=True) if y is not None
    ]
    centre = [t for t in web if t["name"].startswith(("Baseline median", "Median", "Shifted median"))]
    assert [
        (a["data-x0"], a["data-x1"], float(a["data-y"])) for a in map(_attrs, _svg_elements(svg, "centre"))
    ] == [(t["x"][0], t["x"][1], t["y"][0]) for t in centre]
    web_shifts = sorted(
        (x, y, t["name"].split(",")[1].split(":")[0].strip())
        for t in web if t["name"].startswith("Shift") for x, y in zip(t["x"], t["y"], strict=True)
    )  # fmt: skip
    svg_shifts = sorted(
        (a["data-x"], float(a["data-y"]), verdict)
        for verdict in ("improvement", "concern", "neutral")
        for a in map(_attrs, _svg_elements(svg, f"signal shift {verdict}"))
    )
    assert svg_shifts == web_shifts
    web_trends = [[x for x in t["x"] if x] for t in web if t["name"].startswith("Trend")]
    svg_trends = [a["data-x"].split() for a in map(_attrs, _svg_elements(svg, r"signal trend \w+"))]
    assert svg_trends == web_trends
    notes = next((t for t in web if t["name"].startswith("Notes")), None)
    svg_notes = [
        (a["data-x"], a["data-numbers"]) for a in map(_attrs, re.findall(r'<g class="note"([^>]*)>', svg))
    ]
    assert svg_notes == (
        []
        if notes is None
        else [(x, " ".join(_numbers(label))) for x, label in zip(notes["x"], notes["text"], strict=True)]
    )


def _numbers(label):
    first, _, last = label.partition("–")
    return [str(n) for n in range(int(first), int(last or first) + 1)]


def test_the_csv_rows_come_from_the_same_model_with_each_signals_verdict():
    case = CASES["concern"]
    rows = figures.csv_rows(model(case), case.points())
    assert rows[10] == ["2025-11", 4, 10, 40.0, 50.0, 1, "no", "yes", "no", "concern", "yes", "", ""]
    assert rows[0] == ["2025-01", 5, 10, 50.0, 50.0, 1, "no", "no", "no", "", "yes", "", ""]
    ceiling = CASES["ceiling"]
    assert {row[9:11] == ["", "no"] for row in figures.csv_rows(model(ceiling), ceiling.points())} == {True}


def test_a_month_hidden_from_the_viewer_is_not_marked_and_the_aim_is_not_judged_on_what_they_cannot_see():
    case = CASES["improvement"]
    pairs = [(n, case.denominator) for n in case.numerators]
    result = runchart.analyse(pairs, runchart.RuleParams()).to_dict()  # computed from the true counts
    points = case.points()
    points[13] |= {"numerator": None, "denominator": None, "value": None, "suppressed": True}  # Feb 2026
    facts = MeasureFacts(case.name, case.kind, case.direction, Fraction(70))
    m = figures.chart_model(figures.FigureInput(facts, points, result, "Team A1"))
    [shift] = [t for t in figures.plotly_figure(m, height=320)["data"] if t["name"].startswith("Shift")]
    assert shift["x"] == ["2026-01-01", *months(14, 17)]
    assert m.reading.aim.text == "Aim (goal 70%): not shown, some recent months are hidden."
    assert 'data-x="2026-02-01"' not in figures.svg(m)


def test_limit_lines_are_optional_and_drawn_alike_on_the_web_and_in_print():
    case = CASES["mean"]
    pairs = [(n, case.denominator) for n in case.numerators]
    result = runchart.analyse(pairs, runchart.RuleParams()).to_dict()
    facts = MeasureFacts(case.name, "count", "up", None)
    upper = [4.9] * 8 + [None] + [5.1] * 7
    m = figures.chart_model(
        figures.FigureInput(
            facts, case.points(), result, "Agency A", limit_lines=[figures.LimitLine("Upper limit", upper)]
        )
    )
    [web] = [t for t in figures.plotly_figure(m, height=320)["data"] if t["name"] == "Upper limit"]
    assert (web["y"], web["line"]) == (upper, {"color": "#444444", "dash": "dash", "width": 1})
    assert m.y_range == (0.0, 5.1 * 1.1)  # a count's axis from 0 to a little above its highest line
    assert figures.svg(m).count('<polyline class="limit" data-name="Upper limit"') == 2  # the gap stays a gap


def test_a_pooled_month_too_few_teams_reported_is_drawn_hollow_and_said_to_be_left_out():
    case = CASES["improvement"]
    pooled = [(n, case.denominator) for n in case.numerators]
    values = [
        None if i == 3 else p for i, p in enumerate(pooled)
    ]  # what the engine is given (docs/runchart.md §8.2)
    result = runchart.analyse(values, runchart.RuleParams()).to_dict()
    points = [p | {"n_teams_reporting": 4, "below_reporting_floor": False} for p in case.points()]
    points[3] |= {"n_teams_reporting": 2, "below_reporting_floor": True}
    facts = MeasureFacts(case.name, case.kind, case.direction, None)
    m = figures.chart_model(figures.FigureInput(facts, points, result, "All teams", aggregate=True))
    [trace] = [
        t for t in figures.plotly_figure(m, height=320)["data"] if t["name"].startswith("Monthly value")
    ]
    assert trace["marker"]["color"] == ["#0b3d6b"] * 3 + ["#ffffff"] + ["#0b3d6b"] * (len(points) - 4)
    assert trace["marker"]["line"] == {"color": "#0b3d6b", "width": 1.5}
    assert trace["customdata"][3][3] == "<br>too few teams reporting: left out by the rules"
    assert trace["customdata"][4][3] == ""
    assert (
        "Hollow point: fewer than 3 in 4 of the teams reported that month, so the pooled value may move "
        "because of who reported; the rules leave it out"
    ) in [text for _, text in figures.key(m)]
    svg = figures.svg(m)
    assert re.search(r'data-x="2025-04-01"[^>]*fill="#ffffff" stroke="#0b3d6b"', svg)
    assert not re.search(r'data-x="2025-05-01"[^>]*fill="#ffffff"', svg)
    assert m.summary.startswith(f"{case.name}: {len(points) - 1} months of data")


def test_a_pooled_count_is_read_as_the_mean_count_per_team():
    case = CASES["mean"]
    pairs = [(n, case.denominator) for n in case.numerators]
    result = runchart.analyse(pairs, runchart.RuleParams()).to_dict()
    facts = MeasureFacts(case.name, "count", "up", None)
    for aggregate, title in ((False, "Count"), (True, "Mean count per team")):
        m = figures.chart_model(figures.FigureInput(facts, case.points(), result, "x", aggregate=aggregate))
        assert figures.plotly_figure(m, height=320)["layout"]["yaxis"]["title"]["text"] == title
