"""Turns a user's memberships into the ids they may see and the actions they may take.

This is the only place that reads memberships for authorization, and the only module that reads
`grants` (tests/test_architecture.py): everywhere else asks a named question, `can(user, Action.X,
obj)`, `require(...)`, or one of the functions below. The result is computed once per user object
(one per request) and cached on it, as NetBox caches object permissions, so a membership removed
between requests takes effect on the next request. docs/security.md, "Authorization", describes the
model.
"""

import enum
from dataclasses import dataclass
from typing import Any, Literal

from django.core.exceptions import PermissionDenied

ScopeKind = Literal["team", "lia", "awardee", "collaborative"]
_CACHE_ATTR = "_coiin_access"


class Action(enum.StrEnum):
    VIEW = "view"
    ENTER_DATA = "enter_data"
    SUBMIT_MONTH = "submit_month"
    REOPEN_MONTH = "reopen_month"
    MANAGE_ROSTER = "manage_roster"
    REVIEW = "review"
    ADMINISTER = "administer"
    DECIDE_PHASES = "decide_phases"
    READ_JOY_ROLLUP = "read_joy_rollup"
    RUN_SURVEY = "run_survey"  # open a team's staff well-being survey month, hand out its links, close it
    # The learning calendar, library and training plan (issue 25; docs/learning.md).
    MANAGE_CALENDAR = "manage_calendar"  # schedule events, take attendance: collaborative admins; awardee leads for their awardee
    CHECK_IN = "check_in"  # say the team attended an event: its CQI lead
    MANAGE_LIBRARY = "manage_library"  # add resources: collaborative admins
    ANNOUNCE = "announce"  # announce to every team: collaborative admins
    DEFINE_TRAINING = (
        "define_training"  # training topics and which staff roles need them: collaborative admins
    )
    KEEP_STAFF_ROSTER = "keep_staff_roster"  # the team's staff and their training completions: its CQI lead
    # Running a collaborative without the Django admin: its admins and site staff.
    ENROL_TEAMS = "enrol_teams"
    INVITE_PEOPLE = "invite_people"
    ASSIGN_ADVISORS = "assign_advisors"
    ANNOTATE_CHARTS = "annotate_charts"  # a note on a team's run charts: the team, its advisors, the admins


@dataclass(frozen=True)
class Grants:
    """What one user may see (ids per scope kind) and where they hold each role."""

    team: frozenset[int]
    lia: frozenset[int]
    awardee: frozenset[int]
    collaborative: frozenset[int]
    member_lias: frozenset[int]
    lead_lias: frozenset[int]
    advised_teams: frozenset[int]
    led_awardees: frozenset[int]
    admin_collaboratives: frozenset[int]

    @property
    def roles(self) -> set[str]:
        from collaboratives.models import Role

        held = {
            Role.TEAM_MEMBER: self.member_lias,
            Role.CQI_LEAD: self.lead_lias,
            Role.ADVISOR: self.advised_teams,
            Role.AWARDEE_LEAD: self.led_awardees,
            Role.COLLABORATIVE_ADMIN: self.admin_collaboratives,
        }
        return {role for role, ids in held.items() if ids}


EMPTY = Grants(*(frozenset() for _ in range(9)))


def sees_everything(user: Any) -> bool:
    return bool(getattr(user, "is_active", False) and getattr(user, "is_superuser", False))


def grants(user: Any) -> Grants:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return EMPTY
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        cached = _compute(user)
        setattr(user, _CACHE_ATTR, cached)
    return cached


def forget(user: Any) -> None:
    """Drop the cached grants, after the user's memberships changed within one request."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def visible_ids(user: Any, kind: ScopeKind) -> frozenset[int]:
    return getattr(grants(user), kind)


_ROLE_FIELDS = {
    "team_member": "member_lias",
    "cqi_lead": "lead_lias",
    "advisor": "advised_teams",
    "awardee_lead": "led_awardees",
    "collaborative_admin": "admin_collaboratives",
}


def ids_with_role(user: Any, role: str) -> frozenset[int]:
    """The ids of the scopes where `user` holds `role` (a `Role` value): LIAs for team members and CQI
    leads, teams for advisors, awardees for awardee leads, collaboratives for collaborative admins.
    For the peer rules of a model's `visible_to`, which name the roles that see each kind of row."""
    return getattr(grants(user), _ROLE_FIELDS[role])


def roles(user: Any) -> set[str]:
    """The roles `user` holds anywhere (`Role` values); empty for anonymous and inactive users."""
    return grants(user).roles


def sees_team(user: Any, team_id: int) -> bool:
    """Whether `user` works with the team (so sees its name, private rows and report status)."""
    return sees_everything(user) or team_id in grants(user).team


