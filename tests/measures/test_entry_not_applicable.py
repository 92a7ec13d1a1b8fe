import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from measures.models import Measure, Observation, RunChartAnalysis
from measures.services import ObservationInput, observations_record
from tests.factories import MeasureFactory

MONTH = dt.date(2025, 3, 1)


@pytest.fixture
def prop(world):
    return MeasureFactory(collaborative=world.one, code="prop")


def test_not_applicable_is_stored_apart_from_zero_and_from_blank(world, prop):
    count = MeasureFactory(collaborative=world.one, code="count", kind=Measure.Kind.COUNT)
    other = MeasureFactory(collaborative=world.one, code="other")
    observations_record(
        actor=world.alice,
        team=world.team_a1,
        month=MONTH,
        cells=[
            ObservationInput(prop, None, None, "no new enrolments", not_applicable=True),
            ObservationInput(count, 0, None),
            ObservationInput(other, None, None),
        ],
    )
    rows = {o.measure.code: (o.numerator, o.denominator, o.not_applicable) for o in Observation.objects.all()}
    assert rows == {"prop": (None, None, True), "count": (0, None, False), "other": (None, None, False)}


def test_values_with_not_applicable_are_refused_and_nothing_is_saved(world, prop):
    with pytest.raises(ValidationError) as excinfo:
        observations_record(
            actor=world.alice,
            team=world.team_a1,
            month=MONTH,
            cells=[ObservationInput(prop, 0, 5, not_applicable=True)],
        )
    assert list(excinfo.value.message_dict) == ["prop.not_applicable"]
    assert not Observation.objects.exists()


def test_switching_a_cell_to_not_applicable_is_a_change_with_history(
    world, prop, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        observations_record(
            actor=world.alice, team=world.team_a1, month=MONTH, cells=[ObservationInput(prop, 0, 5)]
        )
        observations_record(
            actor=world.alice,
            team=world.team_a1,
            month=MONTH,
            cells=[ObservationInput(prop, None, None, not_applicable=True)],
        )
    history = list(Observation.history.order_by("history_date").values_list("numerator", "not_applicable"))
    assert history == [(0, False), (None, True)]
    # The run chart treats a not-applicable month as missing, not as 0%.
    chart = RunChartAnalysis.objects.get(kind="team")
    assert chart.points[-1]["value"] is None


def test_the_page_keeps_a_ticked_not_applicable_box_and_shows_it_in_later_months(client, world, prop):
    client.force_login(world.alice)
    url = f"/teams/{world.team_a1.public_id}/data/2025-03/"
    response = client.post(
        url, {"action": "save", "prop-numerator": "", "prop-denominator": "", "prop-not_applicable": "on"}
    )
    assert response.status_code == 302
    assert Observation.objects.get().not_applicable is True
    page = client.get(url).content.decode()
    assert 'name="prop-not_applicable" class="form-check-input" id="id_prop-not_applicable" checked' in page
    later = client.get(f"/teams/{world.team_a1.public_id}/data/2025-04/").content.decode()
    assert "Mar 2025: not applicable" in later
