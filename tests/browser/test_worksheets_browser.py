"""Journeys 4 and 5 in Chromium: a member fills Joy in Work and turns its plan into a PDSA cycle; an awardee
lead fills the closing planner and downloads its PDF. axe finds no WCAG 2.1 AA violation on any page."""

import pytest

from collaboratives.models import Aim, ChangeIdea, Driver, Role
from pdsa.models import PDSACycle
from tests.browser.pages import axe_violations, screenshot
from tests.factories import MembershipFactory, UserFactory
from worksheets import definitions
from worksheets.models import Worksheet
from worksheets.services import joy_worksheet_save

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SAFETY = "Physical & Psychological Safety"
SAFETY_IDEA = definitions.JOY_COMPONENTS[0][2][1]


def test_a_member_fills_joy_in_work_and_turns_the_plan_into_a_draft_pdsa(world, signed_in_page, live_server):
    aim = Aim.objects.create(collaborative=world.one, text="Improve home visitor well-being")
    driver = Driver.objects.create(collaborative=world.one, aim=aim, text="Safety")
    idea = ChangeIdea.objects.create(collaborative=world.one, driver=driver, text=SAFETY_IDEA)
    page = signed_in_page(world.bob)
    page.goto(f"{live_server.url}/worksheets/")
    page.click(f"text={world.lia_a.name}, ONE")
    page.wait_for_load_state()
    assert axe_violations(page) == []
    page.click("text=Start your worksheet")
    page.wait_for_load_state()
    assert page.locator(f"[data-depends-on='{SAFETY}']").is_hidden()  # ideas show once a component is ticked
    assert axe_violations(page) == []

    page.fill("#id_reflect_resonate", "Camaraderie keeps me going.")
    page.check("#id_rating_safety_2")  # Opportunity for Improvement
    for i in range(3):
        page.check(f"#id_action_components_{i}")
    page.click("button:has-text('Save worksheet')")
    page.wait_for_load_state()
    summary = page.locator("[data-error-summary]")
    assert "Components to work on (choose 1 or 2): Choose at most 2." in summary.inner_text()
    screenshot(page, "joy-form-error")
    assert axe_violations(page) == []
    assert not Worksheet.objects.exists()

    page.uncheck("#id_action_components_1")
    page.uncheck("#id_action_components_2")
    assert page.locator(f"[data-depends-on='{SAFETY}']").is_visible()
    page.check(f"input[name=changes_safety][value='{SAFETY_IDEA}']")
    page.select_option("#id_plan_change", SAFETY_IDEA)
    page.fill("#id_plan_who", "Two home visitors")
    page.fill("#id_plan_start", "2026-02-02")
    page.fill("#id_plan_end", "2026-02-27")
    page.fill("#id_plan_measure", "Concerns raised per week")
    screenshot(page, "joy-form")
    page.click("button:has-text('Save worksheet')")
    page.wait_for_load_state()
    assert "Worksheet saved." in page.content()
    assert axe_violations(page) == []

    page.click("button:has-text('Create a draft PDSA cycle from this plan')")
    page.wait_for_load_state()
    assert "is in Planning for Agency A" in page.content()
    screenshot(page, "joy-detail-pdsa")
    assert axe_violations(page) == []
    cycle = PDSACycle.objects.get()
    assert (cycle.team, cycle.change_idea, cycle.status) == (world.team_a1, idea, PDSACycle.Status.PLANNING)


def test_a_lead_sees_the_team_rollup_heat_map(world, signed_in_page, live_server):
    ratings = definitions.RATINGS
    for n in range(6):
        person = UserFactory(username=f"hv{n}@example.org")
        MembershipFactory(user=person, role=Role.TEAM_MEMBER, lia=world.lia_a)
        answers = {
            f"rating_{key}": ratings[(n + i) % 3] for i, (key, _, _) in enumerate(definitions.JOY_COMPONENTS)
        }
        joy_worksheet_save(
            actor=person,
            team=world.team_a1,
            answers=answers | {"action_components": [SAFETY], "changes_safety": [SAFETY_IDEA]},
        )
    page = signed_in_page(world.alice)
    page.goto(f"{live_server.url}/teams/{world.team_a1.public_id}/joy-in-work/")
    assert "Ratings of the nine components by 6 respondents" in page.content()
    screenshot(page, "joy-rollup")
    assert axe_violations(page) == []


def test_an_awardee_lead_fills_the_closing_planner_and_downloads_its_pdf(world, signed_in_page, live_server):
    page = signed_in_page(world.erin)
    page.goto(f"{live_server.url}/worksheets/")
    page.click("text=North in ONE")
    page.wait_for_load_state()
    assert "Total # of MIECHV LIAs" in page.content()
    assert axe_violations(page) == []

    page.fill("#id_p1_confidence", "Yes, most teams report every month.")
    page.fill("#id_p3_new_sites", "7")
    page.click("button:has-text('Save planner')")
    page.wait_for_load_state()
    assert (
        "How many new sites do you want to scale with?" in page.locator("[data-error-summary]").inner_text()
    )
    screenshot(page, "planner-error")
    assert axe_violations(page) == []
    assert not Worksheet.objects.exists()

    page.fill("#id_p3_new_sites", "10")
    page.check("#id_bts_1_0")
    page.click("button:has-text('Save planner')")
    page.wait_for_load_state()
    assert "Closing planner saved." in page.content()
    screenshot(page, "planner")
    assert axe_violations(page) == []
    assert Worksheet.objects.get().answers["p3_new_sites"] == 10

    href = page.locator("a", has_text="Download as PDF").first.get_attribute("href")
    pdf = page.request.get(f"{live_server.url}{href}")
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF-")
