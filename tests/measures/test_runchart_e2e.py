"""End to end against PostgreSQL, Redis and a real `celery worker` process.

The test starts its own Redis (own port, own directory) so it can stop and restart it, and its own
worker; both are ended by their process ids. The shared services are never touched.
"""

import datetime as dt
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.db import connection
from django.utils import timezone

from coiin.celery import app as celery_app
from measures.models import Observation, RunChartAnalysis
from measures.services import ObservationInput, observations_record, runchart_sweep
from measures.tasks import runchart_refresh
from tests.factories import MeasureFactory
from tests.system.processes import PrivateRedis

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]
MONTH = dt.date(2025, 2, 1)


def _database_url() -> str:
    s = connection.settings_dict
    return f"postgres://{s['USER']}@{s['HOST']}:{s['PORT']}/{s['NAME']}"


@contextmanager
def _publishing_to(broker_url: str) -> Iterator[None]:
    """Point this test process's Celery app at the private broker, tasks no longer run in-process."""
    conf = celery_app.conf
    saved = (conf.task_always_eager, conf.broker_url)
    conf.task_always_eager, conf.broker_url = False, broker_url
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    try:
        yield
    finally:
        celery_app.pool.force_close_all()
        conf.task_always_eager, conf.broker_url = saved
        celery_app._pool = None
        celery_app.amqp._producer_pool = None


@pytest.fixture
def stack(world) -> Iterator[SimpleNamespace]:
    if (
        connection.vendor != "postgresql"
        or not os.environ.get("REDIS_URL")
        or not shutil.which("redis-server")
    ):
        if os.environ.get("COIIN_REQUIRE_E2E"):
            pytest.fail("COIIN_REQUIRE_E2E is set but PostgreSQL, REDIS_URL or redis-server is missing")
        pytest.skip("end-to-end tests need DATABASE_URL (PostgreSQL), REDIS_URL and redis-server")
    redis = PrivateRedis()
    redis.start()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "coiin.settings", "DATABASE_URL": _database_url(),
           "REDIS_URL": redis.url, "SECRET_KEY": "e2e-worker", "DEBUG": "false"}  # fmt: skip
    log = open(Path(redis.dir) / "worker.log", "wb")  # noqa: SIM115 - closed in teardown
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "coiin", "worker", "--pool=solo", "--loglevel=INFO",
         "--without-gossip", "--without-mingle", "--without-heartbeat"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    measure = MeasureFactory(collaborative=world.one, code="e2e")
    try:
        with _publishing_to(redis.url):
            yield SimpleNamespace(world=world, measure=measure, redis=redis, worker=worker)
    finally:
        worker.terminate()
        worker.wait(timeout=20)
        redis.stop()
        log.close()
        sys.stderr.write((Path(redis.dir) / "worker.log").read_text()[-4000:])  # shown by pytest on failure
        redis.cleanup()


def _wait_until_fresh(timeout: float = 60) -> list[RunChartAnalysis]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        analyses = list(RunChartAnalysis.objects.order_by("kind"))
        if analyses and all(not a.stale for a in analyses):
            return analyses
        time.sleep(0.2)
    raise AssertionError(
        f"still stale after {timeout}s: {list(RunChartAnalysis.objects.values('kind', 'stale'))}"
    )


def _save(stack: SimpleNamespace, num: int, den: int, month: dt.date = MONTH) -> None:
    cells = [ObservationInput(stack.measure, num, den)]
    observations_record(actor=stack.world.alice, team=stack.world.team_a1, month=month, cells=cells)


def test_a_saved_month_is_analysed_by_the_worker(stack):
    _save(stack, 6, 8)
    analyses = _wait_until_fresh()
    assert [a.kind for a in analyses] == ["awardee", "collaborative", "team"]
    team_chart = next(a for a in analyses if a.kind == "team")
    assert team_chart.points[-1]["value"] == 0.75
    assert team_chart.result["median_exact"] == "3/4"


def test_with_redis_down_a_save_succeeds_quickly_and_the_sweep_catches_up(stack):
    stack.redis.stop()
    started = time.monotonic()
    _save(stack, 5, 8)
    elapsed = time.monotonic() - started
    assert elapsed <= 3.0, f"save took {elapsed:.1f}s with the broker down"
    assert Observation.objects.get().numerator == 5
    assert set(RunChartAnalysis.objects.values_list("stale", flat=True)) == {True}

    stack.redis.start()
    assert runchart_sweep(now=timezone.now() + dt.timedelta(minutes=1))
    analyses = _wait_until_fresh()
    assert next(a for a in analyses if a.kind == "team").result["median_exact"] == "5/8"


def test_the_same_task_run_twice_leaves_one_identical_result(stack):
    _save(stack, 3, 4)
    team_chart = next(a for a in _wait_until_fresh() if a.kind == "team")
    before = (team_chart.result, team_chart.points, team_chart.input_digest, team_chart.computed_at)
    for _ in range(2):
        runchart_refresh.delay(team_chart.id)
    deadline = time.monotonic() + 30
    while (
        RunChartAnalysis.objects.get(id=team_chart.id).computed_at == before[3]
        and time.monotonic() < deadline
    ):
        time.sleep(0.2)
    time.sleep(1)  # let the second delivery finish too
    after = RunChartAnalysis.objects.get(id=team_chart.id)
    assert after.computed_at > before[3]
    assert (after.result, after.points, after.input_digest) == before[:3]
    assert RunChartAnalysis.objects.filter(kind="team").count() == 1
