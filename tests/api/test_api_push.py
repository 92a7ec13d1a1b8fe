"""Pushing a month of data and submitting it through the API: the same service, rules and messages as the
data-entry form; all or nothing; each error with the item's index and field."""

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from measures.models import MonthlyReport, Observation, RunChartAnalysis
from tests.factories import MeasureFactory

MONTH = dt.date(2025, 7, 1)
NOT_FOUND = {"status": 404, "code": "not_found", "detail": "Not found.", "errors": []}


def _push_url(team, month: str = "2025-07") -> str:
    return f"/api/v1/teams/{team.public_id}/months/{month}/observations/"


def _cells() -> list[tuple]:
    return list(Observation.objects.values_list("team_id", "measure_id", "month", "numerator", "denominator"))


def test_a_push_saves_the_month_and_recomputes_its_series(
    world, charted, api_as, django_capture_on_commit_callbacks
):
    payload = {"observations": [{"measure": str(charted.measure.public_id), "numerator": 9, "denominator": 10,
                                 "note": "New screener"}]}  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = api_as(world.bob, "push").post(_push_url(world.team_a1), payload, format="json")
    assert response.status_code == 200
    obs = Observation.objects.get(team=world.team_a1, month=MONTH)
    assert response.json() == {
        "team": str(world.team_a1.public_id),
        "month": "2025-07",
        "report_status": "draft",
        "observations": [
            {"team": str(world.team_a1.public_id), "team_code": "A1", "measure": str(charted.measure.public_id),
             "measure_code": "screen", "month": "2025-07", "numerator": 9, "denominator": 10,
             "cases": None, "not_applicable": False, "note": "New screener",
             "updated_at": timezone.localtime(obs.updated_at).isoformat()}
        ],
    }  # fmt: skip
    assert (obs.updated_by, obs.history.get().history_user) == (world.bob, world.bob)
    # July is the measure's new latest month: every series of it (A1's, the collaborative's and North's)
    # is recomputed, by one batch task for the measure.
    assert len(callbacks) == 1
    team_chart = RunChartAnalysis.objects.get(kind="team", team=world.team_a1)
    assert team_chart.points[-1] == {"month": "2025-07-01", "numerator": 9, "denominator": 10, "value": 0.9}


def test_pushing_the_same_values_again_changes_nothing(world, charted, api_as):
    client = api_as(world.alice, "push")
    payload = {
        "observations": [{"measure": str(charted.measure.public_id), "numerator": 9, "denominator": 10}]
    }
    assert client.post(_push_url(world.team_a1), payload, format="json").status_code == 200
    assert client.post(_push_url(world.team_a1), payload, format="json").status_code == 200
    assert Observation.history.filter(month=MONTH).count() == 1


def test_one_bad_item_among_a_hundred_saves_nothing_and_names_its_index_and_field(world, api_as):
    measures = [MeasureFactory(collaborative=world.one, code=f"m{i:03d}") for i in range(100)]
    items = [{"measure": str(m.public_id), "numerator": 1, "denominator": 2} for m in measures]
    items[57] = {"measure": str(measures[57].public_id), "numerator": 5, "denominator": 2}
    response = api_as(world.alice, "push").post(
        _push_url(world.team_a1), {"observations": items}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {
        "status": 400,
        "code": "invalid",
        "detail": "The numerator (5) cannot be larger than the denominator (2).",
        "errors": [
            {
                "field": "numerator",
                "index": 57,
                "message": "The numerator (5) cannot be larger than the denominator (2).",
            }
        ],
    }
    assert _cells() == [] and not MonthlyReport.objects.exists()


def test_every_problem_of_the_batch_is_listed_with_the_forms_messages(world, charted, api_as):
    other = MeasureFactory(collaborative=world.two, code="elsewhere")  # alice sees TWO too, via A2
    m = str(charted.measure.public_id)
    items = [
        {"measure": m, "numerator": "7", "denominator": 10},
        {"measure": str(uuid.uuid4()), "numerator": 1, "denominator": 2},
        {"measure": m, "numerator": 1, "denominator": 2},
        {"measure": str(other.public_id), "numerator": 1, "denominator": 2},
        {"measure": "not-a-uuid"},
    ]
    before = _cells()
    response = api_as(world.alice, "push").post(
        _push_url(world.team_a1), {"observations": items}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"field": "numerator", "index": 0, "message": "Enter a whole number, 0 or more."},
        {"field": "measure", "index": 1, "message": "No measure with this id."},
        {"field": "measure", "index": 2, "message": "This measure is already in the batch, at index 0."},
        {"field": "measure", "index": 3, "message": "This measure is not part of the team's collaborative."},
        {"field": "measure", "index": 4, "message": "No measure with this id."},
    ]
    assert _cells() == before


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("5", "Enter a whole number, 0 or more."),
        (5.5, "Enter a whole number, 0 or more."),
        (True, "Enter a whole number, 0 or more."),
        (-1, "Enter a whole number, 0 or more."),
        (2**31, "Enter a number no larger than 2,147,483,647."),
        (None, "Enter both numerator and denominator, or leave both blank."),
    ],
)
def test_a_numerator_that_is_not_a_whole_number_gets_the_forms_message(
    world, charted, api_as, value, message
):
    item = {"measure": str(charted.measure.public_id), "numerator": value, "denominator": 10}
    response = api_as(world.alice, "push").post(
        _push_url(world.team_a1), {"observations": [item]}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"] == [{"field": "numerator", "index": 0, "message": message}]
    assert not Observation.objects.filter(month=MONTH).exists()


def test_a_submitted_month_refuses_a_push(world, charted, api_as):
    MonthlyReport.objects.create(
        team=world.team_a1,
        month=MONTH,
        status="submitted",
        submitted_at=timezone.now(),
        submitted_by=world.alice,
    )
    item = {"measure": str(charted.measure.public_id), "numerator": 1, "denominator": 2}
    response = api_as(world.alice, "push").post(
        _push_url(world.team_a1), {"observations": [item]}, format="json"
    )
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["field"] == "month" and error["message"].startswith("July 2025 was submitted on")
    assert not Observation.objects.filter(month=MONTH).exists()


def test_a_month_outside_the_collaborative_or_impossible(world, charted, api_as):
    client = api_as(world.alice, "push")
    item = {"observations": [{"measure": str(charted.measure.public_id), "numerator": 1, "denominator": 2}]}
    response = client.post(_push_url(world.team_a1, "2024-12"), item, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"field": "month", "index": None,
         "message": "December 2024 is outside the collaborative (January 2025 to June 2027)."}
    ]  # fmt: skip
    assert client.post(_push_url(world.team_a1, "2025-13"), item, format="json").json() == NOT_FOUND


