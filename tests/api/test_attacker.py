"""The disclosure rule, played by the attacker (issue 19): per role, everything received for a sensitive
measure through the API and the pages, solved for the withheld cells. No withheld cell may have one
solution. See tests/api/attacker.py for the constraints and the search."""

import datetime as dt
import random

import pytest
from django.db.models import Q
from django.test import Client

from collaboratives.models import Collaborative, Membership, Role
from measures.charts.recompute import recompute_all
from measures.demo import load_demo
from measures.models import Measure
from tests.api.attacker import determined, received
from tests.factories import (
    AwardeeFactory,
    CollaborativeFactory,
    LIAFactory,
    MeasureFactory,
    MembershipFactory,
    ObservationFactory,
    TeamFactory,
    TOTPAuthenticatorFactory,
    UserFactory,
)

START = dt.date(2025, 1, 1)
# Every page and download that shows a figure of a measure (beside the API), by URL name
PAGES = {
    "chart-detail", "chart-fragment", "chart-csv", "api-runchart-control", "collaborative-dashboard",
    "measure-teams", "measure-funnel", "dashboard-table-csv", "dashboard-table-xlsx", "collaborative-workbook",
    "team-list", "team-detail", "team-storyboard", "team-storyboard-pdf", "phase-queue", "closing-planner",
    "closing-planner-pdf",
}  # fmt: skip


