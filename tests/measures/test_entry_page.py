import datetime as dt

import pytest
from django.utils import timezone

from measures.models import Measure, MonthlyReport, Observation
from tests.factories import MeasureFactory, MonthlyReportFactory, ObservationFactory

MONTH = dt.date(2025, 3, 1)


@pytest.fixture
def measures(world):
    return {
        "prop": MeasureFactory(
            collaborative=world.one,
            code="prop",
            name="Families screened for depression",
            numerator_definition="Caregivers screened with the PHQ-9",
            denominator_definition="Caregivers enrolled 3 months or more",
            order=1,
        ),
        "mean": MeasureFactory(
            collaborative=world.one,
            code="ease",
            name="Ease of linkage",
            kind=Measure.Kind.MEAN,
            scale_max=6,
            numerator_definition="Ease-of-linkage scores reported by families",
            order=2,
        ),
        "count": MeasureFactory(collaborative=world.one, code="refs", kind=Measure.Kind.COUNT, order=3),
    }


def _url(team, month=MONTH):
    return f"/teams/{team.public_id}/data/{month:%Y-%m}/"


def _post(client, team, action="save", **values):
    fields = {
        f"{code}-{name}": "" for code in ("prop", "ease", "refs") for name in ("numerator", "denominator")
    }
    return client.post(_url(team), fields | values | {"action": action})


def test_the_page_shows_every_measure_with_its_definitions_and_earlier_months(client, world, measures):
    ObservationFactory(
        team=world.team_a1, measure=measures["prop"], month=dt.date(2025, 2, 1), numerator=6, denominator=8
    )
    client.force_login(world.bob)
    response = client.get(_url(world.team_a1))
    assert response.status_code == 200
    page = response.content.decode()
    for text in (
        "March 2025 data",
        "Families screened for depression",
        "Caregivers screened with the PHQ-9",
        "Caregivers enrolled 3 months or more",
        "Sum of scores",
        "Number of scores",
        "Each score is from 0 to 6.",
        "Feb 2025: 6/8 (75%)",
        "Late: not started",  # March 2025 data was due April 15, 2025
        'inputmode="numeric"',
        "js/entry.js",
    ):
        assert text in page, text
    assert 'name="refs-denominator"' not in page  # a count has one field
    assert '<label class="form-label fw-semibold mb-0" for="id_prop-numerator">Numerator</label>' in page


def test_saving_a_draft_stores_the_values_and_redirects_back(client, world, measures):
    client.force_login(world.bob)
    response = _post(
        client, world.team_a1, **{"prop-numerator": "7", "prop-denominator": "10", "prop-note": "two moved"}
    )
    assert response.status_code == 302
    assert response.url == _url(world.team_a1)
    obs = Observation.objects.get(measure=measures["prop"])
    assert (obs.numerator, obs.denominator, obs.note, obs.updated_by) == (7, 10, "two moved", world.bob)
    assert MonthlyReport.objects.get(team=world.team_a1, month=MONTH).status == "draft"
    assert "Late: draft, not submitted" in client.get(_url(world.team_a1)).content.decode()


@pytest.mark.parametrize(
    ("values", "field_id", "message"),
    [
        (
            {"prop-numerator": "11", "prop-denominator": "10"},
            "id_prop-numerator",
            "The numerator (11) cannot be larger than the denominator (10).",
        ),
        (
            {"prop-numerator": "seven", "prop-denominator": "10"},
            "id_prop-numerator",
            "Enter a whole number, 0 or more.",
        ),
        ({"refs-numerator": "-2"}, "id_refs-numerator", "Enter a whole number, 0 or more."),
        (
            {"ease-numerator": "43", "ease-denominator": "7"},
            "id_ease-numerator",
            "The sum of scores (43) cannot exceed 6 × the number of scores (7).",
        ),
        (
            {"prop-numerator": "5"},
            "id_prop-denominator",
            "Enter both numerator and denominator, or leave both blank.",
        ),
    ],
)
def test_bad_input_is_a_400_with_the_message_at_the_field_and_nothing_saved(
    client, world, measures, values, field_id, message
):
    client.force_login(world.alice)
    response = _post(client, world.team_a1, **{"refs-numerator": "3"} | values)
    assert response.status_code == 400
    page = response.content.decode()
    assert (
        f'<a class="alert-link" href="#{field_id}">{message}</a>' in page
    )  # the error summary links to the field
    assert f'id="{field_id}_error"' in page
    assert f'aria-describedby="{field_id}_helptext {field_id}_error"' in page
    assert 'aria-invalid="true"' in page
    assert not Observation.objects.exists()
    assert not MonthlyReport.objects.exists()


