"""Centre line, runs, crossings, shifts, trends, runs table and Anhøj rules (docs/runchart.md §2–§4, §11)."""

import json
import statistics
from fractions import Fraction
from typing import Any

import pytest

from measures.runchart import RuleParams, analyse
from measures.runchart.values import RawValue

ALL = RuleParams(baseline_k=None)
AROUND_ZERO = RuleParams(fixed_cl=Fraction(0))

TOP_LEVEL_KEYS = {
    "centre",
    "median",
    "median_exact",
    "n_periods",
    "n_obs",
    "n_useful",
    "on_median_indices",
    "n_runs",
    "longest_run",
    "longest_run_max",
    "n_crossings",
    "n_crossings_min",
    "anhoej_longest_signal",
    "anhoej_crossings_signal",
    "anhoej_signal",
    "runs_table",
    "shifts",
    "shift_present",
    "trends",
    "trend_present",
    "ihi_signal",
    "baseline",
    "warnings",
}


def run(values: list[RawValue], params: RuleParams = ALL) -> dict[str, Any]:
    return analyse(values, params).to_dict()


def test_to_dict_has_exactly_the_spec_keys_and_is_json_safe() -> None:
    out = run([(1, 2), (3, 4), None, "0.45", 7, Fraction(1, 3)], RuleParams())
    assert set(out) == TOP_LEVEL_KEYS
    assert set(out["runs_table"]) == {"applicable", "lower", "upper", "signal"}
    assert set(out["baseline"]) == {
        "k",
        "median",
        "median_exact",
        "window",
        "n_window",
        "provisional",
        "median_first_k_positions",
    }
    assert json.loads(json.dumps(out)) == out


@pytest.mark.parametrize(
    ("values", "median", "median_exact"),
    [
        ([1, 3, 2], 2.0, "2/1"),
        ([1, 2, 3, 4], 2.5, "5/2"),
        ([1, 2, 2, 3], 2.0, "2/1"),
        ([(1, 4), (1, 2), (3, 4)], 0.5, "1/2"),
        (["0.1", "0.7"], 0.4, "2/5"),
        ([None, 1, None, 3], 2.0, "2/1"),
        ([(0, 0), (1, 3), (5, 0)], 0.333333333333, "1/3"),
        ([Fraction(1, 3), Fraction(2, 3)], 0.5, "1/2"),
    ],
)
def test_median_of_all_observed_points_is_exact_and_skips_missing(
    values: list[RawValue], median: float, median_exact: str
) -> None:
    out = run(values)
    assert (out["centre"], out["median"], out["median_exact"], out["baseline"]) == (
        "median_all",
        median,
        median_exact,
        None,
    )


@pytest.mark.parametrize(
    ("values", "n_periods", "n_obs", "n_useful", "on_median"),
    [
        ([1, 2, 2, 3], 4, 4, 2, [1, 2]),
        ([None, 1, (0, 0), 3, None], 5, 2, 2, []),
        ([1, 2, 3], 3, 3, 2, [1]),
        ([5, None, 5, 5, 1, 9], 6, 5, 2, [0, 2, 3]),
    ],
)
def test_points_on_the_median_and_missing_months_are_not_useful(
    values: list[RawValue], n_periods: int, n_obs: int, n_useful: int, on_median: list[int]
) -> None:
    out = run(values)
    assert (out["n_periods"], out["n_obs"], out["n_useful"], out["on_median_indices"]) == (
        n_periods,
        n_obs,
        n_useful,
        on_median,
    )


@pytest.mark.parametrize(
    ("sides", "n_runs", "longest", "crossings"),
    [
        ([1, 1, -1, -1, 1], 3, 2, 2),
        ([1, 0, 1, None, 1, -1], 2, 3, 1),
        ([-1, 0, 0, 1, 0, -1, -1], 3, 2, 2),
        ([1], 1, 1, 0),
        ([1, -1, 1, -1, 1, -1], 6, 1, 5),
    ],
)
def test_runs_skip_on_median_and_missing_points(
    sides: list[int | None], n_runs: int, longest: int, crossings: int
) -> None:
    out = run(sides, AROUND_ZERO)  # type: ignore[arg-type]
    assert (out["n_runs"], out["longest_run"], out["n_crossings"]) == (n_runs, longest, crossings)


def test_shift_reports_every_maximal_block_with_its_indices() -> None:
    values: list[RawValue] = [6, 6, 5, 6, None, 6, 6, 6, 4, 4, 4, 4, 4, 4, 4, 6]
    out = run(values, RuleParams(fixed_cl=Fraction(5)))
    assert out["shifts"] == [
        {"side": "above", "start_index": 0, "end_index": 7, "length": 6, "indices": [0, 1, 3, 5, 6, 7]},
        {"side": "below", "start_index": 8, "end_index": 14, "length": 7, "indices": list(range(8, 15))},
    ]
    assert out["shift_present"] is True
    assert out["ihi_signal"] is True


