"""National-scale recompute: `python bench/national.py [--small]` from the repository root.

Seeds 1,000 LIAs × 30 measures × 120 months (3.6 M observations) into a PostgreSQL bench database
(BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/coiin_bench; erased first), then times
a full recompute (`recompute_all`: mark every series stale, enqueue batch tasks) from enqueue until
every series is fresh, with 1 and then 2 Celery worker processes on a private Redis. For comparison it
times the one-series-per-task path (`runchart_analyse`) on a sample and extrapolates it to all series.
"""

from __future__ import annotations

import argparse
import random
import time

import stack

TARGET_SECONDS = 10.0  # with 2 workers


def recompute_with_workers(n_workers: int, redis_url: str, collaborative_id: int) -> tuple[float, float]:
    """(seconds from the call to recompute_all until every series is fresh, seconds recompute_all took)."""
    from measures.charts.recompute import recompute_all
    from measures.models import RunChartAnalysis

    with stack.celery_workers(n_workers, redis_url):
        started = time.perf_counter()
        recompute_all(collaborative_ids=[collaborative_id])
        enqueued = time.perf_counter() - started
        while RunChartAnalysis.objects.filter(stale=True).exists():
            time.sleep(0.2)  # each check scans the series table; polling harder would slow the workers
        seconds = time.perf_counter() - started
    failed = (
        RunChartAnalysis.objects.filter(failed=True).count()
        + RunChartAnalysis.objects.exclude(last_error="").count()
    )
    if failed:
        raise SystemExit(f"{failed} series failed; see RunChartAnalysis.last_error")
    return seconds, enqueued


def single_series_seconds(sample: int) -> float:
    """Mean time of the one-series path over a random sample of series, in process (no broker)."""
    from measures.charts.recompute import runchart_analyse
    from measures.models import RunChartAnalysis

    ids = list(RunChartAnalysis.objects.values_list("id", flat=True))
    chosen = random.Random(1).sample(ids, min(sample, len(ids)))
    analyses = RunChartAnalysis.objects.filter(id__in=chosen).select_related(
        "measure__collaborative", "team__lia"
    )
    started = time.perf_counter()
    for analysis in analyses:
        runchart_analyse(analysis=analysis)
    return (time.perf_counter() - started) / len(chosen)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--small", action="store_true", help="100 LIAs × 10 measures × 36 months (smoke test)"
    )
    args = parser.parse_args()
    lias, measures, months, awardees = (100, 10, 36, 10) if args.small else (1000, 30, 120, 56)
    with stack.private_redis() as redis_url:
        stack.configure(redis_url=redis_url)
        from django.db import connections
        from django.db.backends.postgresql.base import DatabaseWrapper as PostgreSQL
        from django.db.models.fields.json import KT

        from measures.models import RunChartAnalysis

        seeded = stack.seed(lias=lias, measures=measures, months=months, awardees=awardees)
        database = connections["default"]
        assert isinstance(database, PostgreSQL)  # stack.configure points Django at its PostgreSQL
        n_series = RunChartAnalysis.objects.count()
        print(
            f"seeded {lias:,} LIAs × {measures} measures × {months} months: {seeded.observations:,} observations, "
            f"{n_series:,} series ({awardees} awardees) in {seeded.seconds:.1f} s "
            f"(PostgreSQL {database.pg_version // 10000}, not part of the target)\n"
        )
        sample = 60 if args.small else 300
        per_series = single_series_seconds(sample)
        old = per_series * n_series
        print(f"one series per task (the path of a single save), 1 worker: {1000 * per_series:.1f} ms/series "
              f"→ {old:,.0f} s for all (extrapolated from {sample} series)")  # fmt: skip
        timings = {}
        for n_workers in (1, 2):
            timings[n_workers], enqueued = recompute_with_workers(
                n_workers, redis_url, seeded.collaborative.id
            )
            rate = n_series / timings[n_workers]
            print(f"batch tasks, {n_workers} worker{'s' * (n_workers > 1)}: {timings[n_workers]:6.1f} s "
                  f"from recompute_all to all fresh, of which {enqueued:.1f} s marking and enqueuing "
                  f"({rate:,.0f} series/s, {seeded.observations / timings[n_workers]:,.0f} observations/s)")  # fmt: skip
        rebased = (
            RunChartAnalysis.objects.filter(kind="team")
            .alias(second_phase=KT("result__phases__1"))
            .filter(second_phase__isnull=False)
            .count()
        )
        print(
            f"\nspeed-up 2 workers vs 1: {timings[1] / timings[2]:.2f}×; batch vs one-series path (1 worker): "
            f"{old / timings[1]:.1f}×"
        )
        print(f"team series re-based by a sustained shift: {rebased:,} of {lias * measures:,}")
        verdict = "met" if timings[2] <= TARGET_SECONDS else "MISSED"
        print(f"target ≤ {TARGET_SECONDS:.0f} s with 2 workers: {verdict} ({timings[2]:.1f} s)")


if __name__ == "__main__":
    main()
