"""The control-chart engine against qicharts2's own reference output and hand computation.

The data sets below are qicharts2's copies of Montgomery's tables (its R/sysdata.rda). The expected limits
marked "qicharts2" are the numbers stored in qicharts2's regression files tests/testthat/*.rds (the output of
`qic(...)$data`), read to full double precision; the others are computed here, step by step, from the
formula the docstring names, with the standard library only.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from measures.runchart import RuleParams
from measures.runchart.control import control_chart, control_charts, control_charts_arrays

TOL = 1e-9

# Montgomery table 6.7 (qicharts2 tbl_06.07$cost): 40 weekly costs.
COST = [310, 288, 297, 298, 307, 303, 294, 297, 308, 306, 294, 299, 297, 299, 314, 295, 293, 306, 301, 304,
        305, 282, 305, 296, 314, 295, 287, 301, 298, 311, 310, 292, 305, 299, 304, 310, 304, 305, 333, 328]  # fmt: skip
# Montgomery table 7.4 (qicharts2 tbl_07.04): (count, size) for 25 samples of varying size.
TBL_07_04 = [(12, 100), (8, 80), (6, 80), (9, 100), (10, 110), (12, 110), (11, 100), (16, 100), (10, 90),
             (6, 90), (20, 110), (15, 120), (9, 120), (8, 120), (6, 110), (8, 80), (10, 80), (7, 80), (5, 90),
             (8, 100), (5, 100), (8, 100), (10, 100), (6, 90), (9, 90)]  # fmt: skip
# Montgomery table 7.10 (qicharts2 tbl_07.10): 20 samples of 50 units, nonconformities counted.
TBL_07_10 = [(c, 50) for c in [2, 3, 8, 1, 1, 4, 1, 4, 5, 1, 8, 2, 4, 3, 4, 1, 8, 3, 7, 4]]
# Montgomery table 7.3 (qicharts2 tbl_07.03$count): 94 samples of 50; process adjusted after sample 30.
TBL_07_03 = [(c, 50) for c in [
    12, 15, 8, 10, 4, 7, 16, 9, 14, 10, 5, 6, 17, 12, 22, 8, 10, 5, 13, 11, 20, 18, 24, 15, 9, 12, 7, 13, 9, 6,
    9, 6, 12, 5, 6, 4, 6, 3, 7, 6, 2, 4, 3, 6, 5, 4, 8, 5, 6, 7, 5, 6, 3, 5, 8, 7, 5, 6, 4, 5, 2, 3, 4, 7, 6,
    5, 5, 3, 7, 9, 6, 10, 4, 3, 5, 8, 11, 9, 7, 3, 5, 2, 1, 4, 5, 3, 7, 6, 4, 4, 6, 8, 5, 6]]  # fmt: skip
# Montgomery table 7.8 (qicharts2 tbl_07.08$count): nonconformities in 46 samples.
TBL_07_08 = [21, 24, 16, 12, 15, 5, 28, 20, 31, 25, 20, 24, 16, 19, 10, 17, 13, 22, 18, 39, 30, 24, 16, 19, 17,
             15, 16, 18, 12, 15, 24, 21, 28, 20, 25, 19, 18, 21, 16, 22, 19, 12, 14, 9, 16, 21]  # fmt: skip

WHOLE = RuleParams(baseline_k=None)


def close(actual: float | None, expected: float) -> bool:
    return actual is not None and abs(actual - expected) <= TOL


def all_close(actual: list[float | None], expected: list[float]) -> None:
    assert len(actual) == len(expected)
    for index, (a, e) in enumerate(zip(actual, expected, strict=True)):
        assert close(a, e), (index, a, e)


def phase_runs(result: dict) -> list[tuple[int, int, int | None, int | None, bool]]:
    return [
        (p["start_index"], p["end_index"], p["longest_run"], p["n_crossings"], p["anhoej_signal"])
        for p in result["phases"]
    ]


def test_i_chart_frozen_on_20_points_equals_qicharts2_example_6_5() -> None:
    """qic(weeks, cost, data = tbl_06.07, chart = 'i', freeze = 20) → ex_6.5_3.rds."""
    result = control_chart(COST, "i", RuleParams(baseline_k=20)).to_dict()
    assert result["cl"] == [300.5] * 40
    all_close(result["lcl"], [279.78331466965284] * 40)
    all_close(result["ucl"], [321.21668533034716] * 40)
    assert result["sigma_signal_indices"] == [38, 39]
    assert phase_runs(result) == [(0, 39, 6, 20, False)]
    # By hand: CL = 6010/20; the 19 moving ranges of the first 20 costs sum to 148; σ = (148/19)/1.128.
    sigma = (148 / 19) / 1.128
    assert close(result["ucl"][0], 6010 / 20 + 3 * sigma)


def test_mr_chart_frozen_on_20_points_equals_qicharts2_and_never_signals_runs() -> None:
    """qic(weeks, cost, data = tbl_06.07, chart = 'mr', freeze = 20) → ex_6.5_4.rds."""
    result = control_chart(COST, "mr", RuleParams(baseline_k=20)).to_dict()
    assert result["y"][:4] == [None, 22.0, 9.0, 1.0]
    assert result["cl"][0] is None and result["lcl"][0] is None and result["ucl"][0] is None
    all_close(result["cl"][1:], [7.7894736842105265] * 39)
    assert result["lcl"][1:] == [0.0] * 39
    all_close(result["ucl"][1:], [25.44821052631579] * 39)
    assert result["sigma_signal_indices"] == [38]
    assert phase_runs(result) == [(0, 39, 7, 21, False)]
    # The same runs figures with a long run would signal on any other chart; MR never does.
    ramp = control_chart(list(range(0, 60, 2)) + [0] * 3, "mr", WHOLE).to_dict()
    assert ramp["phases"][0]["longest_run"] > 8 and ramp["phases"][0]["anhoej_signal"] is False


def test_u_chart_equals_qicharts2_example_7_4() -> None:
    """qic(sample, count, size, data = tbl_07.10, chart = 'u') → ex_7.4_1.rds; LCL clamped at 0."""
    result = control_chart(TBL_07_10, "u", WHOLE).to_dict()
    all_close(result["cl"], [0.074] * 20)
    assert result["lcl"] == [0.0] * 20
    all_close(result["ucl"], [0.1894123043700281] * 20)
    assert result["sigma_signal_indices"] == []
    assert phase_runs(result) == [(0, 19, 2, 15, False)]


def test_p_chart_with_varying_sizes_equals_qicharts2_table_7_4() -> None:
    """qic(sample, count, size, data = tbl_07.04, chart = 'p') → tbl_7.4_1.rds; limits follow each n."""
    result = control_chart(TBL_07_04, "p", WHOLE).to_dict()
    by_size = {
        80: (0.0, 0.19409342051458195),
        90: (0.0025650562804066107, 0.18845535188285867),
        100: (0.007334694727773067, 0.18368571343549223),
        110: (0.011438154625052752, 0.17958225353821256),
        120: (0.01501734492727154, 0.17600306323599374),
    }
    all_close(result["cl"], [0.09551020408163265] * 25)
    all_close(result["lcl"], [by_size[n][0] for _, n in TBL_07_04])
    all_close(result["ucl"], [by_size[n][1] for _, n in TBL_07_04])
    assert result["sigma_signal_indices"] == [10]
    assert phase_runs(result) == [(0, 24, 5, 10, False)]


def test_p_chart_second_phase_equals_qicharts2_example_7_1() -> None:
    """qic(sample, count, size, data = tbl_07.03, chart = 'p', part = 30, exclude = c(15, 23)) → ex_7.1_5.rds.

    qicharts2's example also excludes samples 15 and 23 from phase 1, which this engine does not do, so
    phase 2 is compared with qicharts2 and phase 1 with the hand computation: CL₁ = 347/1500.
    """
    result = control_chart(TBL_07_03, "p", RuleParams(phase_starts=(30,))).to_dict()
    all_close(result["cl"][30:], [0.1096875] * 64)
    assert result["lcl"][30:] == [0.0] * 64
    all_close(result["ucl"][30:], [0.24226995518120034] * 64)
    assert phase_runs(result)[1] == (30, 93, 7, 30, False)
    cl = 347 / 1500
    all_close(result["cl"][:30], [cl] * 30)
    all_close(result["ucl"][:30], [cl + 3 * math.sqrt(cl * (1 - cl) / 50)] * 30)
    all_close(result["lcl"][:30], [cl - 3 * math.sqrt(cl * (1 - cl) / 50)] * 30)
    # Above the phase-1 UCL (0.4101…): 22/50 and 24/50.
    assert result["sigma_signal_indices"] == [14, 22]


def test_c_chart_frozen_on_26_points_by_hand() -> None:
    """Montgomery example 7.3 without qicharts2's exclusions: CL = mean of the first 26 = 516/26, σ = √CL."""
    result = control_chart(TBL_07_08, "c", RuleParams(baseline_k=26)).to_dict()
    assert sum(TBL_07_08[:26]) == 516
    cl = 516 / 26
    all_close(result["cl"], [cl] * 46)
    all_close(result["lcl"], [cl - 3 * math.sqrt(cl)] * 46)
    all_close(result["ucl"], [cl + 3 * math.sqrt(cl)] * 46)
    # LCL 6.48…, UCL 33.21…: sample 6 (5 nonconformities) is below, sample 20 (39) above.
    assert result["sigma_signal_indices"] == [5, 19]


