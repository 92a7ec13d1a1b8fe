"""Submitting a cycle for review, the advisor's queue, the rubric, and the once-only notifications."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from collaboratives.models import Role
from pdsa.models import PDSAReview
from pdsa.selectors import pdsa_review_queue
from pdsa.services import (
    pdsa_cycle_start,
    pdsa_cycle_submit,
    pdsa_review_complete,
    pdsa_review_notify_advisors,
    pdsa_review_notify_team,
)
from tests.factories import MembershipFactory, UserFactory
from tests.pdsa.factories import PDSACycleFactory, PDSAReviewFactory

RUBRIC_ALL_MET = dict.fromkeys(
    ["prediction_stated", "small_scale", "data_planned", "study_compares", "act_explicit"], True
)


@pytest.fixture
def cycle_b1(world, kdd):
    """A cycle of team B1, which diana advises; LIA B gets a lead and a member to notify."""
    MembershipFactory(user=UserFactory(username="bea@example.org"), role=Role.CQI_LEAD, lia=world.lia_b)
    MembershipFactory(user=UserFactory(username="ben@example.org"), role=Role.TEAM_MEMBER, lia=world.lia_b)
    member = UserFactory(username="bo@example.org")
    MembershipFactory(user=member, role=Role.TEAM_MEMBER, lia=world.lia_b)
    return pdsa_cycle_start(
        actor=member, team=world.team_b1, title="Peer mentor pilot", change_idea=kdd.idea_team
    )


def test_submitting_creates_a_waiting_review_and_emails_the_advisor_once(
    world, cycle_b1, mailoutbox, django_capture_on_commit_callbacks
):
    submitter = cycle_b1.created_by
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        review = pdsa_cycle_submit(actor=submitter, cycle=cycle_b1)
    assert len(callbacks) == 1
    review.refresh_from_db()
    assert (review.cycle, review.team, review.requested_by, review.reviewed_at) == (
        cycle_b1,
        world.team_b1,
        submitter,
        None,
    )
    assert review.advisors_notified_at is not None
    assert [m.to for m in mailoutbox] == [["diana@example.org"]]
    assert "Peer mentor pilot" in mailoutbox[0].subject
    assert f"/pdsa/{cycle_b1.public_id}/review/" in mailoutbox[0].body
    assert pdsa_review_notify_advisors(review_id=review.id) is False  # already claimed: no second email
    assert len(mailoutbox) == 1


def test_a_team_without_an_advisor_notifies_the_collaboratives_admins(
    world, kdd, mailoutbox, django_capture_on_commit_callbacks
):
    cycle = pdsa_cycle_start(actor=world.bob, team=world.team_a1, title="Huddles", change_idea=kdd.idea)
    with django_capture_on_commit_callbacks(execute=True):
        pdsa_cycle_submit(actor=world.bob, cycle=cycle)
    assert [m.to for m in mailoutbox] == [["frank@example.org"]]


def test_a_cycle_waits_for_one_review_at_a_time(world, cycle_b1):
    pdsa_cycle_submit(actor=cycle_b1.created_by, cycle=cycle_b1)
    with pytest.raises(ValidationError):
        pdsa_cycle_submit(actor=cycle_b1.created_by, cycle=cycle_b1)
    assert PDSAReview.objects.count() == 1


@pytest.mark.parametrize("who", ["erin", "diana"])
def test_only_the_team_submits_its_cycles(world, cycle_b1, who):
    with pytest.raises(PermissionDenied):
        pdsa_cycle_submit(actor=getattr(world, who), cycle=cycle_b1)
    assert PDSAReview.objects.count() == 0


def test_the_advisors_review_stores_rubric_and_comment_and_tells_the_team_once(
    world, cycle_b1, mailoutbox, django_capture_on_commit_callbacks
):
    review = pdsa_cycle_submit(actor=cycle_b1.created_by, cycle=cycle_b1)
    rubric = RUBRIC_ALL_MET | {"small_scale": False}
    with django_capture_on_commit_callbacks(execute=True):
        pdsa_review_complete(
            actor=world.diana, review=review, comment="  Start with one visitor.  ", **rubric
        )
    review.refresh_from_db()
    assert (review.reviewer, review.comment, review.score) == (world.diana, "Start with one visitor.", 4)
    assert [getattr(review, name) for name in rubric] == [True, False, True, True, True]
    assert review.team_notified_at is not None
    assert sorted(mailoutbox[0].to) == ["bea@example.org", "ben@example.org", "bo@example.org"]
    assert "4 of the 5 criteria" in mailoutbox[0].body
    assert pdsa_review_notify_team(review_id=review.id) is False
    assert len(mailoutbox) == 1


def test_every_rubric_answer_and_a_comment_are_required(world, cycle_b1):
    review = pdsa_cycle_submit(actor=cycle_b1.created_by, cycle=cycle_b1)
    with pytest.raises(ValidationError) as exc:
        pdsa_review_complete(
            actor=world.diana, review=review, comment=" ", **(RUBRIC_ALL_MET | {"data_planned": None})
        )
    assert set(exc.value.message_dict) == {"data_planned", "comment"}
    review.refresh_from_db()
    assert (review.reviewed_at, review.data_planned, review.comment) == (None, None, "")


def test_a_review_is_given_once_and_only_by_the_teams_advisor_or_admins(world, cycle_b1):
    review = pdsa_cycle_submit(actor=cycle_b1.created_by, cycle=cycle_b1)
    for outsider in (world.erin, cycle_b1.created_by):
        with pytest.raises(PermissionDenied):
            pdsa_review_complete(actor=outsider, review=review, comment="Fine", **RUBRIC_ALL_MET)
    pdsa_review_complete(actor=world.frank, review=review, comment="Good", **RUBRIC_ALL_MET)
    with pytest.raises(ValidationError):
        pdsa_review_complete(actor=world.diana, review=review, comment="Again", **RUBRIC_ALL_MET)
    review.refresh_from_db()
    assert (review.reviewer, review.comment) == (world.frank, "Good")


def test_resubmitting_keeps_the_review_history(world, cycle_b1):
    first = pdsa_cycle_submit(actor=cycle_b1.created_by, cycle=cycle_b1)
    pdsa_review_complete(actor=world.diana, review=first, comment="Add a prediction", **RUBRIC_ALL_MET)
    second = pdsa_cycle_submit(actor=cycle_b1.created_by, cycle=cycle_b1)
    assert list(cycle_b1.reviews.order_by("requested_at", "id")) == [first, second]
    assert second.reviewed_at is None


def test_the_queue_holds_waiting_reviews_of_advised_teams_oldest_first(world, kdd):
    now = timezone.now()

    def waiting(team, days_ago, **kwargs):
        cycle = PDSACycleFactory(team=team, change_idea=kdd.idea)
        return PDSAReviewFactory(cycle=cycle, requested_at=now - dt.timedelta(days=days_ago), **kwargs)

    b_new, b_old = waiting(world.team_b1, 1), waiting(world.team_b1, 9)
    a_mid = waiting(world.team_a1, 5)
    c_oldest = waiting(world.team_c1, 12)
    waiting(world.team_b1, 20, reviewed_at=now, reviewer=world.diana)  # done: not in the queue
    PDSAReviewFactory(cycle=PDSACycleFactory(team=world.team_a2, change_idea=kdd.idea_two), requested_at=now)

    assert list(pdsa_review_queue(user=world.diana)) == [b_old, b_new]
    assert list(pdsa_review_queue(user=world.frank)) == [c_oldest, b_old, a_mid, b_new]
    assert list(pdsa_review_queue(user=world.alice)) == []
    assert list(pdsa_review_queue(user=world.erin)) == []  # reads North's cycles but reviews none
