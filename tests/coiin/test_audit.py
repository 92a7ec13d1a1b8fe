"""The audit log (security plan check #22, goal G18): every sign-in, failure, MFA step, refusal and
import rejection writes one JSON line with time, user, roles, IP, request id, route and outcome; no
line carries a password, code, token or session key, and CR/LF cannot forge a line."""

import json
import logging
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from coiin.audit import audit_event
from tests.accounts.helpers import PASSWORD, sign_in, totp_code
from tests.factories import MeasureFactory

FIELDS = {"ts", "event", "outcome", "user", "roles", "ip", "request_id", "method", "route"}


@pytest.fixture
def audit_log(caplog):
    caplog.set_level(logging.INFO)

    def lines() -> list[dict]:
        found = [json.loads(r.getMessage()) for r in caplog.records if r.name == "coiin.audit"]
        for line in found:
            assert set(line) >= FIELDS, line
            assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", line["ts"])
        return found

    lines.caplog = caplog
    return lines


def test_a_sign_in_with_its_mfa_step_logs_each_step(world, client, audit_log):
    code = totp_code()
    sign_in(client, world.erin, REMOTE_ADDR="203.0.113.7")
    client.post("/accounts/2fa/authenticate/", {"code": "000000" if code != "000000" else "111111"})
    client.post("/accounts/2fa/authenticate/", {"code": code}, REMOTE_ADDR="203.0.113.7")
    assert [(line["event"], line["outcome"], line["user"]) for line in audit_log()] == [
        ("mfa.verify", "failure", world.erin.pk),
        ("mfa.verify", "success", world.erin.pk),
        ("login", "success", world.erin.pk),
    ]
    success = audit_log()[-1]
    assert success["roles"] == ["awardee_lead"]
    assert success["ip"] == "203.0.113.7"
    assert success["route"] == "accounts/2fa/authenticate/"
    assert re.fullmatch(r"[0-9a-f]{32}", success["request_id"])


def test_a_failed_login_names_the_account_not_what_was_typed(world, client, audit_log):
    sign_in(client, world.alice, password="hunter2-is-my-password")
    sign_in(client, world.alice, password=world.alice.email)  # a password pasted into the wrong box
    sign_in(client, world.alice, password=PASSWORD)
    client.logout()
    client.post("/accounts/login/", {"login": "nobody@example.org", "password": "whatever-it-was"})
    assert [(line["event"], line["outcome"], line.get("account"), line["user"]) for line in audit_log()] == [
        ("login", "failure", world.alice.pk, None),
        ("login", "failure", world.alice.pk, None),
        ("login", "success", None, world.alice.pk),
        ("logout", "success", None, world.alice.pk),
        ("login", "failure", None, None),
    ]
    assert "hunter2" not in audit_log.caplog.text


def test_refusals_log_the_route_pattern_and_status(world, client, audit_log):
    client.force_login(world.charlie)
    client.get("/favicon.ico")  # no such route: not a refusal
    client.get(f"/teams/{world.team_a1.public_id}/")  # another LIA's team: 404
    client.force_login(world.bob)
    client.post(
        f"/lias/{world.lia_a.public_id}/roster/", {"email": "x@example.org", "role": "team_member"}
    )  # 403
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(world.alice)
    csrf_client.post(f"/lias/{world.lia_a.public_id}/roster/", {})  # no CSRF token: 403
    denials = [line for line in audit_log() if line["event"] == "access"]
    assert [(d["user"], d["status"], d["route"]) for d in denials] == [
        (world.charlie.pk, 404, "teams/<uuid:public_id>/"),
        (world.bob.pk, 403, "lias/<uuid:public_id>/roster/"),
        (world.alice.pk, 403, "lias/<uuid:public_id>/roster/"),
    ]
    assert {d["outcome"] for d in denials} == {"denied"}
    assert denials[1]["roles"] == ["team_member"]


def test_an_invitation_token_in_the_url_never_reaches_the_log(world, client, audit_log):
    client.force_login(world.bob)
    client.get("/invitations/secret-token-from-an-email-link/")
    assert audit_log()[-1]["route"] == "invitations/<str:token>/"
    assert "secret-token-from-an-email-link" not in audit_log.caplog.text


def test_a_rejected_import_logs_one_line(world, client, audit_log):
    MeasureFactory(collaborative=world.one, code="fu")
    client.force_login(world.alice)
    upload = SimpleUploadedFile(
        "data.xlsx", b"MZ\x90\x00 a renamed program", content_type="application/octet-stream"
    )
    response = client.post(f"/collaboratives/{world.one.public_id}/import/", {"file": upload})
    assert response.status_code == 400
    [line] = [line for line in audit_log() if line["event"].startswith("import")]
    assert (line["event"], line["outcome"], line["user"]) == ("import.upload", "rejected", world.alice.pk)
    assert line["collaborative"] == str(world.one.public_id)


def test_cr_lf_in_a_logged_value_cannot_forge_a_line(rf, audit_log):
    forged = 'x@example.org\r\n{"event": "login", "outcome": "success"}'
    audit_event("login", request=rf.post("/accounts/login/"), outcome="failure", account=forged)
    [message] = [r.getMessage() for r in audit_log.caplog.records if r.name == "coiin.audit"]
    assert "\n" not in message and "\r" not in message
    assert json.loads(message)["account"] == forged


def test_g18_every_security_event_gives_one_structured_line_and_no_secret(world, client, audit_log):
    code = totp_code()
    events = 0
    sign_in(client, world.frank)  # password step: no line yet, the sign-in is not complete
    client.post("/accounts/2fa/authenticate/", {"code": code})
    events += 2  # mfa.verify success, login success
    session_key = client.session.session_key
    client.post("/accounts/logout/")
    events += 1
    sign_in(client, world.bob, password="not-bobs-password")
    events += 1
    client.force_login(world.charlie)
    client.get(f"/teams/{world.team_a1.public_id}/")
    events += 2  # force_login's login line, the 404
    lines = audit_log()
    secrets = [PASSWORD, "not-bobs-password", code, session_key]
    leaking = [r.getMessage() for r in audit_log.caplog.records if any(s in r.getMessage() for s in secrets)]
    print(
        f"G18: {events} security events -> {len(lines)} structured audit lines; {len(leaking)} log lines with secrets"
    )
    assert len(lines) == events
    assert leaking == []