def laney_by_hand(pairs: list[tuple[int, int]], proportion: bool) -> tuple[float, list[float], list[float]]:
    """Laney (2002): CL = Σc/Σn; σᵢ = √(CL(1−CL)/nᵢ) (p′) or √(CL/nᵢ) (u′); zᵢ = (yᵢ − CL)/σᵢ;
    σ_z = mean|zᵢ − zᵢ₋₁| / 1.128; limits CL ± 3σᵢσ_z, clamped as p (0..1) or u (≥ 0)."""
    cl = sum(c for c, _ in pairs) / sum(n for _, n in pairs)
    sigmas = [math.sqrt((cl * (1 - cl) if proportion else cl) / n) for _, n in pairs]
    z = [(c / n - cl) / s for (c, n), s in zip(pairs, sigmas, strict=True)]
    sigma_z = sum(abs(b - a) for a, b in zip(z, z[1:], strict=False)) / (len(z) - 1) / 1.128
    lower = [max(cl - 3 * s * sigma_z, 0.0) for s in sigmas]
    upper = [min(cl + 3 * s * sigma_z, 1.0) if proportion else cl + 3 * s * sigma_z for s in sigmas]
    return cl, lower, upper


@pytest.mark.parametrize(("chart", "proportion"), [("pp", True), ("up", False)])
def test_laney_charts_by_hand(chart: str, proportion: bool) -> None:
    cl, lower, upper = laney_by_hand(TBL_07_04, proportion)
    result = control_chart(TBL_07_04, chart, WHOLE).to_dict()  # type: ignore[arg-type]
    all_close(result["cl"], [cl] * 25)
    all_close(result["lcl"], lower)
    all_close(result["ucl"], upper)


