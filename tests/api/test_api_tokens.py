"""Personal API tokens: how they are stored, when they are accepted, and the web page that manages them."""

import datetime as dt
import hashlib
import re

import pytest
from django.core.cache import caches
from django.core.exceptions import ValidationError
from django.utils import timezone
from rest_framework.test import APIClient

from collaboratives.models import ApiToken
from collaboratives.services import api_token_authenticate, api_token_create

UNAUTHORIZED = {
    "status": 401,
    "code": "authentication_failed",
    "detail": "The token is not valid, has expired or was revoked.",
    "errors": [],
}


def _get(key: str, url: str = "/api/v1/teams/") -> object:
    return APIClient().get(url, HTTP_AUTHORIZATION=f"Bearer {key}")


def test_only_the_hash_and_a_prefix_are_stored(world):
    token, key = api_token_create(actor=world.alice, name="Warehouse", scope="read", lifetime_days=90)
    token.refresh_from_db()
    assert key.startswith("coiin_") and len(key) == 6 + 43  # 32 random bytes, base64url: 256 bits
    assert token.token_hash == hashlib.sha256(key.encode()).hexdigest()
    assert token.prefix == key[:12]
    assert key not in {getattr(token, f.attname) for f in ApiToken._meta.fields}
    assert token.expires_at - token.created_at == pytest.approx(
        dt.timedelta(days=90), abs=dt.timedelta(seconds=5)
    )
    assert (token.scope, token.last_used_at, token.revoked_at) == ("read", None, None)


def test_bad_choices_are_refused_by_field_and_nothing_is_saved(world):
    with pytest.raises(ValidationError) as exc:
        api_token_create(actor=world.alice, name=" ", scope="admin", lifetime_days=9999)
    assert set(exc.value.message_dict) == {"name", "scope", "lifetime_days"}
    assert not ApiToken.objects.exists()


def test_a_bearer_token_authenticates_as_its_user(world, token_for):
    response = _get(token_for(world.charlie))
    assert response.status_code == 200
    assert [t["code"] for t in response.json()["results"]] == ["C1"]


@pytest.mark.parametrize("param", ["token", "access_token", "api_key", "TOKEN"])
def test_a_token_in_the_query_string_is_refused_even_beside_a_good_header(world, token_for, param):
    key = token_for(world.alice)
    response = APIClient().get(f"/api/v1/teams/?{param}={key}", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 401
    assert response.json()["detail"].startswith("Send the token in the Authorization header")


def test_a_token_value_under_any_query_name_is_refused(world, token_for):
    key = token_for(world.alice)
    response = APIClient().get(f"/api/v1/teams/?collaborative_note={key}")
    assert response.status_code == 401


def test_expired_revoked_unknown_and_inactive_users_tokens_get_401(world, token_for):
    expired, revoked, inactive = token_for(world.alice), token_for(world.bob), token_for(world.frank)
    ApiToken.objects.filter(token_hash=hashlib.sha256(expired.encode()).hexdigest()).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    ApiToken.objects.filter(user=world.bob).update(revoked_at=timezone.now())
    world.frank.is_active = False
    world.frank.save()
    for key in (expired, revoked, inactive, "coiin_not-a-real-token"):
        response = _get(key)
        assert (response.status_code, response.json()) == (401, UNAUTHORIZED)
        assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_no_credentials_get_401_with_the_bearer_challenge(db):
    response = APIClient().get("/api/v1/teams/")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_last_used_is_written_at_most_once_a_minute(world, token_for):
    key = token_for(world.alice)
    start = timezone.now()
    first = api_token_authenticate(key=key, now=start)
    assert first is not None and first.last_used_at == start
    api_token_authenticate(key=key, now=start + dt.timedelta(seconds=30))
    assert ApiToken.objects.get().last_used_at == start
    api_token_authenticate(key=key, now=start + dt.timedelta(seconds=61))
    assert ApiToken.objects.get().last_used_at == start + dt.timedelta(seconds=61)


def test_a_read_token_cannot_push_and_nothing_is_saved(world, charted, api_as):
    response = api_as(world.alice, "read").post(
        f"/api/v1/teams/{world.team_a1.public_id}/months/2025-07/observations/",
        {"observations": [{"measure": str(charted.measure.public_id), "numerator": 1, "denominator": 2}]},
        format="json",
    )
    assert response.status_code == 403
    assert response.json() == {
        "status": 403,
        "code": "permission_denied",
        "detail": "This token may only read. Create a token with read and push access to send data.",
        "errors": [],
    }
    assert not world.team_a1.observations.filter(month=dt.date(2025, 7, 1)).exists()


def test_a_burst_beyond_the_rate_gets_429_with_retry_after(world, token_for, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"api": "3/minute"}}
    caches["throttle"].clear()
    key, other = token_for(world.alice), token_for(world.alice)
    assert [_get(key).status_code for _ in range(4)] == [200, 200, 200, 429]
    throttled = _get(key)
    assert throttled.json()["code"] == "throttled"
    assert 0 < int(throttled["Retry-After"]) <= 60
    assert _get(other).status_code == 200  # each token has its own budget


