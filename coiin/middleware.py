import time
from collections.abc import Callable
from typing import Any

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils.cache import patch_cache_control

from coiin import audit
from coiin.signals import AUTH_AT, SEEN_AT
from collaboratives import access
from collaboratives.models import Role

PRIVILEGED_ROLES = {Role.AWARDEE_LEAD, Role.ADVISOR, Role.COLLABORATIVE_ADMIN}
# Account pages (sign-in, sign-out, password, MFA setup and reauthentication) and static files.
MFA_EXEMPT_PREFIXES = ("/accounts/", "/static/")
MFA_REQUIRED_MESSAGE = (
    "Your role requires two-factor authentication. Set up an authenticator app to continue."
)


class HealthCheckMiddleware:
    """Answers /healthz before host validation and the HTTPS redirect, so container probes
    on 127.0.0.1 over plain HTTP work without adding that host to ALLOWED_HOSTS."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path == "/healthz" and request.method == "GET":
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
            return JsonResponse({"status": "ok"})
        return self.get_response(request)


class AuditMiddleware:
    """Gives each request an id (echoed as X-Request-ID, carried by every audit line) and logs each
    refusal: 403 (visible but not allowed, CSRF failure) and, for signed-in users, a 404 from a matched
    route (which is also what another tenant's object answers)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = audit.request_id_for(request)
        response = self.get_response(request)
        response["X-Request-ID"] = request_id
        # A 404 is a refusal when a route matched (a missing or another tenant's object); an unknown
        # URL such as a browser's /favicon.ico is not.
        refused_object = (
            request.user.is_authenticated and getattr(request, "resolver_match", None) is not None
        )
        if response.status_code == 403 or (response.status_code == 404 and refused_object):
            audit.audit_event("access", request=request, outcome="denied", status=response.status_code)
        return response


class SessionTimeoutMiddleware:
    """Ends a session after SESSION_IDLE_TIMEOUT seconds without a request, and SESSION_COOKIE_AGE
    seconds after sign-in however busy (NIST 800-63B AAL2: 30 minutes idle, 12 hours absolute).
    The last-seen mark is written at most once a minute, to spare a session write per request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = int(time.time())
            session = request.session
            auth_at = session.setdefault(AUTH_AT, now)
            seen_at = session.setdefault(SEEN_AT, now)
            idle = now - seen_at >= settings.SESSION_IDLE_TIMEOUT
            if idle or now - auth_at >= settings.SESSION_COOKIE_AGE:
                audit.audit_event("session.expire", request=request, outcome="idle" if idle else "absolute")
                logout(request)
                messages.info(request, "Your session ended. Please sign in again.")
            elif now - seen_at >= 60:
                session[SEEN_AT] = now
        return self.get_response(request)


def mfa_required_for(user: Any) -> bool:
    """Whether the user's roles demand MFA: awardee leads, advisors, collaborative admins and staff."""
    if user.is_staff or user.is_superuser:
        return True
    return bool(access.roles(user) & PRIVILEGED_ROLES)


def mfa_missing(user: Any) -> bool:
    """Whether `user` must enrol an authenticator app before doing anything: MFA is required, their
    roles (as they are now) demand it, and they have none. Sessions (below) and API tokens
    (coiin.api.BearerTokenAuthentication) are held to this one rule."""
    return (
        settings.MFA_REQUIRED
        and mfa_required_for(user)
        and not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    )


class MFARequiredMiddleware:
    """Sends a user whose role requires MFA, and who has not enrolled an authenticator app, to the
    enrolment page from every URL but the account pages (sign-in, sign-out, MFA setup) and static files.
    allauth then asks enrolled users for a code at every sign-in."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            request.user.is_authenticated
            and not request.path.startswith(MFA_EXEMPT_PREFIXES)
            and mfa_missing(request.user)
        ):
            audit.audit_event("mfa.required", request=request, outcome="redirected")
            if request.path.startswith("/api/"):
                # The API's one error format (coiin/api.py), so clients parse one shape.
                return JsonResponse(
                    {"status": 403, "code": "mfa_required", "detail": MFA_REQUIRED_MESSAGE, "errors": []},
                    status=403,
                )
            messages.warning(request, MFA_REQUIRED_MESSAGE)
            return redirect("mfa_activate_totp")
        return self.get_response(request)


class NoStoreMiddleware:
    """No browser or proxy may keep a copy of a page rendered by the app (ASVS 14.3.2): pages hold
    teams' data, and a shared office computer's cache must not. Static files are served, and cached,
    by WhiteNoise before this runs."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        patch_cache_control(response, no_store=True, private=True)
        return response
