"""Issue 25 in Chromium: the learning calendar, its feed and attendance, and the training plan.

Journey A: faculty add a material and schedule a recurring call with it; a CQI lead sees it on home,
subscribes to the feed (parsed with icalendar: the call is there, another collaborative's is not),
checks the team in, and the engagement chart has the month. Journey B: a collaborative admin requires
two topics of home visitors; a CQI lead records completions; the coverage view and its measure show
them. Every page is checked with axe at 1280 px and 390 px, and screenshotted.
"""

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import pytest
from dateutil.relativedelta import relativedelta
from django.utils import timezone

from collaboratives.learning.services import event_schedule
from collaboratives.models import Event, EventAttendance, TrainingCompletion
from measures.models import Observation, RunChartAnalysis
from tests.browser.pages import axe_violations, screenshot, wait_for_charts
from tests.factories import CollaborativeFactory, TeamFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ZONES = ["UTC", "America/New_York", "America/Los_Angeles", "Asia/Tokyo", "Asia/Kolkata", "Pacific/Auckland"]


def _zone_in_the_middle_of_its_day() -> ZoneInfo:
    """A zone where it is now between 02:00 and 21:59, so an event from 00:00 to 23:30 today is on now."""
    now = timezone.now()
    return next(z for z in map(ZoneInfo, ZONES) if 2 <= now.astimezone(z).hour <= 21)


def _check(signed_in_page: Any, user: Any, url: str, name: str) -> None:
    """The page at 390 px: screenshot and axe (the 1280 px view is checked along the journey)."""
    phone = signed_in_page(user, width=390)
    phone.goto(url)
    screenshot(phone, f"{name}-390")
    assert axe_violations(phone) == [], name


