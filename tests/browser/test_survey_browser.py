"""The staff well-being survey in Chromium: the CQI lead prints a sheet of links, a staff member answers on a
390 px phone in Spanish, and the lead sees the response rate rise. axe finds no WCAG 2.1 AA violation."""

import pytest
from django.utils import timezone

from measures.models import Measure
from tests.browser.pages import axe_violations, screenshot
from tests.factories import MeasureFactory
from worksheets.models import SurveyResponse
from worksheets.survey import dates, services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_staff_member_answers_in_spanish_on_a_phone_and_the_lead_sees_the_rate_rise(
    world, chromium, signed_in_page, live_server
):
    for code in ("supported", "reflective-supervision", "work-life-balance", "wellbeing"):
        MeasureFactory(collaborative=world.one, code=code, kind=Measure.Kind.PROPORTION)
    today = timezone.localdate()
    window = services.survey_window_open(
        actor=world.alice,
        team=world.team_a1,
        month=today.replace(day=1),
        opens_on=today,
        closes_on=dates.month_last_day(today),
        staff_count=6,
    )
    lead = signed_in_page(world.alice)
    lead.goto(f"{live_server.url}/survey-months/{window.public_id}/links/")
    assert axe_violations(lead) == []
    lead.fill("#id_count", "3")
    lead.click("button:has-text('Make the sheet')")
    lead.wait_for_load_state()
    assert lead.locator(".link-card svg").count() == 3
    assert axe_violations(lead) == []
    screenshot(lead, "survey-link-sheet")
    path = "/s/" + lead.locator(".link-url").first.inner_text().split("/s/")[1]

    lead.goto(f"{live_server.url}/survey-months/{window.public_id}/")
    assert lead.locator("#response-count").inner_text() == "0 of 6 staff have answered."
    assert axe_violations(lead) == []

    phone = chromium.new_context(viewport={"width": 390, "height": 844}, locale="es-MX", is_mobile=True)
    try:
        page = phone.new_page()
        page.goto(f"{live_server.url}{path}")
        assert page.locator("html").get_attribute("lang") == "es"
        assert page.locator("h1").inner_text().startswith("¿Cómo le fue en el trabajo este mes")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling
        assert axe_violations(page) == []
        screenshot(page, "survey-phone-es")

        page.click("button:has-text('Enviar mis respuestas')")
        page.wait_for_load_state()
        assert "Por favor, conteste todas las preguntas" in page.inner_text("main")
        assert axe_violations(page) == []
        screenshot(page, "survey-phone-es-error")
        assert not SurveyResponse.objects.exists()

        page.check("#id_q_supported_4")  # Siempre
        page.check("#id_q_reflective-supervision_3")  # Con frecuencia
        page.check("#id_q_work-life-balance_2")  # A veces
        page.check("#id_q_wellbeing_1")  # Más o menos igual, y bien
        page.check("#id_role_0")
        page.fill("#id_comment", "Las reuniones de equipo ayudan.")
        page.click("button:has-text('Enviar mis respuestas')")
        page.wait_for_load_state()
        assert page.locator("h1").inner_text() == "Gracias"
        assert axe_violations(page) == []
        screenshot(page, "survey-phone-es-thanks")

        page.goto(f"{live_server.url}{path}")
        assert page.locator("h1").inner_text() == "Ya contestada"
    finally:
        phone.close()

    (saved,) = SurveyResponse.objects.all()
    assert saved.answers == {
        "supported": "always",
        "reflective-supervision": "often",
        "work-life-balance": "sometimes",
        "wellbeing": "same_good",
    }
    lead.reload()
    assert lead.locator("#response-count").inner_text() == "1 of 6 staff have answered."
    assert lead.locator("#response-rate").inner_text() == "17%"
    screenshot(lead, "survey-lead-rate")

    narrow = signed_in_page(world.alice, width=390)
    narrow.goto(f"{live_server.url}/teams/{world.team_a1.public_id}/survey/")
    assert "1 of 6" in narrow.inner_text("main")
    assert narrow.evaluate("document.documentElement.scrollWidth") <= 390
    assert axe_violations(narrow) == []
    screenshot(narrow, "survey-team-390")
    narrow.goto(f"{live_server.url}/collaboratives/{world.one.public_id}/survey/questions/")
    assert axe_violations(narrow) == []
    screenshot(narrow, "survey-questions-390")

    (token,) = services.survey_links_issue(actor=world.alice, window=window, count=1)
    wide = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    try:
        page = wide.new_page()
        page.goto(f"{live_server.url}/s/{token}/")
        assert page.locator("h1").inner_text() == "How was your work this month at Agency A?"
        assert axe_violations(page) == []
        screenshot(page, "survey-respond-1280-en")
    finally:
        wide.close()