def sees_team_names(user: Any, collaborative: Any) -> bool:
    """Whether `user` sees every team of `collaborative` by name, rather than peers by code: awardee
    leads, the collaborative's admins, and everyone when the collaborative shares names."""
    from collaboratives.models import Collaborative

    g = grants(user)
    return (
        sees_everything(user)
        or collaborative.peer_visibility == Collaborative.PeerVisibility.NAMED
        or collaborative.id in g.admin_collaboratives
        or bool(g.led_awardees)
    )


def fingerprint(user: Any) -> tuple[Any, ...]:
    """Everything that decides what `user` sees, as a hashable value: two users with equal fingerprints
    see the same pages (the page cache keys on it)."""
    from dataclasses import astuple

    return user.pk, sees_everything(user), *(tuple(sorted(ids)) for ids in astuple(grants(user)))


def _compute(user: Any) -> Grants:
    from django.db.models import Q

    from collaboratives.models import LIA, Membership, Role, Team

    by_role: dict[str, set[int]] = {role: set() for role in Role.values}
    own = Membership.objects.unscoped(reason="the user's own memberships decide their scope").filter(
        user=user
    )
    for role, lia_id, awardee_id, collaborative_id, team_id in own.values_list(
        "role", "lia_id", "awardee_id", "collaborative_id", "team_id"
    ):
        by_role[role].add(lia_id or awardee_id or collaborative_id or team_id)

    member_lias = frozenset(by_role[Role.TEAM_MEMBER])
    lead_lias = frozenset(by_role[Role.CQI_LEAD])
    advised = frozenset(by_role[Role.ADVISOR])
    led_awardees = frozenset(by_role[Role.AWARDEE_LEAD])
    admin_collabs = frozenset(by_role[Role.COLLABORATIVE_ADMIN])

    team_filter = (
        Q(lia_id__in=member_lias | lead_lias)
        | Q(id__in=advised)
        | Q(lia__awardee_id__in=led_awardees)
        | Q(collaborative_id__in=admin_collabs)
    )
    teams = list(
        Team.objects.unscoped(reason="computing the user's scope")
        .filter(team_filter)
        .values_list("id", "lia_id", "lia__awardee_id", "collaborative_id")
    )
    team_ids = frozenset(t[0] for t in teams)
    lia_ids = frozenset(t[1] for t in teams) | member_lias | lead_lias
    led_lias = LIA.objects.unscoped(reason="computing the user's scope").filter(awardee_id__in=led_awardees)
    lia_ids |= frozenset(led_lias.values_list("id", flat=True))
    awardee_ids = frozenset(t[2] for t in teams) | led_awardees
    collab_ids = frozenset(t[3] for t in teams) | admin_collabs
    return Grants(
        team=team_ids,
        lia=lia_ids,
        awardee=awardee_ids,
        collaborative=collab_ids,
        member_lias=member_lias,
        lead_lias=lead_lias,
        advised_teams=advised,
        led_awardees=led_awardees,
        admin_collaboratives=admin_collabs,
    )


def can(user: Any, action: Action, obj: Any) -> bool:
    """Whether `user` may take `action` on `obj` (a Team, an LIA, an Awardee or a Collaborative)."""
    from collaboratives.models import LIA, Awardee, Collaborative, Team

    if sees_everything(user):
        return True
    g = grants(user)
    if isinstance(obj, Awardee):
        if action is Action.VIEW:
            return obj.id in g.awardee
        return action in (Action.DECIDE_PHASES, Action.MANAGE_CALENDAR) and obj.id in g.led_awardees
    if isinstance(obj, LIA):
        if action is Action.VIEW:
            return obj.id in g.lia
        return action is Action.MANAGE_ROSTER and obj.id in g.lead_lias
    if isinstance(obj, Collaborative):
        if action is Action.VIEW:
            return obj.id in g.collaborative
        return obj.id in g.admin_collaboratives
    if not isinstance(obj, Team):
        raise TypeError(f"access.can does not know {type(obj).__name__}")
    if obj.id not in g.team:
        return False
    is_lead = obj.lia_id in g.lead_lias
    is_member = obj.lia_id in g.member_lias
    is_admin = obj.collaborative_id in g.admin_collaboratives
    is_advisor = obj.id in g.advised_teams
    match action:
        case Action.VIEW:
            return True
        case Action.ENTER_DATA:
            return is_lead or is_member
        case Action.SUBMIT_MONTH:
            return is_lead or (is_member and obj.collaborative.members_can_submit)
        case Action.REOPEN_MONTH | Action.DECIDE_PHASES:
            return is_lead or is_advisor or is_admin
        case Action.ANNOTATE_CHARTS:
            return is_lead or is_member or is_advisor or is_admin
        case Action.MANAGE_ROSTER | Action.RUN_SURVEY | Action.CHECK_IN | Action.KEEP_STAFF_ROSTER:
            return is_lead
        case Action.REVIEW:
            return is_advisor or is_admin
        case Action.ADMINISTER:
            return is_admin
        case Action.READ_JOY_ROLLUP:
            return is_lead or is_advisor or is_admin or obj.lia.awardee_id in g.led_awardees
    return False


