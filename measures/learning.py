"""Measures the platform records from the learning calendar and training plan (issue 25).

The collaboratives app cannot import this app, so it sends signals (collaboratives/learning/signals.py)
inside its writing transaction; the receivers here turn them into observations through
`observations_record`, the service hand entry uses, acting as the platform account. Such measures are
`recorded_by_platform`: teams never enter them, and submitting a month does not wait for them.

- Engagement: per team and month, numerator = the month's events (with attendance taken) the team
  attended, denominator = those it was invited to. Pooled over teams, the collaborative's value is
  the share of invited team places filled, which is the mean over the month's events of the % of
  teams attending when every team is invited to each event.
"""

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError

from collaboratives.learning import selectors as learning_selectors
from collaboratives.learning import signals
from collaboratives.learning.services import platform_actor
from collaboratives.models import Collaborative, Team
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
    """Record each team's (numerator, denominator) for the month where it differs from the stored one.
    A team whose month is submitted refuses the change: the error names the team and how to go on."""
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
        try:
            observations_record(
                actor=actor,
                team=team,
                month=month,
                cells=[ObservationInput(measure=measure, numerator=numerator, denominator=denominator)],
            )
        except ValidationError as exc:
            if "month" not in exc.message_dict:
                raise
            raise ValidationError(
                {
                    "teams": f"{team.lia.name} has submitted {month:%B %Y}, so its {measure.name.lower()} "
                    "cannot change. Its CQI lead, advisor or a collaborative admin can reopen the month first."
                }
            ) from None
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


def _on_attendance_changed(
    sender: Any, *, collaborative: Collaborative, month: dt.date, **kwargs: Any
) -> None:
    engagement_record(collaborative=collaborative, month=month)


def connect() -> None:
    """Called once, from MeasuresConfig.ready()."""
    signals.attendance_changed.connect(_on_attendance_changed, dispatch_uid="measures.learning.attendance")
