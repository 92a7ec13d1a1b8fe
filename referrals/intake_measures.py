"""The network's shared intake measures, recorded into a collaborative as monthly observations.

For each CQI team with programs linked to it (`Program.team`: an agency's team, whose programs may be
several) and each month, over the referrals *sent to the team's programs* that month (the cohort):

- `intake-received` (count): referrals sent to the team's programs in the month;
- `intake-contact-7d` (proportion): of those, the ones with a first contact attempt within 7 days
  of being sent;
- `intake-enrol-30d` (proportion): of those, the ones closed as enrolled within 30 days of being sent;
- `intake-days-to-contact` (median): of those with a first contact attempt, the whole days from being
  sent to it (rounded down: 0 is within 24 hours), as cases of a median measure.

A cohort's figure is final only when its window has closed for every referral in it, so a month is
recorded `window` days after it ends (7 or 30); before that the cell is left alone rather than
counting referrals still within their window as failures, or leaving out contacts still to come. The
collaborative's pooled chart adds the teams' numerators and denominators, and for the median takes the
middle of every team's cases together: that is the network's figure for the linked programs.
"""

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, DurationField, ExpressionWrapper, F, Q

from collaboratives import months
from collaboratives.learning.services import platform_actor
from collaboratives.models import Team
from measures.models import Measure, Observation
from measures.services import ObservationInput, observations_record
from referrals.models import Outcome, Program, Referral

CODES = ("intake-received", "intake-contact-7d", "intake-enrol-30d", "intake-days-to-contact")
WINDOWS = {"intake-received": 0, "intake-contact-7d": 7, "intake-enrol-30d": 30, "intake-days-to-contact": 30}
NOTE = "From the referral network"
# The nightly pass looks back this many months: the longest window (30 days) closes within two.
RECENT_MONTHS = 3


@dataclass(frozen=True)
class Cohort:
    sent: int
    contacted_7d: int
    enrolled_30d: int
    days_to_contact: dict[int, int]  # how many contacted referrals took each whole number of days


def team_cohort(*, team: Team, month: dt.date) -> Cohort:
    """Counts only (no personal field) of the referrals sent in `month` to the programs linked to `team`."""
    end = months.add(month, 1)
    rows = Referral.objects.unscoped(
        reason="aggregate counts of one team's programs' referrals, no personal data"
    )
    to_contact = ExpressionWrapper(F("first_contact_at") - F("sent_at"), output_field=DurationField())
    to_close = ExpressionWrapper(F("closed_at") - F("sent_at"), output_field=DurationField())
    cohort = rows.filter(program__team=team, sent_at__date__gte=month, sent_at__date__lt=end).annotate(
        to_contact=to_contact, to_close=to_close
    )
    figures = cohort.aggregate(
        sent=Count("id"),
        contacted_7d=Count("id", filter=Q(to_contact__lte=dt.timedelta(days=7))),
        enrolled_30d=Count("id", filter=Q(outcome=Outcome.ENROLLED, to_close__lte=dt.timedelta(days=30))),
    )
    days = Counter(
        delay // dt.timedelta(days=1)
        for delay in cohort.filter(first_contact_at__isnull=False).values_list("to_contact", flat=True)
    )
    return Cohort(**figures, days_to_contact=dict(days))


def _intake_measures(team: Team) -> dict[str, Measure]:
    """The intake measures the team's collaborative has, by code."""
    return {
        m.code: m
        for m in Measure.objects.unscoped(reason="the team's own collaborative's measures").filter(
            collaborative_id=team.collaborative_id, code__in=CODES
        )
    }


def _due_cells(
    *, team: Team, month: dt.date, today: dt.date, measures: dict[str, Measure]
) -> list[ObservationInput]:
    """The team's month as observations of `measures` whose window has closed by `today`; measures the
    collaborative lacks are skipped."""
    cohort = team_cohort(team=team, month=month)
    values = {
        "intake-received": (cohort.sent, None),
        "intake-contact-7d": (cohort.contacted_7d, cohort.sent),
        "intake-enrol-30d": (cohort.enrolled_30d, cohort.sent),
    }
    month_end = months.add(month, 1)
    due = [
        code for code in CODES if code in measures and today >= month_end + dt.timedelta(days=WINDOWS[code])
    ]
    return [
        ObservationInput(measure=measures[code], numerator=None, denominator=None,
                         cases=cohort.days_to_contact or None, note=NOTE)
        if code == "intake-days-to-contact"
        else ObservationInput(measure=measures[code], numerator=values[code][0] if values[code][1] != 0 else None,
                              denominator=values[code][1] or None, note=NOTE)
        for code in due
    ]  # fmt: skip


def intake_measures_record(*, actor: Any, team: Team, month: dt.date, today: dt.date) -> list[str]:
    """Record the team's month through the same service as hand entry (`observations_record`, which
    checks that `actor` may enter the team's data). Returns the codes recorded; measures the
    collaborative lacks, and months whose window is still open, are skipped."""
    cells = _due_cells(team=team, month=month, today=today, measures=_intake_measures(team))
    if not cells:
        return []
    observations_record(actor=actor, team=team, month=month, cells=cells)
    return [c.measure.code for c in cells]


def intake_measures_record_due(*, today: dt.date) -> int:
    """The nightly pass: every active team with linked programs, for the last `RECENT_MONTHS` months of
    its collaborative, records as the platform each cell whose window has closed and whose figures
    differ from the stored ones (a late-logged contact or outcome still reaches the chart; an unchanged
    month writes nothing). Returns how many team months changed."""
    teams = (
        Team.objects.unscoped(reason="a periodic pass over the teams the network's programs are linked to")
        .filter(
            withdrawn_on__isnull=True, id__in=Program.objects.unscoped(reason="as above").values("team_id")
        )
        .select_related("collaborative")
    )
    this_month, actor, changed = months.first_of(today), platform_actor(), 0
    for team in teams:
        first = max(months.add(this_month, -RECENT_MONTHS), months.first_of(team.collaborative.start_date))
        last = min(months.add(this_month, -1), months.first_of(team.collaborative.end_date))
        measures = _intake_measures(team)
        for month in months.span(first, last):
            stored = {
                o.measure_id: (o.numerator, o.denominator, o.not_applicable, o.note, o.cases)
                for o in Observation.objects.unscoped(reason="the platform's own cells").filter(
                    team=team, month=month, measure__code__in=CODES
                )
            }
            cells = [
                c
                for c in _due_cells(team=team, month=month, today=today, measures=measures)
                if stored.get(c.measure.id) != c.stored()
            ]
            if cells:
                observations_record(actor=actor, team=team, month=month, cells=cells)
                changed += 1
    return changed