def test_laney_p_prime_on_four_points_written_out() -> None:
    """(3/20, 5/25, 4/20, 8/30): CL = 20/95; z and σ_z written out term by term."""
    pairs = [(3, 20), (5, 25), (4, 20), (8, 30)]
    cl = 20 / 95
    s = [math.sqrt(cl * (1 - cl) / n) for n in (20, 25, 20, 30)]
    z = [(3 / 20 - cl) / s[0], (5 / 25 - cl) / s[1], (4 / 20 - cl) / s[2], (8 / 30 - cl) / s[3]]
    sigma_z = (abs(z[1] - z[0]) + abs(z[2] - z[1]) + abs(z[3] - z[2])) / 3 / 1.128
    result = control_chart(pairs, "pp", WHOLE).to_dict()
    all_close(result["ucl"], [cl + 3 * si * sigma_z for si in s])
    all_close(result["lcl"], [max(cl - 3 * si * sigma_z, 0) for si in s])


def test_laney_frozen_baseline_uses_only_baseline_z_scores() -> None:
    """With baseline_k = 12 the CL and σ_z come from the first 12 samples only, extended to all 25."""
    cl, lower, upper = laney_by_hand(TBL_07_04[:12], proportion=True)
    result = control_chart(TBL_07_04, "pp", RuleParams(baseline_k=12)).to_dict()
    all_close(result["cl"], [cl] * 25)
    all_close(result["ucl"][:12], upper)
    sigma_z_ratio = (upper[0] - cl) / math.sqrt(cl * (1 - cl) / 100)
    all_close([result["ucl"][19]], [cl + sigma_z_ratio * math.sqrt(cl * (1 - cl) / 100)])