def test_who_may_push_for_team_a1(world, charted, api_as):
    item = {"observations": [{"measure": str(charted.measure.public_id), "numerator": 1, "denominator": 2}]}
    before = _cells()
    erin = api_as(world.erin, "push").post(_push_url(world.team_a1), item, format="json")
    assert (erin.status_code, erin.json()["detail"]) == (403, "You may not enter data here.")
    charlie = api_as(world.charlie, "push")
    foreign = charlie.post(_push_url(world.team_a1), item, format="json")
    missing = charlie.post(f"/api/v1/teams/{uuid.uuid4()}/months/2025-07/observations/", item, format="json")
    assert (foreign.status_code, foreign.json()) == (missing.status_code, missing.json()) == (404, NOT_FOUND)
    assert _cells() == before


def test_privileged_fields_in_the_body_are_ignored(world, charted, api_as):
    item = {"measure": str(charted.measure.public_id), "numerator": 1, "denominator": 2, "team": str(world.team_c1.public_id),
            "id": 1, "created_by": world.root.pk, "updated_by": world.root.pk, "is_staff": True}  # fmt: skip
    body = {"observations": [item], "status": "submitted", "team": str(world.team_c1.public_id)}
    response = api_as(world.alice, "push").post(_push_url(world.team_a1), body, format="json")
    assert response.status_code == 200
    obs = Observation.objects.get(month=MONTH)
    assert (obs.team, obs.updated_by) == (world.team_a1, world.alice)
    assert MonthlyReport.objects.get(month=MONTH).status == "draft"


def test_the_lead_submits_a_complete_month(world, charted, api_as):
    response = api_as(world.alice, "push").post(
        f"/api/v1/teams/{world.team_a1.public_id}/months/2025-03/submit/"
    )
    assert response.status_code == 200
    report = MonthlyReport.objects.get(team=world.team_a1, month=dt.date(2025, 3, 1))
    assert response.json() == {
        "team": str(world.team_a1.public_id),
        "month": "2025-03",
        "status": "submitted",
        "submitted_at": timezone.localtime(report.submitted_at).isoformat(),
    }
    assert report.submitted_by == world.alice


def test_an_incomplete_month_is_not_submitted_and_a_member_may_not_submit(world, charted, api_as):
    url = f"/api/v1/teams/{world.team_a1.public_id}/months/2025-07/submit/"
    response = api_as(world.alice, "push").post(url)
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"field": "screen.numerator", "index": None,
         "message": "Enter a value, or tick not applicable if this measure does not apply this month."}
    ]  # fmt: skip
    assert api_as(world.bob, "push").post(url).status_code == 403
    assert not MonthlyReport.objects.exists()


# --- issue 19: the service owns the cell rules (month grammar and window, notes) ---


def test_a_month_written_without_its_leading_zero_is_not_a_month(world, charted, api_as):
    item = {"observations": [{"measure": str(charted.measure.public_id), "numerator": 1, "denominator": 2}]}
    response = api_as(world.alice, "push").post(_push_url(world.team_a1, "2025-7"), item, format="json")
    assert response.json() == NOT_FOUND
    assert not Observation.objects.filter(team=world.team_a1, month=MONTH).exists()


def test_a_future_month_is_refused_and_nothing_is_saved(world, charted, api_as):
    future = timezone.localdate().replace(day=1) + dt.timedelta(days=40)
    item = {"observations": [{"measure": str(charted.measure.public_id), "numerator": 1, "denominator": 2}]}
    response = api_as(world.alice, "push").post(
        _push_url(world.team_a1, f"{future:%Y-%m}"), item, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"field": "month", "index": None,
         "message": f"{future:%B %Y} is in the future: enter a month once it has begun."}
    ]  # fmt: skip
    assert not Observation.objects.filter(month__gt=timezone.localdate()).exists()


@pytest.mark.parametrize(
    ("note", "message"),
    [
        ("rang the bell\x07", "The note contains control characters. Remove them and save again."),
        ("x" * 2001, "The note is 2,001 characters long; the limit is 2,000."),
    ],
)
def test_a_note_breaking_the_services_rules_is_refused_by_the_push_as_by_the_form(
    world, charted, api_as, note, message
):
    item = {
        "observations": [
            {"measure": str(charted.measure.public_id), "numerator": 1, "denominator": 2, "note": note}
        ]
    }
    response = api_as(world.alice, "push").post(_push_url(world.team_a1), item, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == [{"field": "note", "index": 0, "message": message}]
    assert not Observation.objects.filter(team=world.team_a1, month=MONTH).exists()