def test_faculty_schedule_a_call_a_lead_subscribes_attends_and_the_engagement_chart_has_the_month(
    world, signed_in_page, live_server
):
    zone = _zone_in_the_middle_of_its_day()
    local_today = timezone.now().astimezone(zone).date()
    world.one.end_date = local_today + relativedelta(years=1)
    world.one.save()
    three = CollaborativeFactory(name="Collaborative Three", short_name="THREE")
    TeamFactory(collaborative=three, lia=world.lia_c)  # alice (LIA A) sees nothing of it
    other = event_schedule(
        actor=world.root, collaborative=three, kind="action_period_call", title="THREE's own call",
        date=local_today + dt.timedelta(days=2), start_time=dt.time(10), end_time=dt.time(11),
        time_zone="UTC", join_url="https://meet.example.org/three",
    )[0]  # fmt: skip
    base = live_server.url

    faculty = signed_in_page(world.frank)
    faculty.goto(f"{base}/collaboratives/{world.one.public_id}/library/new/")
    faculty.get_by_label("Title").fill("Reflective supervision guide")
    faculty.get_by_label("Kind").select_option("toolkit")
    faculty.get_by_label("Link").fill("https://example.org/reflective-supervision")
    faculty.get_by_role("button", name="Add").click()
    faculty.wait_for_url("**/library/")
    assert faculty.get_by_role("link", name="Reflective supervision guide").count() == 1
    screenshot(faculty, "learning-library-1280")
    assert axe_violations(faculty) == []

    form_url = f"{base}/collaboratives/{world.one.public_id}/events/new/"
    faculty.goto(form_url)
    faculty.get_by_label("Kind of event").select_option("action_period_call")
    faculty.get_by_label("Title").fill("Monthly action-period call")
    faculty.get_by_label("Date (first date of a series)").fill(local_today.isoformat())
    faculty.get_by_label("Starts").fill("00:00")
    faculty.get_by_label("Ends").fill("23:30")
    faculty.get_by_label("Time zone").fill("Mars/Olympus")
    faculty.get_by_label("Join link").fill("https://meet.example.org/one")
    faculty.get_by_label("Agenda").fill("Wins of the month\nReflective supervision: what we tested")
    faculty.get_by_label("Reflective supervision guide").check()
    faculty.get_by_label("Repeats").select_option("monthly_weekday")
    faculty.get_by_role("button", name="Schedule").click()
    faculty.wait_for_load_state()
    assert faculty.locator(".error-summary").inner_text().count("Unknown time zone 'Mars/Olympus'") == 1
    assert "A repeating event needs an end" not in faculty.content()  # one error at a time, the first found
    screenshot(faculty, "learning-event-form-error-1280")
    assert axe_violations(faculty) == []
    assert Event.objects.filter(collaborative=world.one).count() == 0
    faculty.get_by_label("Time zone").fill(zone.key)
    faculty.get_by_label("Number of times").fill("3")
    faculty.get_by_role("button", name="Schedule").click()
    faculty.wait_for_url("**/events/*/")
    assert "Repeats monthly on the" in faculty.content() and "3 times" in faculty.content()
    screenshot(faculty, "learning-event-1280")
    assert axe_violations(faculty) == []
    call = Event.objects.get(collaborative=world.one, series=None)
    assert Event.objects.filter(collaborative=world.one).count() == 3
    assert [m.title for m in call.materials.all()] == ["Reflective supervision guide"]
    _check(signed_in_page, world.frank, faculty.url, "learning-event")

    lead = signed_in_page(world.alice)
    lead.goto(f"{base}/")
    upcoming = lead.locator("section", has=lead.get_by_role("heading", name="Coming up"))
    assert upcoming.get_by_role("link", name="Monthly action-period call").count() == 3  # the series
    screenshot(lead, "learning-home-1280")
    assert axe_violations(lead) == []
    _check(signed_in_page, world.alice, f"{base}/", "learning-home")
    lead.goto(f"{base}/calendar/")
    screenshot(lead, "learning-calendar-1280")
    assert axe_violations(lead) == []
    _check(signed_in_page, world.alice, f"{base}/calendar/", "learning-calendar")

    lead.goto(f"{base}/calendar/subscribe/")
    lead.get_by_role("button", name="Make my feed address").click()
    lead.wait_for_load_state()
    feed_url = lead.get_by_role("textbox", name="Feed address").input_value()
    screenshot(lead, "learning-feed-1280")
    assert axe_violations(lead) == []
    feed = lead.request.get(feed_url.replace("http://127.0.0.1:8000", base))  # no session needed
    assert feed.status == 200 and feed.headers["content-type"].startswith("text/calendar")
    uids = {str(e["uid"]) for e in icalendar.Calendar.from_ical(feed.body()).walk("VEVENT")}
    assert f"{call.public_id}@coiin" in uids and f"{other.public_id}@coiin" not in uids
    assert len(uids) == 3

    lead.goto(f"{base}/events/{call.public_id}/")
    lead.get_by_role("button", name="Check in Agency A").click()
    lead.wait_for_load_state()
    assert lead.locator("text=Agency A attended.").count() == 1
    assert EventAttendance.objects.get().team == world.team_a1
    lead.get_by_role("link", name="Teams attending learning events: the engagement chart").click()
    lead.wait_for_load_state()
    assert wait_for_charts(lead) >= 1
    screenshot(lead, "learning-engagement-chart-1280")
    month = local_today.replace(day=1)
    pooled = RunChartAnalysis.objects.get(kind="collaborative", measure__code="engagement")
    last = pooled.points[-1]
    # Invited: A1, B1 and C1; A1 attended the month's one event with attendance taken.
    assert (last["month"], last["numerator"], last["denominator"]) == (month.isoformat(), 1, 3)
    figures = lead.locator("figure.runchart script").all_inner_texts()
    assert any(f"{month:%Y-%m}" in f for f in figures)  # the charts on the page plot this month