def test_missing_periods_give_null_limits_and_break_moving_ranges() -> None:
    """A missing value (None, or a zero denominator) has no CL or limits; the MRs beside it are not taken."""
    values = [10, 12, None, 30, 31, 11]
    result = control_chart(values, "i", WHOLE).to_dict()
    cl = (10 + 12 + 30 + 31 + 11) / 5
    sigma = ((2 + 1 + 20) / 3) / 1.128
    assert result["cl"][2] is None and result["lcl"][2] is None and result["ucl"][2] is None
    all_close([result["cl"][0], result["ucl"][0], result["lcl"][0]], [cl, cl + 3 * sigma, cl - 3 * sigma])
    p = control_chart([(1, 4), (0, 0), None, (3, 4)], "p", WHOLE).to_dict()
    assert p["cl"] == [0.5, None, None, 0.5] and p["ucl"][1] is None


def test_degenerate_inputs_are_defined() -> None:
    empty = control_chart([], "p").to_dict()
    assert empty == {
        "chart": "p",
        "y": [],
        "cl": [],
        "lcl": [],
        "ucl": [],
        "sigma_signal_indices": [],
        "phases": [],
    }
    blank = control_chart([None, (0, 0)], "u").to_dict()
    assert blank["cl"] == [None, None] and blank["ucl"] == [None, None]
    assert phase_runs(blank) == [(0, 1, None, None, False)]
    one_i = control_chart([7], "i").to_dict()
    assert one_i["cl"] == [7.0] and one_i["lcl"] == [None] and one_i["ucl"] == [None]
    assert phase_runs(one_i) == [(0, 0, None, None, False)]
    one_p = control_chart([(1, 4)], "p").to_dict()
    assert one_p["cl"] == [0.25] and close(one_p["ucl"][0], 0.25 + 3 * math.sqrt(0.25 * 0.75 / 4))
    one_pp = control_chart([(1, 4)], "pp").to_dict()
    assert one_pp["cl"] == [0.25] and one_pp["ucl"] == [None]
    flat = control_chart([5, 5, 5, 5], "i").to_dict()
    assert flat["lcl"] == [5.0] * 4 and flat["ucl"] == [5.0] * 4 and flat["sigma_signal_indices"] == []
    assert phase_runs(flat) == [(0, 3, None, None, False)]
    zero = control_chart([(0, 10), (0, 12)], "pp").to_dict()
    assert zero["cl"] == [0.0, 0.0] and zero["ucl"] == [None, None]


def test_p_limits_are_clamped_to_zero_and_one_and_i_limits_are_not() -> None:
    p = control_chart([(1, 2), (2, 2), (0, 2), (1, 2)], "p", WHOLE).to_dict()
    assert p["lcl"] == [0.0] * 4 and p["ucl"] == [1.0] * 4
    i = control_chart([0, 1, 0, 1, 0], "i", WHOLE).to_dict()
    assert i["lcl"][0] < 0


def test_phases_have_their_own_limits_and_runs() -> None:
    values = [1, 2, 1, 2, 1, 2, 20, 21, 20, 21, 20]
    result = control_chart(values, "c", RuleParams(phase_starts=(6, 0, 99))).to_dict()
    assert result["cl"][:6] == [1.5] * 6 and result["cl"][6:] == [20.4] * 5
    assert phase_runs(result) == [(0, 5, 1, 5, False), (6, 10, 1, 4, False)]
    # Without the phase the centre line sits between the levels: two runs of 6 and 5.
    whole = control_chart(values, "c", WHOLE).to_dict()
    assert phase_runs(whole) == [(0, 10, 6, 1, True)]


