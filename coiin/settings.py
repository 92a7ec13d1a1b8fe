"""Settings for the CoIIN platform, read from the environment (see .env.example).

With no environment at all the app runs embedded: SQLite under var/ and Celery tasks in-process.
DATABASE_URL and REDIS_URL switch it to PostgreSQL and a Redis broker.
"""

from pathlib import Path
from typing import Any

import dj_database_url
from csp.constants import NONE, SELF, UNSAFE_INLINE

from coiin.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY", "insecure-dev-key-only-for-debug" if DEBUG else None)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI files for /api/docs/, served as our own static files
    "crispy_forms",
    "crispy_bootstrap5",
    "simple_history",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "csp",
    "coiin",
    "collaboratives",
    "measures",
    "pdsa",
    "worksheets",
    "referrals",
]

MIDDLEWARE = [
    "coiin.resilience.DatabaseUnavailableMiddleware",  # first: turns a database outage anywhere into a 503
    "coiin.middleware.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "coiin.error_pages.ProductionErrorPagesMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "coiin.middleware.AuditMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "coiin.middleware.SessionTimeoutMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "coiin.middleware.MFARequiredMiddleware",
    "coiin.middleware.NoStoreMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "coiin.urls"
WSGI_APPLICATION = "coiin.wsgi.application"

TEMPLATES: list[dict[str, Any]] = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "collaboratives.context_processors.navigation",
            ],
        },
    },
]

DATABASE_URL = env_str("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)}
else:
    (BASE_DIR / "var").mkdir(exist_ok=True)  # so `manage.py` works in a fresh checkout, not only via make
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(BASE_DIR / "var" / "coiin.sqlite3"),
            "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 20},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Accounts and sessions (docs/security.md, "Accounts"). Length over composition rules (NIST 800-63B):
# at least 12 characters, no common or all-digit passwords, nothing close to the user's own name/email.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]

# Email login through allauth; nobody signs up on their own, leads invite members.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = "username"
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_ADAPTER = "coiin.adapters.AuditedAccountAdapter"
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = False
# Per account (key) 5 failures in 5 minutes, then refusal; per IP only a loose limit, because a home
# visiting agency's staff share one office NAT and must not lock each other out (ASVS 6.1.1).
ACCOUNT_RATE_LIMITS = {"login": "30/m/ip", "login_failed": "20/m/ip,5/5m/key"}
LOGIN_REDIRECT_URL = "home"
LOGIN_URL = "account_login"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "CoIIN platform"
# Awardee leads, advisors, collaborative admins and staff must enrol TOTP before anything else.
# Only `make run` (the local demo) turns this off; production and tests keep it on.
MFA_REQUIRED = env_bool("MFA_REQUIRED", True)
# Rate-limit counters and used-TOTP-code marks live in the database cache, not Redis, so brute-force
# limits hold across gunicorn workers and while Redis is down (security plan F14). The table is
# created by `migrate` (coiin.apps).
CACHES: dict[str, dict[str, Any]] = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "coiin_cache",
    },
    # API request budgets: checked on every API call, so kept in process memory (no query, no Redis
    # dependency). Each gunicorn worker keeps its own budget: the effective limit is rate × workers.
    "throttle": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "api-throttle"},
}
# The collaborative dashboard's rendered body and the aggregate API's pages, kept per viewer until
# their data changes (measures/page_cache.py), compressed, in each web process's memory: bounded by
# construction, and exact, since what ends an entry is in the database. Not in Redis, whose memory the
# Celery broker needs. 0 turns it off.
PAGE_CACHE_SECONDS = env_int("PAGE_CACHE_SECONDS", 600, minimum=0, maximum=86400)
CACHES["pages"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "pages",
    "OPTIONS": {"MAX_ENTRIES": 500},  # a national dashboard's body is ~40 KB compressed
}
# Requests one address may make to the public staff survey page per hour (worksheets/survey/views.py):
# generous, because a whole team may answer from one office network in a staff meeting.
SURVEY_REQUESTS_PER_ADDRESS = env_int("SURVEY_REQUESTS_PER_ADDRESS", 120, minimum=1)
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 12 * 60 * 60, minimum=300)  # absolute limit
SESSION_IDLE_TIMEOUT = env_int("SESSION_IDLE_TIMEOUT", 30 * 60, minimum=60)  # NIST 800-63B AAL2
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("TIME_ZONE", "America/New_York")
USE_I18N = True
# The public staff survey page speaks English and Spanish; its Spanish text is in locale/es (docs/survey.md).
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT: Path | None = BASE_DIR / "var" / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# REST API (issue 8): personal bearer tokens for clients; the session (with CSRF) for Swagger UI.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "coiin.api.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "coiin.api.TokenScopePermission",
    ],
    "DEFAULT_PARSER_CLASSES": ["coiin.api.StrictJSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["coiin.api.JSONRenderer", "coiin.api.CSVRenderer"],
    "DEFAULT_PAGINATION_CLASS": "coiin.api.CappedPagination",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_THROTTLE_CLASSES": ["coiin.api.ClientRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"api": env_str("API_THROTTLE_RATE", "600/minute")},
    "EXCEPTION_HANDLER": "coiin.api.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
