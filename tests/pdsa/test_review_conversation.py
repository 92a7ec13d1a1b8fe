"""A PDSA review as a conversation (issue 21): the team replies, the advisor answers, each side is told."""

import pytest

from collaboratives.models import Notification, Role
from pdsa.models import PDSAReviewMessage
from pdsa.services import pdsa_cycle_start, pdsa_cycle_submit, pdsa_review_complete
from tests.factories import MembershipFactory, UserFactory

RUBRIC = dict.fromkeys(
    ("prediction_stated", "small_scale", "data_planned", "study_compares", "act_explicit"), True
)


@pytest.fixture
def reviewed(world, kdd):
    member = UserFactory(username="bo@example.org")
    MembershipFactory(user=member, role=Role.TEAM_MEMBER, lia=world.lia_b)
    cycle = pdsa_cycle_start(
        actor=member, team=world.team_b1, title="Peer mentor pilot", change_idea=kdd.idea_team
    )
    review = pdsa_cycle_submit(actor=member, cycle=cycle)
    pdsa_review_complete(actor=world.diana, review=review, comment="Start with one visitor.", **RUBRIC)
    return member, cycle


def test_the_team_replies_the_advisor_answers_and_each_side_is_told(
    world, reviewed, client, django_capture_on_commit_callbacks
):
    member, cycle = reviewed
    Notification.objects.all().delete()
    client.force_login(member)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/pdsa/{cycle.public_id}/reply/", {"text": "Which visitor first?"})
    assert response.status_code == 302 and response["Location"] == f"/pdsa/{cycle.public_id}/#conversation"
    assert list(Notification.objects.values_list("recipient__username", "text")) == [
        ("diana@example.org", "Agency B replied about “Peer mentor pilot”.")
    ]
    client.force_login(world.diana)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/pdsa/{cycle.public_id}/reply/", {"text": "The newest one: she asked for it."})
    assert (
        Notification.objects.get(recipient=member).text
        == "Your improvement advisor answered about “Peer mentor pilot”."
    )
    assert list(PDSAReviewMessage.objects.values_list("from_team", "author__username", "text")) == [
        (True, "bo@example.org", "Which visitor first?"),
        (False, "diana@example.org", "The newest one: she asked for it."),
    ]
    page = client.get(f"/pdsa/{cycle.public_id}/").content.decode()
    thread = page.split("pdsa-thread", 1)[1].split("</ol>", 1)[0]
    assert thread.index("Which visitor first?") < thread.index("The newest one: she asked for it.")


def test_no_reply_before_feedback_and_an_empty_one_is_refused(world, kdd, client):
    client.force_login(world.bob)
    cycle = pdsa_cycle_start(actor=world.bob, team=world.team_a1, title="Fresh", change_idea=kdd.idea)
    client.post(f"/pdsa/{cycle.public_id}/reply/", {"text": "Hello?"})
    assert (
        "Reply once the advisor has given feedback."
        in client.get(f"/pdsa/{cycle.public_id}/").content.decode()
    )
    assert not PDSAReviewMessage.objects.exists()


def test_an_awardee_lead_who_reads_the_cycle_may_not_write_in_the_conversation(world, reviewed, client):
    _, cycle = reviewed
    client.force_login(world.erin)  # North's lead reads B1's cycles, but is neither the team nor its advisor
    assert client.post(f"/pdsa/{cycle.public_id}/reply/", {"text": "Looks good"}).status_code == 403
    assert not PDSAReviewMessage.objects.exists()
