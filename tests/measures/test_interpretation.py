"""The interpretation layer: signals read in the measure's direction, honest limits, the aim's statistic."""

import datetime as dt
from fractions import Fraction

import pytest

from measures import runchart
from measures.interpretation import MeasureFacts, aim_verdict, interpret, variation_icon, verdict

START = dt.date(2025, 1, 1)


def month(i):
    return dt.date(START.year + (i // 12), i % 12 + 1, 1)


def points(numerators, denominator=10):
    return [
        {
            "month": month(i).isoformat(),
            "numerator": n,
            "denominator": None if n is None else denominator,
            "value": None if n is None else n / denominator,
        }
        for i, n in enumerate(numerators)
    ]


def read(numerators, direction="up", goal=None, kind="proportion", denominator=10, **params):
    facts = MeasureFacts("Follow-up", kind, direction, None if goal is None else Fraction(goal), scale_max=6)
    pairs = [None if n is None else (n, denominator) for n in numerators]
    result = runchart.analyse(
        pairs, runchart.RuleParams(direction=direction if direction != "both" else "up", **params)
    )
    return interpret(result.to_dict(), points(numerators, denominator), facts)


BASE = [5, 4, 6, 5, 5, 4, 6, 5, 5, 6, 4, 5]  # baseline median 50%


@pytest.mark.parametrize(
    ("movement", "direction", "expected"),
    [
        ("above", "up", "improvement"), ("up", "up", "improvement"),
        ("below", "up", "concern"), ("down", "up", "concern"),
        ("below", "down", "improvement"), ("down", "down", "improvement"),
        ("above", "down", "concern"), ("up", "down", "concern"),
        ("above", "both", "neutral"), ("down", "both", "neutral"),
    ],
)  # fmt: skip
def test_a_signal_is_read_in_the_measures_direction(movement, direction, expected):
    assert verdict(movement, direction) == expected


def test_a_shift_above_is_an_improvement_when_higher_is_better():
    reading = read(BASE + [8, 8, 9, 8, 9, 8])
    assert [s.text for s in reading.signals] == [
        "Shift (improvement): 6 points in a row above the baseline median from Jan 2026 to Jun 2026 "
        "(higher is better)",
    ]
    assert reading.variation == "improvement"
    assert reading.limits == ()


def test_the_same_shift_is_a_concern_when_lower_is_better():
    reading = read(BASE + [8, 8, 9, 8, 9, 8], direction="down")
    assert [(s.rule, s.verdict, s.indices) for s in reading.signals] == [
        ("shift", "concern", (12, 13, 14, 15, 16, 17))
    ]
    assert reading.variation_label == "Special cause: concern"


def test_a_trend_down_is_a_concern_when_higher_is_better_and_shows_its_points():
    reading = read([9, 8, 7, 6, 5, 5, 4])
    trend = next(s for s in reading.signals if s.rule == "trend")
    assert trend.text == "Trend (concern): 6 points going down from Jan 2025 to Jul 2025 (higher is better)"
    assert trend.indices == (0, 1, 2, 3, 4, 5, 6)


def test_no_better_direction_makes_every_signal_neutral():
    reading = read(BASE + [8, 8, 9, 8, 9, 8], direction="both")
    assert {s.verdict for s in reading.signals} == {"neutral"}
    assert reading.variation == "neutral"


def test_a_series_at_the_ceiling_is_not_judged_and_never_called_a_shift_or_no_signal():
    # The case from issue 20: 100% with six scattered dips; skipping the points on the median joins them.
    numerators = [10, 10, 9, 10, 10, 8, 10, 10, 9, 10, 10, 9, 10, 10, 7, 10, 10, 9]
    reading = read(numerators)
    assert reading.signals == ()
    assert reading.variation == "cannot_judge"
    assert [lim.text for lim in reading.limits] == [
        "The run-chart rules can't judge Jan 2025 to Jun 2026: the median is 100%, the top of the scale, and 12 "
        "of 18 points lie on it. Points on the median are skipped, so scattered points off it are read as runs; "
        "no shift or run is reported here. A chart of the time between events may help."
    ]
    assert not any("No shift" in line or "Shift" in line for line in reading.lines)
    assert not any("runs rule" in line for line in reading.lines)


def test_more_than_half_the_points_on_a_median_inside_the_scale_is_not_judged_either():
    numerators = [5, 5, 5, 5, 4, 5, 5, 6, 5, 5, 3, 5, 5, 5, 4, 5]
    reading = read(numerators, baseline_k=None)
    assert reading.variation == "cannot_judge"
    assert "12 of 16 points lie on the median 50%" in reading.limits[0].text


def test_common_cause_is_said_only_when_the_rules_can_judge():
    reading = read([5, 6, 4, 5, 6, 4, 5, 7, 4, 6, 5, 4, 6, 5])
    assert reading.variation == "common_cause"
    assert "No shift or trend: common-cause variation around the median." in reading.lines


@pytest.mark.parametrize(
    ("numerators", "goal", "text"),
    [
        ([7, 7, 8, 6, 7, 7, 8, 7], 70, "Median of the last 6 reported months: 70% ≥ goal 70%: meets the aim."),
        ([5, 6, 7, 6, 5, 6, 6, 6], 70, "Median of the last 6 reported months: 60% < goal 70%: not yet meeting the aim."),
        ([7, None, 8, None, 7], 70, "Median of the last 3 reported months: 70% ≥ goal 70%: meets the aim."),
        ([7, None, None, 8], 70, "Aim (goal 70%): too few recent months to judge (2 reported, 3 needed)."),
    ],
)  # fmt: skip
def test_the_aim_names_the_statistic_it_judges_when_higher_is_better(numerators, goal, text):
    facts = MeasureFacts("Follow-up", "proportion", "up", Fraction(goal))
    assert aim_verdict(points(numerators), facts).text == text


@pytest.mark.parametrize(
    ("numerators", "text"),
    [
        ([3, 2, 1, 2, 1, 2, 2, 1], "Median of the last 6 reported months: 15% ≤ goal 15%: meets the aim."),
        ([1, 2, 3, 2, 2, 3, 2, 2], "Median of the last 6 reported months: 20% > goal 15%: not yet meeting the aim."),
    ],
)  # fmt: skip
def test_the_aim_names_the_statistic_it_judges_when_lower_is_better(numerators, text):
    facts = MeasureFacts("Missed visits", "proportion", "down", Fraction(15))
    assert aim_verdict(points(numerators), facts).text == text


@pytest.mark.parametrize("direction", ["up", "down"])
@pytest.mark.parametrize(
    "numerators",
    [
        [7, 7, 8, 6, 7, 7, 8, 7],
        [5, 6, 7, 6, 5, 6, 6, 6],
        [7, None, 8, None, 7],
        [7, None, None, 8],
        [9, 1, 7, 7],
    ],
)
def test_the_aim_verdict_is_the_engines(numerators, direction):
    facts = MeasureFacts("m", "proportion", direction, Fraction(70))
    pairs = [None if n is None else (n, 10) for n in numerators]
    assert aim_verdict(points(numerators), facts).met == runchart.meets_aim(pairs, Fraction(7, 10), direction)


def test_a_mean_score_reads_on_its_own_scale():
    facts = MeasureFacts("Ease of linkage", "mean", "up", Fraction("4.5"), scale_max=6)
    window = [
        {"month": month(i).isoformat(), "numerator": n, "denominator": 10, "value": n / 10}
        for i, n in enumerate([48, 45, 50])
    ]
    assert (
        aim_verdict(window, facts).text
        == "Median of the last 3 reported months: 4.80 ≥ goal 4.50: meets the aim."
    )
    assert facts.bounds == (0, 6)


@pytest.mark.parametrize(
    ("variation", "direction", "icon"),
    [
        ("improvement", "up", "improvement-high"), ("improvement", "down", "improvement-low"),
        ("concern", "up", "concern-low"), ("concern", "down", "concern-high"),
        ("neutral", "up", "neutral"), ("common_cause", "down", "common-cause"),
        ("cannot_judge", "up", "cannot-judge"), (None, "up", None),
    ],
)  # fmt: skip
def test_the_variation_icon_says_which_side_the_values_lie(variation, direction, icon):
    assert variation_icon(variation, direction) == icon
