"""Reads of the referral network; each starts from `visible_to(user)` except the public status lookup."""

import datetime as dt
import statistics
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import (
    Aggregate,
    BooleanField,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    FloatField,
    Q,
    QuerySet,
)
from django.utils import timezone

from referrals.models import (
    CLOSED,
    PERSONAL_FIELDS,
    Network,
    NetworkMembership,
    Outcome,
    Program,
    Referral,
    Status,
)

QUEUE_PAGE = 100
SENT_OPEN = [Status.REQUESTED, Status.RECEIVED, Status.ACCEPTED]
# Listed, not excluded: `status IN (...)` uses the (network, status, created_at) index.
OPEN = [s for s in Status.values if s not in CLOSED]


def network_list(*, user: Any) -> QuerySet[Network]:
    return Network.objects.visible_to(user).order_by("name")


def membership_list(*, user: Any) -> QuerySet[NetworkMembership]:
    """The user's own roles, with their network and organisation."""
    return (
        NetworkMembership.objects.visible_to(user)
        .filter(user=user)
        .select_related("network", "organization")
        .order_by("network__name", "role")
    )


def program_list(*, user: Any, network: Network) -> QuerySet[Program]:
    return (
        Program.objects.visible_to(user)
        .filter(network=network)
        .select_related("organization")
        .prefetch_related("rules", "locations")
        .order_by("name")
    )


def referral_list(*, user: Any) -> QuerySet[Referral]:
    return Referral.objects.visible_to(user).select_related("program__organization", "source_organization")


def referral_rows(*, user: Any) -> QuerySet[Referral]:
    """For lists: personal fields are neither loaded nor decrypted (a list shows none of them)."""
    return referral_list(user=user).defer(*PERSONAL_FIELDS)


def _stale(network: Network, now: dt.datetime) -> Q:
    return Q(
        status__in=SENT_OPEN,
        program__isnull=False,
        first_contact_at=None,
        sent_at__lt=now - dt.timedelta(days=network.stale_after_days),
    )


def hub_queue(*, user: Any, network: Network, now: dt.datetime | None = None) -> QuerySet[Referral]:
    """The hub's open referrals (newest page first within each group): stale first, then not yet sent,
    then waiting at a program. Annotated `is_stale`; at most QUEUE_PAGE rows."""
    now = now or timezone.now()
    return (
        referral_rows(user=user)
        .filter(network=network, status__in=OPEN)
        .annotate(is_stale=ExpressionWrapper(_stale(network, now), output_field=BooleanField()))
        .order_by("-is_stale", "sent_at", "created_at")[:QUEUE_PAGE]
    )


def queue_counts(*, user: Any, network: Network, now: dt.datetime | None = None) -> dict[str, int]:
    now = now or timezone.now()
    rows = Referral.objects.visible_to(user).filter(network=network, status__in=OPEN)
    return rows.aggregate(
        open=Count("id"),
        to_send=Count("id", filter=Q(program__isnull=True) | Q(status=Status.REJECTED)),
        stale=Count("id", filter=_stale(network, now)),
        duplicates=Count("id", filter=Q(duplicate_of__isnull=False)),
    )


def program_intake_list(*, user: Any, network: Network) -> QuerySet[Referral]:
    """Referrals sent to the user's organisations' programs: open ones first, newest first."""
    from referrals import access

    return (
        referral_rows(user=user)
        .filter(network=network, program__organization__in=access.grants(user).program_orgs)
        .annotate(closed=ExpressionWrapper(Q(status__in=CLOSED), output_field=BooleanField()))
        .order_by("closed", "-sent_at")[:QUEUE_PAGE]
    )


def partner_referral_list(*, user: Any, network: Network) -> QuerySet[Referral]:
    """Referrals the user's organisation made: status only (the page shows no personal field)."""
    from referrals import access

    return (
        referral_rows(user=user)
        .filter(network=network, source_organization__in=access.grants(user).partner_orgs)
        .order_by("-created_at")[:QUEUE_PAGE]
    )


