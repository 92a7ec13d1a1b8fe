"""Accepted value forms, refused ones, and parameter validation (docs/runchart.md §2.1, §11)."""

from decimal import Decimal
from fractions import Fraction

import pytest

from measures.runchart import RuleParams, analyse, analyse_many
from measures.runchart.values import exact_series


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        (None, None),
        (3, Fraction(3)),
        (Fraction(2, 3), Fraction(2, 3)),
        (Decimal("0.45"), Fraction(9, 20)),
        ("0.45", Fraction(9, 20)),
        (" 1.5 ", Fraction(3, 2)),
        ((3, 4), Fraction(3, 4)),
        ([3, 4], Fraction(3, 4)),
        ((9, 6), Fraction(3, 2)),
        ((0, 0), None),
        ((5, 0), None),
        ((None, 4), None),
        ((4, None), None),
    ],
)
def test_each_accepted_form_gives_its_exact_value_or_missing(item: object, expected: Fraction | None) -> None:
    assert exact_series([item]) == [expected]  # type: ignore[list-item]


@pytest.mark.parametrize(
    ("item", "error"),
    [
        (0.5, TypeError),
        (True, TypeError),
        ((1.0, 2), TypeError),
        ((1, 2.0), TypeError),
        ((True, 2), TypeError),
        ((1, -2), ValueError),
        ((1, 2, 3), ValueError),
        ("abc", ValueError),
        ("1/3", ValueError),
        (Decimal("NaN"), ValueError),
        ("Infinity", ValueError),
        (object(), TypeError),
    ],
)
def test_refused_values_raise_an_error_naming_the_index(item: object, error: type[Exception]) -> None:
    with pytest.raises(error, match="index 2"):
        analyse([1, None, item])  # type: ignore[list-item]
    with pytest.raises(error, match="index 2"):
        analyse_many([[1, 2], [1, None, item]])  # type: ignore[list-item]
    with pytest.raises(error, match="index 2"):  # series of one length take the whole-batch checks
        analyse_many([[(1, 2), None, (1, 1)], [(1, 2), None, item]])  # type: ignore[list-item]


def test_a_string_is_not_accepted_as_a_whole_series() -> None:
    with pytest.raises(TypeError):
        analyse("0.5")
    with pytest.raises(TypeError):
        analyse_many(["0.5"])


def test_float_error_message_explains_why_floats_are_refused() -> None:
    with pytest.raises(TypeError, match="exact"):
        analyse([0.1])


@pytest.mark.parametrize(
    "kwargs",
    [
        {"direction": "sideways"},
        {"rebase": "sometimes"},
        {"shift_len": 0},
        {"trend_len": 1},
        {"baseline_k": 0},
        {"baseline_k": True},
        {"rebase_k": 0},
        {"phase_starts": (-1,)},
        {"baseline_window": (5, 2)},
        {"fixed_cl": 0.5},
    ],
)
def test_invalid_parameters_are_refused(kwargs: dict[str, object]) -> None:
    with pytest.raises((TypeError, ValueError)):
        RuleParams(**kwargs)  # type: ignore[arg-type]


def test_parameters_default_to_the_recommended_values() -> None:
    params = RuleParams()
    assert (params.baseline_k, params.shift_len, params.trend_len, params.direction) == (12, 6, 5, "up")
    assert (params.rebase, params.rebase_k, params.runcharter_med_rows, params.runcharter_runlength) == (
        None,
        12,
        13,
        9,
    )
    assert (params.phase_starts, params.fixed_cl, params.baseline_window) == ((), None, None)


def test_phase_starts_are_sorted_and_deduplicated_and_fixed_cl_is_made_exact() -> None:
    params = RuleParams(phase_starts=(12, 6, 12), fixed_cl="0.4")  # type: ignore[arg-type]
    assert params.phase_starts == (6, 12)
    assert params.fixed_cl == Fraction(2, 5)
