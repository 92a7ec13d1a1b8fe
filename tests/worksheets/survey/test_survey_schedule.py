"""A team's survey opens each month on a schedule: the days (across month and year ends), the nightly
run that opens due months once and tells the CQI lead where the links are, and the lead's page."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from collaboratives.models import Notification
from worksheets.models import SurveySchedule, SurveyWindow
from worksheets.survey import dates, services


@pytest.mark.parametrize(
    ("month", "day", "days_open", "expected"),
    [
        (dt.date(2025, 3, 1), 1, 14, (dt.date(2025, 3, 1), dt.date(2025, 3, 14))),
        (dt.date(2025, 1, 1), 28, 10, (dt.date(2025, 1, 28), dt.date(2025, 2, 6))),
        (dt.date(2025, 2, 1), 28, 28, (dt.date(2025, 2, 28), dt.date(2025, 3, 27))),
        (dt.date(2024, 2, 1), 28, 5, (dt.date(2024, 2, 28), dt.date(2024, 3, 3))),  # leap year
        (dt.date(2025, 12, 1), 28, 10, (dt.date(2025, 12, 28), dt.date(2026, 1, 6))),  # into the next year
        (dt.date(2025, 4, 1), 30 - 2, 1, (dt.date(2025, 4, 28), dt.date(2025, 4, 28))),
    ],
)
def test_scheduled_days(month, day, days_open, expected):
    assert dates.scheduled_days(month, day, days_open) == expected


@pytest.mark.parametrize(
    ("today", "due"),
    [
        (dt.date(2026, 1, 3), dt.date(2025, 12, 1)),  # December's days run to 6 January
        (dt.date(2026, 1, 6), dt.date(2025, 12, 1)),
        (dt.date(2026, 1, 7), None),
        (dt.date(2026, 1, 27), None),
        (dt.date(2026, 1, 28), dt.date(2026, 1, 1)),
        (dt.date(2025, 12, 31), dt.date(2025, 12, 1)),
    ],
)
def test_the_month_due_on_a_day(today, due):
    assert dates.scheduled_month_due(today, 28, 10) == due


@pytest.mark.parametrize(
    ("today", "day", "expected"),
    [
        (dt.date(2025, 3, 5), 5, dt.date(2025, 3, 5)),
        (dt.date(2025, 3, 6), 5, dt.date(2025, 4, 5)),
        (dt.date(2025, 12, 29), 28, dt.date(2026, 1, 28)),
    ],
)
def test_the_next_opening(today, day, expected):
    assert dates.scheduled_next_opening(today, day) == expected


def _windows(team):
    return list(SurveyWindow.objects.unscoped(reason="test").filter(team=team).order_by("month"))


def _notes(user):
    return list(Notification.objects.filter(recipient=user).values_list("text", "url"))


def _schedule(world, team, day=28, days_open=10, staff=9, today=dt.date(2025, 3, 15)):
    return services.survey_schedule_set(
        actor=world.root, team=team, day=day, days_open=days_open, staff_count=staff, today=today
    )


def test_the_nightly_run_opens_a_due_month_once_and_tells_the_lead_where_the_links_are(survey):
    w = survey.world
    _schedule(w, w.team_a1)
    assert services.survey_windows_open_scheduled(today=dt.date(2025, 4, 27)) == []
    (opened,) = services.survey_windows_open_scheduled(today=dt.date(2025, 4, 28))
    april = SurveyWindow.objects.unscoped(reason="test").get(id=opened)
    assert (april.month, april.opens_on, april.closes_on, april.staff_count, april.status) == (
        dt.date(2025, 4, 1),
        dt.date(2025, 4, 28),
        dt.date(2025, 5, 7),
        9,
        "open",
    )
    assert [i["code"] for i in april.items][0] == "supported"
    assert _notes(w.alice) == [
        (
            "The staff well-being survey of April 2025 opened on schedule (28 Apr to 7 May). Hand out its links.",
            f"/survey-months/{april.public_id}/links/",
        )
    ]
    # Again the same night, the next night, and after the month turned: nothing more opens, no one is told twice.
    for day in (dt.date(2025, 4, 28), dt.date(2025, 4, 29), dt.date(2025, 5, 3)):
        assert services.survey_windows_open_scheduled(today=day) == []
    assert [x.month for x in _windows(w.team_a1)] == [dt.date(2025, 3, 1), dt.date(2025, 4, 1)]
    assert len(_notes(w.alice)) == 1


def test_a_month_whose_days_began_last_month_opens_after_the_turn_of_the_year(survey):
    w = survey.world
    _schedule(w, w.team_a1, today=dt.date(2025, 12, 1))
    (opened,) = services.survey_windows_open_scheduled(today=dt.date(2026, 1, 2))  # the run missed 28–31 Dec
    december = SurveyWindow.objects.unscoped(reason="test").get(id=opened)
    assert (december.month, december.opens_on, december.closes_on) == (
        dt.date(2025, 12, 1),
        dt.date(2025, 12, 28),
        dt.date(2026, 1, 6),
    )
    assert services.survey_windows_open_scheduled(today=dt.date(2026, 1, 7)) == []


def test_a_month_opened_by_hand_is_left_as_it_is(survey):
    w = survey.world  # A1's March 2025 is open by hand from 1 to 31 March, for 12 staff
    _schedule(w, w.team_a1, day=5, days_open=10, today=dt.date(2025, 2, 1))
    assert services.survey_windows_open_scheduled(today=dt.date(2025, 3, 5)) == []
    (march,) = _windows(w.team_a1)
    assert (march.opens_on, march.staff_count) == (dt.date(2025, 3, 1), 12)
    assert _notes(w.alice) == []


def test_outside_the_collaborative_or_without_a_lead_nothing_opens(survey):
    w = survey.world
    _schedule(w, w.team_a1, day=1, days_open=5)
    _schedule(w, w.team_b1, day=1, days_open=5)  # LIA B has no CQI lead to hand out links
    assert services.survey_windows_open_scheduled(today=dt.date(2027, 7, 2)) == []  # ONE ended in June 2027
    assert services.survey_windows_open_scheduled(today=dt.date(2025, 5, 2)) != []
    assert [x.month for x in _windows(w.team_a1)][-1] == dt.date(2025, 5, 1)
    assert _windows(w.team_b1) == []


def test_setting_a_schedule_during_its_days_opens_the_month_now(survey):
    w = survey.world
    schedule, opened = services.survey_schedule_set(
        actor=w.alice, team=w.team_a1, day=10, days_open=14, staff_count=7, today=dt.date(2025, 4, 12)
    )
    assert (schedule.day, schedule.days_open, schedule.staff_count) == (10, 14, 7)
    assert (opened.month, opened.opens_on, opened.closes_on) == (
        dt.date(2025, 4, 1),
        dt.date(2025, 4, 10),
        dt.date(2025, 4, 23),
    )
    # Setting it again replaces it: one schedule per team.
    services.survey_schedule_set(
        actor=w.alice, team=w.team_a1, day=3, days_open=5, staff_count=8, today=dt.date(2025, 4, 12)
    )
    assert list(
        SurveySchedule.objects.unscoped(reason="test").values_list("day", "days_open", "staff_count")
    ) == [(3, 5, 8)]


@pytest.mark.parametrize("who", ["bob", "frank", "charlie"])
def test_only_the_teams_cqi_lead_sets_or_stops_the_schedule(survey, who):
    w = survey.world
    with pytest.raises(PermissionDenied):
        services.survey_schedule_set(
            actor=getattr(w, who),
            team=w.team_a1,
            day=1,
            days_open=5,
            staff_count=5,
            today=dt.date(2025, 3, 1),
        )
    _schedule(w, w.team_a1)
    with pytest.raises(PermissionDenied):
        services.survey_schedule_stop(actor=getattr(w, who), team=w.team_a1)
    assert SurveySchedule.objects.unscoped(reason="test").count() == 1


def test_the_lead_sets_changes_and_stops_the_schedule_on_its_page(client, survey):
    w = survey.world
    client.force_login(w.alice)
    url = f"/teams/{w.team_a1.public_id}/survey/schedule/"
    assert "Open the survey on a schedule" in client.get(url).content.decode()
    bad = client.post(url, {"day": "29", "days_open": "0", "staff_count": "9"})
    page = bad.content.decode()
    assert bad.status_code == 200 and "Ensure this value is less than or equal to 28." in page
    assert "Ensure this value is greater than or equal to 1." in page
    assert not SurveySchedule.objects.unscoped(reason="test").exists()
    response = client.post(url, {"day": "28", "days_open": "28", "staff_count": "9"})
    assert response.status_code == 302
    team_page = client.get(f"/teams/{w.team_a1.public_id}/survey/").content.decode()
    assert "Opens each month on day 28 for 28 days, asking 9 staff." in team_page
    assert client.post(url, {"stop": "1"}).status_code == 302
    assert not SurveySchedule.objects.unscoped(reason="test").exists()
    assert (
        "Each month's survey is opened by hand."
        in client.get(f"/teams/{w.team_a1.public_id}/survey/").content.decode()
    )


def test_the_team_page_names_the_next_opening_skipping_a_month_that_has_a_survey(client, survey):
    from django.utils import timezone

    w = survey.world
    today = timezone.localdate()
    this_month = today.replace(day=1)
    services.survey_window_open(
        actor=w.alice, team=w.team_a1, month=this_month, opens_on=today, closes_on=today, staff_count=5
    )
    _schedule(w, w.team_a1, day=today.day, days_open=1, today=today)
    client.force_login(w.bob)
    page = client.get(f"/teams/{w.team_a1.public_id}/survey/").content.decode()
    nxt = dates.scheduled_next_opening(dates.month_last_day(today) + dt.timedelta(days=1), today.day)
    assert f"Next opening: {nxt.day} {nxt:%B %Y}." in page
    assert "Change or stop the schedule" not in page  # bob reads it; only the lead changes it


def test_beat_runs_the_scheduled_opening_every_night_through_the_task(survey, monkeypatch):
    from django.utils import timezone

    from coiin.celery import app
    from worksheets.tasks import survey_windows_open_scheduled

    entry = app.conf.beat_schedule["survey-windows-open"]
    assert entry["task"] == "worksheets.tasks.survey_windows_open_scheduled"
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({0}, {10})
    _schedule(survey.world, survey.world.team_a1, day=1, days_open=3)
    monkeypatch.setattr(timezone, "localdate", lambda: dt.date(2025, 6, 1))
    (opened,) = survey_windows_open_scheduled()
    assert SurveyWindow.objects.unscoped(reason="test").get(id=opened).month == dt.date(2025, 6, 1)
    assert survey_windows_open_scheduled() == []
