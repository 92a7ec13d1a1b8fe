"""The batch engine `analyse_many` (fast path of docs/runchart.md §11)."""

import gc
from fractions import Fraction

import pytest

from measures.runchart import RuleParams, analyse, analyse_many
from measures.runchart.values import RawValue

MIXED: list[list[RawValue]] = [
    [(1, 2), (3, 4), None, (0, 0), (2, 3), (1, 1), (1, 2), (5, 8)] * 3,
    [],
    [None, None],
    ["0.25", Fraction(1, 3), 2, [1, 4], (1, 2)],
    [(2, 4)] * 20,
    [(i % 7, 7) for i in range(60)],
]


@pytest.mark.parametrize(
    "params",
    [
        RuleParams(),
        RuleParams(baseline_k=None),
        RuleParams(baseline_window=(1, 6)),
        RuleParams(fixed_cl=Fraction(1, 2)),
        RuleParams(rebase="ihi_sustained", baseline_k=4, rebase_k=4, shift_len=3),
        RuleParams(phase_starts=(3,)),
    ],
)
def test_batch_results_equal_one_series_results_in_the_same_order(params: RuleParams) -> None:
    assert analyse_many(MIXED, params) == [analyse(values, params) for values in MIXED]


EQUAL_LENGTH: list[list[RawValue]] = [
    [(1, 2), None, (3, 4), (0, 0), (2, 3)] * 4,
    [(2, 3)] * 20,
    [None] * 20,
    [(i % 5, 5) for i in range(20)],
]


@pytest.mark.parametrize(
    "extra",
    [[], [["0.25", 1, Fraction(1, 3), [1, 4], (1, 2)] * 4], [[(1, 2), (None, 3)] * 10]],
    ids=["pairs only", "other kinds", "a pair with a missing count"],
)
def test_series_of_one_length_give_the_one_series_results(extra: list[list[RawValue]]) -> None:
    batch = EQUAL_LENGTH + extra
    assert analyse_many(batch) == [analyse(values) for values in batch]


def test_batch_of_no_series_is_empty() -> None:
    assert analyse_many([]) == []


def test_values_beyond_int64_are_analysed_exactly() -> None:
    huge = 2**80
    values: list[RawValue] = [(huge + 1, 2 * huge), (huge - 1, 2 * huge), (1, 2)] * 5
    fast = analyse_many([values, [(1, 2)] * 3])
    assert fast[0] == analyse(values)
    assert fast[0].to_dict()["on_median_indices"] == [2, 5, 8, 11, 14]


def test_values_beyond_int64_are_re_based_exactly() -> None:
    huge = 2**80
    low, high = (huge - 1, 2 * huge), (3 * huge, 4 * huge)
    values: list[RawValue] = [low, (1, 2)] * 3 + [high] * 6
    params = RuleParams(rebase="ihi_sustained", baseline_k=4, rebase_k=4, shift_len=3)
    fast = analyse_many([values, [(1, 2)] * 12], params)
    assert fast == [analyse(values, params), analyse([(1, 2)] * 12, params)]
    assert len(fast[0].phases) == 2  # the exact engine's own re-basing, not the batch's one-phase default


def test_near_equal_fractions_are_ordered_exactly() -> None:
    # Distinct rationals whose float values are closer than the float rounding error of large numbers.
    values: list[RawValue] = [(10**15 + 1, 10**15), (10**15, 10**15 - 1), (1, 1)] * 5
    assert analyse_many([values]) == [analyse(values)]


def test_negative_denominator_is_refused_by_the_batch_engine_too() -> None:
    with pytest.raises(ValueError, match="index 1"):
        analyse_many([[(1, 2)], [(1, 2), (1, -2)]])


def test_batch_engine_restores_the_garbage_collector() -> None:
    assert gc.isenabled()
    analyse_many(MIXED)
    assert gc.isenabled()
