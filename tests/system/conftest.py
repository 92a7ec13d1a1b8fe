"""Fixtures for the system tests: a private PostgreSQL cluster for the session, and per test a fresh
database cloned from the seeded one, a private Redis, and helpers to start workers and gunicorn.

The tests talk to the platform the way users and operators do (HTTP, manage.py, Celery) and read the
database with plain SQL: pytest-django's per-test transactions would be invisible to the processes.
"""

import itertools
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
import requests

from tests.system.processes import (
    PG_BIN,
    ROOT,
    PrivatePostgres,
    PrivateRedis,
    Service,
    celery_worker,
    children,
    free_port,
    gunicorn,
    wait_until,
)

TEMPLATE_DB = "coiin_sys_seed"
_numbers = itertools.count(1)


def _base_env(database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COIIN_FAULT_", "CELERY_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="tests.system.settings",
        DATABASE_URL=database_url,
        DEBUG="false",
        SECRET_KEY="system-tests-only-" + "x" * 40,
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="false",
        SECURE_COOKIES="false",
        PYTHONPATH=str(ROOT),
        LOG_LEVEL="INFO",
    )
    env.pop("REDIS_URL", None)
    return env


@pytest.fixture(scope="session")
def cluster() -> Iterator[tuple[PrivatePostgres, dict[str, Any]]]:
    if PG_BIN is None or not shutil.which("redis-server"):
        if os.environ.get("COIIN_REQUIRE_E2E"):
            pytest.fail("system tests need PostgreSQL server binaries and redis-server")
        pytest.skip("system tests need PostgreSQL server binaries (/usr/lib/postgresql) and redis-server")
    pg = PrivatePostgres()
    try:
        pg.init()
        pg.start()
        env = _base_env(pg.create_database(TEMPLATE_DB))
        migrate = [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"]
        subprocess.run(migrate, cwd=ROOT, env=env, check=True, capture_output=True, timeout=300)
        seeded = subprocess.run(
            [sys.executable, "-m", "tests.system.seed"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
        )  # fmt: skip
        assert seeded.returncode == 0, seeded.stderr[-3000:]
        yield pg, json.loads(seeded.stdout.strip().splitlines()[-1])
    finally:
        pg.cleanup()


class Stack:
    """One test's platform: its own database and Redis, the processes it started, and ways to look inside."""

    def __init__(self, pg: PrivatePostgres, seed: dict[str, Any]) -> None:
        self.pg, self.seed = pg, seed
        self.dir = Path(tempfile.mkdtemp(prefix="coiin-system-"))
        self.fault_dir = self.dir / "faults"
        self.fault_dir.mkdir()
        self.db_name = f"coiin_sys_{next(_numbers)}"
        with psycopg.connect(pg.url("postgres"), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{self.db_name}" TEMPLATE "{TEMPLATE_DB}"')
        self.redis = PrivateRedis()
        self.redis.start()
        self.services: list[Service] = []
        self.web_port: int | None = None

    # Processes -----------------------------------------------------------------------------------

    def env(self, **extra: str) -> dict[str, str]:
        env = _base_env(self.pg.url(self.db_name))
        env.update({"REDIS_URL": self.redis.url, "COIIN_FAULT_DIR": str(self.fault_dir), **extra})
        return env

    def worker(self, *, concurrency: int = 1, **extra: str) -> Service:
        log = self.dir / f"worker-{len(self.services)}.log"
        service = celery_worker(self.env(**extra), log, concurrency=concurrency)
        service.start()
        self.services.append(service)
        wait_until(lambda: " ready." in service.log(), timeout=60, what="celery worker ready")
        return service

    def web(self, *, workers: int = 2, **extra: str) -> Service:
        self.web_port = free_port()
        service = gunicorn(self.env(**extra), self.dir / "gunicorn.log", self.web_port, workers=workers)
        service.start()
        self.services.append(service)
        wait_until(self._healthy, timeout=60, what="gunicorn answering /healthz")
        wait_until(lambda: len(children(service.pid)) == workers, timeout=30, what="gunicorn workers")
        return service

    def _healthy(self) -> bool:
        try:
            return requests.get(self.url("/healthz"), timeout=2).status_code == 200
        except requests.RequestException:
            return False

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.web_port}{path}"

    def logs(self) -> str:
        return "\n".join(f"--- {s.log_path.name}\n{s.log()[-3000:]}" for s in self.services)

    # Looking inside --------------------------------------------------------------------------------

    def sql(self, query: str, *params: object) -> list[tuple[Any, ...]]:
        with psycopg.connect(self.pg.url(self.db_name), connect_timeout=3) as conn:
            return conn.execute(query, params).fetchall()

    def django(self, code: str, *, timeout: float = 120, **extra: str) -> Any:
        """Run Python with Django set up against this test's database and Redis; returns the JSON
        the code prints last (as `print(json.dumps(...))`)."""
        script = "import django, json\ndjango.setup()\n" + code
        done = subprocess.run(
            [sys.executable, "-c", script], cwd=ROOT, env=self.env(**extra), capture_output=True, text=True,
            timeout=timeout,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr[-3000:]
        lines = done.stdout.strip().splitlines()
        return json.loads(lines[-1]) if lines else None

    def events(self, point: str) -> list[tuple[int, str]]:
        """(pid, detail) of each hit of a fault point, in order."""
        path = self.fault_dir / "events"
        if not path.exists():
            return []
        hits = []
        for line in path.read_text().splitlines():
            name, pid, detail = (line.split(" ", 2) + [""])[:3]
            if name == point:
                hits.append((int(pid), detail))
        return hits

    def analyses(self) -> list[tuple[Any, ...]]:
        """Every series: (kind, measure code, team code, stale, failed, input_digest, result), in a stable order."""
        return self.sql(
            "SELECT a.kind, m.code, t.code, a.stale, a.failed, a.input_digest, a.result::text "
            "FROM measures_runchartanalysis a JOIN measures_measure m ON m.id = a.measure_id "
            "LEFT JOIN collaboratives_team t ON t.id = a.team_id ORDER BY a.kind, m.code, t.code"
        )

    def stale_count(self) -> int:
        return self.sql("SELECT count(*) FROM measures_runchartanalysis WHERE stale")[0][0]

    def wait_fresh(self, timeout: float) -> None:
        wait_until(lambda: self.stale_count() == 0, timeout=timeout, interval=0.2, what="every series fresh")

    def clean_recompute(self) -> list[tuple[Any, ...]]:
        """What every series holds when recomputed from PostgreSQL in-process, with nothing failing."""
        self.django(
            "from measures.models import RunChartAnalysis\n"
            "from measures.charts.recompute import runchart_analyse\n"
            "for a in RunChartAnalysis.objects.all(): runchart_analyse(analysis=a)\n",
            COIIN_FAULT_DIR="",
        )
        return self.analyses()

    def sweep(self) -> list[int]:
        """One pass of the periodic sweep, as beat would run it once the grace period has passed."""
        return self.django(
            "import datetime as dt\nfrom django.utils import timezone\n"
            "from measures.charts.recompute import runchart_sweep\n"
            "print(json.dumps(runchart_sweep(now=timezone.now() + dt.timedelta(minutes=1))))"
        )

    def enqueue(self, *, kind: str = "team", measure: str = "m1", team: str | None = "A1") -> int:
        """Mark one series stale and enqueue its recompute, as a save does; returns its id."""
        team_filter = f", team__code={team!r}" if team else ""
        return self.django(
            "from django.db import transaction\n"
            "from measures.models import RunChartAnalysis\n"
            "from measures.charts.recompute import analyses_mark_stale\n"
            f"a = RunChartAnalysis.objects.get(kind={kind!r}, measure__code={measure!r}{team_filter})\n"
            "with transaction.atomic(): analyses_mark_stale(analysis_ids=[a.id])\n"
            "print(json.dumps(a.id))"
        )

    # Users -------------------------------------------------------------------------------------------

    def login(self) -> requests.Session:
        session = requests.Session()
        session.get(self.url("/accounts/login/"), timeout=10)
        response = session.post(
            self.url("/accounts/login/"),
            data={
                "login": self.seed["email"],
                "password": self.seed["password"],
                "csrfmiddlewaretoken": session.cookies["csrftoken"],
            },
            allow_redirects=False,
            timeout=10,
        )
        assert response.status_code == 302, response.text[:2000]
        return session

    def cleanup(self) -> None:
        for service in reversed(self.services):
            service.stop()
        self.redis.cleanup()
        with psycopg.connect(self.pg.url("postgres"), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        item.stash[_FAILED] = report.failed


_FAILED = pytest.StashKey[bool]()


@pytest.fixture
def stack(request: pytest.FixtureRequest, cluster: tuple[PrivatePostgres, dict[str, Any]]) -> Iterator[Stack]:
    pg, seed = cluster
    if pg.proc is None:  # a test that restarts PostgreSQL failed half-way
        pg.start()
    built = Stack(pg, seed)
    try:
        yield built
    finally:
        if request.node.stash.get(_FAILED, True):
            sys.stderr.write(built.logs())  # the processes' own logs, to see why
        built.cleanup()


def csrf(session: requests.Session) -> str:
    return session.cookies["csrftoken"]


def entry_form(values: dict[str, tuple[int, int]], token: str) -> dict[str, str]:
    """The monthly entry form's fields for measure code → (numerator, denominator), saved as a draft."""
    data = {"csrfmiddlewaretoken": token, "action": "save"}
    for code, (numerator, denominator) in values.items():
        data[f"{code}-numerator"] = str(numerator)
        data[f"{code}-denominator"] = str(denominator)
    return data


TRACEBACK = re.compile(r"Traceback|File \"/|psycopg|OperationalError", re.IGNORECASE)
