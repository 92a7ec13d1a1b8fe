"""Throughput of the run-chart engine: `python bench/runchart.py` from the repository root.

Analyses 30,000 seeded random monthly series of 60 (num, den) pairs with the batch engine
(`analyse_many`), and a 1,000-series subset with the straightforward exact engine (`analyse`),
whose time is extrapolated to the full set. Both use the default parameters (docs/runchart.md §9: baseline_k = 12).
Then the control-chart engine on the same series, for each chart type (I, MR and c take the numerators as
counts), three ways: from lists of pairs or numbers to result objects (`control_charts`, which reads every
item); the batch path from (series × period) arrays to result objects (`control_charts_arrays`, what a page
of many charts uses), also through each result's `to_dict()`; and the array pass alone (`control_arrays`).
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

from measures.runchart import (  # noqa: E402
    CHARTS,
    RuleParams,
    analyse,
    analyse_many,
    collector_paused,
    control_charts,
    control_charts_arrays,
)
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
    """Control charts of every type on the same series: from lists, from arrays (the batch path), arrays alone."""
    counts: list[list[RawValue]] = [[None if v is None else v[0] for v in s] for s in series]  # type: ignore[index]
    points = N_SERIES * N_MONTHS
    print(
        f"\ncontrol charts, {N_SERIES:,} series × {N_MONTHS} months, baseline_k = 12, median of {WARM_RUNS}, points/s"
    )
    print(f"  {'':<4}{'lists → results':>18}{'arrays → results':>19}{'→ to_dict()':>14}{'array pass':>14}")
    slowest_lists = slowest_batch = slowest_dicts = 0.0
    for chart in CHARTS:
        data = series if chart in ("p", "pp", "u", "up") else counts
        whole = _median_seconds(partial(control_charts, data, chart, params))
        num, den = encode(data, chart, N_MONTHS)
        batch = _median_seconds(partial(control_charts_arrays, num, den, chart, params))
        dicts = _median_seconds(partial(_dicts, num, den, chart, params))
        arrays = _median_seconds(partial(control_arrays, num, den, chart, params))
        slowest_lists, slowest_batch = max(slowest_lists, whole), max(slowest_batch, batch)
        slowest_dicts = max(slowest_dicts, dicts)
        print(
            f"  {chart:<4}{points / whole:>18,.0f}{points / batch:>19,.0f}{points / dicts:>14,.0f}"
            f"{points / arrays:>14,.0f}"
        )
    for label, seconds in (
        ("batch path, arrays to result objects", slowest_batch),
        ("batch path, arrays to to_dict()", slowest_dicts),
    ):
        rate = points / seconds
        verdict = "met" if rate >= TARGET_POINTS_PER_SECOND else "MISSED"
        print(
            f"target ≥ {TARGET_POINTS_PER_SECOND:,} points/s, slowest chart, {label}: {verdict} ({rate:,.0f})"
        )
    print(
        f"slowest chart: batch path / lists path {slowest_lists / slowest_batch:.2f}×; "
        f"batch path / run-chart batch engine (same load) {points / slowest_batch / run_chart_rate:.2f}×"
    )


def _median_seconds(run: Callable[[], object]) -> float:
    return statistics.median(seconds_of(run) for _ in range(WARM_RUNS))


def _dicts(num: object, den: object, chart: str, params: RuleParams) -> list[dict[str, object]]:
    with collector_paused():
        return [r.to_dict() for r in control_charts_arrays(num, den, chart, params)]  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