@pytest.mark.parametrize(
    ("values", "shift_present"),
    [
        ([1] * 5 + [-1] * 5, False),
        ([1] * 6 + [-1] * 5, True),
        ([1, 1, 1, 0, 1, 1, 1], True),
        ([1, 1, 1, None, 1, 1, -1, 1], False),
    ],
)
def test_shift_needs_six_useful_points_on_one_side(values: list[RawValue], shift_present: bool) -> None:
    assert run(values, AROUND_ZERO)["shift_present"] is shift_present


def test_shift_length_is_a_parameter() -> None:
    assert run([1, 1, 1, 1, -1], RuleParams(fixed_cl=Fraction(0), shift_len=4))["shifts"][0]["length"] == 4


@pytest.mark.parametrize(
    ("values", "trends"),
    [
        ([1, 2, 3, 4], []),
        ([1, 2, 3, 4, 5], [("up", 0, 4, 5)]),
        ([1, 2, 2, 3, 4, 5], [("up", 0, 5, 5)]),
        ([1, 1, 2, 3, 4, 5, 5], [("up", 1, 5, 5)]),
        ([5, 4, 4, 4, 3, 2, 1], [("down", 0, 6, 5)]),
        ([1, 2, 3, 4, 5, 4, 3, 2, 1], [("up", 0, 4, 5), ("down", 4, 8, 5)]),
        ([1, None, 2, 3, None, 4, 5], [("up", 0, 6, 5)]),
        ([1, 2, 2, 2, 2, 3, 4], []),
        ([3, 1, 2, 3, 4, 5, 9, 8], [("up", 1, 6, 6)]),
        ([1, 2, (0, 0), 3, 4, 5, 5, 5], [("up", 0, 5, 5)]),
        ([1, 3, 2, 4, 3, 5, 4, 6], []),
    ],
)
def test_trend_collapses_plateaus_and_reports_plateau_edges(
    values: list[RawValue], trends: list[tuple[str, int, int, int]]
) -> None:
    out = run(values)
    assert [(t["direction"], t["start_index"], t["end_index"], t["length"]) for t in out["trends"]] == trends
    assert out["trend_present"] is bool(trends)


def test_trend_ignores_the_median_and_its_length_is_a_parameter() -> None:
    out = run([9, 1, 2, 3, 8], RuleParams(baseline_k=None, trend_len=4))
    assert [(t["direction"], t["start_index"], t["end_index"]) for t in out["trends"]] == [("up", 1, 4)]


@pytest.mark.parametrize(
    ("values", "applicable", "lower", "upper", "signal"),
    [
        ([1] * 5 + [-1] * 5, True, 3, 9, "too_few"),
        ([1, -1] * 4 + [1, 1], True, 3, 9, None),
        ([1, -1] * 5, True, 3, 9, "too_many"),
        ([1, -1] * 5 + [1], True, 4, 9, "too_many"),
        ([1, 1, -1, -1] * 2 + [1, 1], True, 3, 9, None),
        ([1, -1] * 4 + [1], False, None, None, None),
        ([1, -1] * 30 + [1], False, None, None, None),
        ([1, -1] * 30, True, 24, 38, "too_many"),
    ],
)
def test_runs_table_applies_from_10_to_60_useful_points(
    values: list[RawValue], applicable: bool, lower: int | None, upper: int | None, signal: str | None
) -> None:
    out = run(values, AROUND_ZERO)
    assert out["runs_table"] == {"applicable": applicable, "lower": lower, "upper": upper, "signal": signal}
    assert out["ihi_signal"] is (signal is not None or out["shift_present"] or out["trend_present"])


@pytest.mark.parametrize(
    ("values", "longest_signal", "crossings_signal"),
    [
        ([1] * 7 + [-1] * 3, True, True),
        ([1] * 6 + [-1] * 4, False, True),
        ([1] * 4 + [-1] * 3 + [1] * 3, False, False),
        ([1, 1, -1, -1, 1, 1, -1, -1, 1, 1], False, False),
        ([1] * 7, True, True),
        ([1] * 6, False, True),
        ([1, 0, None, 1, 0, 1, 1], False, False),
    ],
)
def test_anhoej_signals_use_strict_inequalities(
    values: list[RawValue], longest_signal: bool, crossings_signal: bool
) -> None:
    out = run(values, AROUND_ZERO)
    assert (out["anhoej_longest_signal"], out["anhoej_crossings_signal"]) == (
        longest_signal,
        crossings_signal,
    )
    assert out["anhoej_signal"] is (longest_signal or crossings_signal)


def test_anhoej_limits_follow_the_number_of_useful_points() -> None:
    out = run([1] * 4 + [-1] * 3 + [1] * 3 + [0, None], AROUND_ZERO)
    assert (out["n_useful"], out["longest_run_max"], out["n_crossings_min"]) == (10, 6, 2)


