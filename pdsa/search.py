"""Search across what a person may see: teams, measures, PDSA cycles, change ideas and chart notes, in one list.

It lives in `pdsa`, the app that may import all the others it searches (imports flow pdsa → measures →
collaboratives). Every kind is read through its model's `visible_to(user)`, so a result never shows
what its page would refuse: another LIA's cycle text, a team a member only sees under a code.
"""

from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.urls import reverse

from collaboratives.models import ChangeIdea, Team
from measures.models import ChartAnnotation, Measure
from pdsa.models import PDSACycle

MIN_QUERY = 2
PER_KIND = 20  # at most this many results of each kind


@dataclass(frozen=True)
class Hit:
    """One search result: what it is, its name, where it belongs, and the page that shows it."""

    kind: str
    title: str
    context: str
    url: str


def _contains(query: str, *fields: str) -> Q:
    condition = Q()
    for field in fields:
        condition |= Q(**{f"{field}__icontains": query})
    return condition


def search(*, user: Any, query: str) -> list[Hit]:
    """Everything `user` may see whose name or text contains `query` (case-insensitive), grouped by kind in
    the order teams, measures, PDSA cycles, change ideas, notes; empty for a query under two characters."""
    query = query.strip()
    if len(query) < MIN_QUERY:
        return []
    hits: list[Hit] = []
    teams = (
        Team.objects.visible_to(user)
        .filter(_contains(query, "lia__name", "lia__city", "code"))
        .select_related("lia__awardee", "collaborative")
        .order_by("lia__name")
    )
    hits += [
        Hit(
            "Team",
            t.lia.name,
            f"{t.collaborative.short_name} · {t.lia.awardee.name}",
            reverse("team-detail", args=[t.public_id]),
        )
        for t in teams[:PER_KIND]
    ]
    measures = (
        Measure.objects.visible_to(user)
        .filter(_contains(query, "name", "code", "numerator_definition"))
        .select_related("collaborative")
        .order_by("collaborative__short_name", "name")
    )
    hits += [
        Hit(
            "Measure",
            m.name,
            m.collaborative.short_name,
            reverse("measure-teams", args=[m.collaborative.public_id, m.public_id]),
        )
        for m in measures[:PER_KIND]
    ]
    text_fields = (
        "title",
        "other_change_idea",
        "objective",
        "question",
        "prediction",
        "learned",
        "next_step",
    )
    cycles = (
        PDSACycle.objects.visible_to(user)
        .filter(_contains(query, *text_fields))
        .select_related("team__lia")
        .order_by("-updated_at")
    )
    hits += [
        Hit(
            "PDSA cycle",
            c.title,
            f"{c.team.lia.name} · {c.get_status_display()}",
            reverse("pdsa-cycle-detail", args=[c.public_id]),
        )
        for c in cycles[:PER_KIND]
    ]
    ideas = (
        ChangeIdea.objects.visible_to(user)
        .filter(_contains(query, "text"))
        .select_related("collaborative", "driver")
        .order_by("collaborative__short_name", "order")
    )
    hits += [
        Hit(
            "Change idea",
            i.text,
            f"{i.collaborative.short_name} · {i.driver.text}",
            reverse("kdd-detail", args=[i.collaborative.public_id]),
        )
        for i in ideas[:PER_KIND]
    ]
    notes = (
        ChartAnnotation.objects.visible_to(user)
        .filter(_contains(query, "text"))
        .select_related("collaborative", "team__lia")
        .order_by("-month")
    )
    hits += [
        Hit(
            "Chart note",
            n.text,
            f"{n.team.lia.name if n.team else n.collaborative.short_name} · {n.month:%B %Y}",
            reverse("team-detail", args=[n.team.public_id])
            if n.team
            else reverse("collaborative-dashboard", args=[n.collaborative.public_id]),
        )
        for n in notes[:PER_KIND]
    ]
    return hits
