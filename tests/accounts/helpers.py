"""Signing in as a person does: the allauth login form, then the authenticator-app code."""

import time
from typing import Any

from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

from tests.factories import TOTP_SECRET

PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory's password


def totp_code(secret: str = TOTP_SECRET, offset: int = 0) -> str:
    """The code an authenticator app shows now (offset in 30-second steps).

    Within 2 s of the code changing it waits for the next one: a test that signs in with it a few
    requests later would otherwise fail whenever it ran across the change (allauth accepts only the
    current code)."""
    left = 30 - time.time() % 30
    if left < 2:
        time.sleep(left)
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30 + offset))


def sign_in(client: Any, user: Any, password: str = PASSWORD, **extra: Any) -> Any:
    return client.post("/accounts/login/", {"login": user.email, "password": password}, **extra)


def signed_in_user_id(client: Any) -> int | None:
    raw = client.session.get("_auth_user_id")
    return int(raw) if raw is not None else None
