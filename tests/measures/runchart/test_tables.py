"""The limit tables of docs/runchart.md §5.1, row by row."""

from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from math import log2

import pytest

from measures.runchart import RUNS_TABLE, RUNS_TABLE_VERSION
from measures.runchart.tables import (
    anhoej_crossings_min,
    anhoej_longest_run_max,
    runs_distribution,
    runs_limits,
    runs_tail_probabilities,
)

# (n useful, lower, upper, P(too few), P(too many), Anhøj longest max, Anhøj crossings min), copied from §5.1.
SPEC_ROWS = [
    (10, 3, 9, "0.0079", "0.0079", 6, 2),
    (11, 4, 9, "0.0238", "0.0238", 6, 2),
    (12, 4, 10, "0.0130", "0.0130", 7, 3),
    (13, 4, 11, "0.0076", "0.0076", 7, 3),
    (14, 4, 12, "0.0041", "0.0041", 7, 4),
    (15, 5, 12, "0.0154", "0.0121", 7, 4),
    (16, 5, 13, "0.0089", "0.0089", 7, 4),
    (17, 6, 13, "0.0203", "0.0203", 7, 5),
    (18, 6, 14, "0.0122", "0.0122", 7, 5),
    (19, 6, 15, "0.0076", "0.0076", 7, 6),
    (20, 7, 15, "0.0185", "0.0185", 7, 6),
    (21, 7, 16, "0.0119", "0.0104", 7, 6),
    (22, 8, 16, "0.0226", "0.0226", 7, 7),
    (23, 8, 17, "0.0150", "0.0150", 8, 7),
    (24, 8, 18, "0.0095", "0.0095", 8, 8),
    (25, 9, 18, "0.0201", "0.0184", 8, 8),
    (26, 9, 19, "0.0131", "0.0131", 8, 8),
    (27, 10, 19, "0.0236", "0.0236", 8, 9),
    (28, 10, 20, "0.0157", "0.0157", 8, 9),
    (29, 10, 21, "0.0107", "0.0107", 8, 10),
    (30, 11, 21, "0.0199", "0.0199", 8, 10),
    (31, 11, 22, "0.0137", "0.0128", 8, 11),
    (32, 12, 22, "0.0228", "0.0228", 8, 11),
    (33, 12, 23, "0.0160", "0.0160", 8, 11),
    (34, 12, 24, "0.0109", "0.0109", 8, 12),
    (35, 13, 24, "0.0194", "0.0184", 8, 12),
    (36, 13, 25, "0.0134", "0.0134", 8, 13),
    (37, 14, 25, "0.0219", "0.0219", 8, 13),
    (38, 14, 26, "0.0154", "0.0154", 8, 14),
    (39, 14, 26, "0.0109", "0.0244", 8, 14),
    (40, 15, 27, "0.0182", "0.0182", 8, 14),
    (41, 15, 28, "0.0130", "0.0125", 8, 15),
    (42, 16, 28, "0.0203", "0.0203", 8, 15),
    (43, 16, 29, "0.0147", "0.0147", 8, 16),
    (44, 17, 29, "0.0233", "0.0233", 8, 16),
    (45, 17, 30, "0.0170", "0.0164", 8, 17),
    (46, 17, 31, "0.0122", "0.0122", 9, 17),
    (47, 18, 31, "0.0188", "0.0188", 9, 17),
    (48, 18, 32, "0.0137", "0.0137", 9, 18),
    (49, 19, 32, "0.0213", "0.0207", 9, 18),
    (50, 19, 33, "0.0156", "0.0156", 9, 19),
    (51, 20, 33, "0.0232", "0.0232", 9, 19),
    (52, 20, 34, "0.0172", "0.0172", 9, 20),
    (53, 20, 35, "0.0127", "0.0127", 9, 20),
    (54, 21, 35, "0.0193", "0.0193", 9, 21),
    (55, 21, 36, "0.0144", "0.0140", 9, 21),
    (56, 22, 36, "0.0209", "0.0209", 9, 21),
    (57, 22, 37, "0.0157", "0.0157", 9, 22),
    (58, 23, 37, "0.0231", "0.0231", 9, 22),
    (59, 23, 38, "0.0175", "0.0171", 9, 23),
    (60, 24, 38, "0.0248", "0.0248", 9, 23),
]


def _four_places(p: Fraction) -> str:
    return str((Decimal(p.numerator) / Decimal(p.denominator)).quantize(Decimal("0.0001"), ROUND_HALF_EVEN))


@pytest.mark.parametrize(
    ("n", "lower", "upper", "p_few", "p_many", "longest_max", "crossings_min"), SPEC_ROWS
)
def test_runs_table_row_matches_the_spec(
    n: int, lower: int, upper: int, p_few: str, p_many: str, longest_max: int, crossings_min: int
) -> None:
    assert runs_limits(n) == (lower, upper)
    assert RUNS_TABLE[n] == (lower, upper)
    few, many = runs_tail_probabilities(n, lower, upper)
    assert (_four_places(few), _four_places(many)) == (p_few, p_many)


@pytest.mark.parametrize(
    ("n", "lower", "upper", "p_few", "p_many", "longest_max", "crossings_min"), SPEC_ROWS
)
def test_runs_table_limits_are_the_widest_with_at_most_2_5_percent_per_tail(
    n: int, lower: int, upper: int, p_few: str, p_many: str, longest_max: int, crossings_min: int
) -> None:
    dist = runs_distribution(n)
    alpha = Fraction(1, 40)
    assert (
        sum(p for r, p in dist.items() if r < lower) <= alpha < sum(p for r, p in dist.items() if r <= lower)
    )
    assert (
        sum(p for r, p in dist.items() if r > upper) <= alpha < sum(p for r, p in dist.items() if r >= upper)
    )


@pytest.mark.parametrize(
    ("n", "lower", "upper", "p_few", "p_many", "longest_max", "crossings_min"), SPEC_ROWS
)
def test_anhoej_limits_match_the_spec_columns(
    n: int, lower: int, upper: int, p_few: str, p_many: str, longest_max: int, crossings_min: int
) -> None:
    assert anhoej_longest_run_max(n) == longest_max
    assert anhoej_crossings_min(n) == crossings_min


def test_runs_table_covers_exactly_10_to_60_useful_points() -> None:
    assert sorted(RUNS_TABLE) == list(range(10, 61))
    assert RUNS_TABLE_VERSION


@pytest.mark.parametrize("n", range(2, 61))
def test_runs_distribution_sums_to_one(n: int) -> None:
    assert sum(runs_distribution(n).values()) == 1


@pytest.mark.parametrize("n", range(1, 101))
def test_anhoej_longest_run_max_equals_round_log2_plus_3(n: int) -> None:
    assert anhoej_longest_run_max(n) == round(log2(n)) + 3


# qbinom(0.05, n − 1, 0.5) from R for small n, where a hand check is feasible.
@pytest.mark.parametrize(
    ("n", "expected"), [(1, 0), (2, 0), (3, 0), (4, 0), (5, 0), (6, 1), (7, 1), (8, 1), (9, 2)]
)
def test_anhoej_crossings_min_equals_qbinom_for_small_n(n: int, expected: int) -> None:
    assert anhoej_crossings_min(n) == expected


def test_anhoej_limits_refuse_zero_useful_points() -> None:
    with pytest.raises(ValueError):
        anhoej_longest_run_max(0)
    with pytest.raises(ValueError):
        anhoej_crossings_min(0)
