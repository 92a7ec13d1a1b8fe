import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from collaboratives import access
from collaboratives.models import ChangeIdea, Team
from measures.models import Measure
from pdsa.models import PDSACycle

# Plan, Do, Study and Act text fields, in the order teams are taught to fill them.
CYCLE_TEXT_FIELDS = (
    "objective",
    "question",
    "prediction",
    "plan_who",
    "plan_what",
    "plan_where",
    "plan_when",
    "data_to_collect",
    "what_happened",
    "observations",
    "problems",
    "results_vs_prediction",
    "learned",
    "next_step",
)
CYCLE_DATE_FIELDS = ("planned_start", "planned_end", "started_on", "completed_on")


@transaction.atomic
def pdsa_cycle_start(
    *,
    actor: Any,
    team: Team,
    title: str,
    change_idea: ChangeIdea | None = None,
    other_change_idea: str = "",
    previous: PDSACycle | None = None,
    measures: list[Measure] | tuple[Measure, ...] = (),
    **fields: str | dt.date | None,
) -> PDSACycle:
    """Start a cycle in Planning for `team`, testing a change idea of the team's collaborative.

    `fields` are the Plan/Do/Study/Act text and date fields by name. A cycle that follows `previous`
    continues that cycle's ramp, so it must be the same team's.
    """
    access.require(actor, access.Action.ENTER_DATA, team)
    unknown = set(fields) - set(CYCLE_TEXT_FIELDS) - set(CYCLE_DATE_FIELDS)
    if unknown:
        raise TypeError(f"pdsa_cycle_start got unknown fields: {sorted(unknown)}")
    if change_idea is not None and change_idea.collaborative_id != team.collaborative_id:
        raise ValidationError({"change_idea": "This change idea is not in the team's key driver diagram."})
    if previous is not None and previous.team_id != team.id:
        raise ValidationError({"previous": "A ramp continues one of the team's own cycles."})
    if change_idea is None and previous is not None and not other_change_idea:
        change_idea, other_change_idea = previous.change_idea, previous.other_change_idea
    if change_idea is None and not other_change_idea.strip():
        raise ValidationError(
            {"change_idea": "Choose the change idea this cycle tests, or describe another."}
        )
    for measure in measures:
        if measure.collaborative_id != team.collaborative_id:
            raise ValidationError({"measures": "A measure is not part of the team's collaborative."})
    cycle = PDSACycle(
        team=team,
        title=title.strip(),
        change_idea=change_idea,
        other_change_idea=other_change_idea.strip(),
        previous=previous,
        created_by=actor,
        **{
            name: (value if value is not None or name in CYCLE_DATE_FIELDS else "")
            for name, value in fields.items()
        },
    )
    cycle.full_clean()
    cycle.save()
    cycle.measures.set(measures)
    return cycle
