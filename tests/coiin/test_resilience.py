"""A database outage answers a generic 503 page with Retry-After, wherever the request hit it (G11).

The outage is simulated by making one database touch raise what psycopg raises when PostgreSQL is
gone; tests/system/test_faults_web.py restarts a real PostgreSQL under traffic.
"""

from unittest import mock

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.db import InterfaceError, OperationalError
from django.test import Client

from coiin.resilience import RETRY_AFTER_SECONDS

GONE = OperationalError('connection to server at "127.0.0.1", port 5432 failed: Connection refused')


@pytest.fixture
def browser(world) -> Client:
    client = Client(raise_request_exception=False)  # as in production: no exception reaches the test
    client.force_login(world.alice)
    return client


def _assert_generic_503(response) -> None:
    body = response.content.decode()
    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert response["Cache-Control"] == "no-store"
    assert "<h1>The platform is briefly unavailable</h1>" in body
    for leak in ("Traceback", "OperationalError", "5432", "Connection refused", "alice"):
        assert leak not in body


@pytest.mark.parametrize("error", [GONE, InterfaceError("connection already closed")])
def test_a_database_error_in_a_view_answers_the_generic_503_page(browser, error):
    with mock.patch("measures.views.selectors.due_this_month_list", side_effect=error):
        response = browser.get("/")
    _assert_generic_503(response)


def test_a_database_error_while_loading_the_session_answers_503_not_500(browser):
    with mock.patch.object(SessionStore, "load", side_effect=GONE):
        response = browser.get("/")
    _assert_generic_503(response)


def test_the_health_check_answers_503_while_the_database_is_down(client):
    with mock.patch("coiin.middleware.connection.cursor", side_effect=GONE):
        response = Client(raise_request_exception=False).get("/healthz")
    _assert_generic_503(response)


def test_other_errors_are_still_a_500_and_a_working_database_changes_nothing(browser):
    with mock.patch("measures.views.selectors.due_this_month_list", side_effect=ValueError("a bug")):
        assert browser.get("/").status_code == 500
    assert browser.get("/").status_code == 200


def test_a_warning_names_the_request_that_found_the_database_down(browser, caplog):
    with mock.patch("measures.views.selectors.due_this_month_list", side_effect=GONE):
        browser.get("/?month=2025-03")
    assert [r.getMessage() for r in caplog.records if r.name == "coiin.resilience"] == [
        "database unavailable: GET / answered 503"
    ]