def test_bad_input_names_the_series_and_period() -> None:
    with pytest.raises(
        TypeError, match=r"series 0: value at index 1 must be a \(numerator, denominator\) pair"
    ):
        control_chart([(1, 2), 3], "p")
    with pytest.raises(ValueError, match="series 0: value at index 0 has a negative numerator"):
        control_chart([(-1, 2)], "u")
    with pytest.raises(ValueError, match="value at index 0 is a proportion above 1"):
        control_chart([(3, 2)], "pp")
    with pytest.raises(ValueError, match="series 1: value at index 0 is a negative count"):
        control_charts([[1], [-1]], "c")
    with pytest.raises(TypeError, match="index 0 is a float"):
        control_chart([1.5], "i")
    with pytest.raises(ValueError, match="chart must be one of"):
        control_chart([1], "xbar")  # type: ignore[arg-type]


def test_exact_numbers_are_accepted_for_i_charts() -> None:
    result = control_chart(["1.5", Fraction(5, 2), (7, 2)], "i", WHOLE).to_dict()
    assert result["y"] == [1.5, 2.5, 3.5] and result["cl"] == [2.5] * 3


pairs = st.tuples(st.integers(0, 9), st.integers(0, 9)).map(lambda p: (min(p), max(p)))
# A list pair or a Fraction sends the whole batch through the per-item encoder: batches then compare it
# with the whole-array encoder that plain ints take one series at a time.
ratio_series = st.lists(st.one_of(st.none(), pairs, pairs, pairs, pairs.map(list)), max_size=14)
number_series = st.lists(
    st.one_of(st.none(), st.integers(0, 9), st.integers(0, 9), st.integers(0, 9).map(Fraction)), max_size=14
)
control_params = st.sampled_from(
    [
        WHOLE,
        RuleParams(),
        RuleParams(baseline_k=3),
        RuleParams(phase_starts=(4,)),
        RuleParams(phase_starts=(2, 7)),
    ]
)


@settings(max_examples=150, deadline=None)
@given(
    chart=st.sampled_from(["p", "pp", "u", "up", "i", "mr", "c"]),
    data=st.data(),
    params=control_params,
    screened=st.booleans(),
)
def test_batch_equals_one_series_at_a_time(
    chart: str, data: st.DataObject, params: RuleParams, screened: bool
) -> None:
    strategy = ratio_series if chart in ("p", "pp", "u", "up") else number_series
    batch = data.draw(st.lists(strategy, max_size=6))
    assert control_charts(batch, chart, params, screened_mr=screened) == [  # type: ignore[arg-type]
        control_chart(s, chart, params, screened_mr=screened)  # type: ignore[arg-type]
        for s in batch
    ]


@settings(max_examples=150, deadline=None)
@given(chart=st.sampled_from(["p", "pp", "u", "up", "i", "mr", "c"]), data=st.data(), params=control_params)
def test_signals_are_the_points_strictly_outside_and_nulls_follow_values(
    chart: str, data: st.DataObject, params: RuleParams
) -> None:
    values = data.draw(ratio_series if chart in ("p", "pp", "u", "up") else number_series)
    result = control_chart(values, chart, params).to_dict()  # type: ignore[arg-type]
    outside = [
        i
        for i, (y, low, high) in enumerate(zip(result["y"], result["lcl"], result["ucl"], strict=True))
        if y is not None and low is not None and high is not None and (y > high or y < low)
    ]
    assert result["sigma_signal_indices"] == outside
    for y, cl, low, high in zip(result["y"], result["cl"], result["lcl"], result["ucl"], strict=True):
        if y is None:
            assert cl is None and low is None and high is None
        if low is not None and high is not None:
            assert low <= high
            if chart in ("p", "pp"):
                assert low >= 0 and high <= 1


