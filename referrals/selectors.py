"""Reads of the referral network; each starts from `visible_to(user)` except the public status lookup."""

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from typing import Any, Literal

import orjson
from django.db.models import BooleanField, Count, ExpressionWrapper, Q, QuerySet, Sum, TextField
from django.db.models.functions import Cast
from django.utils import timezone

from collaboratives import months
from measures import medians
from referrals.models import (
    CLOSED,
    PERSONAL_FIELDS,
    FhirCreate,
    Network,
    NetworkMembership,
    NetworkRole,
    Program,
    Referral,
    Status,
)
from referrals.summary import median as summary_median

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


def fhir_create_earlier(*, user: Any, key: str) -> FhirCreate | None:
    """The user's earlier FHIR create with this Idempotency-Key, if any."""
    return FhirCreate.objects.visible_to(user).filter(user=user, key=key).select_related("referral").first()


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


# What a queue row shows (referrals/templatetags/referrals_tags.py `queue_rows`), and no more.
QUEUE_COLUMNS = (
    "public_id", "reference_code", "created_at", "source", "status", "outcome", "sent_at",
    "duplicate_of_id", "duplicate_enrolled", "program__name", "source_organization__name",
)  # fmt: skip


def hub_queue(*, user: Any, network: Network, now: dt.datetime | None = None) -> QuerySet[Referral]:
    """The hub's open referrals (newest page first within each group): stale first, then not yet sent,
    then waiting at a program. Annotated `is_stale`; at most QUEUE_PAGE rows, with only the columns a
    row shows (no personal field)."""
    now = now or timezone.now()
    return (
        Referral.objects.visible_to(user)
        .filter(network=network, status__in=OPEN)
        .select_related("program", "source_organization")
        .only(*QUEUE_COLUMNS)
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
        .filter(
            network=network, program__organization__in=access.ids_with_role(user, NetworkRole.PROGRAM_STAFF)
        )
        .annotate(closed=ExpressionWrapper(Q(status__in=CLOSED), output_field=BooleanField()))
        .order_by("closed", "-sent_at")[:QUEUE_PAGE]
    )


