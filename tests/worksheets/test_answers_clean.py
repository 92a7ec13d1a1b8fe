"""Answers are validated against the template version they were written against, with field-named errors."""

import pytest
from django.core.exceptions import ValidationError

from worksheets import definitions
from worksheets.answers import answers_clean
from worksheets.models import WorksheetTemplate
from worksheets.services import worksheet_template_current

JOY = definitions.current(definitions.JOY_IN_WORK)[1]
SAFETY = "Physical & Psychological Safety"
SAFETY_IDEA = definitions.JOY_COMPONENTS[0][2][0]


def _errors(answers: object) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as info:
        answers_clean(JOY, answers)
    return info.value.message_dict


def test_keeps_valid_answers_and_drops_empty_ones():
    cleaned = answers_clean(
        JOY,
        {
            "reflect_resonate": "  Safety matters most  ",
            "reflect_roles": "",
            "rating_safety": "Opportunity for Improvement",
            "action_components": [SAFETY],
            "changes_safety": [SAFETY_IDEA],
            "plan_start": "2026-02-01",
            "plan_end": "2026-02-28",
        },
    )
    assert cleaned == {
        "reflect_resonate": "Safety matters most",
        "rating_safety": "Opportunity for Improvement",
        "action_components": [SAFETY],
        "changes_safety": [SAFETY_IDEA],
        "plan_start": "2026-02-01",
        "plan_end": "2026-02-28",
    }


def test_unknown_question_is_named():
    assert _errors({"favourite_colour": "blue"}) == {
        "favourite_colour": ["This question is not part of the worksheet."]
    }


def test_bad_choice_is_named():
    assert _errors({"rating_meaning": "Excellent"}) == {
        "rating_meaning": ["“Excellent” is not one of the choices."]
    }


def test_more_than_two_components_is_rejected():
    three = [name for _, name, _ in definitions.JOY_COMPONENTS[:3]]
    assert _errors({"action_components": three}) == {"action_components": ["Choose at most 2."]}


def test_change_ideas_need_their_component_chosen():
    errors = _errors({"action_components": ["Meaning & Purpose"], "changes_safety": [SAFETY_IDEA]})
    assert list(errors) == ["changes_safety"]
    assert SAFETY in errors["changes_safety"][0]


def test_an_idea_from_another_components_list_is_rejected():
    meaning_idea = definitions.JOY_COMPONENTS[1][2][0]
    assert _errors({"action_components": [SAFETY], "changes_safety": [meaning_idea]}) == {
        "changes_safety": [f"“{meaning_idea}” is not one of the choices."]
    }


def test_end_date_before_start_date_is_rejected():
    assert _errors({"plan_start": "2026-03-01", "plan_end": "2026-02-01"}) == {
        "plan_end": ["End date cannot be before start date."]
    }


def test_bad_date_and_wrong_types_are_named():
    assert _errors({"plan_start": "next week", "reflect_roles": 7, "action_components": "Meaning"}) == {
        "plan_start": ["Enter a date as YYYY-MM-DD."],
        "reflect_roles": ["Enter text."],
        "action_components": ["Tick items from the list."],
    }


def test_new_sites_must_be_a_multiple_of_five():
    planner = definitions.current(definitions.CLOSING_PLANNER)[1]
    assert answers_clean(planner, {"p3_new_sites": 25}) == {"p3_new_sites": 25}
    with pytest.raises(ValidationError) as info:
        answers_clean(planner, {"p3_new_sites": 7})
    assert info.value.message_dict == {"p3_new_sites": ["Use a multiple of 5 (for example 5, 10 or 25)."]}


def test_answers_must_be_an_object():
    assert _errors(["not", "a", "dict"]) == {"answers": ["Answers must be an object keyed by question."]}


def test_template_versions_are_stored_once_and_a_new_version_gets_its_own_row(db, monkeypatch):
    first = worksheet_template_current(slug=definitions.JOY_IN_WORK)
    assert worksheet_template_current(slug=definitions.JOY_IN_WORK) == first
    assert first.version == 1 and first.definition == JOY

    def v2() -> dict:
        changed = definitions._joy()
        changed["sections"][0]["questions"].append({"key": "reflect_new", "type": "short", "label": "New"})
        return changed

    monkeypatch.setitem(definitions.DEFINITIONS, definitions.JOY_IN_WORK, (2, v2))
    second = worksheet_template_current(slug=definitions.JOY_IN_WORK)
    assert (second.version, WorksheetTemplate.objects.filter(slug=definitions.JOY_IN_WORK).count()) == (2, 2)
    assert answers_clean(second.definition, {"reflect_new": "x"}) == {"reflect_new": "x"}
    with pytest.raises(ValidationError):
        answers_clean(first.definition, {"reflect_new": "x"})  # v1 answers are still judged by v1
