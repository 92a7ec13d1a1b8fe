"""Brute force (security plan check #7, goal G15): the 6th failed login for one account within five
minutes is refused, whatever the IP, even with the right password; counted in the database cache."""

import json

from django.conf import settings

from tests.accounts.helpers import PASSWORD, sign_in, signed_in_user_id


def test_rate_limit_counters_live_in_the_database_cache_not_redis():
    assert settings.CACHES["default"]["BACKEND"] == "django.core.cache.backends.db.DatabaseCache"
    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.db"


def test_the_sixth_failure_within_five_minutes_is_refused_from_any_address(world, client, caplog):
    failures = [
        sign_in(client, world.alice, password=f"wrong-password-{i}", REMOTE_ADDR=f"10.0.0.{i}")
        for i in range(5)
    ]
    assert [r.status_code for r in failures] == [200] * 5
    assert all(
        "The email address and/or password you specified are not correct." in r.content.decode()
        for r in failures
    )

    sixth = sign_in(client, world.alice, password=PASSWORD, REMOTE_ADDR="10.0.0.99")
    refused = sixth.status_code == 200 and "Too many failed login attempts" in sixth.content.decode()
    print(f"G15: 5 failures accepted as failures, 6th attempt refused={refused} (database cache)")
    assert refused
    assert signed_in_user_id(client) is None
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "coiin.audit"]
    assert [(line["event"], line["outcome"]) for line in lines] == [("login", "failure")] * 5 + [
        ("login", "rate_limited")
    ]
    assert {line["account"] for line in lines} == {world.alice.pk}


def test_another_account_is_not_locked_out_by_someone_elses_failures(world, client):
    for i in range(5):
        sign_in(client, world.alice, password=f"wrong-password-{i}")
    assert sign_in(client, world.bob).status_code == 302
    assert signed_in_user_id(client) == world.bob.pk


def test_the_admin_login_cannot_be_used_to_get_around_the_limit(world, client):
    for i in range(5):
        client.post("/admin/login/", {"username": world.root.username, "password": f"guess-{i}"})
        sign_in(client, world.root, password=f"guess-{i}")
    assert "Too many failed login attempts" in sign_in(client, world.root).content.decode()
    assert signed_in_user_id(client) is None
