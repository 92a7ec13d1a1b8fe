"""Single-use survey link tokens: made at random, kept only as their SHA-256."""

import hashlib
import secrets


def token_new() -> str:
    """144 random bits, URL-safe: guessing one among live links is out of reach, so no salt is needed."""
    return secrets.token_urlsafe(18)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
