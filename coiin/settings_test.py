"""Test overlay: the same settings, with test-only defaults. DATABASE_URL and REDIS_URL still apply."""

import os

os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
# The live server of the browser tests speaks plain HTTP, where __Host- cookies cannot be set;
# tests/coiin/test_headers.py checks the production cookies.
os.environ.setdefault("SECURE_COOKIES", "false")

from coiin.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
# Unit tests run tasks in-process; the e2e tests start a real worker and publish to REDIS_URL.
CELERY_TASK_ALWAYS_EAGER = True
STATIC_ROOT = None  # whitenoise serves nothing in tests; avoids a warning about a missing collectstatic dir
REFERRALS_FIELD_KEYS = ["dGVzdC1vbmx5LXJlZmVycmFscy1rZXktMzItYnl0ZXM="]
REFERRALS_HASH_KEY = "test-only-referrals-hash-key"