DEGENERATE: list[list[RawValue]] = [[], [None], [None, (0, 0), (3, 0)], [5], [3] * 20, [(1, 1)] * 7 + [None]]


@pytest.mark.parametrize("values", DEGENERATE)
@pytest.mark.parametrize("params", [ALL, RuleParams(), RuleParams(rebase="ihi_sustained")])
def test_degenerate_series_give_no_signals_and_no_exception(
    values: list[RawValue], params: RuleParams
) -> None:
    out = run(values, params)
    n_obs = sum(1 for v in values if v is not None and v != (0, 0) and v != (3, 0))
    assert out["n_periods"] == len(values)
    assert out["n_obs"] == n_obs
    assert out["n_useful"] == 0
    assert out["n_runs"] == 0
    assert (out["longest_run"], out["longest_run_max"], out["n_crossings"], out["n_crossings_min"]) == (
        None,
    ) * 4
    assert out["runs_table"] == {"applicable": False, "lower": None, "upper": None, "signal": None}
    assert (out["shifts"], out["trends"]) == ([], [])
    flags = (
        "anhoej_signal",
        "anhoej_longest_signal",
        "anhoej_crossings_signal",
        "shift_present",
        "trend_present",
    )
    assert not any(out[flag] for flag in flags)
    assert out["ihi_signal"] is False
    if n_obs == 0:
        assert (out["median"], out["median_exact"], out["on_median_indices"]) == (None, None, [])
    else:
        assert out["on_median_indices"] == [i for i, v in enumerate(values) if v is not None]


def test_all_missing_series_has_null_median_and_zero_observations() -> None:
    out = run([None, None])
    assert (out["median"], out["median_exact"], out["n_obs"], out["n_periods"]) == (None, None, 0, 2)


def test_no_observed_points_with_phases_requested_gives_an_empty_phase() -> None:
    out = run([None, None, None], RuleParams(rebase="ihi_sustained"))
    assert [(p["start_index"], p["end_index"], p["median"], p["n_obs"]) for p in out["phases"]] == [
        (0, 2, None, 0)
    ]
    assert run([], RuleParams(rebase="ihi_sustained"))["phases"] == []


@pytest.mark.parametrize(
    ("values", "warnings"),
    [
        ([1, 2] * 5, []),
        ([1, 2] * 4, ["too_few_useful_points_for_runs_rule"]),
        ([(1, 1)] * 21 + [(1, 2), (1, 3)] * 5, ["ceiling_effect"]),
        ([(1, 1)] * 11 + [(1, 2)] * 5, ["ceiling_effect", "too_few_useful_points_for_runs_rule"]),
        ([], ["too_few_useful_points_for_runs_rule"]),
    ],
)
def test_warnings_flag_ceiling_effects_and_too_few_useful_points(
    values: list[RawValue], warnings: list[str]
) -> None:
    assert run(values, RuleParams(fixed_cl=Fraction(3, 2)) if values == [1, 2] * 5 else ALL)["warnings"] == (
        warnings
    )


FLOAT_TRAP_BASELINE = [
    "0",
    "0.9",
    "0.05",
    "0.85",
    "0.02",
    "0.8",
    "0.1",
    "0.7",
    "0.03",
    "0.95",
    "0.04",
    "0.75",
]


def test_frozen_median_is_exact_where_float_arithmetic_would_find_a_shift() -> None:
    values: list[RawValue] = [*FLOAT_TRAP_BASELINE, *["0.4"] * 6]
    floats = [float(v) for v in values]  # type: ignore[arg-type]
    float_median = statistics.median(floats[:12])
    assert float_median == 0.39999999999999997
    float_sides = [(v > float_median) - (v < float_median) for v in floats]
    assert float_sides[11:] == [1] * 7  # the float answer: a run of 7 above, an IHI shift

    out = run(values, RuleParams(baseline_k=12))
    assert (out["median_exact"], out["median"]) == ("2/5", 0.4)
    assert out["on_median_indices"] == list(range(12, 18))
    assert (out["n_useful"], out["longest_run"], out["shift_present"]) == (12, 1, False)


def test_frozen_median_from_counts_is_as_exact_as_from_decimals() -> None:
    pairs: list[RawValue] = [(int(float(v) * 100), 100) for v in FLOAT_TRAP_BASELINE] + [(2, 5)] * 6
    out = run(pairs, RuleParams(baseline_k=12))
    assert (out["median_exact"], out["n_useful"], out["shift_present"]) == ("2/5", 12, False)


def test_mean_score_sums_and_counts_work_like_numerators_and_denominators() -> None:
    scores: list[RawValue] = [(42, 10), (30, 10), (0, 0), (25, 5), (70, 20)]
    out = run(scores)
    assert (out["median_exact"], out["n_obs"], out["on_median_indices"]) == ("77/20", 4, [])
