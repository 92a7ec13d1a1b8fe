from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest

from coiin.audit import account_id_for_login, audit_event
from collaboratives.adapters import InviteOnlyAccountAdapter


class AuditedAccountAdapter(InviteOnlyAccountAdapter):
    """Invite-only sign-up, and an audit line when the failed-login limit refuses an attempt
    (allauth refuses before authenticating, so Django's user_login_failed signal does not fire)."""

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        try:
            super().pre_authenticate(request, **credentials)
        except ValidationError:
            audit_event(
                "login", request=request, outcome="rate_limited", account=account_id_for_login(credentials)
            )
            raise
