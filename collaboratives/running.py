"""Running a collaborative in the app, without the Django admin: enrolment, advisors, memberships, invitations.

Services (writes) and selectors (reads) for the collaborative's management page. Its admins and site staff
use them; every permission is a named action or rule in `collaboratives/access.py`.
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet

from collaboratives import access, enrolment, months
from collaboratives.models import LIA, Collaborative, Invitation, Membership, Role, Team


@transaction.atomic
def team_enrol(*, actor: Any, collaborative: Collaborative, lia: LIA, code: str, joined_on: dt.date) -> Team:
    """Enrol an LIA in the collaborative as a team; an LIA that withdrew is enrolled again (same team, same
    data), with its new join date."""
    access.require(actor, access.Action.ENROL_TEAMS, collaborative)
    code = code.strip().upper()
    errors: dict[str, str] = {}
    if not code:
        errors["code"] = "Enter the team's code, e.g. T07."
    if not collaborative.start_date <= joined_on <= collaborative.end_date:
        errors["joined_on"] = (
            f"Choose a date within the collaborative ({collaborative.start_date:%B %Y} to "
            f"{collaborative.end_date:%B %Y})."
        )
    teams = Team.objects.unscoped(reason="the actor administers this collaborative's enrolment")
    existing = teams.filter(collaborative=collaborative, lia=lia).first()
    if existing is not None and existing.is_active:
        errors["lia"] = f"{lia.name} is already enrolled."
    clash = teams.filter(collaborative=collaborative, code__iexact=code)
    if code and clash.exclude(lia=lia).exists():
        errors["code"] = f"Another team of {collaborative.short_name} has the code {code}."
    if errors:
        raise ValidationError(errors)
    team = existing or Team(collaborative=collaborative, lia=lia)
    team.code, team.joined_on, team.withdrawn_on = code, joined_on, None
    team.full_clean()
    team.save()
    return team


@transaction.atomic
def team_withdraw(*, actor: Any, team: Team, withdrawn_on: dt.date) -> Team:
    """Record that a team left the collaborative; its data and cycles stay."""
    access.require(actor, access.Action.ENROL_TEAMS, team.collaborative)
    if not team.is_active:
        raise ValidationError({"team": f"{team.lia.name} has already withdrawn."})
    if months.first_of(withdrawn_on) < enrolment.first_month(team):
        raise ValidationError({"withdrawn_on": "A team cannot withdraw before the month it joined."})
    team.withdrawn_on = withdrawn_on
    team.full_clean()
    team.save(update_fields=["withdrawn_on"])
    return team


@transaction.atomic
def advisor_assign(*, actor: Any, team: Team, advisor: Any) -> Membership:
    """Make `advisor` an improvement advisor of `team`; assigning twice keeps the one assignment."""
    access.require(actor, access.Action.ASSIGN_ADVISORS, team.collaborative)
    if not advisor.is_active:
        raise ValidationError({"advisor": "That account is not active."})
    membership, _ = Membership.objects.unscoped(
        reason="the actor assigns this team's advisors"
    ).get_or_create(user=advisor, role=Role.ADVISOR, team=team)
    access.forget(advisor)
    return membership


@transaction.atomic
def membership_end(*, actor: Any, membership: Membership) -> None:
    """End one person's role in one scope: they lose what it gave them from their next request on."""
    if not access.may_end_membership(actor, membership):
        raise PermissionDenied("You may not end this membership.")
    Membership.objects.unscoped(reason="access.may_end_membership allowed it").filter(
        id=membership.id
    ).delete()


# --- Reads ---


@dataclass(frozen=True)
class Person:
    """One membership as the management page lists it, with whether the viewer may end it."""

    membership: Membership
    may_end: bool