def require(user: Any, action: Action, obj: Any) -> None:
    """Raise PermissionDenied (403) when the user sees `obj` but may not take `action` on it."""
    if not can(user, action, obj):
        raise PermissionDenied(f"You may not {action.value.replace('_', ' ')} here.")


def may_organise_event(user: Any, *, collaborative: Any, awardee: Any = None) -> bool:
    """Whether `user` may schedule or take the attendance of an event: the collaborative's admins, and
    for an event of one awardee, that awardee's lead too."""
    if awardee is not None and can(user, Action.MANAGE_CALENDAR, awardee):
        return True
    return can(user, Action.MANAGE_CALENDAR, collaborative)


def require_organiser(user: Any, *, collaborative: Any, awardee: Any = None) -> None:
    if not may_organise_event(user, collaborative=collaborative, awardee=awardee):
        raise PermissionDenied(
            "Only the collaborative's admins (or, for an awardee's event, its lead) may do this."
        )


def may_decide_phases(user: Any, *, collaborative: Any, team: Any = None, awardee: Any = None) -> bool:
    """Whether `user` may confirm, reject or start the phases of one run chart.

    A team's chart is its CQI lead's, its advisor's and the collaborative admins' call; a state's pooled
    chart (`awardee`) its awardee lead's and the admins'; the collaborative's pooled chart the admins' only.
    """
    if team is not None:
        return can(user, Action.DECIDE_PHASES, team)
    if awardee is not None and can(user, Action.DECIDE_PHASES, awardee):
        return True
    return can(user, Action.DECIDE_PHASES, collaborative)


def require_phase_decider(user: Any, *, collaborative: Any, team: Any = None, awardee: Any = None) -> None:
    """Raise PermissionDenied (403), naming who may decide, when the user may not decide the chart's phases."""
    if may_decide_phases(user, collaborative=collaborative, team=team, awardee=awardee):
        return
    if team is not None:
        deciders = "the team's CQI lead, its advisor or a collaborative admin"
    elif awardee is not None:
        deciders = f"{awardee.name}'s awardee lead or a collaborative admin"
    else:
        deciders = "a collaborative admin"
    raise PermissionDenied(f"Only {deciders} may decide this chart's phases.")


def may_import_data(user: Any, collaborative: Any) -> bool:
    """Whether `user` may enter data for at least one of the collaborative's teams, so may upload a file.

    One query whatever the number of teams: `can` reads the grants cached on the user."""
    from collaboratives.models import Team

    teams = Team.objects.visible_to(user).filter(collaborative=collaborative)
    return any(can(user, Action.ENTER_DATA, team) for team in teams)


def may_edit_closing_plan(user: Any, awardee: Any) -> bool:
    """Only the awardee's own leads write its closing plan: it is their plan to HRSA, in their words."""
    return sees_everything(user) or awardee.id in grants(user).led_awardees


def may_read_closing_plan(user: Any, collaborative: Any, awardee: Any) -> bool:
    """The awardee's leads, and the collaborative's admins (faculty review plans with awardees)."""
    return may_edit_closing_plan(user, awardee) or collaborative.id in grants(user).admin_collaboratives


def may_end_membership(user: Any, membership: Any) -> bool:
    """Whether `user` may end `membership`: an LIA's roster is its CQI lead's; a collaborative's advisors and
    admins are its admins'; anything is site staff's. Nobody ends their own (another must, so no one locks
    a roster or a collaborative out by mistake)."""
    from collaboratives.models import Role

    if membership.user_id == getattr(user, "pk", None):
        return False
    if sees_everything(user):
        return True
    g = grants(user)
    match membership.role:
        case Role.TEAM_MEMBER | Role.CQI_LEAD:
            return membership.lia_id in g.lead_lias
        case Role.ADVISOR:
            return membership.team.collaborative_id in g.admin_collaboratives
        case Role.COLLABORATIVE_ADMIN:
            return membership.collaborative_id in g.admin_collaboratives
    return False


def may_manage_invitation(user: Any, invitation: Any) -> bool:
    """Whether `user` may resend or revoke `invitation`: whoever may send it again (its LIA's CQI lead for a
    roster invitation; the admins of the collaborative it was sent from; site staff)."""
    if sees_everything(user):
        return True
    g = grants(user)
    if invitation.via_id is not None:
        return invitation.via_id in g.admin_collaboratives
    return invitation.lia_id in g.lead_lias


def may_change_note(user: Any, note: Any) -> bool:
    """Whether `user` may edit or delete a chart note: its author, while they may still add such notes."""
    if note.created_by_id != getattr(user, "pk", None):
        return False
    if note.team_id is None:
        return can(user, Action.ADMINISTER, note.collaborative)
    return can(user, Action.ANNOTATE_CHARTS, note.team)
