"""Audit-log receivers for authentication and MFA events (a side concern, so signals are the right hook)."""

import time
from typing import Any

from allauth.account.signals import password_changed, password_reset
from allauth.mfa.signals import (
    authentication_failed,
    authenticator_added,
    authenticator_removed,
    authenticator_reset,
    authenticator_used,
)
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from coiin.audit import account_id_for_login, audit_event

AUTH_AT = "_coiin_auth_at"  # session key: when this session signed in (absolute timeout)
SEEN_AT = "_coiin_seen_at"  # session key: last request, to the minute (idle timeout)


@receiver(user_logged_in, dispatch_uid="coiin.audit.login")
def on_login(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if request is None:
        return
    now = int(time.time())
    request.session[AUTH_AT] = now
    request.session[SEEN_AT] = now
    audit_event("login", request=request, outcome="success", user=user)


@receiver(user_login_failed, dispatch_uid="coiin.audit.login_failed")
def on_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    audit_event("login", request=request, outcome="failure", account=account_id_for_login(credentials))


@receiver(user_logged_out, dispatch_uid="coiin.audit.logout")
def on_logout(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if user is not None:
        audit_event("logout", request=request, outcome="success", user=user)


@receiver(password_changed, dispatch_uid="coiin.audit.password_changed")
def on_password_changed(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    audit_event("password.change", request=request, outcome="success", user=user)


@receiver(password_reset, dispatch_uid="coiin.audit.password_reset")
def on_password_reset(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    audit_event("password.reset", request=request, outcome="success", user=user)


@receiver(authenticator_used, dispatch_uid="coiin.audit.mfa_used")
def on_mfa_used(sender: Any, request: HttpRequest, user: Any, authenticator: Any, **kwargs: Any) -> None:
    audit_event("mfa.verify", request=request, outcome="success", user=user, authenticator=authenticator.type)


@receiver(authentication_failed, dispatch_uid="coiin.audit.mfa_failed")
def on_mfa_failed(
    sender: Any, request: HttpRequest, user: Any, authenticator: Any = None, **kwargs: Any
) -> None:
    kind = authenticator.type if authenticator is not None else None
    audit_event("mfa.verify", request=request, outcome="failure", user=user, authenticator=kind)


@receiver(authenticator_added, dispatch_uid="coiin.audit.mfa_added")
def on_mfa_added(sender: Any, request: HttpRequest, user: Any, authenticator: Any, **kwargs: Any) -> None:
    audit_event("mfa.enrol", request=request, outcome="success", user=user, authenticator=authenticator.type)


@receiver(authenticator_removed, dispatch_uid="coiin.audit.mfa_removed")
def on_mfa_removed(sender: Any, request: HttpRequest, user: Any, authenticator: Any, **kwargs: Any) -> None:
    audit_event("mfa.remove", request=request, outcome="success", user=user, authenticator=authenticator.type)


@receiver(authenticator_reset, dispatch_uid="coiin.audit.mfa_reset")
def on_mfa_reset(sender: Any, request: HttpRequest, user: Any, authenticator: Any, **kwargs: Any) -> None:
    audit_event("mfa.reset", request=request, outcome="success", user=user, authenticator=authenticator.type)
