"""visible_to for every role, checked against the role table in DESIGN.md (not against access.py)."""

import pytest

from collaboratives.models import LIA, Awardee, Collaborative, Team
from measures.models import Observation
from tests.factories import ObservationFactory

# Expected team codes per person, written from DESIGN.md's "who uses it" table.
EXPECTED_TEAMS = {
    "alice": {"A1", "A2"},  # CQI lead: her LIA's teams, in every collaborative
    "bob": {"A1", "A2"},  # team member: his LIA's teams
    "charlie": {"C1"},
    "diana": {"B1"},  # advisor: only the teams assigned to her
    "erin": {"A1", "B1", "A2"},  # awardee lead of North: all North LIAs' teams
    "frank": {"A1", "B1", "C1"},  # collaborative admin of ONE: all of ONE
    "olga": set(),  # outsider
    "ivan": set(),  # inactive
    "root": {"A1", "B1", "C1", "A2"},  # superuser
}


@pytest.mark.parametrize(("person", "codes"), EXPECTED_TEAMS.items())
def test_each_role_sees_exactly_its_teams(world, person, codes):
    user = getattr(world, person)
    assert set(Team.objects.visible_to(user).values_list("code", flat=True)) == codes


def test_anonymous_sees_no_teams(world):
    from django.contrib.auth.models import AnonymousUser

    assert not Team.objects.visible_to(AnonymousUser()).exists()


@pytest.mark.parametrize(
    ("person", "collabs", "lias", "awardees"),
    [
        ("alice", {"ONE", "TWO"}, {"Agency A"}, {"North"}),
        ("charlie", {"ONE"}, {"Agency C"}, {"South"}),
        ("diana", {"ONE"}, {"Agency B"}, {"North"}),
        # An awardee lead sees every LIA of the awardee, participating or not.
        ("erin", {"ONE", "TWO"}, {"Agency A", "Agency B"}, {"North"}),
        ("frank", {"ONE"}, {"Agency A", "Agency B", "Agency C"}, {"North", "South"}),
        ("olga", set(), set(), set()),
    ],
)
def test_each_role_sees_exactly_its_collaboratives_lias_and_awardees(world, person, collabs, lias, awardees):
    user = getattr(world, person)
    assert set(Collaborative.objects.visible_to(user).values_list("short_name", flat=True)) == collabs
    assert set(LIA.objects.visible_to(user).values_list("name", flat=True)) == lias
    assert set(Awardee.objects.visible_to(user).values_list("name", flat=True)) == awardees


def test_awardee_lead_sees_non_participating_lias_of_own_awardee_only(world):
    world.erin.memberships.update(awardee=world.south)
    from collaboratives import access

    access.forget(world.erin)
    assert set(LIA.objects.visible_to(world.erin).values_list("name", flat=True)) == {
        "Agency C",
        "Agency D (not participating)",
    }


def test_team_owned_rows_follow_their_team(world):
    ObservationFactory(team=world.team_a1)
    ObservationFactory(team=world.team_c1)
    assert [o.team.code for o in Observation.objects.visible_to(world.bob)] == ["A1"]
    assert [o.team.code for o in Observation.objects.visible_to(world.charlie)] == ["C1"]


def test_removed_membership_takes_effect_on_the_next_request(world, client):
    client.force_login(world.bob)
    url = f"/teams/{world.team_a1.public_id}/"
    assert client.get(url).status_code == 200
    world.bob.memberships.all().delete()
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("ids", [set(), {1}, "every team", "every team and unknown ids"])
def test_in_set_selects_the_same_rows_as_in(world, ids):
    """`__in_set` (scoping's id-set lookup: one array parameter on PostgreSQL) against Django's `__in`."""
    from django.db import connection
    from django.db.models import Q
    from django.test.utils import CaptureQueriesContext

    every = set(Team.objects.unscoped(reason="test").values_list("id", flat=True))
    if ids == "every team":
        ids = every
    elif ids == "every team and unknown ids":
        ids = every | {max(every) + 1, max(every) + 1000}
    teams = Team.objects.unscoped(reason="test")
    lias = LIA.objects.unscoped(reason="test")
    with CaptureQueriesContext(connection) as queries:
        assert set(teams.filter(id__in_set=ids)) == set(teams.filter(id__in=ids))
        # Across a relation, and inside an OR whose other side must still match when the set is empty.
        either = Q(teams__id__in_set=ids) | Q(name="Agency C")
        assert set(lias.filter(either).distinct()) == set(
            lias.filter(Q(teams__id__in=ids) | Q(name="Agency C")).distinct()
        )
    if ids and connection.vendor == "postgresql":
        assert "= ANY(" in queries[0]["sql"]
        assert f"{max(ids)}," not in queries[0]["sql"].split("ANY(")[0]


@pytest.mark.parametrize("peers", ["named", "hidden"])
@pytest.mark.parametrize("person", sorted(EXPECTED_TEAMS))
def test_run_charts_visible_for_one_kind_are_that_kinds_share_of_all(world, person, peers):
    """`visible_to(user, kind=k)` plans only kind k's branch of the rule; it must select the same rows."""
    from measures.models import RunChartAnalysis
    from tests.factories import MeasureFactory

    Kind = RunChartAnalysis.Kind
    world.one.peer_visibility = peers
    world.one.save()
    for collab, teams in (
        (world.one, [world.team_a1, world.team_b1, world.team_c1]),
        (world.two, [world.team_a2]),
    ):
        measure = MeasureFactory(collaborative=collab)
        for team in teams:
            RunChartAnalysis.objects.create(kind=Kind.TEAM, measure=measure, collaborative=collab, team=team)
        RunChartAnalysis.objects.create(kind=Kind.COLLABORATIVE, measure=measure, collaborative=collab)
        for awardee in (world.north, world.south):
            RunChartAnalysis.objects.create(
                kind=Kind.AWARDEE, measure=measure, collaborative=collab, awardee=awardee
            )
    user = getattr(world, person)
    every = RunChartAnalysis.objects.visible_to(user)
    seen = set()
    for kind in Kind:
        narrowed = set(RunChartAnalysis.objects.visible_to(user, kind=kind))
        assert narrowed == set(every.filter(kind=kind))
        assert all(chart.kind == kind for chart in narrowed)
        seen |= narrowed
    assert seen == set(every)
    # Written from DESIGN.md, not from the rule: peers' charts show unless the collaborative hides them.
    teams = {c.team.code for c in seen if c.team}
    pooled = {(c.collaborative.short_name, c.awardee.code if c.awardee else None) for c in seen if not c.team}
    if person == "frank":  # admin of ONE: all of ONE
        assert (teams, pooled) == ({"A1", "B1", "C1"}, {("ONE", None), ("ONE", "north"), ("ONE", "south")})
    if person == "bob":  # member of Agency A: A1 and A2, and in ONE its peers unless hidden
        assert teams == ({"A1", "A2"} if peers == "hidden" else {"A1", "B1", "C1", "A2"})
    if person == "olga":
        assert seen == set()
