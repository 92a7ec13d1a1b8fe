"""Baseline freeze (docs/runchart.md §6) and phases: manual, ihi_sustained and runcharter (§7)."""

from fractions import Fraction
from typing import Any

import pytest

from measures.runchart import RuleParams, analyse
from measures.runchart.values import RawValue

BASE: list[RawValue] = [4, 6] * 6  # median 5, no signal
IHI = RuleParams(rebase="ihi_sustained")


def run(values: list[RawValue], params: RuleParams) -> dict[str, Any]:
    return analyse(values, params).to_dict()


def phase_summary(out: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [
        (
            p["start_index"],
            p["end_index"],
            p["median_exact"],
            p["median_window"],
            p["n_window"],
            p["provisional"],
        )
        for p in out["phases"]
    ]


def test_baseline_is_frozen_over_the_first_k_observed_points() -> None:
    values: list[RawValue] = [None, 1, 2, None, 3, 4, 9, 9, 9]
    out = run(values, RuleParams(baseline_k=4))
    assert out["centre"] == "baseline_median"
    assert out["median_exact"] == "5/2"
    assert out["baseline"] == {
        "k": 4,
        "median": 2.5,
        "median_exact": "5/2",
        "window": [1, 5],
        "n_window": 4,
        "provisional": False,
        "median_first_k_positions": 1.5,
    }
    # The rules run over every point, baseline window included, against the frozen line.
    assert (out["n_obs"], out["n_useful"], out["n_runs"], out["longest_run"]) == (7, 7, 2, 5)


def test_baseline_with_fewer_than_k_points_is_the_provisional_median_of_all() -> None:
    out = run([3, 1, 2, None, 5, 4], RuleParams(baseline_k=12))
    assert out["baseline"]["provisional"] is True
    assert (out["baseline"]["n_window"], out["baseline"]["window"], out["median_exact"]) == (5, [0, 5], "3/1")


def test_baseline_window_by_periods_uses_its_observed_points() -> None:
    values: list[RawValue] = [9, 9, 1, None, 2, 3, 9, 9]
    out = run(values, RuleParams(baseline_window=(2, 5)))
    assert out["median_exact"] == "2/1"
    assert out["baseline"] == {
        "k": 3,
        "median": 2.0,
        "median_exact": "2/1",
        "window": [2, 5],
        "n_window": 3,
        "provisional": True,
        "median_first_k_positions": 2.0,
    }


def test_baseline_window_with_ten_observed_points_is_not_provisional() -> None:
    out = run([*range(10), 50, 60], RuleParams(baseline_window=(0, 9)))
    assert (out["baseline"]["provisional"], out["median_exact"]) == (False, "9/2")


def test_baseline_window_without_observed_points_gives_no_analysis() -> None:
    out = run([1, 2, 3, None, None], RuleParams(baseline_window=(3, 4)))
    assert (out["median"], out["n_obs"], out["n_useful"], out["shifts"], out["baseline"]["window"]) == (
        None,
        3,
        0,
        [],
        None,
    )


def test_fixed_centre_line_is_used_as_given() -> None:
    out = run([1, 2, 3], RuleParams(fixed_cl=Fraction(5, 2)))
    assert (out["centre"], out["median_exact"], out["baseline"], out["on_median_indices"]) == (
        "fixed",
        "5/2",
        None,
        [],
    )


def test_sustained_upward_shift_starts_a_new_phase_at_the_first_post_window_point() -> None:
    out = run([*BASE, *[8] * 12], IHI)
    assert phase_summary(out) == [(0, 11, "5/1", [0, 11], 12, False), (12, 23, "8/1", [12, 23], 12, False)]
    assert out["phases"][0]["trigger"] is None
    assert out["phases"][1]["trigger"] == {
        "side": "above",
        "run_start": 12,
        "run_6th": 17,
        "previous_median": 5.0,
    }
    # The top level is the chart before re-basing: the shift starts inside the baseline window.
    assert out["median_exact"] == "5/1"
    assert (out["shifts"][0]["start_index"], out["shifts"][0]["length"]) == (11, 13)


def test_each_phase_is_analysed_against_its_own_centre_line() -> None:
    out = run([*BASE, *[8] * 11, 9], IHI)
    first, second = out["phases"]
    assert (first["n_obs"], first["n_useful"], first["n_crossings"], first["anhoej_signal"]) == (
        12,
        12,
        11,
        False,
    )
    assert (second["n_obs"], second["n_useful"], second["longest_run"], second["shifts"]) == (12, 1, 1, [])


def test_shift_that_does_not_sustain_does_not_rebase_and_scanning_resumes_after_it() -> None:
    values: list[RawValue] = [*BASE, *[8] * 6, *[2] * 6, *[9] * 12]
    out = run(values, IHI)
    assert [(p["start_index"], p["end_index"], p["median_exact"]) for p in out["phases"]] == [
        (0, 23, "5/1"),
        (24, 35, "9/1"),
    ]
    assert out["phases"][1]["trigger"] == {
        "side": "above",
        "run_start": 24,
        "run_6th": 29,
        "previous_median": 5.0,
    }


def test_excursion_that_reverses_gives_a_single_phase() -> None:
    out = run([*BASE, *[8] * 6, *[2] * 6], IHI)
    assert phase_summary(out) == [(0, 23, "5/1", [0, 11], 12, False)]
    assert out["shift_present"] is True


def test_deterioration_is_reported_but_does_not_rebase_when_higher_is_better() -> None:
    out = run([*BASE, *[2] * 12], IHI)
    assert phase_summary(out) == [(0, 23, "5/1", [0, 11], 12, False)]
    assert out["shifts"][0]["side"] == "below"
    assert out["ihi_signal"] is True


def test_improvement_downward_rebases_when_lower_is_better() -> None:
    out = run([*BASE, *[2] * 12], RuleParams(rebase="ihi_sustained", direction="down"))
    assert phase_summary(out)[1] == (12, 23, "2/1", [12, 23], 12, False)
    assert out["phases"][1]["trigger"]["side"] == "below"


def test_direction_both_rebases_on_shifts_either_way() -> None:
    params = RuleParams(rebase="ihi_sustained", direction="both")
    out = run([*BASE, *[2] * 12, *[9] * 12], params)
    assert [
        (p["start_index"], p["median_exact"], (p["trigger"] or {}).get("side")) for p in out["phases"]
    ] == [
        (0, "5/1", None),
        (12, "2/1", "below"),
        (24, "9/1", "above"),
    ]


def test_new_phase_with_fewer_than_rebase_k_points_is_provisional_and_ends_the_search() -> None:
    out = run([*BASE, *[8] * 8], IHI)
    assert phase_summary(out) == [(0, 11, "5/1", [0, 11], 12, False), (12, 19, "8/1", [12, 19], 8, True)]


def test_provisional_baseline_never_rebases() -> None:
    out = run([4, 6] * 3 + [8] * 5, IHI)
    assert phase_summary(out) == [(0, 10, "6/1", [0, 10], 11, True)]


def test_successive_sustained_shifts_give_successive_phases() -> None:
    out = run([*BASE, *[8] * 12, *[10] * 12], IHI)
    assert [(p["start_index"], p["end_index"], p["median_exact"]) for p in out["phases"]] == [
        (0, 11, "5/1"),
        (12, 23, "8/1"),
        (24, 35, "10/1"),
    ]
    assert out["phases"][2]["trigger"]["previous_median"] == 8.0


def test_trigger_indices_count_missing_months_and_skip_on_median_points() -> None:
    values: list[RawValue] = [None, *BASE, 8, None, 5, 8, 8, (0, 0), 8, 8, 8, 8, 8, 8, 8, 8]
    out = run(values, IHI)
    assert out["phases"][0]["start_index"] == 1
    assert out["phases"][1]["trigger"] == {
        "side": "above",
        "run_start": 13,
        "run_6th": 21,
        "previous_median": 5.0,
    }
    assert out["phases"][1]["median_window"] == [13, 26]


def test_manual_phases_replace_automatic_ones_and_freeze_each_phase_median() -> None:
    params = RuleParams(rebase="ihi_sustained", phase_starts=(6,), rebase_k=3)
    out = run([*BASE, *[8] * 12], params)
    assert phase_summary(out) == [(0, 5, "5/1", [0, 5], 6, True), (6, 23, "4/1", [6, 8], 3, False)]
    assert [p["trigger"] for p in out["phases"]] == [None, None]
    # The top level uses the first phase's centre line over the whole series.
    assert (out["median_exact"], out["baseline"]["window"], out["baseline"]["provisional"]) == (
        "5/1",
        [0, 5],
        True,
    )


def test_manual_phase_start_on_a_missing_month_and_beyond_the_series() -> None:
    out = run([1, 2, 3, None, 7, 8, 9], RuleParams(phase_starts=(3, 40)))
    assert phase_summary(out) == [(0, 2, "2/1", [0, 2], 3, True), (3, 6, "8/1", [4, 6], 3, True)]


RC = RuleParams(rebase="runcharter")
RC_BASE: list[RawValue] = [*BASE, 5]  # 13 positions, median 5


def test_runcharter_rebases_at_the_median_of_each_nine_point_run() -> None:
    out = run([*RC_BASE, *[8, 9, 7] * 3, *[10, 11, 12] * 3, 11], RC)
    assert phase_summary(out) == [
        (0, 12, "5/1", [0, 12], 13, False),
        (13, 21, "8/1", [13, 21], 9, False),
        (22, 31, "11/1", [22, 30], 9, False),
    ]
    assert out["phases"][1]["trigger"] == {
        "side": "above",
        "run_start": 13,
        "run_6th": 18,
        "previous_median": 5.0,
    }
    assert out["baseline"]["k"] == 13


def test_runcharter_needs_nine_points_and_ignores_the_unwanted_side() -> None:
    out = run([*RC_BASE, *[8] * 8, 5, *[2] * 9], RC)
    assert phase_summary(out) == [(0, 30, "5/1", [0, 12], 13, False)]


def test_runcharter_with_fewer_than_med_rows_periods_is_provisional() -> None:
    out = run([4, 6, 4, 6, 8, 8, 8, 8, 8, 8, 8, 8], RC)
    assert phase_summary(out) == [(0, 11, "8/1", [0, 11], 12, True)]


def test_runcharter_baseline_counts_positions_including_missing_ones() -> None:
    values: list[RawValue] = [None, 4, 6, 4, 6, None, 5, 4, 6, 4, 6, None, None, *[8] * 9]
    out = run(values, RC)
    assert phase_summary(out) == [(1, 12, "5/1", [1, 10], 9, False), (13, 21, "8/1", [13, 21], 9, False)]


def test_runcharter_needs_nine_points_where_ihi_sustained_rebases_on_six_that_sustain() -> None:
    values: list[RawValue] = [*RC_BASE, *[8] * 7, *[5] * 5]
    assert [p["start_index"] for p in run(values, RC)["phases"]] == [0]
    ihi = RuleParams(rebase="ihi_sustained", baseline_k=13)
    assert [(p["start_index"], p["median_exact"]) for p in run(values, ihi)["phases"]] == [
        (0, "5/1"),
        (13, "8/1"),
    ]


@pytest.mark.parametrize("params", [RuleParams(), RuleParams(baseline_k=None)])
def test_phases_key_is_absent_without_phase_parameters(params: RuleParams) -> None:
    assert "phases" not in run([1, 2, 3], params)
