"""What the benchmarks share: a PostgreSQL bench database, a private Redis, Celery workers, seeded data.

Import `stack` before Django: `configure()` sets the environment and calls `django.setup()`. Every
process a bench starts is stopped by its own process id when the bench ends.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

import numpy as np

if TYPE_CHECKING:  # the models import only once django.setup() has run
    from collaboratives.models import Collaborative, Team
    from measures.models import Measure

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/coiin_bench"


def database_url() -> str:
    """BENCH_DATABASE_URL, else the default; the name must say "bench" because the bench erases it."""
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if parts.scheme not in ("postgres", "postgresql") or "bench" not in name:
        sys.exit(
            f"BENCH_DATABASE_URL must be a PostgreSQL database whose name contains 'bench' (got {url!r})"
        )
    return url


def ensure_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin.replace("postgres://", "postgresql://", 1), autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def configure(*, redis_url: str = "") -> str:
    """Point this process at the bench database (and broker), set Django up, migrate; returns the DB URL."""
    url = database_url()
    ensure_database(url)
    os.environ.update(
        DJANGO_SETTINGS_MODULE="coiin.settings", DATABASE_URL=url, SECRET_KEY="bench", DEBUG="false",
        ALLOWED_HOSTS="127.0.0.1,localhost,testserver", REDIS_URL=redis_url,
    )  # fmt: skip
    sys.path.insert(0, str(ROOT))
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    return url


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_port(port: int, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"nothing listening on port {port}")


@contextmanager
def private_redis() -> Iterator[str]:
    """A throwaway redis-server on a free port, no persistence; yields its URL."""
    port, workdir = free_port(), tempfile.mkdtemp(prefix="coiin-bench-redis-")
    proc = subprocess.Popen(
        [shutil.which("redis-server") or "redis-server", "--port", str(port), "--bind", "127.0.0.1",
         "--save", "", "--appendonly", "no", "--dir", workdir],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        wait_for_port(port)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        shutil.rmtree(workdir, ignore_errors=True)


def service_env(redis_url: str) -> dict[str, str]:
    return {**os.environ, "REDIS_URL": redis_url, "DEBUG": "false", "SECRET_KEY": "bench"}


@contextmanager
def celery_workers(n: int, redis_url: str) -> Iterator[list[subprocess.Popen[bytes]]]:
    """`n` single-process Celery workers (one task at a time each), ready when this yields."""
    logdir = Path(tempfile.mkdtemp(prefix="coiin-bench-workers-"))
    procs = []
    for i in range(n):
        log = logdir / f"worker{i}.log"
        procs.append(
            subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "coiin", "worker", "--pool=solo", "--loglevel=INFO",
                 "-n", f"bench{i}@%h", "--without-gossip", "--without-mingle", "--without-heartbeat"],
                cwd=ROOT, env=service_env(redis_url), stdout=log.open("wb"), stderr=subprocess.STDOUT,
            )
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not all("ready." in (logdir / f"worker{i}.log").read_text() for i in range(n)):
            if time.monotonic() > deadline or any(p.poll() is not None for p in procs):
                logs = "".join((logdir / f"worker{i}.log").read_text()[-2000:] for i in range(n))
                raise RuntimeError(f"Celery workers did not start:\n{logs}")
            time.sleep(0.1)
        yield procs
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            proc.wait(timeout=30)
        shutil.rmtree(logdir, ignore_errors=True)


@dataclass
class Seeded:
    collaborative: Collaborative
    teams: list[Team]
    measures: list[Measure]
    observations: int
    seconds: float


def seed(*, lias: int, measures: int, months: int, awardees: int, seed: int = 20261126) -> Seeded:
    """Erase the bench database and seed one collaborative: every LIA a team, `months` of data per measure.

    Each team has a size and each series a base rate; 40 % of series improve partway (re-based by a
    sustained shift, as improving teams are), 4 % of months are missing. Observations go in by COPY.
    """
    from django.core.management import call_command
    from django.db import connection

    from collaboratives.models import LIA, Awardee, Collaborative, Team
    from collaboratives.months import add as month_add
    from measures.models import Measure, Observation, RunChartAnalysis

    started = time.perf_counter()
    call_command("flush", "--noinput", verbosity=0)
    rng = np.random.default_rng(seed)
    start = month_add(dt.date.today().replace(day=1), -months)
    collab = Collaborative.objects.create(
        name="National bench CoIIN", short_name="NATIONAL", start_date=start,
        end_date=month_add(start, months + 12) - dt.timedelta(days=1),
    )  # fmt: skip
    states = Awardee.objects.bulk_create(
        Awardee(name=f"State {i:02d}", code=f"s{i:02d}") for i in range(awardees)
    )
    agencies = LIA.objects.bulk_create(
        LIA(awardee=states[i % awardees], name=f"Agency {i:04d}") for i in range(lias)
    )
    teams = Team.objects.bulk_create(
        Team(collaborative=collab, lia=lia, code=f"T{i:04d}", joined_on=start)
        for i, lia in enumerate(agencies)
    )
    measure_rows = Measure.objects.bulk_create(
        Measure(collaborative=collab, code=f"m{i:02d}", name=f"Measure {i:02d}", numerator_definition="n",
                denominator_definition="d", goal=70, order=i)
        for i in range(measures)
    )  # fmt: skip
    shape = (lias, measures, months)
    size = rng.integers(8, 60, size=(lias, 1, 1))
    base = rng.uniform(0.3, 0.6, size=(lias, measures, 1))
    improves = rng.random((lias, measures, 1)) < 0.4
    change_at = rng.integers(12, max(13, months), size=(lias, measures, 1))
    lift = rng.uniform(0.1, 0.3, size=(lias, measures, 1))
    rate = np.clip(base + improves * (np.arange(months) >= change_at) * lift, 0, 1)
    den = np.maximum(1, rng.normal(size, size * 0.1, size=shape).astype(np.int64))
    num = rng.binomial(den, rate)
    present = rng.random(shape) >= 0.04
    team_ids = np.array([t.id for t in teams])[:, None, None]
    measure_ids = np.array([m.id for m in measure_rows])[None, :, None]
    month_text = np.array([month_add(start, i).isoformat() for i in range(months)])[None, None, :]
    cells = np.broadcast_arrays(team_ids, measure_ids, month_text, num, den)
    now = dt.datetime.now(dt.UTC).isoformat()
    table = Observation._meta.db_table
    with connection.cursor() as cursor:
        copy_sql = (
            f"COPY {table} (team_id, measure_id, month, numerator, denominator, not_applicable, note, updated_at) "
            "FROM STDIN"
        )
        with cursor.cursor.copy(copy_sql) as copy:
            for t in range(lias):
                block = io.StringIO()
                for team_id, measure_id, month, n, d in zip(
                    *(c[t][present[t]].tolist() for c in cells), strict=True
                ):
                    block.write(f"{team_id}\t{measure_id}\t{month}\t{n}\t{d}\tf\t\t{now}\n")
                copy.write(block.getvalue())
    analyses = [
        RunChartAnalysis(kind="team", measure=m, collaborative=collab, team=t)
        for t in teams
        for m in measure_rows
    ]
    analyses += [
        RunChartAnalysis(kind="collaborative", measure=m, collaborative=collab) for m in measure_rows
    ]
    analyses += [
        RunChartAnalysis(kind="awardee", measure=m, collaborative=collab, awardee=a)
        for a in states
        for m in measure_rows
    ]
    RunChartAnalysis.objects.bulk_create(analyses, batch_size=5000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return Seeded(collab, teams, measure_rows, int(present.sum()), time.perf_counter() - started)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]
