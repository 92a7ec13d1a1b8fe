"""The training plan: requirements per role with renewal, a team's roster and completions, coverage, and the measure."""

import datetime as dt

import pytest
from dateutil.relativedelta import relativedelta
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from collaboratives.learning import training
from collaboratives.models import (
    EventAttendance,
    StaffMember,
    TrainingCompletion,
    TrainingRequirement,
    TrainingTopic,
)
from measures.models import Observation
from tests.collaboratives.learning.conftest import schedule


@pytest.fixture
def plan(world):
    """ONE requires motivational interviewing (renew every 24 months) and safe sleep (once) of home visitors.
    Team A1: Ana and Ben (home visitors), Cara (supervisor: nothing required)."""
    today = timezone.localdate()
    world.one.end_date = today + relativedelta(years=1)  # today's month is inside the collaborative
    world.one.save()
    training.training_topics_seed(actor=world.frank, collaborative=world.one)
    mi = TrainingTopic.objects.get(name="Motivational interviewing")
    sleep = TrainingTopic.objects.get(name="Safe sleep")
    training.training_requirement_set(
        actor=world.frank, topic=mi, role="home_visitor", required=True, renewal_months=24
    )
    training.training_requirement_set(actor=world.frank, topic=sleep, role="home_visitor", required=True)
    ana, ben, cara = (
        training.staff_member_add(actor=world.alice, team=world.team_a1, name=n, role=r)
        for n, r in (("Ana Ruiz", "home_visitor"), ("Ben Okafor", "home_visitor"), ("Cara Lee", "supervisor"))
    )

    def complete(topic, who, on):
        training.training_completion_record(
            actor=world.alice, team=world.team_a1, topic=topic, staff=[who], completed_on=on, today=today
        )

    complete(mi, ana, today - relativedelta(months=24) + dt.timedelta(days=20))  # expires in 20 days
    complete(mi, ben, today - relativedelta(months=30))  # expired six months ago
    complete(sleep, ana, today - dt.timedelta(days=30))
    return type("Plan", (), {"today": today, "mi": mi, "sleep": sleep, "ana": ana, "ben": ben, "cara": cara})


def test_the_seed_list_is_added_once(world):
    added = training.training_topics_seed(actor=world.frank, collaborative=world.one)
    assert [t.name for t in added] == training.SEED_TOPICS and len(added) == 12
    assert training.training_topics_seed(actor=world.frank, collaborative=world.one) == []


def test_coverage_counts_trained_current_and_expiring_per_topic(world, plan):
    topics, rows = training.training_coverage(
        user=world.frank, collaborative=world.one, teams=[world.team_a1, world.team_b1], on=plan.today
    )
    assert [t.name for t in topics] == ["Motivational interviewing", "Safe sleep"]
    (a1, a1_cells, a1_share), (b1, b1_cells, b1_share) = rows
    mi, sleep = a1_cells
    assert (mi.required, mi.trained, mi.current, mi.expiring, mi.percent_current) == (2, 2, 1, 1, 50)
    assert mi.next_expiry == plan.today + dt.timedelta(days=20)
    assert (sleep.required, sleep.trained, sleep.current, sleep.expiring) == (2, 1, 1, 0)
    assert a1_share == (1, 2)  # Ana is current on both; Ben is not; Cara's role needs nothing
    assert b1_share == (0, 0) and b1_cells[0].required == 0


def test_the_measure_records_the_share_of_staff_current_this_month(world, plan):
    month = plan.today.replace(day=1)
    obs = Observation.objects.get(team=world.team_a1, measure__code="training-current", month=month)
    assert (obs.numerator, obs.denominator) == (1, 2)
    assert obs.measure.recorded_by_platform and obs.measure.name == "Staff current on required training"
    training.training_completion_record(
        actor=world.alice,
        team=world.team_a1,
        topic=plan.mi,
        staff=[plan.ben],
        completed_on=plan.today,
        today=plan.today,
    )
    training.training_completion_record(
        actor=world.alice,
        team=world.team_a1,
        topic=plan.sleep,
        staff=[plan.ben],
        completed_on=plan.today,
        today=plan.today,
    )
    obs.refresh_from_db()
    assert (obs.numerator, obs.denominator) == (2, 2)
    training.staff_member_leave(actor=world.alice, member=plan.ana, left_on=plan.today)
    obs.refresh_from_db()
    assert (obs.numerator, obs.denominator) == (1, 1)