# API calls per client address that may end 401 (no credentials or a bad token) before that address
# is answered 429 until the window ends (coiin/api.py, FailedSignInBudget).
API_FAILED_AUTH_RATE = env_str("API_FAILED_AUTH_RATE", "60/minute")
SPECTACULAR_SETTINGS = {
    "TITLE": "CoIIN platform REST API",
    "DESCRIPTION": "Aggregates, run charts and monthly data of home visiting learning collaboratives. "
    "Every response shows only what the token's owner may see.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SCHEMA_PATH_PREFIX": "/api/v1/",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "coiin.api.error_responses_hook",
    ],
    "ENUM_NAME_OVERRIDES": {
        "MeasureKindEnum": "measures.models.Measure.Kind",
        "RunChartKindEnum": "measures.models.RunChartAnalysis.Kind",
    },
}

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1, maximum=65535)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "CoIIN platform <noreply@coiin.invalid>")

# Celery: no REDIS_URL means embedded mode, where tasks run in-process at enqueue time.
REDIS_URL = env_str("REDIS_URL", "")
CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
# A save must never hang on a dead broker: fail the publish fast and let the stale sweep catch up.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_timeout": 2,
    "socket_connect_timeout": 2,
    "max_retries": 1,
    # A message unacknowledged this long (its worker died) is delivered again; longer than any task runs.
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 600, minimum=1),
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A runaway recompute is stopped instead of holding its worker; the sweep tries it again later.
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}

# Headers (docs/security.md, "Headers"). Everything is served from 'self'; no CDN.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        # Scripts only from our own files: the plotly strict bundle needs no eval, htmx runs with
        # allowEval off (meta htmx-config in base.html).
        "script-src": [SELF],
        # plotly.js injects a <style> element and style attributes for its charts and mode bar (27
        # violations over 7 pages with style-src 'self' alone, tests/browser/test_csp_browser.py).
        # Inline styles cannot run code; scripts stay strict, which is what stops injected markup.
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:", "blob:"],  # blob: for plotly's "download as PNG"
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}
# Production: cookies only over HTTPS, with the __Host- prefix (no Domain, Path=/, Secure), HSTS.
SECURE_COOKIES = env_bool("SECURE_COOKIES", not DEBUG)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = SECURE_COOKIES
if SECURE_COOKIES:
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"bare": {"format": "%(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler"},
        # Audit events are already one JSON object per line (coiin/audit.py).
        "audit": {"class": "logging.StreamHandler", "formatter": "bare"},
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        # One line per task success is noise, most of all in embedded mode where tasks run in-process.
        "celery.app.trace": {"level": "WARNING"},
        # Django logs every 4xx with its path at WARNING; paths can hold invitation tokens, and the audit
        # log already records refusals by route pattern. Errors (5xx) are still logged.
        "django.request": {"level": "ERROR"},
        "coiin.audit": {"handlers": ["audit"], "level": "INFO", "propagate": False},
    },
}

# Referral network (docs/referrals.md): Fernet keys for personal data (first encrypts, all decrypt)
# and the HMAC key of duplicate matching. DEBUG gets fixed development keys; production must set both
# (system check referrals.E001).
_DEV_FERNET_KEY = "ZGV2LW9ubHktcmVmZXJyYWxzLWtleS0zMi1ieXRlcyE="
REFERRALS_FIELD_KEYS = env_list("REFERRALS_FIELD_KEYS", [_DEV_FERNET_KEY] if DEBUG else [])
REFERRALS_HASH_KEY = env_str("REFERRALS_HASH_KEY", "dev-only-referrals-hash-key" if DEBUG else "")