def partner_referral_list(*, user: Any, network: Network) -> QuerySet[Referral]:
    """Referrals the user's organisation made: status only (the page shows no personal field)."""
    from referrals import access

    return (
        referral_rows(user=user)
        .filter(network=network, source_organization__in=access.ids_with_role(user, NetworkRole.PARTNER))
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
    contacted_7d: int
    enrolled_30d: int


_STEPS = ("referred", "eligible", "sent", "contacted", "enrolled", "contacted_7d", "enrolled_30d")


def _summed(label: str, rows: list[dict[str, Any]]) -> FunnelRow:
    return FunnelRow(label, *(sum(r[step] for r in rows) for step in _STEPS))


@dataclass(frozen=True)
class Dashboard:
    since: dt.date  # the first month of the funnel
    median_since: dt.date  # the first month of the medians
    funnel: dict[str, list[FunnelRow]]
    capacity: list[tuple[Program, int, float | None]]  # program, waiting or in progress, median days


def network_dashboard(*, user: Any, network: Network, today: dt.date) -> Dashboard:
    """The network dashboard, from the monthly summary (`ReferralMonth`, referrals/summary.py) alone,
    so its cost does not grow with the number of referrals: three queries.

    - The funnel (referred → eligible → sent → contacted → enrolled) of the referrals received in the
      12 calendar months ending with `today`'s, for the network, by source and by the program last
      sent to: sums of the summary rows of those months.
    - Each program's capacity, open slots and referrals waiting or in progress (sent, not declined,
      not closed; whenever received).
    - Each program's exact median whole days from being sent to the first contact attempt, over the
      referrals received in the last 3 calendar months that it has contacted.
    """
    from referrals.models import ReferralMonth, Source

    this_month = months.first_of(today)
    since, median_since = months.add(this_month, -11), months.add(this_month, -2)
    summary = ReferralMonth.objects.visible_to(user).filter(network=network)
    cells = list(
        summary.filter(month__gte=since).values("source", "program", "month", "contact_days", *_STEPS)
    )
    waiting = dict(
        summary.filter(program__isnull=False, waiting__gt=0)
        .values_list("program")
        .annotate(n=Sum("waiting"))
        .order_by()
    )
    programs = list(
        Program.objects.visible_to(user)
        .filter(network=network)
        .select_related("organization")
        .order_by("name")
    )
    names = {p.id: p.name for p in programs}
    sources = sorted({c["source"] for c in cells})
    sent_to = sorted({c["program"] for c in cells}, key=lambda p: (p is None, names.get(p, "")))
    recent = [c for c in cells if c["month"] >= median_since]
    return Dashboard(
        since=since,
        median_since=median_since,
        funnel={
            "total": [_summed("All referrals", cells)],
            "source": [_summed(Source(s).label, [c for c in cells if c["source"] == s]) for s in sources],
            "program": [
                _summed(names.get(p, "Not sent yet"), [c for c in cells if c["program"] == p])
                for p in sent_to
            ],
        },
        capacity=[
            (
                p,
                waiting.get(p.id, 0),
                summary_median(c["contact_days"] for c in recent if c["program"] == p.id),
            )
            for p in programs
        ],
    )


@dataclass(frozen=True)
class IntakeSeries:
    """One of the four intake figures month by month, by the month referrals were sent: the cohort
    and definitions of the CQI intake measures (referrals/intake_measures.py), over every program.
    A month is in it only once its window has closed for every referral sent in it."""

    code: str
    name: str
    kind: Literal["count", "proportion", "median"]  # as Measure.Kind names them
    direction: Literal["up", "down"]  # the better way
    months: tuple[dt.date, ...]
    values: tuple[tuple[int, int] | None, ...]  # exact (numerator, denominator); None: nothing to show
    cases: tuple[int, ...] | None = None  # a median's number of cases each month


# code, name, kind, direction, days after the month ends until its window has closed for everyone
INTAKE_SERIES: tuple[
    tuple[str, str, Literal["count", "proportion", "median"], Literal["up", "down"], int], ...
] = (
    ("intake-received", "Referrals sent", "count", "up", 0),
    ("intake-contact-7d", "Families contacted within 7 days of referral", "proportion", "up", 7),
    ("intake-enrol-30d", "Families enrolled within 30 days of referral", "proportion", "up", 30),
    ("intake-days-to-contact", "Median days to first contact", "median", "down", 30),
)
# Two years: a run chart's baseline of 12 months and a year to judge against it.
INTAKE_MONTHS = 24


def network_intake_series(
    *, user: Any, network: Network, today: dt.date, program: Program | None = None
) -> list[IntakeSeries]:
    """The network's (or one program's) intake figures for the sent months of the last two years, from
    the monthly summary alone (one query whatever the number of referrals). Months before the first
    referral was sent are left out; a month's figure appears once its window has closed: the count when
    the month has ended, contact within 7 days a week later, enrolment within 30 days and the median
    days to first contact 30 days later, so no referral still within its window counts as a failure."""
    from referrals.models import ReferralMonth

    this_month = months.first_of(today)
    rows = ReferralMonth.objects.visible_to(user).filter(
        network=network, sent_month__gte=months.add(this_month, -INTAKE_MONTHS), sent_month__lt=this_month
    )
    if program is not None:
        rows = rows.filter(program=program)
    totals: dict[dt.date, list[int]] = {}
    days: dict[dt.date, Counter[int]] = {}
    # The histograms as text, parsed with orjson: Django's JSON decoding was most of this read's time.
    histogram = Cast("contact_days", TextField())
    for sent_month, sent, contacted_7d, enrolled_30d, contact_days in rows.values_list(
        "sent_month", "sent", "contacted_7d", "enrolled_30d", histogram
    ):
        figures = totals.setdefault(sent_month, [0, 0, 0])
        figures[0] += sent
        figures[1] += contacted_7d
        figures[2] += enrolled_30d
        month_days = days.setdefault(sent_month, Counter())
        for day, n in orjson.loads(contact_days).items():
            month_days[int(day)] += n
    if not totals:
        return []
    span = months.span(min(totals), months.add(this_month, -1))
    out = []
    for code, name, kind, direction, window in INTAKE_SERIES:
        closed = [m for m in span if today >= months.add(m, 1) + dt.timedelta(days=window)]
        values: list[tuple[int, int] | None] = []
        cases: list[int] = []
        for month in closed:
            sent, contacted_7d, enrolled_30d = totals.get(month, [0, 0, 0])
            if kind == "median":
                together = days.get(month)
                values.append(medians.median_pair(together))
                cases.append(medians.size(together))
            elif kind == "count":
                values.append((sent, 1))
            else:
                values.append(
                    (contacted_7d if code == "intake-contact-7d" else enrolled_30d, sent) if sent else None
                )
        cases_or_none = tuple(cases) if kind == "median" else None
        out.append(IntakeSeries(code, name, kind, direction, tuple(closed), tuple(values), cases_or_none))
    return out
