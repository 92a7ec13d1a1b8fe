"""Collaborative aggregation helpers and the aim test (docs/runchart.md §8)."""

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from measures.runchart import (
    analyse,
    cohort_figures,
    median_of_rates,
    meets_aim,
    meets_aim_many,
    n_reporting,
    pool,
)
from measures.runchart.aggregate import Pair
from measures.runchart.values import RawValue, median

TEAMS = [
    [(1, 2), (0, 0), None, (3, 4)],
    [(3, 10), (2, 5), None, (1, 4)],
    [(0, 0), (1, 1), None, (2, 4)],
]


def test_pool_sums_numerators_and_denominators_over_teams_that_reported() -> None:
    assert pool(TEAMS) == [(4, 12), (3, 6), None, (6, 12)]


def test_pooled_series_is_analysed_directly_and_weights_teams_by_volume() -> None:
    out = analyse(pool(TEAMS)).to_dict()  # type: ignore[arg-type]
    assert (out["n_periods"], out["n_obs"], out["median_exact"]) == (4, 3, "1/2")


def test_median_of_rates_is_exact_per_period() -> None:
    assert median_of_rates(TEAMS) == [Fraction(2, 5), Fraction(7, 10), None, Fraction(1, 2)]


def test_n_reporting_counts_teams_with_a_valid_point() -> None:
    assert n_reporting(TEAMS) == [2, 2, 0, 3]


def test_aggregation_of_no_teams_is_empty() -> None:
    assert (pool([]), median_of_rates([]), n_reporting([])) == ([], [], [])


def test_aggregation_refuses_series_of_different_lengths() -> None:
    with pytest.raises(ValueError, match="same number of periods"):
        pool([[(1, 2)], [(1, 2), (1, 2)]])


@pytest.mark.parametrize("bad", [0.5, Fraction(1, 2), (0.5, 1), (1, -2)])
def test_aggregation_refuses_anything_but_integer_pairs(bad: object) -> None:
    with pytest.raises((TypeError, ValueError)):
        pool([[(1, 2), bad]])  # type: ignore[list-item]


@pytest.mark.parametrize(
    ("values", "target", "direction", "expected"),
    [
        ([(1, 10)] * 6 + [(8, 10)] * 6, "0.8", "up", True),
        ([(1, 10)] * 6 + [(8, 10)] * 6, "0.81", "up", False),
        ([(9, 10)] * 4 + [(7, 10)] * 2, Fraction(9, 10), "up", True),
        ([(9, 10)] * 3 + [(7, 10)] * 3, Fraction(8, 10), "up", True),
        ([(9, 10)] * 3 + [(7, 10)] * 3, Fraction(81, 100), "up", False),
        ([(2, 10)] * 6, "0.2", "down", True),
        ([(3, 10)] * 6, "0.2", "down", False),
        ([(1, 1), (1, 1), None, (0, 0)], 1, "up", None),
        ([(1, 1), None, (1, 1), None, (1, 1)], 1, "up", True),
        ([], 1, "up", None),
    ],
)
def test_meets_aim_uses_the_median_of_the_last_six_observed_points(
    values: list[RawValue], target: RawValue, direction: str, expected: bool | None
) -> None:
    assert meets_aim(values, target, direction) is expected  # type: ignore[arg-type]


def test_meets_aim_window_and_minimum_points_are_parameters() -> None:
    values: list[RawValue] = [9, 9, 9, 1, 1]
    assert meets_aim(values, 5, "up", window=2, min_points=2) is False
    assert meets_aim(values, 5, "up", window=5) is True
    assert meets_aim(values, 5, "up", window=6, min_points=6) is None


def test_meets_aim_refuses_float_targets_and_unknown_directions() -> None:
    with pytest.raises(TypeError):
        meets_aim([1, 2, 3], 0.5, "up")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        meets_aim([1, 2, 3], 1, "both")  # type: ignore[arg-type]


def test_meets_aim_refuses_a_minimum_larger_than_the_window() -> None:
    with pytest.raises(ValueError, match="min_points"):
        meets_aim([1, 2, 3], 1, "up", window=2)


team_item = st.one_of(
    st.none(),
    st.tuples(st.integers(0, 12), st.integers(0, 12)),
    st.tuples(st.integers(0, 2**20), st.integers(0, 2**20)),  # beyond the float bound: the exact path
)


@settings(max_examples=300, deadline=None)
@given(
    st.integers(0, 15).flatmap(lambda n: st.lists(st.lists(team_item, min_size=n, max_size=n), max_size=12))
)
def test_cohort_figures_equal_pool_n_reporting_and_median_of_rates(teams: list[list[Pair | None]]) -> None:
    pooled, reporting, rates = cohort_figures(teams)
    assert pooled == pool(teams)
    assert reporting == n_reporting(teams)
    assert rates == median_of_rates(teams)
    assert all(type(r) is Fraction for r in rates if r is not None)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(team_item, max_size=30), st.fractions(0, 2, max_denominator=12), st.sampled_from(["up", "down"])
)
def test_meets_aim_reads_only_the_latest_points_yet_equals_the_full_exact_computation(
    values: list[Pair | None], target: Fraction, direction: str
) -> None:
    observed = [Fraction(n, d) for n, d in (v for v in values if v is not None) if d > 0][-6:]
    centre = median(observed) if len(observed) >= 3 else None
    expected = None if centre is None else (centre >= target if direction == "up" else centre <= target)
    assert meets_aim(values, target, direction) == expected


@settings(max_examples=300, deadline=None)
@given(
    st.integers(0, 15).flatmap(lambda n: st.lists(st.lists(team_item, min_size=n, max_size=n), max_size=12)),
    st.fractions(0, 2, max_denominator=12),
    st.sampled_from(["up", "down"]),
    st.integers(1, 8).flatmap(lambda w: st.tuples(st.just(w), st.integers(1, w))),
)
def test_meets_aim_many_equals_meets_aim_team_by_team(
    teams: list[list[Pair | None]], target: Fraction, direction: str, window_and_min: tuple[int, int]
) -> None:
    window, min_points = window_and_min
    expected = [meets_aim(values, target, direction, window, min_points) for values in teams]
    assert meets_aim_many(teams, target, direction, window, min_points) == expected


def test_meets_aim_many_checks_its_arguments_like_meets_aim() -> None:
    with pytest.raises(ValueError, match="direction"):
        meets_aim_many([[(1, 2)]], 1, "both")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="min_points"):
        meets_aim_many([[(1, 2)]], 1, "up", window=2, min_points=3)
