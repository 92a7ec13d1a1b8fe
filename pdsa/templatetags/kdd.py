from typing import Any

from django import template

register = template.Library()


@register.filter
def get_item(mapping: dict[Any, Any], key: Any) -> Any:
    """`mapping[key]`, or None when it is missing (templates cannot index a dict by a variable)."""
    return mapping.get(key)
