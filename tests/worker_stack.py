"""A real `celery worker` over a private Redis, against the test's own PostgreSQL database: for the e2e
tests and the browser journeys whose pages wait on the worker.

The processes are those of tests/system/processes.py, as in the system tests: Redis on its own port and
directory, both ended by the process ids we hold. The shared Redis is never touched.
"""

import os
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import connection

from coiin.celery import app as celery_app
from tests.system.processes import PrivateRedis, celery_worker


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


@contextmanager
def celery_worker_stack(*, needs: str) -> Iterator[PrivateRedis]:
    """A private Redis and one solo-pool worker on it; this process publishes there until the block ends.

    Skips the test (`needs` names what needs them) without PostgreSQL, REDIS_URL and redis-server,
    unless COIIN_REQUIRE_E2E is set. The worker's log tail goes to stderr, which pytest shows on failure.
    """
    if (
        connection.vendor != "postgresql"
        or not os.environ.get("REDIS_URL")
        or not shutil.which("redis-server")
    ):
        if os.environ.get("COIIN_REQUIRE_E2E"):
            pytest.fail("COIIN_REQUIRE_E2E is set but PostgreSQL, REDIS_URL or redis-server is missing")
        pytest.skip(f"{needs} need DATABASE_URL (PostgreSQL), REDIS_URL and redis-server")
    redis = PrivateRedis()
    redis.start()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "coiin.settings", "DATABASE_URL": _database_url(),
           "REDIS_URL": redis.url, "SECRET_KEY": "e2e-worker", "DEBUG": "false"}  # fmt: skip
    worker = celery_worker(env, Path(redis.dir) / "worker.log", pool="solo")
    worker.start()
    try:
        with _publishing_to(redis.url):
            yield redis
    finally:
        worker.stop()
        sys.stderr.write(worker.log()[-4000:])
        redis.cleanup()
