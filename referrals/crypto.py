"""Field-level encryption of a family's personal data, and keyed hashes to match duplicates.

Keys come from the environment (docs/referrals.md, "Personal data at rest"):
- `REFERRALS_FIELD_KEYS`: comma-separated Fernet keys. The first encrypts; every one decrypts, so a
  key is rotated by putting a new one first, running `manage.py referrals_rotate_keys` (re-encrypts
  every row with the first key), then dropping the old one.
- `REFERRALS_HASH_KEY`: the HMAC key of the duplicate-matching hashes. Changing it makes earlier
  hashes unmatchable (the rotate command recomputes them from the decrypted values).

Fernet (AES-128-CBC with HMAC-SHA256, from `cryptography`) authenticates each value: a ciphertext
altered in the database fails to decrypt instead of yielding wrong data.
"""

import datetime as dt
import hashlib
import hmac
import json
import unicodedata
from functools import cache
from typing import TYPE_CHECKING, Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

PREFIX = "fernet:"  # marks a stored ciphertext, so clear text can never pass for one


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured("REFERRALS_FIELD_KEYS is empty: personal data cannot be encrypted.")
    try:
        return MultiFernet([Fernet(k.encode()) for k in keys])
    except ValueError as exc:
        raise ImproperlyConfigured(
            f"REFERRALS_FIELD_KEYS holds a key that is not a Fernet key: {exc}"
        ) from exc


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.REFERRALS_FIELD_KEYS))


def encrypt(plain: str) -> str:
    return PREFIX + fernet().encrypt(plain.encode()).decode()


def decrypt(stored: str) -> str:
    if not stored.startswith(PREFIX):
        raise ValueError("A personal-data column holds a value that is not encrypted.")
    try:
        return fernet().decrypt(stored[len(PREFIX) :].encode()).decode()
    except InvalidToken as exc:
        raise ValueError("A personal-data value cannot be decrypted with any configured key.") from exc


def rotate(stored: str) -> str:
    """The same value encrypted under the first key."""
    return PREFIX + fernet().rotate(stored[len(PREFIX) :].encode()).decode()


def keyed_hash(*parts: str) -> str:
    """HMAC-SHA256 of normalised parts; '' when any part is empty (nothing to match on)."""
    cleaned = [unicodedata.normalize("NFKC", p).casefold().strip() for p in parts]
    if not all(cleaned):
        return ""
    key = settings.REFERRALS_HASH_KEY.encode()
    return hmac.new(key, "\x1f".join(cleaned).encode(), hashlib.sha256).hexdigest()


if TYPE_CHECKING:  # the stubs' Field is generic; Django's own class is not subscriptable at run time
    _Field = models.Field[Any, Any]
else:
    _Field = models.Field


class EncryptedField(_Field):
    """A text column holding one value (text, date, whole number or yes/no) encrypted with Fernet.

    The value is JSON-encoded before encryption so its type survives; NULL stays NULL (a purged or
    unanswered field). It cannot be filtered or ordered on in SQL: matching uses keyed hashes.
    """

    KINDS = ("text", "date", "int", "bool")

    def __init__(self, *args: Any, kind: str = "text", **kwargs: Any) -> None:
        if kind not in self.KINDS:
            raise ValueError(f"EncryptedField kind must be one of {self.KINDS}")
        self.kind = kind
        kwargs.setdefault("null", True)
        kwargs.setdefault("blank", True)
        super().__init__(*args, **kwargs)

    def get_internal_type(self) -> str:
        return "TextField"

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        if self.kind != "text":
            kwargs["kind"] = self.kind
        return name, path, args, kwargs

    def to_python(self, value: Any) -> Any:
        if value is None or value == "":
            return None
        if self.kind == "date" and isinstance(value, str):
            return dt.date.fromisoformat(value)
        if self.kind == "int" and isinstance(value, str):
            return int(value)
        return value

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> Any:
        if value is None:
            return None
        plain = json.loads(decrypt(value))
        return dt.date.fromisoformat(plain) if self.kind == "date" else plain

    def get_prep_value(self, value: Any) -> str | None:
        value = self.to_python(value)
        if value is None:
            return None
        if isinstance(value, dt.date):
            value = value.isoformat()
        return encrypt(json.dumps(value))

    def formfield(self, **kwargs: Any) -> Any:  # encrypted fields are edited through explicit forms only
        return None
