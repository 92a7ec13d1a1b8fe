"""Properties over random series: invariances of the rules, and the batch engine equals the exact one."""

from fractions import Fraction
from typing import Any

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from measures.runchart import RuleParams, analyse, analyse_many
from measures.runchart.values import RawValue

MEDIAN_KEYS = {"median", "median_exact", "median_first_k_positions", "previous_median"}
INDEX_KEYS = {"start_index", "end_index", "run_start", "run_6th"}
INDEX_LIST_KEYS = {"on_median_indices", "indices", "window", "median_window"}

# Small denominators make ties, on-median points and plateaus common.
pairs = st.tuples(st.integers(0, 6), st.integers(0, 6)).map(lambda p: (min(p), max(p)))
items = st.one_of(st.none(), pairs, pairs, pairs, st.integers(-2, 3), st.fractions(0, 2, max_denominator=4))
series = st.lists(items, max_size=40)

params_without_positions = st.sampled_from(
    [
        RuleParams(),
        RuleParams(baseline_k=None),
        RuleParams(baseline_k=4),
        RuleParams(fixed_cl=Fraction(1, 2)),
        RuleParams(baseline_k=5, rebase="ihi_sustained", rebase_k=4, shift_len=3),
        RuleParams(baseline_k=6, rebase="ihi_sustained", direction="both", rebase_k=6, shift_len=4),
        RuleParams(baseline_k=3, rebase="ihi_sustained", direction="down", shift_len=3, trend_len=3),
    ]
)
all_params = st.one_of(
    params_without_positions,
    st.sampled_from(
        [
            RuleParams(baseline_window=(2, 9)),
            RuleParams(rebase="runcharter", runcharter_med_rows=5, runcharter_runlength=4, shift_len=3),
            RuleParams(rebase="runcharter", direction="both"),
            RuleParams(phase_starts=(5, 17), rebase_k=4),
        ]
    ),
)


def _without(node: Any, drop: set[str]) -> Any:
    if isinstance(node, dict):
        return {k: _without(v, drop) for k, v in node.items() if k not in drop}
    if isinstance(node, list):
        return [_without(v, drop) for v in node]
    return node


def _shift_indices(node: Any, at: int) -> Any:
    """The to_dict of a series after a missing month is inserted at period `at`."""

    def move(index: int) -> int:
        return index + (index >= at)

    if isinstance(node, list):
        return [_shift_indices(v, at) for v in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if key in INDEX_KEYS:
            out[key] = move(value)
        elif key in INDEX_LIST_KEYS and value is not None:
            out[key] = [move(i) for i in value]
        else:
            out[key] = _shift_indices(value, at)
    return out


def _scaled(item: RawValue, factor: int) -> RawValue:
    if item is None:
        return None
    if isinstance(item, tuple):
        return (item[0] * factor, item[1])
    return Fraction(item) * factor  # type: ignore[arg-type]


@settings(max_examples=300, deadline=None)
@given(series, st.integers(1, 1000), params_without_positions)
def test_scaling_every_value_by_a_positive_constant_leaves_signals_and_indices_unchanged(
    values: list[RawValue], factor: int, params: RuleParams
) -> None:
    scaled = params if params.fixed_cl is None else RuleParams(fixed_cl=params.fixed_cl * factor)
    before = analyse(values, params).to_dict()
    after = analyse([_scaled(v, factor) for v in values], scaled).to_dict()
    assert _without(after, MEDIAN_KEYS) == _without(before, MEDIAN_KEYS)
    if before["median"] is not None:
        assert Fraction(after["median_exact"]) == Fraction(before["median_exact"]) * factor


@settings(max_examples=300, deadline=None)
@given(series, st.data(), params_without_positions)
def test_inserting_a_missing_month_shifts_indices_but_not_figures(
    values: list[RawValue], data: st.DataObject, params: RuleParams
) -> None:
    assume(any(v is not None and not (isinstance(v, tuple) and v[1] == 0) for v in values))
    at = data.draw(st.integers(0, len(values)))
    before = analyse(values, params).to_dict()
    after = analyse([*values[:at], None, *values[at:]], params).to_dict()
    expected = _shift_indices(before, at)
    expected["n_periods"] += 1
    # A phase ends where the next begins, so a month inserted at a phase start joins the earlier phase.
    for phase, following in zip(expected.get("phases", []), expected.get("phases", [])[1:], strict=False):
        phase["end_index"] = following["start_index"] - 1
    if expected.get("phases"):
        expected["phases"][-1]["end_index"] = len(values)
    drop = {"median_first_k_positions"}  # positional by definition (docs/runchart.md §6)
    assert _without(after, drop) == _without(expected, drop)


@settings(max_examples=300, deadline=None)
@given(series)
def test_reversing_a_series_swaps_trend_directions_and_mirrors_indices(values: list[RawValue]) -> None:
    params = RuleParams(baseline_k=None)
    last = len(values) - 1
    before = analyse(values, params).to_dict()
    after = analyse(values[::-1], params).to_dict()
    flip = {"up": "down", "down": "up"}
    assert sorted(
        (t["direction"], t["start_index"], t["end_index"], t["length"]) for t in after["trends"]
    ) == sorted(
        (flip[t["direction"]], last - t["end_index"], last - t["start_index"], t["length"])
        for t in before["trends"]
    )
    assert sorted((s["side"], s["start_index"], s["length"]) for s in after["shifts"]) == sorted(
        (s["side"], last - s["end_index"], s["length"]) for s in before["shifts"]
    )
    for key in ("median_exact", "n_obs", "n_useful", "n_runs", "longest_run", "anhoej_signal", "runs_table"):
        assert after[key] == before[key]


big = st.tuples(st.integers(0, 2**70), st.integers(1, 2**70))
wide_items = st.one_of(items, big, st.integers(-5, 5).map(lambda n: (n, 0)))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(wide_items, max_size=40), max_size=8), all_params)
def test_batch_engine_equals_the_exact_reference_engine(
    batch: list[list[RawValue]], params: RuleParams
) -> None:
    fast = analyse_many(batch, params)
    slow = [analyse(values, params) for values in batch]
    assert [r.to_dict() for r in fast] == [r.to_dict() for r in slow]
    assert fast == slow


ihi_params = st.builds(
    RuleParams,
    baseline_k=st.integers(1, 8),
    shift_len=st.integers(2, 6),
    rebase_k=st.integers(1, 8),
    direction=st.sampled_from(["up", "down", "both"]),
    rebase=st.just("ihi_sustained"),
)
# Long series with level changes, so that re-basing (one or several times) is common, not rare.
stepped = st.lists(
    st.tuples(st.integers(1, 12), st.integers(0, 4)).map(lambda t: [(t[1], 4)] * t[0]), max_size=8
).map(lambda blocks: [v for block in blocks for v in block])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(series, stepped), max_size=6), ihi_params)
def test_batch_engine_with_sustained_shift_rebasing_equals_the_exact_engine(
    batch: list[list[RawValue]], params: RuleParams
) -> None:
    fast = analyse_many(batch, params)
    slow = [analyse(values, params) for values in batch]
    assert [r.to_dict() for r in fast] == [r.to_dict() for r in slow]
