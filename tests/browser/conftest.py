"""Headless Chromium (Debian's /usr/bin/chromium, never a downloaded browser) against a live server.

Helpers for screenshots and axe-core checks are in tests/browser/pages.py.
"""

import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

from tests.worker_stack import celery_worker_stack

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

    For journeys whose pages wait on the worker (a saved month shows up on the run chart).
    """
    with celery_worker_stack(needs="journeys with a worker"):
        yield
