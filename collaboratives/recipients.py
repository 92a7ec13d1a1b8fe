"""Who is told about a team's events (trusted reads, for notifications sent by services and periodic tasks)."""

from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from collaboratives.models import Membership, Role, Team


def team_people(*, team: Team, roles: Iterable[str]) -> QuerySet[Any]:
    """Active people holding any of `roles` for `team`: its LIA's members and CQI leads, its advisors,
    its awardee's leads, its collaborative's admins."""
    roles = set(roles)
    scopes = {
        Role.TEAM_MEMBER: Q(lia=team.lia_id),
        Role.CQI_LEAD: Q(lia=team.lia_id),
        Role.ADVISOR: Q(team=team.id),
        Role.AWARDEE_LEAD: Q(awardee=team.lia.awardee_id),
        Role.COLLABORATIVE_ADMIN: Q(collaborative=team.collaborative_id),
    }
    condition = Q(pk__in=[])
    for role in roles:
        condition |= Q(role=role) & scopes[Role(role)]
    memberships = Membership.objects.unscoped(reason="the people to tell about this team").filter(condition)
    return get_user_model().objects.filter(is_active=True, id__in=memberships.values("user")).order_by("id")