def test_session_writes_need_the_csrf_token(world, charted):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(world.alice)
    response = client.post(
        f"/api/v1/teams/{world.team_a1.public_id}/months/2025-07/observations/",
        {"observations": [{"measure": str(charted.measure.public_id), "numerator": 1, "denominator": 2}]},
        format="json",
    )
    assert response.status_code == 403
    assert response.json()["detail"].startswith("CSRF Failed")


# --- The web page ---


def test_creating_a_token_shows_it_once_and_lists_it_by_prefix(client, world):
    client.force_login(world.alice)
    response = client.post(
        "/api-tokens/", {"name": "State warehouse", "scope": "push", "lifetime_days": "30"}
    )
    assert response.status_code == 201
    html = response.content.decode()
    key = re.search(r'id="new-token"[^>]*value="(coiin_[^"]+)"', html).group(1)
    token = ApiToken.objects.get(user=world.alice)
    assert token.token_hash == hashlib.sha256(key.encode()).hexdigest()
    assert (token.name, token.scope) == ("State warehouse", "push")
    assert "no-store" in response["Cache-Control"]
    again = client.get("/api-tokens/").content.decode()
    assert key not in again and f"{token.prefix}…" in again and "Read and push monthly data" in again


def test_a_bad_form_names_the_field_and_saves_nothing(client, world):
    client.force_login(world.alice)
    response = client.post("/api-tokens/", {"name": "", "scope": "admin", "lifetime_days": "7"})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'href="#id_name"' in html and 'href="#id_scope_0"' in html and 'href="#id_lifetime_days"' in html
    assert not ApiToken.objects.exists()


def test_revoking_stops_the_token_and_only_its_owner_may(client, world, token_for):
    key = token_for(world.alice)
    token = ApiToken.objects.get()
    client.force_login(world.bob)
    assert client.post(f"/api-tokens/{token.public_id}/revoke/").status_code == 404
    assert _get(key).status_code == 200
    client.force_login(world.alice)
    assert client.post(f"/api-tokens/{token.public_id}/revoke/").status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert _get(key).status_code == 401
    assert "Revoked" in client.get("/api-tokens/").content.decode()


def test_failed_sign_ins_from_one_address_get_429_before_any_token_is_checked(world, token_for, settings):
    settings.API_FAILED_AUTH_RATE = "3/minute"
    valid = token_for(world.alice)
    anonymous = [APIClient().get("/api/v1/teams/").status_code for _ in range(2)]
    bad_token = _get("coiin_not-a-real-token")
    assert anonymous == [401, 401] and bad_token.status_code == 401
    refused = _get("coiin_another-guess")
    assert refused.status_code == 429 and refused.json()["code"] == "throttled"
    assert 0 < int(refused["Retry-After"]) <= 60
    # The budget is spent for this address: even a valid token is not looked at until the window ends.
    assert _get(valid).status_code == 429
    assert APIClient().get("/api/v1/teams/").status_code == 429
    # Another address has its own budget; a signed-in session is never refused for it.
    assert (
        APIClient(REMOTE_ADDR="192.0.2.9")
        .get("/api/v1/teams/", HTTP_AUTHORIZATION=f"Bearer {valid}")
        .status_code
        == 200
    )
    session = APIClient()
    session.force_login(world.alice)
    assert session.get("/api/v1/teams/").status_code == 200


def test_calls_that_succeed_spend_nothing_of_the_failed_sign_in_budget(world, token_for, settings):
    settings.API_FAILED_AUTH_RATE = "2/minute"
    valid = token_for(world.alice)
    assert [_get(valid).status_code for _ in range(5)] == [200] * 5
    assert _get("coiin_wrong").status_code == 401