def test_an_admin_requires_two_topics_a_lead_records_completions_and_coverage_shows_them(
    world, signed_in_page, live_server
):
    today = timezone.localdate()
    world.one.end_date = today + relativedelta(years=1)
    world.one.save()
    base = live_server.url

    admin = signed_in_page(world.frank)
    admin.goto(f"{base}/collaboratives/{world.one.public_id}/training/")
    admin.get_by_role("button", name="Add the standard topics").click()
    admin.wait_for_load_state()
    assert admin.get_by_role("rowheader", name="Safe sleep").count() == 1
    for topic, renewal in (("Motivational interviewing", "24"), ("Safe sleep", "")):
        form = admin.locator("form", has=admin.get_by_role("button", name="Save requirement"))
        form.get_by_role("combobox", name="Topic").select_option(label=topic)
        form.get_by_label("Staff role").select_option("home_visitor")
        form.get_by_label("Renew every (months)").fill(renewal)
        admin.get_by_role("button", name="Save requirement").click()
        admin.wait_for_load_state()
    row = admin.get_by_role("row", name="Motivational interviewing")
    assert "Required, renew every 24 months" in row.inner_text()
    assert "Required, once" in admin.get_by_role("row", name="Safe sleep").inner_text()
    screenshot(admin, "learning-training-plan-1280")
    assert axe_violations(admin) == []
    _check(signed_in_page, world.frank, admin.url, "learning-training-plan")

    lead = signed_in_page(world.alice)
    roster = f"{base}/teams/{world.team_a1.public_id}/staff/"
    lead.goto(roster)
    for name in ("Ana Ruiz", "Ben Okafor"):
        lead.get_by_label("Name").fill(name)
        lead.get_by_label("Role").select_option("home_visitor")
        lead.get_by_role("button", name="Add to roster").click()
        lead.wait_for_load_state()
    completion = lead.locator("form", has=lead.get_by_role("button", name="Record"))
    completion.get_by_role("combobox", name="Topic", exact=True).select_option(
        label="Motivational interviewing"
    )
    completion.get_by_label("Completed on").fill((today + dt.timedelta(days=3)).isoformat())
    completion.get_by_label("Ana Ruiz (Home visitor)").check()
    completion.get_by_label("Ben Okafor (Home visitor)").check()
    lead.get_by_role("button", name="Record").click()
    lead.wait_for_load_state()
    assert "A completion date cannot be in the future." in lead.locator(".error-summary").inner_text()
    screenshot(lead, "learning-roster-error-1280")
    assert axe_violations(lead) == [] and TrainingCompletion.objects.count() == 0
    completion = lead.locator("form", has=lead.get_by_role("button", name="Record"))
    completion.get_by_label("Completed on").fill(today.isoformat())
    lead.get_by_role("button", name="Record").click()
    lead.wait_for_load_state()
    completion = lead.locator("form", has=lead.get_by_role("button", name="Record"))
    completion.get_by_role("combobox", name="Topic", exact=True).select_option(label="Safe sleep")
    completion.get_by_label("Completed on").fill(today.isoformat())
    completion.get_by_label("Ana Ruiz (Home visitor)").check()
    lead.get_by_role("button", name="Record").click()
    lead.wait_for_load_state()
    assert TrainingCompletion.objects.count() == 3
    screenshot(lead, "learning-roster-1280")
    assert axe_violations(lead) == []
    _check(signed_in_page, world.alice, roster, "learning-roster")

    lead.goto(f"{base}/collaboratives/{world.one.public_id}/training/coverage/")
    row = lead.get_by_role("row", name="Agency A")
    text = row.inner_text()
    assert "1 of 2" in text and "2 of 2 current (100%)" in text and "1 of 2 current (50%)" in text
    screenshot(lead, "learning-coverage-1280")
    assert axe_violations(lead) == []
    _check(signed_in_page, world.alice, lead.url, "learning-coverage")
    lead.get_by_role("link", name="Staff current on required training: the run charts").click()
    lead.wait_for_load_state()
    assert wait_for_charts(lead) >= 1
    screenshot(lead, "learning-training-chart-1280")
    obs = Observation.objects.get(
        team=world.team_a1, measure__code="training-current", month=today.replace(day=1)
    )
    assert (obs.numerator, obs.denominator) == (1, 2)
