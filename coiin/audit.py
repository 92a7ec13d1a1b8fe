"""The audit log: one JSON object per line for every security event (docs/security.md, "What is logged").

Every line has `ts` (UTC), `event`, `outcome`, `user` (id or null), `roles`, `ip`, `request_id`,
`method` and `route` (the URL pattern, never the concrete path: invitation links carry their token
in the path). Values are JSON-encoded, so a CR/LF inside one cannot forge a second line. Callers
pass ids and fixed words only: never passwords, codes, tokens, session keys or text people typed.
"""

import datetime as dt
import json
import logging
import uuid
from typing import Any

from django.contrib.auth import get_user_model
from django.http import HttpRequest
from django.urls import Resolver404, resolve

from collaboratives import access

logger = logging.getLogger("coiin.audit")


def request_id_for(request: HttpRequest) -> str:
    """The request's id, assigned once by AuditMiddleware and echoed in the X-Request-ID header."""
    rid = getattr(request, "request_id", None)
    if rid is None:
        rid = uuid.uuid4().hex
        request.request_id = rid  # type: ignore[attr-defined]
    return rid


def _roles(user: Any) -> list[str]:
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    roles = sorted(str(role) for role in access.roles(user))
    if user.is_superuser:
        roles.append("superuser")
    elif user.is_staff:
        roles.append("staff")
    return roles


def _route(request: HttpRequest) -> str | None:
    match = getattr(request, "resolver_match", None)
    if match is None:  # refused by a middleware, before the URL was resolved
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return None
    return match.route


def audit_event(
    event: str, *, request: HttpRequest | None, outcome: str, user: Any = None, **fields: Any
) -> None:
    """Write one audit line. `user` defaults to the request's user; `fields` must hold no secrets."""
    if user is None and request is not None:
        user = getattr(request, "user", None)
    signed_in = user is not None and getattr(user, "is_authenticated", False)
    record: dict[str, Any] = {
        "ts": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "event": event,
        "outcome": outcome,
        "user": user.pk if signed_in else None,
        "roles": _roles(user),
        "ip": request.META.get("REMOTE_ADDR") if request is not None else None,
        "request_id": request_id_for(request) if request is not None else None,
        "method": request.method if request is not None else None,
        "route": _route(request) if request is not None else None,
        **fields,
    }
    logger.info(json.dumps(record, default=str))


def account_id_for_login(credentials: dict[str, Any]) -> int | None:
    """The id of the account a failed login named, if one exists; the typed text itself is not logged
    (people paste passwords into the email field)."""
    login = credentials.get("email") or credentials.get("username")
    if not isinstance(login, str) or not login:
        return None
    users = get_user_model().objects
    return users.filter(email__iexact=login).values_list("pk", flat=True).first() or (
        users.filter(username__iexact=login).values_list("pk", flat=True).first()
    )
