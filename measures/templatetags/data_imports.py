from typing import Any

from django import template

from collaboratives import access
from collaboratives import selectors as collab_selectors
from collaboratives.models import Collaborative

register = template.Library()


@register.filter
def can_import(user: Any, collaborative: Collaborative) -> bool:
    """Whether `user` may enter data for at least one of the collaborative's teams, so may upload a file.

    One query whatever the number of teams: access.can reads the grants cached on the user.
    """
    return any(
        access.can(user, access.Action.ENTER_DATA, team)
        for team in collab_selectors.team_list(user=user, collaborative=collaborative)
    )
