import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from collaboratives.models import Team
from pdsa.models import PDSACycle, PDSAReview


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
    for team_id, requested_at in PDSAReview.objects.filter(
        team_id__in=team_ids, requested_at__gte=first
    ).values_list("team_id", "requested_at"):
        submitted[timezone.localtime(requested_at).date().replace(day=1)].add(team_id)
    return [MonthlySubmission(month, len(submitted[month]), len(team_ids)) for month in months]
