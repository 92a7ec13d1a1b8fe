import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from collaboratives import access, months
from collaboratives.models import Awardee, ChangeIdea, Collaborative, Role, Team
from collaboratives.selectors import collaborative_list
from measures.charts import ChartNote
from measures.models import Measure
from pdsa.models import PDSAAttachment, PDSACycle, PDSAReview, PDSAReviewMessage


def pdsa_cycle_list(*, user: Any, team: Team | None = None) -> QuerySet[PDSACycle]:
    """The cycles `user` may read: their teams', never a peer team's."""
    qs = PDSACycle.objects.visible_to(user).select_related("team__lia", "team__collaborative", "change_idea")
    return qs.filter(team=team) if team is not None else qs


@dataclass(frozen=True)
class MonthlySubmission:
    """How many of the given teams sent at least one PDSA cycle for review in one month."""

    month: dt.date
    submitting: int
    teams: int

    @property
    def percent(self) -> float | None:
        return 100 * self.submitting / self.teams if self.teams else None


def pdsa_submission_by_month(*, teams: Iterable[Team], months: list[dt.date]) -> list[MonthlySubmission]:
    """Per month, the teams (of those given) that submitted a PDSA cycle for review in that month.

    A team counts as "submitting PDSAs" in a month when it sent at least one cycle for an advisor's
    review then (the collaborative's monthly PDSA submission); the month is in the site's time zone.
    The caller passes teams it already scoped with `visible_to`.
    """
    team_ids = [t.id for t in teams]
    if not months or not team_ids:
        return [MonthlySubmission(month, 0, len(team_ids)) for month in months]
    first = timezone.make_aware(dt.datetime.combine(months[0], dt.time.min))
    submitted: dict[dt.date, set[int]] = defaultdict(set)
    for team_id, requested_at in (
        PDSAReview.objects.unscoped(reason="counts for teams the caller scoped")
        .filter(team_id__in=team_ids, requested_at__gte=first)
        .values_list("team_id", "requested_at")
    ):
        submitted[timezone.localtime(requested_at).date().replace(day=1)].add(team_id)
    return [MonthlySubmission(month, len(submitted[month]), len(team_ids)) for month in months]


def pdsa_review_list(*, user: Any, cycle: PDSACycle) -> QuerySet[PDSAReview]:
    """A cycle's submissions and reviews, oldest first: its review history."""
    return (
        PDSAReview.objects.visible_to(user)
        .filter(cycle=cycle)
        .select_related("requested_by", "reviewer")
        .prefetch_related(
            Prefetch(
                "messages",
                queryset=PDSAReviewMessage.objects.visible_to(user).select_related("author"),
                to_attr="thread",
            )
        )
    )


def pdsa_review_queue(*, user: Any) -> QuerySet[PDSAReview]:
    """Waiting reviews that `user` may give: their advised teams', and every team's in collaboratives they
    administer. Oldest request first; the view groups them per team."""
    qs = PDSAReview.objects.visible_to(user).filter(reviewed_at=None)
    if not access.sees_everything(user):
        qs = qs.filter(
            Q(team_id__in_set=access.ids_with_role(user, Role.ADVISOR))
            | Q(team__collaborative_id__in_set=access.ids_with_role(user, Role.COLLABORATIVE_ADMIN))
        )
    return qs.select_related(
        "cycle__change_idea", "team__lia", "team__collaborative", "requested_by"
    ).order_by("requested_at", "id")


@dataclass(frozen=True)
class LedgerRow:
    """One change idea's testing across teams: teams that tested it, cycles, and act decisions."""

    driver: str
    change_idea: str
    public_id: Any
    teams: int
    cycles: int
    adopt: int
    adapt: int
    abandon: int


def _ledger_row(driver: str, change_idea: str, public_id: Any, counts: dict[str, Any]) -> LedgerRow:
    return LedgerRow(
        driver,
        change_idea,
        public_id,
        teams=counts["n_teams"],
        cycles=counts["n_cycles"],
        adopt=counts["n_adopt"],
        adapt=counts["n_adapt"],
        abandon=counts["n_abandon"],
    )


def _ledger_counts(prefix: str, cycles: Q) -> dict[str, Any]:
    done = Q(**{f"{prefix}status": PDSACycle.Status.DONE})
    return {
        "n_teams": Count(f"{prefix}team", filter=cycles, distinct=True),
        "n_cycles": Count(f"{prefix}id", filter=cycles, distinct=True),
        **{
            f"n_{decision}": Count(
                f"{prefix}id", filter=cycles & done & Q(**{f"{prefix}decision": decision}), distinct=True
            )
            for decision in PDSACycle.Decision.values
        },
    }


