"""The instrument is data: default SRR items mapped to measures by code; admins change items with checked input."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError

from tests.factories import CollaborativeFactory, MeasureFactory
from worksheets.models import SurveyInstrument, SurveyItem
from worksheets.survey import services

from .conftest import CODES


def test_default_items_are_the_srr_items_and_the_wellbeing_item_each_feeding_its_measure(survey):
    instrument = services.survey_instrument_ensure(collaborative=survey.world.one)
    items = list(instrument.items.all())
    assert [i.code for i in items] == list(CODES)
    assert [i.measure_id for i in items] == [survey.measures[c].id for c in CODES]
    assert [i.top_box for i in items] == [["always"], ["always"], ["always"], ["better", "same_good"]]
    assert items[0].text_es.startswith("¿Con qué frecuencia")
    assert instrument.min_responses == 5


def test_a_default_item_without_a_measure_of_its_code_feeds_none(world):
    instrument = services.survey_instrument_ensure(collaborative=world.two)
    assert list(instrument.items.values_list("measure_id", flat=True)) == [None] * 4


def _save(world, instrument, **changes):
    fields = {
        "actor": world.frank,
        "instrument": instrument,
        "item": None,
        "code": "safety",
        "text_en": "How often do you feel safe on visits?",
        "text_es": "¿Con qué frecuencia se siente seguro en las visitas?",
        "choices_text": "never | Never | Nunca\nalways | Always | Siempre",
        "top_box": ["always"],
        "measure": None,
        "order": 5,
    }
    return services.survey_item_save(**(fields | changes))


def test_a_collaborative_admin_adds_an_item(survey):
    instrument = services.survey_instrument_ensure(collaborative=survey.world.one)
    item = _save(survey.world, instrument, measure=survey.measures["supported"])
    item.refresh_from_db()
    assert item.choices == [
        {"value": "never", "en": "Never", "es": "Nunca"},
        {"value": "always", "en": "Always", "es": "Siempre"},
    ]
    assert item.collaborative_id == survey.world.one.id


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"choices_text": "never | Never\nalways | Always | Siempre"},
            "choices",
            "Line 1: write value | English | Spanish.",
        ),
        ({"choices_text": "always | Always | Siempre"}, "choices", "Give at least two answers."),
        ({"top_box": ["sometimes"]}, "top_box", "sometimes is not one of the answers."),
        ({"top_box": ["never", "always"]}, "top_box", "Leave at least one answer that does not count"),
    ],
)
def test_a_bad_item_names_its_field_and_saves_nothing(survey, changes, field, message):
    instrument = services.survey_instrument_ensure(collaborative=survey.world.one)
    with pytest.raises(ValidationError) as info:
        _save(survey.world, instrument, **changes)
    assert info.value.message_dict[field][0].startswith(message)
    assert not SurveyItem.objects.unscoped(reason="test").filter(code="safety").exists()


def test_an_item_cannot_feed_another_collaboratives_or_a_non_proportion_measure(survey):
    instrument = services.survey_instrument_ensure(collaborative=survey.world.one)
    elsewhere = MeasureFactory(collaborative=CollaborativeFactory())
    mean = MeasureFactory(collaborative=survey.world.one, kind="mean", scale_max=6)
    for measure in (elsewhere, mean):
        with pytest.raises(ValidationError) as info:
            _save(survey.world, instrument, measure=measure)
        assert info.value.message_dict == {"measure": ["Choose a proportion measure of this collaborative."]}


def test_only_the_collaboratives_admins_change_items(survey):
    instrument = services.survey_instrument_ensure(collaborative=survey.world.one)
    with pytest.raises(PermissionDenied):
        _save(survey.world, instrument, actor=survey.world.alice)


def test_the_threshold_can_be_raised_but_never_set_below_5(survey):
    instrument = services.survey_instrument_ensure(collaborative=survey.world.one)
    services.survey_instrument_update(actor=survey.world.frank, instrument=instrument, min_responses=8)
    with pytest.raises(ValidationError) as info:
        services.survey_instrument_update(actor=survey.world.frank, instrument=instrument, min_responses=4)
    assert "min_responses" in info.value.message_dict
    assert SurveyInstrument.objects.unscoped(reason="test").get().min_responses == 8
    with pytest.raises(IntegrityError):
        SurveyInstrument.objects.unscoped(reason="test").filter(id=instrument.id).update(min_responses=4)


def test_instrument_page_rejects_a_threshold_below_5_naming_the_field(client, survey):
    client.force_login(survey.world.frank)
    url = f"/collaboratives/{survey.world.one.public_id}/survey/questions/"
    response = client.post(url, {"min_responses": "3"})
    assert response.status_code == 200
    assert b'href="#id_min_responses"' in response.content
    assert SurveyInstrument.objects.unscoped(reason="test").get().min_responses == 5


def test_item_page_shows_a_bad_answers_line_and_saves_nothing(client, survey):
    client.force_login(survey.world.frank)
    url = f"/collaboratives/{survey.world.one.public_id}/survey/questions/new/"
    response = client.post(
        url,
        {"code": "safety", "text_en": "Q", "text_es": "P", "choices": "a | A", "top_box": "a", "order": "1"},
    )
    assert response.status_code == 200
    assert "Line 1: write value | English | Spanish." in response.content.decode()
    assert not SurveyItem.objects.unscoped(reason="test").filter(code="safety").exists()
