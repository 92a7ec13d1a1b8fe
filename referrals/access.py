"""Who may do what in a referral network: network roles turned into ids, and named actions.

This is the referral network's counterpart of collaboratives/access.py (which cannot import this app:
imports flow referrals → measures → collaboratives). Grants are computed once per user object (one
per request) and cached on it, as there.
"""

import enum
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied

from collaboratives.access import sees_everything

__all__ = ["Action", "Grants", "can", "grants", "ids_with_role", "network_ids", "require", "sees_everything"]
_CACHE_ATTR = "_coiin_referral_access"


class Action(enum.StrEnum):
    REFER = "refer"  # a partner refers a family; the hub enters one that phoned or walked in
    WORK_QUEUE = "work_queue"  # screen, record the family's choice, send, follow up, cancel
    WORK_INTAKE = "work_intake"  # a program's staff: accept/decline, log attempts, close
    VIEW_PERSONAL = "view_personal"  # see a family's name, contact details and needs
    EDIT_DIRECTORY = "edit_directory"
    VIEW_DASHBOARD = "view_dashboard"


@dataclass(frozen=True)
class Grants:
    hub_networks: frozenset[int]
    admin_networks: frozenset[int]
    program_orgs: frozenset[int]
    partner_orgs: frozenset[int]
    any_network: frozenset[int]


EMPTY = Grants(*(frozenset() for _ in range(5)))


def grants(user: Any) -> Grants:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return EMPTY
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        cached = _compute(user)
        setattr(user, _CACHE_ATTR, cached)
    return cached


def _compute(user: Any) -> Grants:
    from referrals.models import NetworkMembership, NetworkRole

    rows = list(
        NetworkMembership.objects.unscoped(reason="the user's own roles decide their scope")
        .filter(user=user)
        .values_list("role", "network_id", "organization_id")
    )

    def ids(role: str, column: int) -> frozenset[int]:
        return frozenset(int(r[column]) for r in rows if r[0] == role and r[column] is not None)

    return Grants(
        hub_networks=ids(NetworkRole.HUB_COORDINATOR, 1),
        admin_networks=ids(NetworkRole.NETWORK_ADMIN, 1),
        program_orgs=ids(NetworkRole.PROGRAM_STAFF, 2),
        partner_orgs=ids(NetworkRole.PARTNER, 2),
        any_network=frozenset(int(r[1]) for r in rows),
    )


_ROLE_FIELDS = {
    "hub_coordinator": "hub_networks",
    "network_admin": "admin_networks",
    "program_staff": "program_orgs",
    "partner": "partner_orgs",
}


def ids_with_role(user: Any, *roles: str) -> frozenset[int]:
    """The ids of the scopes where `user` holds any of `roles` (`NetworkRole` values): networks for hub
    coordinators and network admins, organisations for program staff and partners. For the rules of a
    model's `visible_to` and the rows a role's own list shows."""
    g = grants(user)
    return frozenset().union(*(getattr(g, _ROLE_FIELDS[role]) for role in roles))


def network_ids(user: Any) -> frozenset[int]:
    """The networks where `user` holds any role: whose directory they see."""
    return grants(user).any_network


def can(user: Any, action: Action, obj: Any) -> bool:
    """Whether `user` may take `action` on `obj`: a Network, or a Referral they can see."""
    from referrals.models import Network, Referral

    if sees_everything(user):
        return True
    g = grants(user)
    if isinstance(obj, Network):
        match action:
            case Action.REFER:  # a partner for its organisation; the hub for a family that phoned in
                return obj.id in g.hub_networks or (bool(g.partner_orgs) and obj.id in g.any_network)
            case Action.WORK_QUEUE:
                return obj.id in g.hub_networks
            case Action.EDIT_DIRECTORY:
                return obj.id in g.admin_networks
            case Action.VIEW_DASHBOARD:
                return obj.id in g.admin_networks | g.hub_networks
        return False
    if not isinstance(obj, Referral):
        raise TypeError(f"referrals.access.can does not know {type(obj).__name__}")
    at_hub = obj.network_id in g.hub_networks
    at_program = obj.program is not None and obj.program.organization_id in g.program_orgs
    match action:
        case Action.WORK_QUEUE:
            return at_hub
        case Action.WORK_INTAKE:
            return at_program
        case Action.VIEW_PERSONAL:
            return obj.purged_at is None and (at_hub or at_program)
    return False


def require(user: Any, action: Action, obj: Any) -> None:
    """Raise PermissionDenied (403) when the user sees `obj` but may not take `action` on it."""
    if not can(user, action, obj):
        raise PermissionDenied(f"You may not {action.value.replace('_', ' ')} here.")