def test_a_renewal_lapses_with_time(world, plan):
    later = plan.today + dt.timedelta(days=21)  # Ana's interviewing completion has expired
    status = training.staff_status(
        staff=[plan.ana],
        requirements=list(TrainingRequirement.objects.filter(collaborative=world.one)),
        completions=list(TrainingCompletion.objects.filter(staff=plan.ana)),
        on=later,
    )[plan.ana.id]
    by_topic = {s.topic.name: s for s in status}
    assert not by_topic["Motivational interviewing"].current and by_topic["Safe sleep"].current
    assert training.training_current_counts(team=world.team_a1, on=later) == (0, 2)


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"completed_on": "tomorrow"}, "completed_on", "cannot be in the future"),
        ({"completed_on": None}, "completed_on", "Give the date"),
        ({"staff": []}, "staff", "Choose who completed"),
        ({"staff": "other team"}, "staff", "this team's roster"),
        ({"topic": "other collaborative"}, "topic", "of this collaborative"),
    ],
)
def test_bad_completions_name_the_field_and_save_nothing(world, plan, overrides, field, words):
    fields = {"topic": plan.mi, "staff": [plan.cara], "completed_on": plan.today}
    if overrides.get("completed_on") == "tomorrow":
        overrides = {"completed_on": plan.today + dt.timedelta(days=1)}
    if overrides.get("staff") == "other team":
        overrides = {
            "staff": [StaffMember.objects.create(team=world.team_b1, name="Dee", role="home_visitor")]
        }
    if overrides.get("topic") == "other collaborative":
        overrides = {"topic": TrainingTopic.objects.create(collaborative=world.two, name="Other")}
    before = TrainingCompletion.objects.count()
    with pytest.raises(ValidationError) as caught:
        training.training_completion_record(
            actor=world.alice, team=world.team_a1, today=plan.today, **(fields | overrides)
        )
    assert words in caught.value.message_dict[field][0]
    assert TrainingCompletion.objects.count() == before


def test_renewal_out_of_range_is_a_field_error(world, plan):
    with pytest.raises(ValidationError) as caught:
        training.training_requirement_set(
            actor=world.frank, topic=plan.mi, role="supervisor", required=True, renewal_months=0
        )
    assert list(caught.value.message_dict) == ["renewal_months"]


def test_who_may_do_what(world, plan):
    with pytest.raises(PermissionDenied):
        training.training_requirement_set(actor=world.alice, topic=plan.mi, role="supervisor", required=True)
    with pytest.raises(PermissionDenied):
        training.staff_member_add(actor=world.bob, team=world.team_a1, name="X", role="home_visitor")
    with pytest.raises(PermissionDenied):
        training.staff_member_add(actor=world.frank, team=world.team_a1, name="X", role="home_visitor")


def test_completions_from_a_training_event_take_its_topic_and_date_and_check_the_team_in(world, plan):
    event = schedule(
        world,
        kind="training",
        title="MI refresher",
        training_topic=plan.mi,
        date=plan.today - dt.timedelta(days=2),
    )[0]
    rows = training.training_completion_record(
        actor=world.alice, team=world.team_a1, staff=[plan.ben], event=event, today=plan.today
    )
    assert [(r.topic, r.completed_on, r.event) for r in rows] == [
        (plan.mi, plan.today - dt.timedelta(days=2), event)
    ]
    assert EventAttendance.objects.filter(event=event, team=world.team_a1).exists()


def test_the_roster_page_and_coverage_page(client, world, plan):
    client.force_login(world.alice)
    response = client.post(
        f"/teams/{world.team_a1.public_id}/staff/",
        {
            "action": "complete",
            "topic": str(plan.mi.public_id),
            "staff": [str(plan.cara.public_id)],
            "completed_on": "",
        },
    )
    assert response.status_code == 400
    assert 'href="#id_completed_on">Give the date the training was completed.' in response.content.decode()
    page = client.get(f"/teams/{world.team_a1.public_id}/staff/").content.decode()
    assert (
        "Ben Okafor" in page
        and "<strong>expired</strong>" in page
        and "(<strong>expiring soon</strong>)" in page
    )
    client.force_login(world.frank)
    page = client.get(f"/collaboratives/{world.one.public_id}/training/coverage/").content.decode()
    assert "1 of 2 current (50%)" in page and "<strong>1 expiring</strong>" in page
    assert "Staff current on required training: the run charts" in page
    client.force_login(world.charlie)  # C1's member sees no other team's staff
    assert client.get(f"/teams/{world.team_a1.public_id}/staff/").status_code == 404
    assert (
        "Agency A"
        not in client.get(f"/collaboratives/{world.one.public_id}/training/coverage/").content.decode()
    )


def test_the_nightly_pass_records_expiries_and_repeats_harmlessly(world, plan):
    from measures.learning import training_record_all

    month = plan.today.replace(day=1)
    assert training_record_all(today=plan.today) == 0  # nothing changed since the last completion
    Observation.objects.filter(measure__code="training-current").delete()
    assert training_record_all(today=plan.today) == 1
    assert training_record_all(today=plan.today) == 0
    obs = Observation.objects.get(team=world.team_a1, measure__code="training-current", month=month)
    assert (obs.numerator, obs.denominator) == (1, 2)