def referral_by_code(code: str) -> Referral | None:
    """The public status page's lookup: a family knows only its reference code (about 59 random bits)."""
    return (
        Referral.objects.unscoped(reason="public status by reference code; shows no personal data")
        .only("status", "outcome", "program_id", "sent_at", "created_at", "reference_code")
        .filter(reference_code=code)
        .first()
    )


@dataclass(frozen=True)
class FunnelRow:
    label: str
    referred: int
    eligible: int
    sent: int
    contacted: int
    enrolled: int


_FUNNEL = {
    "referred": Count("id"),
    "eligible": Count("id", filter=~Q(presented_programs=[])),
    "sent": Count("id", filter=Q(sent_at__isnull=False)),
    "contacted": Count("id", filter=Q(first_contact_at__isnull=False)),
    "enrolled": Count("id", filter=Q(outcome=Outcome.ENROLLED)),
}
_STEPS = tuple(_FUNNEL)


def _summed(label: str, rows: list[dict[str, Any]]) -> FunnelRow:
    return FunnelRow(label, *(sum(r[step] for r in rows) for step in _STEPS))


def network_funnel(*, user: Any, network: Network, since: dt.datetime) -> dict[str, list[FunnelRow]]:
    """Referred → eligible → sent → contacted → enrolled for referrals created since `since`: for the
    network, by source and by the program last sent to. One pass over the referrals, grouped by
    (source, program); the three views are sums of its at most sources × (programs + 1) rows."""
    from referrals.models import Source

    cells = list(
        Referral.objects.visible_to(user)
        .filter(network=network, created_at__gte=since)
        .values("source", "program")
        .annotate(**_FUNNEL)
        .order_by()
    )
    names = dict(Program.objects.visible_to(user).filter(network=network).values_list("id", "name"))
    sources = sorted({c["source"] for c in cells})
    programs = sorted({c["program"] for c in cells}, key=lambda p: (p is None, names.get(p, "")))
    return {
        "total": [_summed("All referrals", cells)],
        "source": [_summed(Source(s).label, [c for c in cells if c["source"] == s]) for s in sources],
        "program": [
            _summed(names.get(p, "Not sent yet"), [c for c in cells if c["program"] == p]) for p in programs
        ],
    }


def program_capacity(*, user: Any, network: Network) -> list[tuple[Program, int]]:
    """Each program with its referrals waiting or in progress (sent, not yet closed); two queries."""
    waiting = dict(
        Referral.objects.visible_to(user)
        .filter(network=network, status__in=[*SENT_OPEN, Status.IN_PROGRESS], program__isnull=False)
        .values_list("program")
        .annotate(n=Count("id"))
        .order_by()
    )
    programs = Program.objects.visible_to(user).filter(network=network).select_related("organization")
    return [(p, waiting.get(p.id, 0)) for p in programs.order_by("name")]


class _Median(Aggregate):
    """PostgreSQL's exact median (percentile_cont 0.5) of an interval in days."""

    function = "PERCENTILE_CONT"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM %(expressions)s) / 86400)"
    output_field = FloatField()


def median_days_to_first_contact(*, user: Any, network: Network, since: dt.datetime) -> dict[int, float]:
    """Per program: the median days from being sent to the first contact attempt, over referrals sent
    since `since` that have been contacted (not yet contacted ones have no value yet). One query; the
    median is computed by PostgreSQL, or in Python on SQLite (development)."""
    rows = Referral.objects.visible_to(user).filter(
        network=network, sent_at__gte=since, first_contact_at__isnull=False
    )
    if connection.vendor == "postgresql":
        gap = ExpressionWrapper(F("first_contact_at") - F("sent_at"), output_field=DurationField())
        medians = rows.values_list("program").annotate(m=_Median(gap)).order_by()
        return {pid: round(m, 1) for pid, m in medians}
    days: dict[int, list[float]] = {}
    for program_id, sent, contacted in rows.values_list("program_id", "sent_at", "first_contact_at"):
        days.setdefault(program_id, []).append((contacted - sent).total_seconds() / 86400)
    return {pid: round(statistics.median(values), 1) for pid, values in days.items()}
