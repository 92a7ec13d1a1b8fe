"""A deployment without the referral network's keys cannot store a family's personal data."""

from typing import Any

from cryptography.fernet import Fernet
from django.conf import settings
from django.core.checks import CheckMessage, Error, register


@register(deploy=True)
def referral_keys_configured(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    messages: list[CheckMessage] = []
    keys = settings.REFERRALS_FIELD_KEYS
    try:
        for key in keys:
            Fernet(key.encode())
    except ValueError:
        keys = []
    if not keys:
        messages.append(
            Error(
                "REFERRALS_FIELD_KEYS is empty or holds a key that is not a Fernet key.",
                hint="Generate one with `python -c 'from cryptography.fernet import Fernet; "
                "print(Fernet.generate_key().decode())'` (docs/referrals.md, 'Personal data at rest').",
                id="referrals.E001",
            )
        )
    if len(settings.REFERRALS_HASH_KEY) < 16:
        messages.append(
            Error(
                "REFERRALS_HASH_KEY is missing or shorter than 16 characters.",
                hint="Set it to a long random string and keep it: duplicate matching depends on it.",
                id="referrals.E002",
            )
        )
    return messages
