"""Production settings (DEBUG off) for the processes the system tests start, with two test conveniences:
static files served without a collectstatic manifest, and the fast test password hasher."""

from coiin.settings import *  # noqa: F403

STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
