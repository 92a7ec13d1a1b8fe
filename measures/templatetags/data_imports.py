from typing import Any

from django import template

from collaboratives import access
from collaboratives.models import Collaborative

register = template.Library()


@register.filter
def can_import(user: Any, collaborative: Collaborative) -> bool:
    """`{% if user|can_import:collaborative %}`: access.may_import_data, for templates."""
    return access.may_import_data(user, collaborative)