def collaborative_people(*, user: Any, collaborative: Collaborative) -> list[Person]:
    """Everyone who holds a role in the collaborative: its admins, its teams' advisors, the rosters of its
    enrolled LIAs and the leads of their awardees, by role then name. Only for its admins and site staff."""
    access.require(user, access.Action.INVITE_PEOPLE, collaborative)
    lias = Team.objects.unscoped(reason="the collaborative's admin").filter(collaborative=collaborative)
    memberships = (
        Membership.objects.unscoped(reason="the collaborative's admin lists its people")
        .filter(
            Q(collaborative=collaborative)
            | Q(team__collaborative=collaborative)
            | Q(lia__in=lias.values("lia"))
            | Q(awardee__in=lias.values("lia__awardee"))
        )
        .select_related("user", "lia", "awardee", "collaborative", "team__lia", "team__collaborative")
        .order_by("role", "user__last_name", "user__first_name", "user__email")
    )
    return [Person(m, access.may_end_membership(user, m)) for m in memberships]


def membership_manageable_list(*, user: Any) -> QuerySet[Membership]:
    """Memberships a person looks after: their LIA's roster (a CQI lead) and everyone with a role in a
    collaborative they administer; all of them for site staff. Which of these they may end is
    `access.may_end_membership`."""
    memberships = Membership.objects.unscoped(reason="narrowed below to what the user looks after")
    if access.sees_everything(user):
        return memberships.select_related("user")
    admin = access.ids_with_role(user, Role.COLLABORATIVE_ADMIN)
    return (
        memberships.filter(
            Q(lia__in_set=access.ids_with_role(user, Role.CQI_LEAD))
            | Q(collaborative__in_set=admin)
            | Q(team__collaborative__in_set=admin)
            | Q(lia__teams__collaborative__in_set=admin)
            | Q(awardee__lias__teams__collaborative__in_set=admin)
        )
        .distinct()
        .select_related("user", "lia", "awardee", "collaborative", "team__lia", "team__collaborative")
    )


def invitation_pending_list(*, user: Any, collaborative: Collaborative | None = None) -> QuerySet[Invitation]:
    """Invitations not yet accepted or revoked (expired ones included, to resend), oldest first."""
    qs = Invitation.objects.visible_to(user).filter(accepted_at=None, revoked_at=None)
    if collaborative is not None:
        qs = qs.filter(via=collaborative)
    return qs.select_related("lia", "awardee", "collaborative", "team__lia", "team__collaborative").order_by(
        "created_at", "id"
    )


def lia_enrolment_choices(*, user: Any, collaborative: Collaborative) -> QuerySet[LIA]:
    """LIAs an admin may enrol: any LIA not enrolled now (names of agencies are not private)."""
    access.require(user, access.Action.ENROL_TEAMS, collaborative)
    enrolled = Team.objects.unscoped(reason="the collaborative's admin").filter(
        collaborative=collaborative, withdrawn_on=None
    )
    return (
        LIA.objects.unscoped(reason="an admin enrols any LIA in their collaborative")
        .exclude(id__in=enrolled.values("lia"))
        .select_related("awardee")
        .order_by("awardee__name", "name")
    )


def advisor_choices(*, user: Any, collaborative: Collaborative) -> QuerySet[Any]:
    """People who already advise a team of this collaborative (others are invited as advisors)."""
    access.require(user, access.Action.ASSIGN_ADVISORS, collaborative)
    advisors = Membership.objects.unscoped(reason="the collaborative's admin").filter(
        role=Role.ADVISOR, team__collaborative=collaborative
    )
    return (
        get_user_model()
        .objects.filter(is_active=True, id__in=advisors.values("user"))
        .order_by("first_name", "last_name", "email")
    )


def membership_own_list(*, user: Any) -> QuerySet[Membership]:
    """A person's own roles, for their profile page."""
    return (
        Membership.objects.unscoped(reason="a person's own memberships")
        .filter(user=user)
        .select_related("lia", "awardee", "collaborative", "team__lia", "team__collaborative")
        .order_by("role", "id")
    )