def _month(i: int) -> dt.date:
    return dt.date(START.year + (START.month - 1 + i) // 12, (START.month - 1 + i) % 12 + 1, 1)


def _attack(people: dict[str, object], measure: Measure, api_as, capsys) -> tuple[dict, dict]:
    """Each person's (withheld cells, determined cells), printed as the issue asks, and the interfaces
    each read."""
    outcome, reads = {}, {}
    for role, person in people.items():
        web = Client()
        web.force_login(person)
        got = received(api=api_as(person), web=web, user=person, measure=measure)
        outcome[role] = determined(got=got, measure=measure)
        reads[role] = got.read
        with capsys.disabled():
            print(
                f"\n{measure.code} as {role}: {got.requests} requests to {len(got.read)} interfaces, "
                f"{len(got.counts)} cells with counts, {len(got.rates)} with rates, "
                f"{len(got.statistics)} series with statistics, {len(got.periods)} period figures; "
                f"withheld cells {outcome[role][0]}, determined {len(outcome[role][1])}"
            )
    return outcome, reads


@pytest.fixture
def ipv(world_plus, django_capture_on_commit_callbacks):
    """As tests/api/test_disclosure_rule.py: A1 and B1 of North, C1 of South; small months in A1's
    March and a January 2026 only A1 reports (3 of 8)."""
    w = world_plus
    measure = MeasureFactory(collaborative=w.one, code="ipv", sensitive=True)
    for i in range(12):
        a1 = (4, 30) if i == 2 else (12 + i % 3, 30)
        for team, (n, d) in ((w.team_a1, a1), (w.team_b1, (20 + i % 4, 40)), (w.team_c1, (15, 35))):
            ObservationFactory(team=team, measure=measure, month=_month(i), numerator=n, denominator=d)
    ObservationFactory(team=w.team_a1, measure=measure, month=_month(12), numerator=3, denominator=8)
    with django_capture_on_commit_callbacks(execute=True):
        recompute_all(collaborative_ids=[w.one.id])
    return measure


def test_no_role_of_the_fixture_world_can_solve_a_withheld_cell(world_plus, ipv, api_as, capsys):
    people = {
        "team member (C1)": world_plus.charlie,
        "CQI lead (A1)": world_plus.alice,
        "advisor (B1)": world_plus.diana,
        "awardee lead (North)": world_plus.erin,
        "awardee lead (South)": world_plus.kate,
        "CQI lead (B1) and member (C1)": world_plus.mia,
        "collaborative admin": world_plus.frank,
    }
    outcome, reads = _attack(people, ipv, api_as, capsys)
    assert reads["awardee lead (South)"] == PAGES  # a state lead with peers' months withheld
    assert reads["team member (C1)"] == PAGES - {"closing-planner", "closing-planner-pdf"}
    assert outcome["team member (C1)"][0] > 0  # the peer has withheld cells to attack
    assert {role: cells for role, (_, cells) in outcome.items() if cells} == {}


@pytest.fixture
def generated(db, django_capture_on_commit_callbacks):
    """A collaborative of four states with 2, 3, 4 and 5 teams, twelve months of a sensitive IPV
    measure with the small counts such a measure has (numerators 0-9, denominators 4-40, some months
    not reported), and one person per role."""
    rng = random.Random(19)
    collaborative = CollaborativeFactory(
        short_name="GEN", peer_visibility=Collaborative.PeerVisibility.ANONYMISED, start_date=START
    )
    measure = MeasureFactory(collaborative=collaborative, code="safer", sensitive=True)
    people: dict[str, object] = {}
    for s, size in enumerate((2, 3, 4, 5)):
        awardee = AwardeeFactory(code=f"s{s}", name=f"State {s}")
        for t in range(size):
            lia = LIAFactory(awardee=awardee, name=f"LIA {s}.{t}")
            team = TeamFactory(collaborative=collaborative, lia=lia, code=f"T{s}{t}")
            for i in range(12):
                if rng.random() < 0.1:
                    continue
                d = rng.randint(4, 40)
                ObservationFactory(
                    team=team,
                    measure=measure,
                    month=_month(i),
                    numerator=rng.randint(0, min(9, d)),
                    denominator=d,
                )
            if (s, t) == (1, 0):
                people["team member"] = _person("member", role=Role.TEAM_MEMBER, lia=lia)
            if (s, t) == (2, 1):
                people["CQI lead"] = _person("lead", role=Role.CQI_LEAD, lia=lia)
            if (s, t) == (3, 2):
                people["advisor"] = _person("advisor", role=Role.ADVISOR, team=team)
        if s == 0:
            people["awardee lead"] = _person("state", role=Role.AWARDEE_LEAD, awardee=awardee)
    people["collaborative admin"] = _person(
        "admin", role=Role.COLLABORATIVE_ADMIN, collaborative=collaborative
    )
    with django_capture_on_commit_callbacks(execute=True):
        recompute_all(collaborative_ids=[collaborative.id])
    return measure, people


def _person(name: str, **membership: object) -> object:
    user = UserFactory(username=f"{name}@gen.example.org")
    MembershipFactory(user=user, **membership)
    TOTPAuthenticatorFactory(user=user)
    return user


def test_no_role_of_a_generated_collaborative_with_2_to_5_teams_per_state_can_solve_a_withheld_cell(
    generated, api_as, capsys
):
    measure, people = generated
    outcome, reads = _attack(people, measure, api_as, capsys)
    assert reads["awardee lead"] == PAGES
    assert outcome["team member"][0] > 0
    assert {role: cells for role, (_, cells) in outcome.items() if cells} == {}


@pytest.fixture
def demo(db, django_capture_on_commit_callbacks):
    """The demo's data (measures/demo.py), analysed; its IPV collaborative's sensitive measure."""
    load_demo(today=dt.date(2026, 11, 25))
    with django_capture_on_commit_callbacks(execute=True):
        recompute_all()
    return Measure.objects.get(collaborative__short_name="IPV CoIIN", sensitive=True)


def test_no_role_of_the_demo_can_solve_a_withheld_cell_of_its_sensitive_ipv_measure(demo, api_as, capsys):
    """The demo's own CQI lead, advisor and admin of IPV CoIIN; its member and awardee lead are of the
    SRR CoIIN, so a member of an IPV team and a lead of its state are added."""
    team = demo.collaborative.teams.select_related("lia__awardee").order_by("code").first()
    _person("ipv-member", role=Role.TEAM_MEMBER, lia=team.lia)
    _person("ipv-state", role=Role.AWARDEE_LEAD, awardee=team.lia.awardee)
    people = {}
    for role in (Role.TEAM_MEMBER, Role.CQI_LEAD, Role.ADVISOR, Role.AWARDEE_LEAD, Role.COLLABORATIVE_ADMIN):
        in_ipv = Q(lia__teams__collaborative=demo.collaborative) | Q(team__collaborative=demo.collaborative)
        in_ipv |= Q(collaborative=demo.collaborative) | Q(
            awardee__lias__teams__collaborative=demo.collaborative
        )
        membership = Membership.objects.filter(in_ipv, role=role).order_by("id").first()
        assert membership is not None, role
        if not membership.user.authenticator_set.exists():
            TOTPAuthenticatorFactory(user=membership.user)
        people[Role(role).label] = membership.user
    outcome, reads = _attack(people, demo, api_as, capsys)
    assert reads[Role.AWARDEE_LEAD.label] == PAGES
    assert outcome[Role.TEAM_MEMBER.label][0] > 0
    assert {role: cells for role, (_, cells) in outcome.items() if cells} == {}