def change_idea_ledger(
    *, user: Any, collaborative: Collaborative, awardee: Awardee | None = None
) -> list[LedgerRow]:
    """Per change idea of the collaborative's diagram (in diagram order), how many teams tested it, in how
    many cycles, and how many finished cycles adopted, adapted or abandoned it; then one row for changes
    outside the diagram. Counts only, never PDSA text, so anyone who sees the collaborative may read them.
    `awardee` limits the count to that awardee's teams."""
    cycles = Q(pdsa_cycles__team__collaborative=collaborative)
    if awardee is not None:
        cycles &= Q(pdsa_cycles__team__lia__awardee=awardee)
    counts = _ledger_counts("pdsa_cycles__", cycles)
    ideas = (
        ChangeIdea.objects.visible_to(user)
        .filter(collaborative=collaborative)
        .annotate(**counts)
        .order_by(
            Coalesce("driver__aim__order", "driver__parent__aim__order"),
            Coalesce("driver__parent__order", "driver__order"),
            "driver__order",
            "order",
            "id",
        )
        .values("driver__text", "text", "public_id", *counts)
    )
    rows = [_ledger_row(idea["driver__text"], idea["text"], idea["public_id"], idea) for idea in ideas]
    # Counts across every team of a collaborative the user sees (never text): the ledger's purpose.
    others = PDSACycle.objects.unscoped(reason="ledger counts across the visible collaborative").filter(
        team__collaborative=collaborative,
        team__collaborative__in=collaborative_list(user=user),
        change_idea=None,
    )
    if awardee is not None:
        others = others.filter(team__lia__awardee=awardee)
    other = others.aggregate(**_ledger_counts("", Q()))
    if other["n_cycles"]:
        rows.append(_ledger_row("", "Other changes (not in the diagram)", None, other))
    return rows


def change_idea_counts(*, user: Any, collaborative: Collaborative) -> dict[int, LedgerRow]:
    """The ledger keyed by change idea id, for the key driver diagram."""
    ids = dict(
        ChangeIdea.objects.visible_to(user).filter(collaborative=collaborative).values_list("public_id", "id")
    )
    return {
        ids[row.public_id]: row
        for row in change_idea_ledger(user=user, collaborative=collaborative)
        if row.public_id
    }


def pdsa_submission_months(
    *, collaborative: Collaborative, awardee: Awardee | None = None, today: dt.date, n: int = 12
) -> list[MonthlySubmission]:
    """The last `n` months (to `today`'s) of "N and % of teams submitting PDSAs", over the collaborative's
    active teams (or one awardee's). The caller got `collaborative` through `visible_to`."""
    teams = collaborative.teams.filter(withdrawn_on=None)
    if awardee is not None:
        teams = teams.filter(lia__awardee=awardee)
    return pdsa_submission_by_month(teams=list(teams), months=months.last_n(today, n))


def pdsa_chart_notes(*, user: Any, team: Team, measure: Measure) -> list[ChartNote]:
    """Markers for a team's run chart of `measure`: the month each linked cycle started (or was logged),
    labelled with its title. Only cycles `user` may read, so a peer's view of the chart shows none."""
    cycles = pdsa_cycle_list(user=user, team=team).filter(measures=measure).order_by("created_at", "id")
    return [
        ChartNote(
            (c.started_on or timezone.localtime(c.created_at).date()).replace(day=1),
            f"PDSA: {c.title}",
            reverse("pdsa-cycle-detail", args=[c.public_id]),
        )
        for c in cycles
    ]


def pdsa_cycle_counts(*, user: Any, teams: list[Team]) -> dict[int, dict[str, int]]:
    """Per team id, the number of its cycles (that `user` may read) in each status."""
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    rows = (
        PDSACycle.objects.visible_to(user)
        .filter(team__in=teams)
        .values_list("team_id", "status")
        .annotate(n=Count("id"))
        .order_by()
    )
    for team_id, status, n in rows:
        counts[team_id][status] = n
    return dict(counts)


def pdsa_attachment_list(*, user: Any, cycle: PDSACycle) -> QuerySet[PDSAAttachment]:
    """A cycle's attachments without their content (listing them must not load the files)."""
    return (
        PDSAAttachment.objects.visible_to(user)
        .filter(cycle=cycle)
        .defer("content")
        .select_related("uploaded_by")
    )