def test_submit_saves_then_submits_the_month(client, world, measures):
    client.force_login(world.alice)
    response = _post(
        client,
        world.team_a1,
        action="submit",
        **{
            "prop-numerator": "7",
            "prop-denominator": "10",
            "ease-numerator": "30",
            "ease-denominator": "7",
            "refs-not_applicable": "on",
        },
    )
    assert response.status_code == 302
    report = MonthlyReport.objects.get(team=world.team_a1, month=MONTH)
    assert (report.status, report.submitted_by) == ("submitted", world.alice)
    page = client.get(_url(world.team_a1)).content.decode()
    assert "Submitted" in page
    assert 'name="action" value="save"' not in page  # no editing a submitted month


def test_submitting_an_incomplete_month_keeps_the_draft_and_names_the_missing_measures(
    client, world, measures
):
    client.force_login(world.alice)
    response = _post(
        client, world.team_a1, action="submit", **{"prop-numerator": "7", "prop-denominator": "10"}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert 'href="#id_ease-numerator">Enter a value, or tick not applicable' in page
    assert 'href="#id_refs-numerator">Enter a value, or tick not applicable' in page
    assert Observation.objects.get(measure=measures["prop"]).numerator == 7
    assert MonthlyReport.objects.get().status == "draft"


def test_a_member_sees_no_submit_button_and_is_refused_if_he_tries(client, world, measures):
    client.force_login(world.bob)
    assert 'value="submit"' not in client.get(_url(world.team_a1)).content.decode()
    assert _post(client, world.team_a1, action="submit", **{"refs-numerator": "1"}).status_code == 403
    assert not Observation.objects.exists()


def test_a_submitted_month_refuses_edits_with_a_clear_message(client, world, measures):
    ObservationFactory(team=world.team_a1, measure=measures["prop"], month=MONTH, numerator=7, denominator=10)
    MonthlyReportFactory(
        team=world.team_a1,
        month=MONTH,
        status="submitted",
        submitted_at=timezone.now(),
        submitted_by=world.alice,
    )
    client.force_login(world.alice)
    response = _post(client, world.team_a1, **{"prop-numerator": "9", "prop-denominator": "10"})
    assert response.status_code == 400
    assert "March 2025 was submitted" in response.content.decode()
    assert Observation.objects.get().numerator == 7


def test_another_lias_member_gets_404_and_nothing_changes(client, world, measures):
    client.force_login(world.charlie)
    assert client.get(_url(world.team_a1)).status_code == 404
    assert _post(client, world.team_a1, **{"refs-numerator": "3"}).status_code == 404
    assert not Observation.objects.exists()
    assert not MonthlyReport.objects.exists()


def test_a_month_outside_the_collaborative_is_404(client, world, measures):
    client.force_login(world.alice)
    assert client.get(_url(world.team_a1, dt.date(2024, 12, 1))).status_code == 404
    assert client.get(f"/teams/{world.team_a1.public_id}/data/2025-13/").status_code == 404


def test_the_advisor_reopens_a_submitted_month_from_the_page(client, world, measures):
    MonthlyReportFactory(
        team=world.team_b1,
        month=MONTH,
        status="submitted",
        submitted_at=timezone.now(),
        submitted_by=world.alice,
    )
    client.force_login(world.diana)
    page = client.get(_url(world.team_b1)).content.decode()
    assert "Reopen this month" in page
    response = client.post(_url(world.team_b1), {"action": "reopen", "reason": ""})
    assert response.status_code == 400
    assert "Say why the month is reopened" in response.content.decode()
    assert MonthlyReport.objects.get().status == "submitted"
    response = client.post(_url(world.team_b1), {"action": "reopen", "reason": "Denominator looks doubled"})
    assert response.status_code == 302
    report = MonthlyReport.objects.get()
    assert (report.status, report.reopened_by, report.reopen_reason) == (
        "draft",
        world.diana,
        "Denominator looks doubled",
    )
    assert "Denominator looks doubled" in client.get(_url(world.team_b1)).content.decode()


def test_the_team_page_and_the_home_page_link_to_data_entry(client, world, measures):
    client.force_login(world.bob)
    assert (
        f"/teams/{world.team_a1.public_id}/data/"
        in client.get(f"/teams/{world.team_a1.public_id}/").content.decode()
    )
    home = client.get("/").content.decode()
    assert f"/teams/{world.team_a1.public_id}/data/" in home
