"""Server time of the collaborative dashboard at national scale: 175 teams × 10 measures × 24 months.

Run: `python bench/dashboard.py` from the repository root (uses the project's venv). It builds its own
database (SQLite file var/bench-dashboard.sqlite3, or DATABASE_URL if set to a PostgreSQL bench DB),
computes every run chart, then times the dashboard (its body kept per viewer, then built on every
request), one measure across teams, and a team page as a collaborative admin, and prints the query
count of each so a regression to per-team queries shows.
"""

import os
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coiin.settings_test")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'bench-dashboard.sqlite3'}")
os.environ["DEBUG"] = "false"
os.environ.setdefault("ALLOWED_HOSTS", "testserver")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings  # noqa: E402

from collaboratives.models import Collaborative, Team  # noqa: E402
from measures.models import Measure  # noqa: E402

TEAMS, MEASURES, MONTHS, REQUESTS = 175, 10, 24, 20


def build() -> tuple[Any, Collaborative, tuple[Team, Measure]]:
    import datetime as dt

    from django.contrib.auth import get_user_model

    from collaboratives.models import LIA, Awardee, Collaborative, Membership, Role, Team
    from measures.charts.inputs import month_add
    from measures.charts.recompute import runchart_analyse
    from measures.models import Measure, Observation, RunChartAnalysis

    call_command("flush", "--noinput", verbosity=0)
    rng = random.Random(20261125)
    start = dt.date(2024, 11, 1)
    collab = Collaborative.objects.create(
        name="Bench CoIIN", short_name="BENCH", start_date=start, end_date=dt.date(2027, 6, 30)
    )
    awardees = [Awardee.objects.create(name=f"State {i}", code=f"s{i}") for i in range(10)]
    lias = LIA.objects.bulk_create(
        LIA(awardee=awardees[i % 10], name=f"Agency {i:03d}") for i in range(TEAMS)
    )
    teams = Team.objects.bulk_create(
        Team(collaborative=collab, lia=lia, code=f"T{i:03d}", joined_on=start) for i, lia in enumerate(lias)
    )
    measures = Measure.objects.bulk_create(
        Measure(
            collaborative=collab,
            code=f"m{i}",
            name=f"Measure {i}",
            numerator_definition="n",
            goal=70,
            order=i,
        )
        for i in range(MEASURES)
    )
    rows = []
    for team in teams:
        size = rng.randint(8, 60)
        for measure in measures:
            base, after = rng.uniform(0.3, 0.6), rng.uniform(0.5, 0.9)
            for m in range(MONTHS):
                if rng.random() < 0.05:
                    continue
                p = base if m < 12 else after
                den = max(1, int(rng.gauss(size, size * 0.1)))
                num = sum(rng.random() < p for _ in range(den))
                rows.append(
                    Observation(
                        team=team, measure=measure, month=month_add(start, m), numerator=num, denominator=den
                    )
                )
    Observation.objects.bulk_create(rows, batch_size=5000)
    analyses = [
        RunChartAnalysis(kind="team", measure=m, collaborative=collab, team=t)
        for t in teams
        for m in measures
    ]
    analyses += [RunChartAnalysis(kind="collaborative", measure=m, collaborative=collab) for m in measures]
    RunChartAnalysis.objects.bulk_create(analyses)
    started = time.perf_counter()
    for analysis in RunChartAnalysis.objects.select_related("measure__collaborative", "team__lia"):
        runchart_analyse(analysis=analysis)
    compute = time.perf_counter() - started
    admin = get_user_model().objects.create_user(
        username="admin@bench", email="admin@bench", password="x" * 16
    )
    Membership.objects.create(user=admin, role=Role.COLLABORATIVE_ADMIN, collaborative=collab)
    print(
        f"built: {len(teams)} teams × {len(measures)} measures × {MONTHS} months, {len(rows):,} observations"
    )
    print(
        f"computed {len(analyses):,} run charts in {compute:.1f} s ({1000 * compute / len(analyses):.1f} ms each)"
    )
    return admin, collab, (teams[0], measures[0])


def timed(client: Client, url: str) -> tuple[list[float], int]:
    client.get(url)  # warm caches and the template loader
    times = []
    for _ in range(REQUESTS):
        started = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, (url, response.status_code)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return times, len(queries)


def main() -> None:
    call_command("migrate", verbosity=0)
    admin, collab, (team, measure) = build()
    client = Client()
    client.force_login(admin)
    pages = {
        "collaborative dashboard (175 teams × 10 measures)": f"/collaboratives/{collab.public_id}/dashboard/",
        "one measure across 175 teams (176 charts)": f"/collaboratives/{collab.public_id}/dashboard/{measure.public_id}/",
        "team dashboard (10 charts)": f"/teams/{team.public_id}/",
    }
    print(f"\n{REQUESTS} requests each, Django test client in-process ({connection.vendor}):")
    dashboard = next(iter(pages))
    runs: list[tuple[str, str, int | None]] = [(name, url, None) for name, url in pages.items()]
    # The dashboard's body is kept per viewer until its data changes (measures/page_cache.py): its
    # repeat views are the line above; built is every request as the first after a change of the data.
    runs.insert(1, (f"{dashboard}, built", pages[dashboard], 0))
    for name, url, cache_seconds in runs:
        with override_settings(**({} if cache_seconds is None else {"PAGE_CACHE_SECONDS": cache_seconds})):
            times, queries = timed(client, url)
        ms = sorted(1000 * t for t in times)
        p95 = ms[int(0.95 * (len(ms) - 1))]
        print(f"  {name:<59} median {statistics.median(ms):7.1f} ms   p95 {p95:7.1f} ms   {queries} queries")


if __name__ == "__main__":
    main()
