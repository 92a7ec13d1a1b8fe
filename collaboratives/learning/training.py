"""The training plan: topics and which staff roles need them, a team's staff roster, completions, and
coverage (who is trained and current). Services write (keyword-only, atomic, field-keyed errors);
the selectors at the end read, starting from `visible_to(user)`.

A completion is *current* on a day when no renewal is required for the topic and role, or when the
day is before the completion date plus the renewal period. It *expires soon* when it is current and
its expiry falls within EXPIRING_SOON_DAYS.
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from collaboratives import access
from collaboratives.learning import signals
from collaboratives.learning.selectors import local_start
from collaboratives.learning.services import event_check_in
from collaboratives.models import (
    Collaborative,
    Event,
    StaffMember,
    StaffRole,
    Team,
    TrainingCompletion,
    TrainingRequirement,
    TrainingTopic,
)

EXPIRING_SOON_DAYS = 60
# The St. Louis convening's areas of training focus for home visiting providers (docs/learning.md).
SEED_TOPICS = [
    "Motivational interviewing",
    "Cultural competence",
    "Trauma-informed care",
    "Racial equity and anti-bias",
    "Home visitor safety",
    "Domestic abuse",
    "Mental and behavioural health",
    "Mandated reporting",
    "Self-care",
    "Prenatal and postpartum care",
    "Breastfeeding",
    "Safe sleep",
]


def _changed(teams: Iterable[Team], on: dt.date | None = None) -> None:
    """Tell the measures app that these teams' training figures for `on`'s month (default today's), as of
    `on`, may have changed."""
    on = on or timezone.localdate()
    for team in teams:
        signals.training_changed.send(sender=TrainingCompletion, team=team, on=on)


def training_figures_restate(*, team: Team, on: dt.date) -> None:
    """Record the team's training figure for `on`'s month as of `on` (the demo fills past months so)."""
    _changed([team], on=on)


def _teams_of(collaborative: Collaborative) -> list[Team]:
    return list(
        Team.objects.unscoped(reason="the collaborative's teams, whose figures a plan change moves")
        .filter(collaborative=collaborative, withdrawn_on__isnull=True)
        .select_related("lia", "collaborative")
    )


@transaction.atomic
def training_topic_add(
    *, actor: Any, collaborative: Collaborative, name: str, description: str = ""
) -> TrainingTopic:
    access.require(actor, access.Action.DEFINE_TRAINING, collaborative)
    name = " ".join(name.split())
    if collaborative.training_topics.filter(name__iexact=name).exists():
        raise ValidationError({"name": f"{collaborative.short_name} already has the topic “{name}”."})
    topic = TrainingTopic(
        collaborative=collaborative,
        name=name,
        description=description,
        order=collaborative.training_topics.count(),
    )
    topic.full_clean()
    topic.save()
    return topic


@transaction.atomic
def training_topics_seed(*, actor: Any, collaborative: Collaborative) -> list[TrainingTopic]:
    """Add those of SEED_TOPICS the collaborative does not have yet."""
    access.require(actor, access.Action.DEFINE_TRAINING, collaborative)
    have = {n.lower() for n in collaborative.training_topics.values_list("name", flat=True)}
    return [
        training_topic_add(actor=actor, collaborative=collaborative, name=name)
        for name in SEED_TOPICS
        if name.lower() not in have
    ]


@transaction.atomic
def training_requirement_set(
    *,
    actor: Any,
    topic: TrainingTopic,
    role: str,
    required: bool,
    renewal_months: int | None = None,
    today: dt.date | None = None,
) -> TrainingRequirement | None:
    """Require the topic of staff in `role` (renewed every `renewal_months`, blank: once), or stop requiring it."""
    collaborative = topic.collaborative
    access.require(actor, access.Action.DEFINE_TRAINING, collaborative)
    if role not in StaffRole.values:
        raise ValidationError({"role": "Choose a staff role from the list."})
    rows = topic.requirements.filter(role=role)
    if not required:
        rows.delete()
        _changed(_teams_of(collaborative), on=today)
        return None
    if renewal_months is not None and not 1 <= renewal_months <= 120:
        raise ValidationError({"renewal_months": "Renewal is every 1 to 120 months, or blank for once."})
    requirement = rows.first() or TrainingRequirement(collaborative=collaborative, topic=topic, role=role)
    requirement.renewal_months = renewal_months
    requirement.full_clean()
    requirement.save()
    _changed(_teams_of(collaborative), on=today)
    return requirement


@transaction.atomic
def staff_member_add(
    *, actor: Any, team: Team, name: str, role: str, today: dt.date | None = None
) -> StaffMember:
    access.require(actor, access.Action.KEEP_STAFF_ROSTER, team)
    member = StaffMember(team=team, name=" ".join(name.split()), role=role)
    member.full_clean()
    member.save()
    _changed([team], on=today)
    return member


@transaction.atomic
def staff_member_leave(*, actor: Any, member: StaffMember, left_on: dt.date) -> StaffMember:
    """The person left the team: from `left_on` they no longer count in coverage."""
    access.require(actor, access.Action.KEEP_STAFF_ROSTER, member.team)
    member.left_on = left_on
    member.full_clean()
    member.save(update_fields=["left_on"])
    _changed([member.team])
    return member


@transaction.atomic
def training_completion_record(
    *,
    actor: Any,
    team: Team,
    staff: Iterable[StaffMember],
    topic: TrainingTopic | None = None,
    completed_on: dt.date | None = None,
    event: Event | None = None,
    today: dt.date,
) -> list[TrainingCompletion]:
    """Record that these staff completed the topic on a date; or, given a training `event`, its topic on
    its date (the team is checked in to the event too)."""
    access.require(actor, access.Action.KEEP_STAFF_ROSTER, team)
    staff = list(staff)
    if not staff:
        raise ValidationError({"staff": "Choose who completed the training."})
    if any(s.team_id != team.id for s in staff):
        raise ValidationError({"staff": "Choose people on this team's roster."})
    if event is not None:
        if event.collaborative_id != team.collaborative_id or event.training_topic_id is None:
            raise ValidationError(
                {"event": "Choose a training event of this collaborative that has a topic."}
            )
        topic, completed_on = event.training_topic, local_start(event).date()
    if topic is None or topic.collaborative_id != team.collaborative_id:
        raise ValidationError({"topic": "Choose a training topic of this collaborative."})
    if completed_on is None:
        raise ValidationError({"completed_on": "Give the date the training was completed."})
    if completed_on > today:
        raise ValidationError({"completed_on": "A completion date cannot be in the future."})
    if left := [s.name for s in staff if s.left_on is not None and s.left_on <= completed_on]:
        raise ValidationError({"staff": f"{', '.join(left)} had left the team by then."})
    if event is not None:
        event_check_in(actor=actor, event=event, team=team, now=timezone.now())
    rows = []
    for member in staff:
        row, _ = TrainingCompletion.objects.unscoped(
            reason="the lead records their own team's staff"
        ).get_or_create(
            staff=member,
            topic=topic,
            completed_on=completed_on,
            defaults={"team": team, "event": event, "recorded_by": actor},
        )
        rows.append(row)
    _changed([team], on=today)
    return rows


# --- Coverage (reads) ---


@dataclass(frozen=True)
class Cell:
    """One team × topic: staff who need it, how many have ever completed it, how many are current, and
    how many of those expire within EXPIRING_SOON_DAYS (the soonest expiry given)."""

    required: int
    trained: int
    current: int
    expiring: int
    next_expiry: dt.date | None

    @property
    def percent_current(self) -> int | None:
        return (200 * self.current + self.required) // (2 * self.required) if self.required else None


@dataclass(frozen=True)
class StaffStatus:
    """One person × required topic: their latest completion and when it expires (None: never)."""

    topic: TrainingTopic
    completed_on: dt.date | None
    expires_on: dt.date | None
    current: bool
    expiring: bool


def _expiry(completed_on: dt.date, renewal_months: int | None) -> dt.date | None:
    return completed_on + relativedelta(months=renewal_months) if renewal_months else None


def staff_status(
    *,
    staff: list[StaffMember],
    requirements: list[TrainingRequirement],
    completions: list[TrainingCompletion],
    on: dt.date,
) -> dict[int, list[StaffStatus]]:
    """Per staff member (id), their status on each topic required of their role, on day `on`."""
    latest: dict[tuple[int, int], dt.date] = {}
    for c in completions:
        if c.completed_on <= on:
            key = (c.staff_id, c.topic_id)
            latest[key] = max(latest.get(key, c.completed_on), c.completed_on)
    soon = on + dt.timedelta(days=EXPIRING_SOON_DAYS)
    result: dict[int, list[StaffStatus]] = {}
    for member in staff:
        rows = []
        for req in requirements:
            if req.role != member.role:
                continue
            done = latest.get((member.id, req.topic_id))
            expires = _expiry(done, req.renewal_months) if done else None
            current = done is not None and (expires is None or on < expires)
            rows.append(
                StaffStatus(
                    req.topic, done, expires, current, current and expires is not None and expires <= soon
                )
            )
        result[member.id] = rows
    return result


def _active(staff: Iterable[StaffMember], on: dt.date) -> list[StaffMember]:
    return [s for s in staff if s.left_on is None or s.left_on > on]


def coverage_for_team(
    *,
    team: Team,
    staff: list[StaffMember],
    topics: list[TrainingTopic],
    requirements: list[TrainingRequirement],
    completions: list[TrainingCompletion],
    on: dt.date,
) -> tuple[list[Cell], tuple[int, int]]:
    """The team's cell per topic, and (staff current on every topic required of them, staff with any requirement)."""
    status = staff_status(staff=_active(staff, on), requirements=requirements, completions=completions, on=on)
    cells = []
    for topic in topics:
        rows = [r for rs in status.values() for r in rs if r.topic.id == topic.id]
        expiring = [r.expires_on for r in rows if r.expiring and r.expires_on]
        cells.append(
            Cell(
                required=len(rows),
                trained=sum(r.completed_on is not None for r in rows),
                current=sum(r.current for r in rows),
                expiring=len(expiring),
                next_expiry=min(expiring, default=None),
            )
        )
    needing = [rs for rs in status.values() if rs]
    return cells, (sum(all(r.current for r in rs) for rs in needing), len(needing))


def training_plan(
    *, user: Any, collaborative: Collaborative
) -> tuple[list[TrainingTopic], list[TrainingRequirement]]:
    topics = list(TrainingTopic.objects.visible_to(user).filter(collaborative=collaborative))
    requirements = list(
        TrainingRequirement.objects.visible_to(user)
        .filter(collaborative=collaborative)
        .select_related("topic")
    )
    return topics, requirements


def training_coverage(
    *, user: Any, collaborative: Collaborative, teams: list[Team], on: dt.date
) -> tuple[list[TrainingTopic], list[tuple[Team, list[Cell], tuple[int, int]]]]:
    """Per team (those given, which the caller loaded through `visible_to`) × required topic: the cells."""
    topics, requirements = training_plan(user=user, collaborative=collaborative)
    required_topics = [t for t in topics if any(r.topic_id == t.id for r in requirements)]
    staff = list(StaffMember.objects.visible_to(user).filter(team__in=teams))
    completions = list(
        TrainingCompletion.objects.visible_to(user).filter(team__in=teams, completed_on__lte=on)
    )
    rows = []
    for team in teams:
        cells, share = coverage_for_team(
            team=team,
            staff=[s for s in staff if s.team_id == team.id],
            topics=required_topics,
            requirements=requirements,
            completions=[c for c in completions if c.team_id == team.id],
            on=on,
        )
        rows.append((team, cells, share))
    return required_topics, rows


def training_current_counts(*, team: Team, on: dt.date) -> tuple[int, int]:
    """(staff current on every topic required of them, staff with any requirement) on day `on`.
    Trusted: the measures bridge and its periodic task."""
    reason = "the platform's training measure for one team"
    requirements = list(
        TrainingRequirement.objects.unscoped(reason=reason).filter(collaborative=team.collaborative_id)
    )
    _, share = coverage_for_team(
        team=team,
        staff=list(StaffMember.objects.unscoped(reason=reason).filter(team=team)),
        topics=[],
        requirements=requirements,
        completions=list(
            TrainingCompletion.objects.unscoped(reason=reason).filter(team=team, completed_on__lte=on)
        ),
        on=on,
    )
    return share
