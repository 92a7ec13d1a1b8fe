"""A cycle from plan to done, its ramps, and the edits and transitions the team makes on the way."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from pdsa.models import PDSACycle
from pdsa.services import pdsa_cycle_advance, pdsa_cycle_start, pdsa_cycle_update
from tests.factories import MeasureFactory


def _start(world, kdd, actor=None, **kwargs):
    kwargs.setdefault("change_idea", kdd.idea)
    return pdsa_cycle_start(
        actor=actor or world.bob, team=world.team_a1, title="Check-in app, one week", **kwargs
    )


def test_a_new_cycle_starts_in_planning_with_its_plan(world, kdd):
    measure = MeasureFactory(collaborative=world.one)
    cycle = _start(
        world,
        kdd,
        prediction="  Both visitors check in every visit.  ",
        plan_who="Two home visitors",
        planned_start=dt.date(2025, 3, 3),
        measures=[measure],
    )
    cycle.refresh_from_db()
    assert (cycle.status, cycle.team, cycle.change_idea, cycle.created_by) == (
        "planning",
        world.team_a1,
        kdd.idea,
        world.bob,
    )
    assert cycle.prediction == "Both visitors check in every visit."
    assert cycle.planned_start == dt.date(2025, 3, 3)
    assert list(cycle.measures.all()) == [measure]


def test_a_cycle_needs_a_change_idea_of_the_teams_collaborative(world, kdd):
    with pytest.raises(ValidationError) as exc:
        _start(world, kdd, change_idea=kdd.idea_two)
    assert "change_idea" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        _start(world, kdd, change_idea=None)
    assert "change_idea" in exc.value.message_dict
    assert PDSACycle.objects.count() == 0


def test_an_other_change_idea_may_stand_in_for_the_diagram(world, kdd):
    cycle = _start(world, kdd, change_idea=None, other_change_idea=" Walking meetings ")
    assert cycle.change_idea_text == "Walking meetings"


def test_a_measure_of_another_collaborative_is_refused_and_nothing_saved(world, kdd):
    with pytest.raises(ValidationError) as exc:
        _start(world, kdd, measures=[MeasureFactory(collaborative=world.two)])
    assert "measures" in exc.value.message_dict
    assert PDSACycle.objects.count() == 0


@pytest.mark.parametrize("who", ["erin", "frank"])
def test_people_who_only_read_a_team_may_not_start_its_cycles(world, kdd, who):
    with pytest.raises(PermissionDenied):
        _start(world, kdd, actor=getattr(world, who))
    assert PDSACycle.objects.count() == 0


def test_a_ramp_continues_the_previous_cycle_and_inherits_its_change_idea(world, kdd):
    first = _start(world, kdd)
    second = pdsa_cycle_start(actor=world.alice, team=world.team_a1, title="Whole team", previous=first)
    third = pdsa_cycle_start(actor=world.alice, team=world.team_a1, title="All sites", previous=second)
    assert (second.previous, second.change_idea) == (first, kdd.idea)
    assert list(first.next_cycles.all()) == [second]
    assert third.previous.previous == first


def test_a_ramp_cannot_continue_another_teams_cycle(world, kdd):
    first = _start(world, kdd)
    with pytest.raises(ValidationError) as exc:
        pdsa_cycle_start(actor=world.charlie, team=world.team_c1, title="Copy", previous=first)
    assert "previous" in exc.value.message_dict
    assert PDSACycle.objects.count() == 1


def test_status_moves_one_step_at_a_time_and_stamps_dates(world, kdd):
    cycle = _start(world, kdd)
    cycle = pdsa_cycle_advance(actor=world.bob, cycle=cycle, today=dt.date(2025, 3, 4))
    assert (cycle.status, cycle.started_on) == ("doing", dt.date(2025, 3, 4))
    cycle = pdsa_cycle_advance(actor=world.bob, cycle=cycle, today=dt.date(2025, 3, 11))
    assert cycle.status == "studying"
    with pytest.raises(ValidationError) as exc:
        pdsa_cycle_advance(actor=world.bob, cycle=cycle, today=dt.date(2025, 3, 12))
    assert "decision" in exc.value.message_dict
    cycle.refresh_from_db()
    assert cycle.status == "studying"
    pdsa_cycle_update(
        actor=world.bob, cycle=cycle, change_idea=kdd.idea, decision="adapt", learned="Pairs work"
    )
    cycle = pdsa_cycle_advance(actor=world.bob, cycle=cycle, today=dt.date(2025, 3, 12))
    cycle.refresh_from_db()
    assert (cycle.status, cycle.decision, cycle.completed_on) == ("done", "adapt", dt.date(2025, 3, 12))
    with pytest.raises(ValidationError):
        pdsa_cycle_advance(actor=world.bob, cycle=cycle)
    assert cycle.history.count() == 5  # created, three transitions, one edit


def test_a_done_cycle_keeps_its_decision(world, kdd):
    cycle = _start(world, kdd)
    pdsa_cycle_update(actor=world.bob, cycle=cycle, change_idea=kdd.idea, decision="adopt")
    for _ in range(3):
        cycle = pdsa_cycle_advance(actor=world.bob, cycle=cycle)
    with pytest.raises(ValidationError) as exc:
        pdsa_cycle_update(actor=world.bob, cycle=cycle, change_idea=kdd.idea, decision="")
    assert "decision" in exc.value.message_dict
    cycle.refresh_from_db()
    assert cycle.decision == "adopt"


def test_update_saves_the_do_study_act_text_and_refuses_a_foreign_idea(world, kdd):
    cycle = _start(world, kdd)
    pdsa_cycle_update(
        actor=world.alice,
        cycle=cycle,
        change_idea=kdd.idea_team,
        what_happened="Used it on 14 visits",
        results_vs_prediction="Better than predicted",
        measures=[],
    )
    cycle.refresh_from_db()
    assert (cycle.change_idea, cycle.what_happened) == (kdd.idea_team, "Used it on 14 visits")
    with pytest.raises(ValidationError):
        pdsa_cycle_update(actor=world.alice, cycle=cycle, change_idea=kdd.idea_two, what_happened="x")
    cycle.refresh_from_db()
    assert cycle.what_happened == "Used it on 14 visits"


def test_peers_may_not_advance_a_teams_cycle(world, kdd):
    cycle = _start(world, kdd)
    with pytest.raises(PermissionDenied):
        pdsa_cycle_advance(actor=world.charlie, cycle=cycle)
    cycle.refresh_from_db()
    assert cycle.status == "planning"
