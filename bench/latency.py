"""Submit → chart updated: `python bench/latency.py [--small]` from the repository root.

Seeds 175 LIAs × 10 measures × 24 months into a PostgreSQL bench database (BENCH_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/coiin_bench; erased first) and computes every chart. Then, with one
real Celery worker on a private Redis, a CQI lead saves this month's value for one measure through
`observations_record` (the service the data-entry form calls), 60 times for different teams and
measures; each latency runs from the save's commit until the team's stored run chart includes the new
point. The collaborative and awardee charts it feeds are awaited before the next save.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import stack

if TYPE_CHECKING:
    from django.db.models import QuerySet

TARGET_P95 = 1.0  # seconds


def wait_until(predicate: Callable[[], bool], timeout: float = 60) -> None:
    deadline = time.perf_counter() + timeout
    while not predicate():
        if time.perf_counter() > deadline:
            raise TimeoutError("the worker did not update the chart in time")
        time.sleep(0.005)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="30 LIAs and 20 submissions (smoke test)")
    args = parser.parse_args()
    lias, submissions = (30, 20) if args.small else (175, 60)
    with stack.private_redis() as redis_url:
        stack.configure(redis_url=redis_url)
        from django.contrib.auth import get_user_model

        from collaboratives.models import Membership, Role
        from measures.charts.recompute import runchart_analyse_many
        from measures.models import RunChartAnalysis
        from measures.services import ObservationInput, observations_record

        seeded = stack.seed(lias=lias, measures=10, months=24, awardees=10)
        runchart_analyse_many(analysis_ids=list(RunChartAnalysis.objects.values_list("id", flat=True)))
        print(f"seeded {lias} LIAs × 10 measures × 24 months ({seeded.observations:,} observations), all charts "
              f"computed; {submissions} saves of this month's value, one worker\n")  # fmt: skip
        month = dt.date.today().replace(day=1)
        leads = {}
        for team in seeded.teams[:submissions]:
            lead = get_user_model().objects.create_user(username=f"lead{team.id}@bench", password="x" * 16)
            Membership.objects.create(user=lead, role=Role.CQI_LEAD, lia=team.lia)
            leads[team.id] = lead
        chart_latency, all_fresh = [], []
        with stack.celery_workers(1, redis_url):
            for i in range(submissions):
                team = seeded.teams[i % len(seeded.teams)]
                measure = seeded.measures[i % len(seeded.measures)]
                value = (5 + i % 5, 10)
                observations_record(
                    actor=leads[team.id], team=team, month=month, cells=[ObservationInput(measure, *value)]
                )
                saved = time.perf_counter()
                chart = RunChartAnalysis.objects.filter(kind="team", team=team, measure=measure)

                def shows_point(
                    chart: QuerySet[RunChartAnalysis] = chart, value: tuple[int, int] = value
                ) -> bool:
                    row = chart.values("stale", "points").get()
                    point = row["points"][-1] if row["points"] else {}
                    return not row["stale"] and point.get("month") == month.isoformat() and (
                        point["numerator"], point["denominator"]) == value  # fmt: skip

                wait_until(shows_point)
                chart_latency.append(time.perf_counter() - saved)
                wait_until(lambda: not RunChartAnalysis.objects.filter(stale=True, failed=False).exists())
                all_fresh.append(time.perf_counter() - saved)
        for label, values in (("team chart shows the new point", chart_latency),
                              ("team + aggregate charts fresh", all_fresh)):  # fmt: skip
            ms = [1000 * v for v in values]
            print(f"{label:<32} p50 {statistics.median(ms):7.1f} ms   p95 {stack.percentile(ms, 0.95):7.1f} ms   "
                  f"max {max(ms):7.1f} ms   (n = {len(ms)})")  # fmt: skip
        p95 = stack.percentile(chart_latency, 0.95)
        print(f"\ntarget p95 ≤ {TARGET_P95:.0f} s: {'met' if p95 <= TARGET_P95 else 'MISSED'} ({p95:.2f} s)")


if __name__ == "__main__":
    main()
