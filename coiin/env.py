"""Typed readers for settings taken from the environment.

Each reader rejects a malformed value with ImproperlyConfigured naming the variable, so a typo in
deployment fails at start-up instead of silently falling back to a default.
"""

import os

from django.core.exceptions import ImproperlyConfigured

_REQUIRED = object()


def env_str(name: str, default: str | None | object = _REQUIRED) -> str:
    """The variable's value, or the contents of the file named by NAME_FILE (Docker secrets)."""
    file_path = os.environ.get(f"{name}_FILE", "").strip()
    if file_path:
        try:
            with open(file_path, encoding="utf-8") as fh:
                return fh.read().strip()
        except OSError as exc:
            raise ImproperlyConfigured(
                f"{name}_FILE points to {file_path!r}, which cannot be read: {exc}"
            ) from exc
    raw = os.environ.get(name)
    if raw is not None and raw.strip() != "":
        return raw.strip()
    if default is _REQUIRED or default is None:
        raise ImproperlyConfigured(f"{name} must be set")
    assert isinstance(default, str)
    return default


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name, "").strip().lower()
    if raw not in ("", "true", "false"):
        raise ImproperlyConfigured(f"{name} must be 'true' or 'false', got {raw!r}")
    return default if raw == "" else raw == "true"


def env_int(name: str, default: int, *, minimum: int = 0, maximum: int | None = None) -> int:
    raw = os.environ.get(name, "").strip()
    if raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, got {raw!r}") from None
    if value < minimum or (maximum is not None and value > maximum):
        upper = "" if maximum is None else f" and at most {maximum}"
        raise ImproperlyConfigured(f"{name} must be at least {minimum}{upper}, got {value}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name, "").strip()
    if raw == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]
