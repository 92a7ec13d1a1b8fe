"""Headless Chromium (Debian's /usr/bin/chromium, never a downloaded browser) against a live server.

Helpers for screenshots and axe-core checks are in tests/browser/pages.py.
"""

import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    if not shutil.which(CHROMIUM):
        if os.environ.get("COIIN_REQUIRE_E2E"):
            pytest.fail(f"COIIN_REQUIRE_E2E is set but {CHROMIUM} is missing (apt-get install chromium)")
        pytest.skip(f"browser tests need {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop; Django refuses sync ORM calls inside one unless told.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def signed_in_page(chromium: Any, live_server: Any, client: Any) -> Any:
    """`signed_in_page(user, width=1280)`: a browser page with that user's session cookie."""
    contexts = []

    def open_page(user: Any, width: int = 1280) -> Any:
        client.force_login(user)
        context = chromium.new_context(viewport={"width": width, "height": 900})
        context.add_cookies(
            [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
        )
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def worker_stack(transactional_db: Any) -> Iterator[None]:
    """Tasks go to a real `celery worker` process over a private Redis, against the test PostgreSQL.

    For journeys whose pages wait on the worker (a saved month shows up on the run chart). Skipped
    without PostgreSQL, REDIS_URL and redis-server, unless COIIN_REQUIRE_E2E is set.
    """
    import subprocess
    import sys
    from pathlib import Path

    from django.db import connection

    from tests.measures.test_runchart_e2e import PrivateRedis, _database_url, _publishing_to

    if (
        connection.vendor != "postgresql"
        or not os.environ.get("REDIS_URL")
        or not shutil.which("redis-server")
    ):
        if os.environ.get("COIIN_REQUIRE_E2E"):
            pytest.fail("COIIN_REQUIRE_E2E is set but PostgreSQL, REDIS_URL or redis-server is missing")
        pytest.skip("journeys with a worker need DATABASE_URL (PostgreSQL), REDIS_URL and redis-server")
    redis = PrivateRedis()
    redis.start()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "coiin.settings", "DATABASE_URL": _database_url(),
           "REDIS_URL": redis.url, "SECRET_KEY": "journey-worker", "DEBUG": "false"}  # fmt: skip
    log_path = Path(redis.dir) / "worker.log"
    with log_path.open("wb") as log:
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "coiin", "worker", "--pool=solo", "--loglevel=INFO",
             "--without-gossip", "--without-mingle", "--without-heartbeat"],
            cwd=Path(__file__).resolve().parents[2], env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            with _publishing_to(redis.url):
                yield
        finally:
            worker.terminate()
            worker.wait(timeout=20)
            redis.stop()
            sys.stderr.write(log_path.read_text()[-4000:])  # shown by pytest on failure
            shutil.rmtree(redis.dir, ignore_errors=True)
