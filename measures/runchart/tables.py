"""Limits for the runs rules: the exact Swed–Eisenhart runs table and Anhøj's limits (docs/runchart.md §4, §5)."""

from __future__ import annotations

from fractions import Fraction
from functools import cache
from math import comb

RUNS_TABLE_VERSION = "swed-eisenhart-exact-alpha-0.025-per-tail-v1"
RUNS_TABLE_ALPHA = Fraction(1, 40)
RUNS_TABLE_MIN_N = 10
RUNS_TABLE_MAX_N = 60


def runs_distribution(n: int) -> dict[int, Fraction]:
    """P(R = r) for the number of runs among n useful points split ⌊n/2⌋ / ⌈n/2⌉ by the median."""
    if n < 2:
        raise ValueError("the runs distribution needs at least two points")
    n1, n2 = n // 2, n - n // 2
    total = comb(n, n1)
    dist: dict[int, Fraction] = {}
    for r in range(2, n + 1):
        k = r // 2
        if r % 2 == 0:
            ways = 2 * comb(n1 - 1, k - 1) * comb(n2 - 1, k - 1)
        else:
            ways = comb(n1 - 1, k - 1) * comb(n2 - 1, k) + comb(n1 - 1, k) * comb(n2 - 1, k - 1)
        dist[r] = Fraction(ways, total)
    return dist


def runs_limits(n: int, alpha: Fraction = RUNS_TABLE_ALPHA) -> tuple[int, int]:
    """(lower, upper): too few runs if runs < lower, too many if runs > upper."""
    dist = runs_distribution(n)
    lower, below = 2, Fraction(0)
    while below + dist.get(lower, Fraction(0)) <= alpha:
        below += dist.get(lower, Fraction(0))
        lower += 1
    upper, above = n, Fraction(0)
    while above + dist.get(upper, Fraction(0)) <= alpha:
        above += dist.get(upper, Fraction(0))
        upper -= 1
    return lower, upper


def runs_tail_probabilities(n: int, lower: int, upper: int) -> tuple[Fraction, Fraction]:
    """(P(R < lower), P(R > upper)): the exact false-signal rate of each tail."""
    dist = runs_distribution(n)
    return (
        sum((p for r, p in dist.items() if r < lower), Fraction(0)),
        sum((p for r, p in dist.items() if r > upper), Fraction(0)),
    )


# Data, not code (§5.2): an organisation may swap in a transcribed printed table keyed the same way.
RUNS_TABLE: dict[int, tuple[int, int]] = {
    n: runs_limits(n) for n in range(RUNS_TABLE_MIN_N, RUNS_TABLE_MAX_N + 1)
}


@cache
def anhoej_longest_run_max(n_useful: int) -> int:
    """round(log2 n) + 3 in integers: the smallest k with n² < 2^(2k+1), plus 3."""
    if n_useful < 1:
        raise ValueError("Anhøj limits need at least one useful point")
    k = 0
    while n_useful * n_useful >= 2 ** (2 * k + 1):
        k += 1
    return k + 3


@cache
def anhoej_crossings_min(n_useful: int) -> int:
    """qbinom(0.05, n − 1, ½) in integers: the smallest x with 20·Σ_{j≤x} C(n−1, j) ≥ 2^(n−1)."""
    if n_useful < 1:
        raise ValueError("Anhøj limits need at least one useful point")
    trials = n_useful - 1
    cumulative = 0
    for x in range(trials + 1):
        cumulative += comb(trials, x)
        if 20 * cumulative >= 2**trials:
            return x
    raise AssertionError("the binomial distribution sums to one")
