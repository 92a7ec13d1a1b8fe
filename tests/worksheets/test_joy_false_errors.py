"""Issue 21: a refused answer is reported once; the answers that depend on it get no error of their own."""

import pytest
from django.core.exceptions import ValidationError

from worksheets.answers import answers_clean
from worksheets.definitions import JOY_IN_WORK, current


def test_too_many_components_reports_only_that_not_their_change_ideas():
    _, definition = current(JOY_IN_WORK)
    answers = {
        "action_components": [
            "Physical & Psychological Safety",
            "Camaraderie & Teamwork",
            "Meaning & Purpose",
        ],
        "other_safety": "Walk in pairs after dark",
    }
    with pytest.raises(ValidationError) as caught:
        answers_clean(definition, answers)
    assert caught.value.message_dict == {"action_components": ["Choose at most 2."]}


def test_an_idea_for_a_component_not_ticked_is_still_refused():
    _, definition = current(JOY_IN_WORK)
    with pytest.raises(ValidationError) as caught:
        answers_clean(definition, {"action_components": ["Camaraderie & Teamwork"], "other_safety": "x"})
    assert list(caught.value.message_dict) == ["other_safety"]
