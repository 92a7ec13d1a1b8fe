"""Closing a month: each item's top-box share becomes the month's observation of its measure through the
hand-entry service (history says so), charts recompute, and a month under the threshold records nothing."""

import datetime as dt

from django.utils import timezone

from measures.models import MonthlyReport, Observation, RunChartAnalysis
from worksheets.models import SurveyWindow
from worksheets.survey import services
from worksheets.tasks import survey_windows_close_due

from .conftest import ALL_TOP, MONTH, NONE_TOP, answer

AFTER = dt.date(2025, 4, 1)


def _observations():
    return Observation.objects.unscoped(reason="test").select_related("measure")


def _fill(window, top: int, other: int, mixed: bool = False) -> None:
    for _ in range(top):
        answer(window, ALL_TOP)
    for _ in range(other):
        answer(window, NONE_TOP | ({"wellbeing": "same_good"} if mixed else {}))


def test_closing_records_each_items_top_box_share_as_the_months_observation(survey):
    _fill(survey.window, top=7, other=3, mixed=True)
    window = services.survey_window_close(window_id=survey.window.id, today=AFTER)
    got = {o.measure.code: (o.numerator, o.denominator, o.month) for o in _observations()}
    assert got == {
        "supported": (7, 10, MONTH),
        "reflective-supervision": (7, 10, MONTH),
        "work-life-balance": (7, 10, MONTH),
        "wellbeing": (10, 10, MONTH),  # better, or about the same and good: all ten
    }
    assert window.status == "closed" and window.closed_on == AFTER
    assert window.outcome.startswith("10 responses, recorded as March 2025's observations of supported")


def test_the_observation_history_says_it_came_from_the_survey_in_the_leads_name(survey):
    _fill(survey.window, top=5, other=1)
    services.survey_window_close(window_id=survey.window.id, today=AFTER)
    obs = _observations().get(measure__code="supported")
    (history,) = obs.history.all()
    assert history.note == "From the staff well-being survey: 5 of 6 responses counted (12 staff asked)."
    assert history.history_user_id == survey.world.alice.id
    assert MonthlyReport.objects.unscoped(reason="test").get().status == "draft"


def test_closing_marks_the_charts_and_they_recompute(survey, django_capture_on_commit_callbacks):
    _fill(survey.window, top=5, other=0)
    with django_capture_on_commit_callbacks(execute=True):
        services.survey_window_close(window_id=survey.window.id, today=AFTER)
    charts = RunChartAnalysis.objects.unscoped(reason="test").filter(measure=survey.measures["supported"])
    assert sorted(charts.values_list("kind", flat=True)) == ["awardee", "collaborative", "team"]
    team_chart = charts.get(kind="team")
    assert team_chart.stale is False and team_chart.computed_at is not None
    assert [p["numerator"] for p in team_chart.points if p["numerator"] is not None] == [5]


def test_a_month_under_the_threshold_records_nothing_and_says_why(survey):
    _fill(survey.window, top=4, other=0)
    window = services.survey_window_close(window_id=survey.window.id, today=AFTER)
    assert not _observations().exists()
    assert window.outcome.startswith("4 responses, fewer than 5: no results are shown and no observation")


def test_closing_twice_changes_nothing_the_second_time(survey):
    _fill(survey.window, top=5, other=1)
    services.survey_window_close(window_id=survey.window.id, today=AFTER)
    before = list(_observations().values_list("id", "numerator", "denominator", "note"))
    assert services.survey_window_close(window_id=survey.window.id, today=AFTER) is None
    assert list(_observations().values_list("id", "numerator", "denominator", "note")) == before
    assert Observation.history.count() == 4


def test_a_submitted_month_is_not_overwritten_and_the_outcome_says_so(survey):
    MonthlyReport.objects.create(
        team=survey.world.team_a1, month=MONTH, status="submitted", submitted_at=timezone.now()
    )
    _fill(survey.window, top=5, other=0)
    window = services.survey_window_close(window_id=survey.window.id, today=AFTER)
    assert not _observations().exists()
    assert "Not recorded: March 2025 was submitted" in window.outcome


def test_the_scheduled_task_closes_only_windows_past_their_last_day(survey, monkeypatch):
    april = services.survey_window_open(
        actor=survey.world.alice,
        team=survey.world.team_a1,
        month=AFTER,
        opens_on=AFTER,
        closes_on=dt.date(2025, 4, 30),
        staff_count=5,
    )
    _fill(survey.window, top=5, other=0)
    monkeypatch.setattr(timezone, "localdate", lambda: dt.date(2025, 4, 2))
    assert survey_windows_close_due() == [survey.window.id]
    assert survey_windows_close_due() == []
    statuses = dict(SurveyWindow.objects.unscoped(reason="test").values_list("id", "status"))
    assert statuses == {survey.window.id: "closed", april.id: "open"}
    assert _observations().count() == 4


def test_the_lead_closes_by_hand_and_sees_the_results(client, survey):
    _fill(survey.window, top=5, other=1)
    client.force_login(survey.world.alice)
    response = client.post(f"/survey-months/{survey.window.public_id}/close/", follow=True)
    page = response.content.decode()
    assert "Closed. 6 responses, recorded" in page
    assert '83% <span class="text-body-secondary">(5 of 6)</span>' in page
