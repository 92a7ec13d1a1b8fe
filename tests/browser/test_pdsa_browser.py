"""Journey 2 in Chromium: a team member logs a PDSA from a change idea and sends it for review; the advisor
finds it in the review queue, comments and scores it; the team reads the feedback. axe on every page."""

import pytest

from collaboratives.models import Role
from pdsa.models import PDSACycle, PDSAReview
from tests.browser.pages import axe_violations, screenshot
from tests.factories import MembershipFactory, TOTPAuthenticatorFactory, UserFactory
from tests.pdsa.factories import AimFactory, ChangeIdeaFactory, DriverFactory, PDSACycleFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_pdsa_goes_from_change_idea_to_advisor_feedback(world, signed_in_page, live_server):
    aim = AimFactory(collaborative=world.one, text="85% of home visitors report high well-being by June 2027")
    safety = DriverFactory(aim=aim, text="Physical & Psychological Safety")
    idea = ChangeIdeaFactory(
        driver=safety,
        text="Use a check-in app on work issued phones to support home visitor’s safety in the field",
    )
    ChangeIdeaFactory(
        driver=DriverFactory(aim=None, parent=safety, text="Safety in the field"),
        text="Send home visitors in pairs",
    )
    advisor = UserFactory(username="adele@example.org", first_name="Adele", last_name="Advisor")
    MembershipFactory(user=advisor, role=Role.ADVISOR, team=world.team_a1)
    TOTPAuthenticatorFactory(user=advisor)  # advisors must have two-factor authentication

    page = signed_in_page(world.bob)
    page.goto(f"{live_server.url}/collaboratives/{world.one.public_id}/kdd/")
    assert page.get_by_role("heading", name="Key driver diagram: Collaborative One").count() == 1
    screenshot(page, "pdsa-1-kdd")
    assert axe_violations(page) == []

    page.locator(f'a[href$="?change_idea={idea.public_id}"]').click()
    page.wait_for_load_state()
    assert page.get_by_label("Change idea from the key driver diagram").input_value() == str(idea.public_id)
    page.get_by_role("button", name="Save plan").click()
    page.wait_for_load_state()
    assert page.locator("text=There is a problem").count() == 1
    assert page.evaluate("document.activeElement.hasAttribute('data-error-summary')")
    screenshot(page, "pdsa-2-form-error")
    assert axe_violations(page) == []
    assert PDSACycle.objects.count() == 0

    page.get_by_label("Short name for this cycle").fill("Check-in app: one home visitor, one week")
    page.get_by_label("What do you predict will happen?").fill("She checks in and out of 8 of 10 visits.")
    page.get_by_label("Who will carry out the test, and with whom?").fill("One volunteer home visitor")
    page.get_by_label("What data will you collect to answer the question?").fill("App log of check-ins")
    page.get_by_role("button", name="Save plan").click()
    page.wait_for_url("**/pdsa/*/")
    screenshot(page, "pdsa-3-cycle")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Send to our advisor for review").click()
    page.wait_for_load_state()
    assert page.locator("text=Sent for review").count() >= 1
    cycle = PDSACycle.objects.get()
    assert PDSAReview.objects.get().cycle == cycle

    review_page = signed_in_page(advisor)
    review_page.goto(f"{live_server.url}/reviews/")
    assert review_page.get_by_role("heading", name="Agency A team A1, ONE").count() == 1
    screenshot(review_page, "pdsa-4-review-queue")
    assert axe_violations(review_page) == []
    review_page.locator(f'a[href="/pdsa/{cycle.public_id}/review/"]').click()
    review_page.wait_for_load_state()
    review_page.get_by_label("Feedback for the team").fill(
        "A clear prediction and a small test. Next: two weeks."
    )
    review_page.get_by_role("button", name="Save review and tell the team").click()
    review_page.wait_for_load_state()
    assert review_page.locator("text=There is a problem").count() == 1
    screenshot(review_page, "pdsa-5-review-error")
    assert axe_violations(review_page) == []
    for group in (
        "Prediction stated",
        "Small scale",
        "Data collection planned",
        "Study compares results to the prediction",
    ):
        review_page.get_by_role("group", name=group).get_by_label("Met", exact=True).check()
    review_page.get_by_role("group", name="Explicit act decision").get_by_label("Not met").check()
    review_page.get_by_role("button", name="Save review and tell the team").click()
    review_page.wait_for_url("**/reviews/")
    assert review_page.locator("text=No cycles are waiting for your review.").count() == 1

    page = signed_in_page(world.bob)  # signing the advisor in on the test client ended bob's session
    page.goto(f"{live_server.url}/pdsa/{cycle.public_id}/")
    assert page.locator("text=A clear prediction and a small test. Next: two weeks.").count() == 1
    assert page.locator("text=4 of 5").count() == 1
    screenshot(page, "pdsa-6-feedback")
    assert axe_violations(page) == []
    review = PDSAReview.objects.get()
    assert (review.reviewer, review.score, review.act_explicit) == (advisor, 4, False)


def test_the_diagram_editor_ledger_and_cycle_list_are_accessible(world, signed_in_page, live_server):
    aim = AimFactory(collaborative=world.one, text="85% of home visitors report high well-being by June 2027")
    idea = ChangeIdeaFactory(
        driver=DriverFactory(aim=aim, text="Daily Improvement"), text="Create a visible goals chart"
    )
    PDSACycleFactory(
        team=world.team_a1, change_idea=idea, status="done", decision="adopt", title="Goals chart, one office"
    )
    PDSACycleFactory(team=world.team_c1, change_idea=idea, status="doing", title="Goals chart in C")

    page = signed_in_page(world.frank)
    page.goto(f"{live_server.url}/collaboratives/{world.one.public_id}/kdd/edit/")
    page.get_by_role("button", name="Add driver").click()
    page.wait_for_load_state()
    assert page.locator("text=There is a problem").count() == 1
    screenshot(page, "pdsa-7-kdd-edit-error")
    assert axe_violations(page) == []
    page.goto(f"{live_server.url}/collaboratives/{world.one.public_id}/ledger/")
    assert page.locator("table.ledger tbody tr").first.inner_text().split("\t")[2:] == [
        "2",
        "2",
        "1",
        "0",
        "0",
    ]
    screenshot(page, "pdsa-8-ledger")
    assert axe_violations(page) == []
    page = signed_in_page(world.bob)
    page.goto(f"{live_server.url}/teams/{world.team_a1.public_id}/pdsa/")
    screenshot(page, "pdsa-9-team-cycles")
    assert page.get_by_text("Goals chart, one office").count() == 1
    assert page.get_by_text("Goals chart in C").count() == 0
    screenshot(page, "pdsa-9-team-cycles")
    assert axe_violations(page) == []
