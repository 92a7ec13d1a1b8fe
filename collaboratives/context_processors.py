from typing import Any

from django.http import HttpRequest

from collaboratives import access
from collaboratives.notifications import notification_unread_count


def navigation(request: HttpRequest) -> dict[str, Any]:
    """The roles the signed-in user holds, so the layout shows each role what it can do, and how many
    of their notifications are unread."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_roles": set()}
    roles = access.roles(user)
    return {
        "nav_roles": {str(r) for r in roles},
        "nav_is_superuser": user.is_superuser,
        "nav_unread": notification_unread_count(user=user),
    }
