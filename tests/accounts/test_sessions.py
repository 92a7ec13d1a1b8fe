"""Session lifetime (security plan checks #11 and #12): a new session id at sign-in, logout ends the
server session, 30 minutes idle or 12 hours after sign-in ends it too."""

import time

from django.contrib.sessions.models import Session
from django.test import Client

from coiin.signals import AUTH_AT, SEEN_AT
from tests.accounts.helpers import sign_in, signed_in_user_id


def _age_session(client, **seconds_ago):
    session = client.session
    now = int(time.time())
    for key, ago in seconds_ago.items():
        session[key] = now - ago
    session.save()


def test_signing_in_issues_a_new_session_id(world, client):
    client.get("/accounts/login/")
    client.session.save()
    before = client.cookies["sessionid"].value
    sign_in(client, world.alice)
    assert signed_in_user_id(client) == world.alice.pk
    assert client.cookies["sessionid"].value != before


def test_a_session_cookie_replayed_after_logout_is_anonymous(world, client):
    sign_in(client, world.alice)
    old = client.cookies["sessionid"].value
    client.post("/accounts/logout/")
    assert not Session.objects.filter(session_key=old).exists()
    client.cookies["sessionid"] = old
    response = client.get("/")
    assert (response.status_code, response["Location"]) == (302, "/accounts/login/?next=/")


def test_thirty_minutes_without_a_request_ends_the_session(world, client, settings):
    assert settings.SESSION_IDLE_TIMEOUT == 30 * 60
    client.force_login(world.alice)
    assert client.get("/").status_code == 200
    _age_session(client, **{SEEN_AT: 30 * 60})
    response = client.get("/")
    assert (response.status_code, response["Location"]) == (302, "/accounts/login/?next=/")
    assert signed_in_user_id(client) is None
    assert "Your session ended" in client.get(response["Location"]).content.decode()


def test_activity_within_the_idle_limit_keeps_the_session_and_moves_its_mark(world, client):
    client.force_login(world.alice)
    _age_session(client, **{SEEN_AT: 29 * 60})
    assert client.get("/").status_code == 200
    assert int(time.time()) - client.session[SEEN_AT] < 5


def test_twelve_hours_after_sign_in_the_session_ends_however_busy(world, client, settings):
    assert settings.SESSION_COOKIE_AGE == 12 * 60 * 60
    client.force_login(world.alice)
    _age_session(client, **{AUTH_AT: 12 * 60 * 60 - 60, SEEN_AT: 10})
    assert client.get("/").status_code == 200
    _age_session(client, **{AUTH_AT: 12 * 60 * 60, SEEN_AT: 10})
    assert client.get("/").status_code == 302
    assert signed_in_user_id(client) is None


def test_a_deactivated_user_is_signed_out_on_the_next_request(world, client):
    client.force_login(world.bob)
    world.bob.is_active = False
    world.bob.save()
    assert client.get("/").status_code == 302


def test_a_password_change_signs_out_the_users_other_sessions(world, client):
    other = Client()
    other.force_login(world.alice)
    client.force_login(world.alice)
    client.post("/accounts/reauthenticate/", {"password": "correct-horse-battery"})
    response = client.post(
        "/accounts/password/change/",
        {
            "oldpassword": "correct-horse-battery",
            "password1": "another-long-passphrase",
            "password2": "another-long-passphrase",
        },
    )
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert other.get("/").status_code == 302
