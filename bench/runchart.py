"""Throughput of the run-chart engine: `python bench/runchart.py` from the repository root.

Analyses 30,000 seeded random monthly series of 60 (num, den) pairs with the batch engine
(`analyse_many`), and a 1,000-series subset with the straightforward exact engine (`analyse`),
whose time is extrapolated to the full set. Both use the default parameters (docs/runchart.md §9: baseline_k = 12).
Then the control-chart engine (`control_charts`) on the same series, for each chart type (I, MR and c take
the numerators as counts), with the encoding of the values into arrays timed apart (`control_arrays`).
The batch engine runs four times: the first run (the process's first allocations of that size) is
printed apart, and the figures are the median of the other three, as in a worker that has run before.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from measures.runchart import CHARTS, RuleParams, analyse, analyse_many, control_charts  # noqa: E402
from measures.runchart.control import control_arrays, encode  # noqa: E402
from measures.runchart.values import RawValue  # noqa: E402

N_SERIES = 30_000
N_MONTHS = 60
N_REFERENCE = 1_000
SEED = 20240601
TARGET_POINTS_PER_SECOND = 1_000_000
WARM_RUNS = 3


def make_series(rng: random.Random) -> list[RawValue]:
    """A team's months: a drifting rate, a few missing months and some zero denominators."""
    rate = rng.uniform(0.2, 0.8)
    series: list[RawValue] = []
    for month in range(N_MONTHS):
        if rng.random() < 0.05:
            series.append(None)
            continue
        den = rng.randint(0, 40)
        p = min(1.0, rate + (0.15 if month >= 30 and rate < 0.5 else 0.0))
        series.append((sum(rng.random() < p for _ in range(den)), den))
    return series


def seconds_of(run: Callable[[], object]) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def timed(label: str, run: Callable[[], object], n_series: int, *, warm_runs: int = 0) -> float:
    seconds = seconds_of(run)
    if warm_runs:
        print(f"{label + ', first run':<34} {n_series:>6} series  {seconds:8.3f} s  "
              f"{n_series * N_MONTHS / seconds:>12,.0f} points/s")  # fmt: skip
        seconds = statistics.median(seconds_of(run) for _ in range(warm_runs))
        label = f"{label}, median of {warm_runs}"
    points = n_series * N_MONTHS
    print(
        f"{label:<34} {n_series:>6} series  {seconds:8.3f} s  "
        f"{points / seconds:>12,.0f} points/s  {seconds / n_series * 1e6:8.1f} µs/series"
    )
    return seconds / n_series


def main() -> None:
    rng = random.Random(SEED)
    series = [make_series(rng) for _ in range(N_SERIES)]
    params = RuleParams()
    subset = series[:N_REFERENCE]
    print(f"{N_SERIES:,} series × {N_MONTHS} months, seed {SEED}, default RuleParams, one core\n")
    fast = timed("batch engine", lambda: analyse_many(series, params), N_SERIES, warm_runs=WARM_RUNS)
    slow = timed("reference engine (analyse)", lambda: [analyse(s, params) for s in subset], N_REFERENCE)
    print(
        f"\nreference extrapolated to {N_SERIES:,} series: {slow * N_SERIES:.1f} s "
        f"(measured on the first {N_REFERENCE:,})"
    )
    print(f"speed-up batch / reference: {slow / fast:.1f}×")
    identical = [r.to_dict() for r in analyse_many(subset, params)] == [
        analyse(s, params).to_dict() for s in subset
    ]
    print(f"batch results identical to reference on the subset: {identical}")
    rate = N_MONTHS / fast
    verdict = "met" if rate >= TARGET_POINTS_PER_SECOND and identical else "MISSED"
    print(f"target ≥ {TARGET_POINTS_PER_SECOND:,} points/s: {verdict} ({rate:,.0f})")
    control(series, params, rate)
    print(f"\nload average (1, 5, 15 min): {os.getloadavg()}; the machine is shared, figures are noisy")


def control(series: list[list[RawValue]], params: RuleParams, run_chart_rate: float) -> None:
    """Control charts of every type on the same series: whole results, and the array pass alone."""
    counts: list[list[RawValue]] = [[None if v is None else v[0] for v in s] for s in series]  # type: ignore[index]
    print(
        f"\ncontrol charts, {N_SERIES:,} series × {N_MONTHS} months, baseline_k = 12, median of {WARM_RUNS}"
    )
    slowest = 0.0
    for chart in CHARTS:
        data = series if chart in ("p", "pp", "u", "up") else counts
        whole = statistics.median(
            seconds_of(partial(control_charts, data, chart, params)) for _ in range(WARM_RUNS)
        )
        num, den = encode(data, chart, N_MONTHS)
        arrays = statistics.median(
            seconds_of(partial(control_arrays, num, den, chart, params)) for _ in range(WARM_RUNS)
        )
        slowest = max(slowest, whole)
        points = N_SERIES * N_MONTHS
        print(
            f"  {chart:<3} results from lists {points / whole:>12,.0f} points/s ({whole:6.3f} s)   "
            f"array pass alone {points / arrays:>12,.0f} points/s ({arrays:6.3f} s)"
        )
    rate = N_SERIES * N_MONTHS / slowest
    verdict = "met" if rate >= TARGET_POINTS_PER_SECOND else "MISSED"
    print(
        f"target ≥ {TARGET_POINTS_PER_SECOND:,} points/s for the slowest chart, lists to results: {verdict} ({rate:,.0f})"
    )
    print(
        f"slowest control chart / run-chart batch engine in this run (same load): {rate / run_chart_rate:.2f}×"
    )


if __name__ == "__main__":
    main()
