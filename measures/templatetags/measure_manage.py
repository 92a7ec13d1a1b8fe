from typing import Any

from django import template

from collaboratives import access
from collaboratives.models import Collaborative

register = template.Library()


@register.filter
def can_administer(user: Any, collaborative: Collaborative) -> bool:
    """Whether `user` administers the collaborative (its admins and superusers), e.g. may manage its measures."""
    return access.can(user, access.Action.ADMINISTER, collaborative)
