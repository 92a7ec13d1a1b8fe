"""The change idea ledger and the monthly PDSA submission rate, on a constructed set of cycles."""

import datetime as dt

from django.utils import timezone

from pdsa.selectors import LedgerRow, change_idea_counts, change_idea_ledger, pdsa_submission_months
from tests.factories import TeamFactory
from tests.pdsa.factories import PDSACycleFactory, PDSAReviewFactory


def _cycles(world, kdd):
    done = {"status": "done"}
    # The check-in app: A1 ramps it three times (adapt, adapt, adopt); C1 abandons it; B1 is still testing.
    PDSACycleFactory(team=world.team_a1, change_idea=kdd.idea, decision="adapt", **done)
    PDSACycleFactory(team=world.team_a1, change_idea=kdd.idea, decision="adapt", **done)
    PDSACycleFactory(team=world.team_a1, change_idea=kdd.idea, decision="adopt", **done)
    PDSACycleFactory(team=world.team_c1, change_idea=kdd.idea, decision="abandon", **done)
    PDSACycleFactory(team=world.team_b1, change_idea=kdd.idea, status="studying", decision="adopt")
    # Pairs: one cycle of B1, planning. Peer mentorship: none. One change outside the diagram, by C1.
    PDSACycleFactory(team=world.team_b1, change_idea=kdd.idea_secondary)
    PDSACycleFactory(team=world.team_c1, other_change_idea="Walking meetings", decision="adopt", **done)
    # Collaborative TWO's cycle counts nowhere in ONE.
    PDSACycleFactory(team=world.team_a2, change_idea=kdd.idea_two, decision="adopt", **done)


def test_the_ledger_counts_teams_cycles_and_decisions_per_change_idea(world, kdd):
    _cycles(world, kdd)
    rows = change_idea_ledger(user=world.charlie, collaborative=world.one)
    assert rows == [
        LedgerRow(kdd.primary.text, kdd.idea.text, kdd.idea.public_id, 3, 5, 1, 2, 1),
        LedgerRow(kdd.secondary.text, kdd.idea_secondary.text, kdd.idea_secondary.public_id, 1, 1, 0, 0, 0),
        LedgerRow("Camaraderie & Teamwork", kdd.idea_team.text, kdd.idea_team.public_id, 0, 0, 0, 0, 0),
        LedgerRow("", "Other changes (not in the diagram)", None, 1, 1, 1, 0, 0),
    ]


def test_the_ledger_for_one_awardee_counts_only_its_teams(world, kdd):
    _cycles(world, kdd)
    rows = change_idea_ledger(user=world.erin, collaborative=world.one, awardee=world.north)
    assert [(r.change_idea, r.teams, r.cycles, r.adopt, r.adapt, r.abandon) for r in rows] == [
        (kdd.idea.text, 2, 4, 1, 2, 0),
        (kdd.idea_secondary.text, 1, 1, 0, 0, 0),
        (kdd.idea_team.text, 0, 0, 0, 0, 0),
    ]


def test_the_diagram_gets_the_same_counts_by_idea(world, kdd):
    _cycles(world, kdd)
    counts = change_idea_counts(user=world.bob, collaborative=world.one)
    assert (counts[kdd.idea.id].teams, counts[kdd.idea.id].cycles) == (3, 5)
    assert set(counts) == {kdd.idea.id, kdd.idea_secondary.id, kdd.idea_team.id}


def test_submission_rate_counts_teams_that_sent_a_cycle_for_review_each_month(world, kdd):
    TeamFactory(collaborative=world.one, code="W1", withdrawn_on=dt.date(2025, 1, 31))  # not counted

    def submitted(team, day):
        at = timezone.make_aware(dt.datetime.combine(day, dt.time(12)))
        PDSAReviewFactory(cycle=PDSACycleFactory(team=team, change_idea=kdd.idea), requested_at=at)

    submitted(world.team_a1, dt.date(2025, 4, 2))
    submitted(world.team_a1, dt.date(2025, 4, 20))  # a second cycle: still one team
    submitted(world.team_c1, dt.date(2025, 4, 30))
    submitted(world.team_b1, dt.date(2025, 5, 1))
    submitted(world.team_a2, dt.date(2025, 5, 3))  # collaborative TWO
    months = pdsa_submission_months(collaborative=world.one, today=dt.date(2025, 5, 15), n=3)
    assert [(m.month, m.submitting, m.teams) for m in months] == [
        (dt.date(2025, 3, 1), 0, 3),
        (dt.date(2025, 4, 1), 2, 3),
        (dt.date(2025, 5, 1), 1, 3),
    ]
    assert round(months[1].percent, 1) == 66.7
    north = pdsa_submission_months(
        collaborative=world.one, awardee=world.north, today=dt.date(2025, 5, 15), n=2
    )
    assert [(m.submitting, m.teams) for m in north] == [(1, 2), (1, 2)]
