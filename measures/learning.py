"""Measures the platform records from the learning calendar and training plan (issue 25).

The collaboratives app cannot import this app, so it sends signals (collaboratives/learning/signals.py)
inside its writing transaction; the receivers here turn them into observations through
`observations_record`, the service hand entry uses, acting as the platform account. Such measures are
`recorded_by_platform`: teams never enter them, and submitting a month does not wait for them.

- Engagement: per team and month, numerator = the month's events (with attendance taken) the team
  attended, denominator = those it was invited to. Pooled over teams, the collaborative's value is
  the share of invited team places filled, which is the mean over the month's events of the % of
  teams attending when every team is invited to each event.
- Training: per team and month, numerator = staff on the roster current on every topic required of
  their role, denominator = staff whose role has any required topic, as of the day it is recorded
  (the month's last day once the month is over, as the daily task last saw it).
"""

import datetime as dt
from typing import Any

from collaboratives.learning import selectors as learning_selectors
from collaboratives.learning import signals
from collaboratives.learning.services import platform_actor
from collaboratives.learning.training import training_current_counts
from collaboratives.models import Collaborative, Team, TrainingRequirement
from measures.models import Measure, Observation
from measures.services import ObservationInput, observations_record

ENGAGEMENT = {
    "code": signals.ENGAGEMENT_CODE,
    "name": "Teams attending learning events",
    "kind": Measure.Kind.PROPORTION,
    "direction": Measure.Direction.UP,
    "numerator_definition": "Learning events of the month the team attended (action-period calls, learning "
    "sessions, communities of practice, office hours, trainings whose attendance was taken).",
    "denominator_definition": "Learning events of the month the team was invited to whose attendance was taken.",
    "data_source": "Attendance on the learning calendar, recorded by the platform.",
    "order": 900,
}


TRAINING = {
    "code": signals.TRAINING_CODE,
    "name": "Staff current on required training",
    "kind": Measure.Kind.PROPORTION,
    "direction": Measure.Direction.UP,
    "numerator_definition": "Staff on the team's roster who are current on every training topic the "
    "collaborative requires of their role.",
    "denominator_definition": "Staff on the team's roster whose role has at least one required training topic.",
    "data_source": "The team's staff roster and training completions, recorded by the platform.",
    "order": 901,
}


def platform_measure(*, collaborative: Collaborative, definition: dict[str, Any]) -> Measure:
    """The collaborative's platform-recorded measure of that definition, made on first use."""
    measures = Measure.objects.unscoped(reason="the platform's own measure of the collaborative")
    measure = measures.filter(collaborative=collaborative, code=definition["code"]).first()
    if measure is None:
        measure = Measure(collaborative=collaborative, recorded_by_platform=True, **definition)
        measure.full_clean()
        measure.save()
    return measure


def record_changed(*, measure: Measure, month: dt.date, values: dict[Team, tuple[int, int]]) -> int:
    """Record each team's (numerator, denominator) for the month where it differs from the stored one
    (a submitted month takes them too: the team neither enters nor submits these values)."""
    stored = {
        o.team_id: (o.numerator, o.denominator)
        for o in Observation.objects.unscoped(reason="the platform's own measure").filter(
            measure=measure, month=month, team__in=list(values)
        )
    }
    actor, changed = platform_actor(), 0
    for team, (numerator, denominator) in sorted(values.items(), key=lambda tv: tv[0].lia.name):
        if stored.get(team.id) == (numerator, denominator):
            continue
        observations_record(
            actor=actor,
            team=team,
            month=month,
            cells=[ObservationInput(measure=measure, numerator=numerator, denominator=denominator)],
        )
        changed += 1
    return changed


def engagement_record(*, collaborative: Collaborative, month: dt.date) -> int:
    """Bring the collaborative's engagement observations for `month` up to date; returns how many changed."""
    if not collaborative.start_date.replace(day=1) <= month <= collaborative.end_date:
        return 0
    counts = learning_selectors.engagement_counts(collaborative=collaborative, month=month)
    teams = Team.objects.unscoped(reason="the teams counted above").select_related("lia", "collaborative")
    values = {team: counts[team.id] for team in teams.filter(id__in=list(counts))}
    return record_changed(
        measure=platform_measure(collaborative=collaborative, definition=ENGAGEMENT),
        month=month,
        values=values,
    )


def training_record(*, team: Team, month: dt.date, on: dt.date) -> int:
    """Record the team's training figure for `month` as of day `on`; returns 1 if it changed."""
    collaborative = team.collaborative
    if not collaborative.start_date.replace(day=1) <= month <= collaborative.end_date:
        return 0
    current, needing = training_current_counts(team=team, on=on)
    if not needing:
        return 0
    measure = platform_measure(collaborative=collaborative, definition=TRAINING)
    return record_changed(measure=measure, month=month, values={team: (current, needing)})


def training_record_all(*, today: dt.date) -> int:
    """The periodic pass: every active team of a collaborative with a training plan, for today's month
    (completions expire with time, not only when someone records something)."""
    teams = (
        Team.objects.unscoped(reason="a periodic task over every team with a training plan")
        .filter(
            withdrawn_on__isnull=True,
            collaborative_id__in=TrainingRequirement.objects.unscoped(reason="as above").values(
                "collaborative_id"
            ),
        )
        .select_related("lia", "collaborative")
    )
    return sum(training_record(team=t, month=today.replace(day=1), on=today) for t in teams)


def _on_training_changed(sender: Any, *, team: Team, on: dt.date, **kwargs: Any) -> None:
    training_record(team=team, month=on.replace(day=1), on=on)


def _on_attendance_changed(
    sender: Any, *, collaborative: Collaborative, month: dt.date, **kwargs: Any
) -> None:
    engagement_record(collaborative=collaborative, month=month)


def connect() -> None:
    """Called once, from MeasuresConfig.ready()."""
    signals.attendance_changed.connect(_on_attendance_changed, dispatch_uid="measures.learning.attendance")
    signals.training_changed.connect(_on_training_changed, dispatch_uid="measures.learning.training")
