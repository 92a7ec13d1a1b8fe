"""Security headers on every kind of response (security plan checks #14, #15, #21, #23; goal G6)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.accounts.helpers import sign_in

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "SECRET_KEY": "k" * 20 + "production-like-secret-key-for-the-deploy-check" + "z" * 10,
    "DATABASE_URL": "postgres://coiin@db.internal:5432/coiin",
    "REDIS_URL": "redis://redis.internal:6379/0",
    "ALLOWED_HOSTS": "coiin.example.org",
    # The referral network's keys are required in production (referrals.E001, E002).
    "REFERRALS_FIELD_KEYS": "cHJvZHVjdGlvbi1saWtlLWZpZWxkLWtleS0zMmJ5dGU=",
    "REFERRALS_HASH_KEY": "production-like-referrals-hash-key",
}


def _production(*args: str) -> subprocess.CompletedProcess[str]:
    unset = {
        "DEBUG",
        "SECURE_COOKIES",
        "SECURE_SSL_REDIRECT",
        "DJANGO_ALLOW_ASYNC_UNSAFE",
    }  # the last: browser tests
    env = {k: v for k, v in os.environ.items() if k not in unset}
    env.update(PRODUCTION_ENV, DJANGO_SETTINGS_MODULE="coiin.settings")
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def _csp(response) -> dict[str, list[str]]:
    policy = {}
    for directive in response["Content-Security-Policy"].split(";"):
        name, *values = directive.split()
        policy[name] = values
    return policy


@pytest.fixture
def responses(world, client):
    """One response of each kind: HTML page, file download, 403, 404, anonymous login page."""
    from django.test import Client

    from tests.factories import MeasureFactory

    MeasureFactory(collaborative=world.one)
    anonymous = client.get("/accounts/login/", secure=True)
    member = Client()
    member.force_login(world.bob)
    client.force_login(world.alice)
    return {
        "html": client.get("/", secure=True),
        "download": client.get(f"/collaboratives/{world.one.public_id}/import/template.csv", secure=True),
        "forbidden": member.post(f"/lias/{world.lia_a.public_id}/roster/", {}, secure=True),
        "not found": client.get("/teams/00000000-0000-0000-0000-000000000000/", secure=True),
        "login page": anonymous,
    }


def test_each_kind_of_response_carries_the_security_headers(responses):
    statuses = {kind: r.status_code for kind, r in responses.items()}
    assert statuses == {"html": 200, "download": 200, "forbidden": 403, "not found": 404, "login page": 200}
    for kind, response in responses.items():
        assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload", kind
        assert response["X-Content-Type-Options"] == "nosniff", kind
        assert response["Referrer-Policy"] == "same-origin", kind
        assert response["X-Frame-Options"] == "DENY", kind
        assert response["Cross-Origin-Opener-Policy"] == "same-origin", kind
        assert "no-store" in response["Cache-Control"], kind
        assert "charset=utf-8" in response["Content-Type"], kind
        assert len(response["X-Request-ID"]) == 32, kind
    print(f"G6 headers: {len(responses)} response kinds checked, all headers present")


def test_the_csp_allows_scripts_only_from_our_own_files(responses):
    for kind, response in responses.items():
        policy = _csp(response)
        assert policy["script-src"] == ["'self'"], kind
        assert not any("unsafe" in v for v in policy["script-src"] + policy["default-src"]), kind
        assert "'unsafe-eval'" not in response["Content-Security-Policy"], kind
        assert policy["object-src"] == ["'none'"], kind
        assert policy["base-uri"] == ["'none'"], kind
        assert policy["frame-ancestors"] == ["'none'"], kind
        assert policy["form-action"] == ["'self'"], kind


@pytest.mark.urls("tests.coiin.extra_urls")
def test_a_crash_shows_a_generic_page_without_traceback_or_sql(world, client):
    client.raise_request_exception = False
    client.force_login(world.alice)
    response = client.get("/fail/")
    page = response.content.decode()
    assert response.status_code == 500
    assert "<h1>Something went wrong</h1>" in page
    assert "Traceback" not in page and "SELECT" not in page and "RuntimeError" not in page
    assert "no-store" in response["Cache-Control"]
    assert _csp(response)["script-src"] == ["'self'"]


def test_production_settings_pass_the_deploy_check():
    result = _production("manage.py", "check", "--deploy", "--fail-level", "WARNING")
    print(f"G6 deploy check: exit {result.returncode}; {result.stdout.strip()} {result.stderr.strip()}")
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_cookies_are_secure_host_only_and_http_only():
    probe = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_NAME, s.CSRF_COOKIE_NAME, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, "
        "s.SESSION_COOKIE_HTTPONLY, s.SESSION_COOKIE_SAMESITE, s.SECURE_SSL_REDIRECT, s.DEBUG)"
    )
    result = _production("-c", probe)
    assert result.stdout.split() == [
        "__Host-sessionid", "__Host-csrftoken", "True", "True", "True", "Lax", "True", "False"
    ], result.stderr  # fmt: skip


def test_the_session_cookie_set_at_sign_in_has_the_production_attributes(world, client, settings):
    settings.SESSION_COOKIE_NAME = "__Host-sessionid"
    settings.SESSION_COOKIE_SECURE = True
    response = sign_in(client, world.alice, secure=True)
    cookie = response.cookies["__Host-sessionid"]
    assert cookie["secure"] is True
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert cookie["path"] == "/"
    assert cookie["domain"] == ""