def test_screened_moving_ranges_drop_the_jump_as_qicharts2_0_8_attached() -> None:
    """Moving ranges 1 (×8) and 30: mean 38/9; 30 ≥ 3.267·38/9 = 13.79, so screened the mean is 1."""
    values = [10, 11, 10, 11, 10, 11, 10, 11, 10, 40]
    cl = 134 / 10
    plain = control_chart(values, "i", WHOLE).to_dict()
    screened = control_chart(values, "i", WHOLE, screened_mr=True).to_dict()
    assert close(plain["ucl"][0], cl + 3 * (38 / 9) / 1.128)
    assert close(screened["ucl"][0], cl + 3 * 1 / 1.128)
    # Plain: limits 13.4 ± 11.23, only 40 is outside. Screened: 13.4 ± 2.66, so the 10s are below too.
    assert plain["sigma_signal_indices"] == [9]
    assert screened["sigma_signal_indices"] == [0, 2, 4, 6, 8, 9]
    # Laney: the same screen on the moving ranges of the z-scores narrows p′ limits likewise.
    pairs = [(10, 100), (11, 100)] * 4 + [(10, 100), (40, 100)]
    assert (
        control_chart(pairs, "pp", WHOLE, screened_mr=True).to_dict()["ucl"][0]
        < (control_chart(pairs, "pp", WHOLE).to_dict()["ucl"][0])
    )


def _as_arrays(
    batch: list[list[Any]], chart: str, length: int
) -> tuple[list[list[float]], list[list[float]]]:
    """The series as the batch path takes them: numerators and denominators (1/0 presence for I, MR, c)."""
    num = [[0.0] * length for _ in batch]
    den = [[0.0] * length for _ in batch]
    for row, series in enumerate(batch):
        for index, item in enumerate(series):
            if item is None:
                continue
            if chart in ("p", "pp", "u", "up"):
                num[row][index], den[row][index] = item
            else:
                num[row][index], den[row][index] = item, 1
    return num, den


def _close(a: Any, b: Any) -> bool:
    """Equal, floats to within 1e-9 (relative or absolute)."""
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_close(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_close(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and a == b


plain_pairs = st.lists(st.one_of(st.none(), pairs), min_size=12, max_size=12)
plain_numbers = st.lists(st.one_of(st.none(), st.integers(0, 40)), min_size=12, max_size=12)


@settings(max_examples=200, deadline=None)
@given(
    chart=st.sampled_from(["p", "pp", "u", "up", "i", "mr", "c"]),
    data=st.data(),
    params=control_params,
    screened=st.booleans(),
)
def test_array_batch_path_equals_one_series_path_to_1e_9(
    chart: str, data: st.DataObject, params: RuleParams, screened: bool
) -> None:
    """`control_charts_arrays` on (series × period) arrays gives, row by row, what `control_chart` gives
    for that series alone as a list, for every chart type, with a frozen baseline or with phases."""
    strategy = plain_pairs if chart in ("p", "pp", "u", "up") else plain_numbers
    batch = data.draw(st.lists(strategy, min_size=1, max_size=8))
    num, den = _as_arrays(batch, chart, 12)
    found = [r.to_dict() for r in control_charts_arrays(num, den, chart, params, screened_mr=screened)]  # type: ignore[arg-type]
    alone = [control_chart(s, chart, params, screened_mr=screened).to_dict() for s in batch]  # type: ignore[arg-type]
    assert _close(found, alone), (found, alone)


def test_array_batch_path_refuses_bad_arrays_naming_the_field_and_place() -> None:
    with pytest.raises(ValueError, match=r"num at series 1, period 2 must not exceed den"):
        control_charts_arrays([[1, 2, 3], [1, 2, 5]], [[4, 4, 4], [4, 4, 4]], "p")
    with pytest.raises(ValueError, match=r"den at series 0, period 1 must be a finite number, 0 or more"):
        control_charts_arrays([[1, 2]], [[4, -1]], "u")
    with pytest.raises(ValueError, match=r"den at series 0, period 0 must be 1 \(a value\) or 0"):
        control_charts_arrays([[3.5, 2]], [[2, 1]], "i")
    with pytest.raises(ValueError, match=r"num at series 0, period 1 must not be negative"):
        control_charts_arrays([[3, -2]], [[1, 1]], "c")
    with pytest.raises(ValueError, match=r"one \(series × period\) shape"):
        control_charts_arrays([[1, 2]], [[4, 4, 4]], "p")
    with pytest.raises(ValueError, match="chart must be one of"):
        control_charts_arrays([[1]], [[1]], "x")  # type: ignore[arg-type]
    # A missing period (den 0) may hold anything in num: it is not read.
    [result] = control_charts_arrays([[99, 1, 2]], [[0, 4, 4]], "p")
    assert result.y == (None, 0.25, 0.5)