def test_the_lead_sets_a_schedule_and_the_team_page_shows_it_and_a_breakdown_by_role(
    world, signed_in_page, live_server
):
    from collaboratives import months
    from tests.worksheets.survey.conftest import ALL_TOP, NONE_TOP

    for code in ("supported", "reflective-supervision", "work-life-balance", "wellbeing"):
        MeasureFactory(collaborative=world.one, code=code, kind=Measure.Kind.PROPORTION)
    today = timezone.localdate()
    last_month = months.add(today.replace(day=1), -1)
    closed = services.survey_window_open(
        actor=world.alice,
        team=world.team_a1,
        month=last_month,
        opens_on=last_month,
        closes_on=dates.month_last_day(last_month),
        staff_count=12,
    )
    for role, answers in [("home_visitor", NONE_TOP)] * 5 + [("supervisor", ALL_TOP)] * 5:
        (token,) = services.survey_links_issue(actor=world.alice, window=closed, count=1)
        services.survey_response_submit(
            token=token, answers=answers, role=role, comment="", today=last_month.replace(day=20)
        )
    services.survey_window_close(window_id=closed.id, today=today)

    lead = signed_in_page(world.alice)
    lead.goto(f"{live_server.url}/teams/{world.team_a1.public_id}/survey/schedule/")
    assert axe_violations(lead) == []
    screenshot(lead, "survey-schedule-1280")
    lead.fill("#id_day", "29")
    lead.fill("#id_staff_count", "8")
    lead.click("button:has-text('Save the schedule')")
    lead.wait_for_load_state()
    assert "Ensure this value is less than or equal to 28." in lead.inner_text("main")
    assert axe_violations(lead) == []
    screenshot(lead, "survey-schedule-error-1280")
    lead.fill("#id_day", str(min(today.day, 28)))
    lead.fill("#id_days_open", "5")
    lead.click("button:has-text('Save the schedule')")
    lead.wait_for_load_state()
    assert lead.url.endswith("/links/")  # this month's days are under way: it opened, its links are next
    assert f"The survey of {today:%B %Y} is due now, so it opened" in lead.inner_text("main")
    assert axe_violations(lead) == []

    lead.goto(f"{live_server.url}/teams/{world.team_a1.public_id}/survey/")
    main = lead.inner_text("main")
    assert "Opens each month on day" in main and "asking 8 staff" in main
    assert "Supervisor: 5 responses" in main and "Home visitor: 5 responses" in main
    assert axe_violations(lead) == []
    screenshot(lead, "survey-team-schedule-1280")

    narrow = signed_in_page(world.bob, width=390)
    narrow.goto(f"{live_server.url}/teams/{world.team_a1.public_id}/survey/")
    assert "Supervisor: 5 responses" in narrow.inner_text("main")
    assert "Change or stop the schedule" not in narrow.inner_text("main")
    assert narrow.evaluate("document.documentElement.scrollWidth") <= 390
    assert axe_violations(narrow) == []
    screenshot(narrow, "survey-team-schedule-390")
    alice_narrow = signed_in_page(world.alice, width=390)
    alice_narrow.goto(f"{live_server.url}/teams/{world.team_a1.public_id}/survey/schedule/")
    assert alice_narrow.evaluate("document.documentElement.scrollWidth") <= 390
    assert axe_violations(alice_narrow) == []
    screenshot(alice_narrow, "survey-schedule-390")
