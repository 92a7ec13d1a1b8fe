import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from collaboratives import access
from collaboratives.models import Awardee, ChangeIdea, Collaborative, Team
from pdsa.models import PDSACycle
from pdsa.services import pdsa_cycle_start
from worksheets import definitions
from worksheets.answers import answers_clean
from worksheets.models import Worksheet, WorksheetTemplate


def worksheet_template_current(*, slug: str) -> WorksheetTemplate:
    """The stored row of the template's current version, created the first time that version is used."""
    version, definition = definitions.current(slug)
    template, _ = WorksheetTemplate.objects.unscoped(reason="templates are shared definitions").get_or_create(
        slug=slug, version=version, defaults={"title": definition["title"], "definition": definition}
    )
    return template


def _save(worksheet: Worksheet, *, actor: Any, answers: dict[str, Any], shared: bool) -> Worksheet:
    worksheet.answers = answers_clean(worksheet.template.definition, answers)
    worksheet.shared = shared
    worksheet.updated_by = actor
    worksheet._history_user = actor
    worksheet.full_clean()
    worksheet.save()
    return worksheet


@transaction.atomic
def joy_worksheet_save(
    *, actor: Any, team: Team, answers: dict[str, Any], for_team: bool = False, shared: bool = False
) -> Worksheet:
    """Save the actor's own Joy in Work worksheet for `team` (private unless `shared`), or the team's.

    A worksheet keeps the template version it was first written against; a team's worksheet is
    always visible to the team. Only the LIA's own people fill it.
    """
    access.require(actor, access.Action.ENTER_DATA, team)
    respondent = None if for_team else actor
    worksheet = (
        Worksheet.objects.visible_to(actor)
        .select_for_update(of=("self",))
        .filter(template__slug=definitions.JOY_IN_WORK, team=team, respondent=respondent)
        .select_related("template")
        .first()
    )
    if worksheet is None:
        worksheet = Worksheet(
            template=worksheet_template_current(slug=definitions.JOY_IN_WORK),
            collaborative=team.collaborative,
            team=team,
            respondent=respondent,
        )
    return _save(worksheet, actor=actor, answers=answers, shared=shared and not for_team)


def worksheet_can_edit(user: Any, worksheet: Worksheet) -> bool:
    """A personal worksheet is its respondent's; a team's, its LIA's people's; a planner, its awardee's leads'."""
    if worksheet.team_id is None:
        return access.may_edit_closing_plan(user, worksheet.awardee)
    if worksheet.respondent_id is not None and worksheet.respondent_id != user.id:
        return False
    return access.can(user, access.Action.ENTER_DATA, worksheet.team)


@transaction.atomic
def worksheet_plan_to_pdsa(*, actor: Any, worksheet: Worksheet) -> PDSACycle:
    """Turn a Joy in Work plan into a draft PDSA cycle (Planning) of the worksheet's team.

    The chosen change is looked up by its exact text among the change ideas of the team's
    collaborative; an "Other" change, or one the key driver diagram lacks, becomes the cycle's
    `other_change_idea`. Idempotent: a worksheet that already made its cycle returns that cycle.
    """
    worksheet = (
        Worksheet.objects.visible_to(actor)
        .select_for_update(of=("self",))
        .select_related("team__collaborative")
        .get(pk=worksheet.pk)
    )
    if worksheet.team is None or not worksheet_can_edit(actor, worksheet):
        raise PermissionDenied("Only the worksheet's author or the team's people may plan from it.")
    if worksheet.pdsa_cycle is not None:
        return worksheet.pdsa_cycle
    answers = worksheet.answers
    change = answers.get("plan_change")
    if not change:
        raise ValidationError({"plan_change": "Choose the change you will test, and save, first."})
    change_idea = None
    other = ""
    if change == definitions.OTHER:
        other = answers.get("plan_change_other", "")
        if not other:
            raise ValidationError({"plan_change_other": "Describe the other change you will test."})
    else:
        change_idea = (
            ChangeIdea.objects.visible_to(actor)
            .filter(collaborative=worksheet.team.collaborative, text=change)
            .first()
        )
        other = "" if change_idea else change
    start, end = (
        dt.date.fromisoformat(answers[k]) if k in answers else None for k in ("plan_start", "plan_end")
    )
    when = " to ".join(f"{d:%-d %b %Y}" for d in (start, end) if d)
    cycle = pdsa_cycle_start(
        actor=actor,
        team=worksheet.team,
        title=f"Joy in Work: {change_idea.text if change_idea else other}"[:200],
        change_idea=change_idea,
        other_change_idea=other,
        objective="Improve joy in work (from the team's Joy in Work worksheet).",
        plan_who=answers.get("plan_who", ""),
        plan_when=when,
        data_to_collect=answers.get("plan_measure", ""),
        planned_start=start,
        planned_end=end,
    )
    worksheet.pdsa_cycle = cycle
    worksheet.save(update_fields=["pdsa_cycle"])
    return cycle


@transaction.atomic
def closing_planner_save(
    *, actor: Any, collaborative: Collaborative, awardee: Awardee, answers: dict[str, Any]
) -> Worksheet:
    """Save the awardee's closing CQI planner for the collaborative (one per awardee and collaborative)."""
    if not access.may_edit_closing_plan(actor, awardee):
        raise PermissionDenied("Only the awardee's leads write its closing planner.")
    if not collaborative.teams.filter(lia__awardee=awardee).exists():
        raise ValidationError({"awardee": "This awardee has no team in the collaborative."})
    worksheet = (
        Worksheet.objects.visible_to(actor)
        .select_for_update(of=("self",))
        .filter(template__slug=definitions.CLOSING_PLANNER, collaborative=collaborative, awardee=awardee)
        .select_related("template", "awardee")
        .first()
    )
    if worksheet is None:
        worksheet = Worksheet(
            template=worksheet_template_current(slug=definitions.CLOSING_PLANNER),
            collaborative=collaborative,
            awardee=awardee,
        )
    return _save(worksheet, actor=actor, answers=answers, shared=False)
