from typing import Any

from django.db.models import QuerySet

from collaboratives.models import LIA, ApiToken, Awardee, Collaborative, Membership, Team


def team_list(*, user: Any, collaborative: Collaborative | None = None) -> QuerySet[Team]:
    qs = Team.objects.visible_to(user).select_related("lia__awardee", "collaborative")
    return qs.filter(collaborative=collaborative) if collaborative else qs


def collaborative_list(*, user: Any) -> QuerySet[Collaborative]:
    return Collaborative.objects.visible_to(user)


def lia_list(*, user: Any) -> QuerySet[LIA]:
    return LIA.objects.visible_to(user).select_related("awardee")


def awardee_list(*, user: Any) -> QuerySet[Awardee]:
    return Awardee.objects.visible_to(user)


def roster_list(*, user: Any, lia: LIA) -> QuerySet[Membership]:
    """The people on an LIA's roster (team members and CQI leads), by name."""
    return (
        Membership.objects.visible_to(user)
        .filter(lia=lia)
        .select_related("user")
        .order_by("user__first_name", "user__last_name", "user__email")
    )


def api_token_list(*, user: Any) -> QuerySet[ApiToken]:
    """The user's own API tokens, newest first (revoked and expired ones included, to show what happened)."""
    return ApiToken.objects.visible_to(user).order_by("-created_at", "-id")
