"""The fixture world: two awardees, four LIAs, two collaboratives, and one person per role.

Awardee North owns LIAs A and B; awardee South owns LIA C and the non-participating LIA D.
Collaborative ONE enrols A, B and C; collaborative TWO enrols A only.
alice: CQI lead of LIA A · bob: team member of LIA A · charlie: team member of LIA C (same collaborative)
diana: advisor of team B1 · erin: awardee lead of North · frank: collaborative admin of ONE
olga: outsider with no memberships · ivan: inactive user who was a member of LIA A
diana, erin, frank and root hold roles that require MFA, so each has an enrolled authenticator app
(tests.factories.TOTP_SECRET).
"""

from types import SimpleNamespace

import pytest
from django.core.cache import caches

from collaboratives.models import Role
from tests.factories import (
    AwardeeFactory,
    CollaborativeFactory,
    LIAFactory,
    MembershipFactory,
    TeamFactory,
    TOTPAuthenticatorFactory,
    UserFactory,
)


@pytest.fixture(autouse=True)
def _fresh_api_budgets() -> None:
    """API throttle budgets live in process memory, outside the test's rolled-back transaction."""
    caches["throttle"].clear()


@pytest.fixture
def world(db: None) -> SimpleNamespace:
    north = AwardeeFactory(name="North", code="north")
    south = AwardeeFactory(name="South", code="south")
    lia_a = LIAFactory(awardee=north, name="Agency A")
    lia_b = LIAFactory(awardee=north, name="Agency B")
    lia_c = LIAFactory(awardee=south, name="Agency C")
    lia_d = LIAFactory(awardee=south, name="Agency D (not participating)")
    one = CollaborativeFactory(name="Collaborative One", short_name="ONE")
    two = CollaborativeFactory(name="Collaborative Two", short_name="TWO")
    team_a1 = TeamFactory(collaborative=one, lia=lia_a, code="A1")
    team_b1 = TeamFactory(collaborative=one, lia=lia_b, code="B1")
    team_c1 = TeamFactory(collaborative=one, lia=lia_c, code="C1")
    team_a2 = TeamFactory(collaborative=two, lia=lia_a, code="A2")

    def person(username: str, **membership: object) -> object:
        user = UserFactory(username=f"{username}@example.org", first_name=username.title())
        if membership:
            MembershipFactory(user=user, **membership)
        return user

    ivan = person("ivan", role=Role.TEAM_MEMBER, lia=lia_a)
    ivan.is_active = False
    ivan.save()
    world = SimpleNamespace(
        north=north,
        south=south,
        lia_a=lia_a,
        lia_b=lia_b,
        lia_c=lia_c,
        lia_d=lia_d,
        one=one,
        two=two,
        team_a1=team_a1,
        team_b1=team_b1,
        team_c1=team_c1,
        team_a2=team_a2,
        alice=person("alice", role=Role.CQI_LEAD, lia=lia_a),
        bob=person("bob", role=Role.TEAM_MEMBER, lia=lia_a),
        charlie=person("charlie", role=Role.TEAM_MEMBER, lia=lia_c),
        diana=person("diana", role=Role.ADVISOR, team=team_b1),
        erin=person("erin", role=Role.AWARDEE_LEAD, awardee=north),
        frank=person("frank", role=Role.COLLABORATIVE_ADMIN, collaborative=one),
        olga=person("olga"),
        ivan=ivan,
        root=UserFactory(username="root@example.org", is_superuser=True, is_staff=True),
    )
    for privileged in (world.diana, world.erin, world.frank, world.root):
        TOTPAuthenticatorFactory(user=privileged)
    return world
