from typing import Any

from django.db.models import QuerySet

from collaboratives.models import (
    LIA,
    Aim,
    ApiToken,
    Awardee,
    ChangeIdea,
    Collaborative,
    Driver,
    Membership,
    Team,
)


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


# --- Key driver diagram (issue 6) ---


def kdd_tree(*, user: Any, collaborative: Collaborative) -> list[Aim]:
    """The collaborative's aims, each with `primary` drivers, each with `secondary` drivers; every driver has
    `ideas`. Four queries, whatever the diagram's size."""
    aims = list(Aim.objects.visible_to(user).filter(collaborative=collaborative))
    drivers = list(Driver.objects.visible_to(user).filter(collaborative=collaborative))
    ideas = ChangeIdea.objects.visible_to(user).filter(collaborative=collaborative)
    by_driver: dict[int, list[ChangeIdea]] = {}
    for idea in ideas:
        by_driver.setdefault(idea.driver_id, []).append(idea)
    for driver in drivers:
        driver.ideas = by_driver.get(driver.id, [])
        driver.secondary = [d for d in drivers if d.parent_id == driver.id]
    for aim in aims:
        aim.primary = [d for d in drivers if d.aim_id == aim.id]
    return aims
