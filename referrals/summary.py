"""The network dashboard's monthly summary (`ReferralMonth`), kept in step with the referrals.

Each referral adds one to the counts of one row: its network, the program it was last sent to (none
before it is sent), its source, the month it was received and the month it was last sent (none before
it is sent), in the project's time zone. The funnel reads rows by the month received; the network's
month-by-month charts read them by the month sent, the cohort the CQI intake measures use
(referrals/intake_measures.py), so both come from this one table. What it
adds (`Contribution`) depends only on the referral's own de-identified columns, so a change is kept
by taking the referral's contribution before and after and moving the difference, in the service's
transaction (`move`). `rebuild` recomputes every row from the referrals with the same definition
(`manage.py referrals_summary_rebuild`, and the migration that created the table).

Days to first contact are kept as a histogram of whole days (the time from being sent to the first
contact attempt, rounded down: 0 is within 24 hours), so the median over any set of rows is exact:
the middle value, or the mean of the two middle values, of the whole days of every contacted
referral in them.
"""

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from collaboratives import months
from measures import medians
from referrals.models import Outcome, Referral, ReferralMonth, Status

COUNTS = ("referred", "eligible", "sent", "contacted", "enrolled", "waiting", "contacted_7d", "enrolled_30d")
WAITING = frozenset({Status.REQUESTED, Status.RECEIVED, Status.ACCEPTED, Status.IN_PROGRESS})
# The referral columns a contribution is computed from, in `contribution_of`'s order.
COLUMNS = (
    "network_id", "program_id", "source", "created_at", "presented_programs", "sent_at",
    "first_contact_at", "outcome", "closed_at", "status",
)  # fmt: skip

Key = tuple[int, int | None, str, dt.date, dt.date | None]  # network, program, source, month, sent month
KEY_FIELDS = ("network_id", "program_id", "source", "month", "sent_month")


@dataclass(frozen=True)
class Contribution:
    key: Key
    counts: tuple[int, ...]  # in COUNTS' order
    contact_day: int | None


def contribution_of(
    network_id: int,
    program_id: int | None,
    source: str,
    created_at: dt.datetime,
    presented_programs: list[str],
    sent_at: dt.datetime | None,
    first_contact_at: dt.datetime | None,
    outcome: str,
    closed_at: dt.datetime | None,
    status: str,
) -> Contribution:
    month = months.first_of(timezone.localdate(created_at))
    to_contact = first_contact_at - sent_at if first_contact_at and sent_at else None
    enrolled = outcome == Outcome.ENROLLED
    counts = (
        1,
        int(bool(presented_programs)),
        int(sent_at is not None),
        int(first_contact_at is not None),
        int(enrolled),
        int(program_id is not None and status in WAITING),
        int(to_contact is not None and to_contact <= dt.timedelta(days=7)),
        int(enrolled and closed_at is not None and sent_at is not None and closed_at - sent_at <= dt.timedelta(days=30)),
    )  # fmt: skip
    day = to_contact // dt.timedelta(days=1) if to_contact is not None else None
    sent_month = months.first_of(timezone.localdate(sent_at)) if sent_at is not None else None
    return Contribution((network_id, program_id, source, month, sent_month), counts, day)


def contribution(referral: Referral) -> Contribution | None:
    if referral.pk is None:
        return None
    return contribution_of(*(getattr(referral, column) for column in COLUMNS))


def _change(row: ReferralMonth, part: Contribution, sign: int) -> None:
    for name, n in zip(COUNTS, part.counts, strict=True):
        setattr(row, name, getattr(row, name) + sign * n)
    if part.contact_day is not None:
        days = Counter({int(k): v for k, v in row.contact_days.items()})
        days[part.contact_day] += sign
        row.contact_days = {str(k): v for k, v in sorted(days.items()) if v}


@contextmanager
def kept(referral: Referral) -> Iterator[None]:
    """Around a service's change to a referral that exists: when the change succeeds, its contribution
    moves from where it was to where it now belongs, so no service can take one half without the other."""
    before = contribution(referral)
    yield
    move(before, contribution(referral))


def move(before: Contribution | None, after: Contribution | None) -> None:
    """Take `before` off its row and add `after` to its row (rows locked in key order; a row no
    referral counts in any more is deleted)."""
    if before == after:
        return
    changes = [(part, sign) for part, sign in ((before, -1), (after, 1)) if part is not None]
    rows = ReferralMonth.objects.unscoped(reason="the summary row of a referral a service is changing")
    with transaction.atomic():
        for key in sorted(
            {part.key for part, _ in changes},
            key=lambda k: (k[0], k[1] or 0, k[2], k[3], k[4] or dt.date.min),
        ):
            lookup: dict[str, Any] = dict(zip(KEY_FIELDS, key, strict=True))
            row, _ = rows.select_for_update().get_or_create(**lookup)
            for part, sign in changes:
                if part.key == key:
                    _change(row, part, sign)
            if row.referred:
                row.save()
            else:
                row.delete()


def summarise(rows: Iterable[tuple[Any, ...]]) -> list[dict[str, Any]]:
    """The summary rows (as field values) of referrals given as tuples of COLUMNS."""
    totals: dict[Key, list[int]] = {}
    days: dict[Key, Counter[int]] = {}
    for values in rows:
        part = contribution_of(*values)
        sums = totals.setdefault(part.key, [0] * len(COUNTS))
        for i, n in enumerate(part.counts):
            sums[i] += n
        if part.contact_day is not None:
            days.setdefault(part.key, Counter())[part.contact_day] += 1
    return [
        dict(zip(KEY_FIELDS, key, strict=True))
        | dict(zip(COUNTS, sums, strict=True))
        | {"contact_days": {str(k): v for k, v in sorted(days.get(key, Counter()).items())}}
        for key, sums in totals.items()
    ]


@transaction.atomic
def rebuild(network_id: int | None = None) -> int:
    """Recompute the summary (of one network, or of all) from the referrals; returns the rows written."""
    referrals = Referral.objects.unscoped(reason="rebuilding the de-identified summary")
    summary = ReferralMonth.objects.unscoped(reason="rebuilding the de-identified summary")
    if network_id is not None:
        referrals, summary = referrals.filter(network_id=network_id), summary.filter(network_id=network_id)
    summary.delete()
    rows = summarise(referrals.order_by().values_list(*COLUMNS).iterator(chunk_size=5000))
    ReferralMonth.objects.bulk_create([ReferralMonth(**row) for row in rows], batch_size=2000)
    return len(rows)


def median(histograms: Iterable[dict[str, int]]) -> float | None:
    """The exact median of the whole days in the histograms together; None when they are empty."""
    middle = medians.median(medians.merge(medians.from_stored(h) for h in histograms))
    return None if middle is None else float(middle)
