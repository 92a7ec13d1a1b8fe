"""The fixture world: two awardees, four LIAs, two collaboratives, and one person per role.

Awardee North owns LIAs A and B; awardee South owns LIA C and the non-participating LIA D.
Collaborative ONE enrols A, B and C; collaborative TWO enrols A only.
alice: CQI lead of LIA A · bob: team member of LIA A · charlie: team member of LIA C (same collaborative)
diana: advisor of team B1 · erin: awardee lead of North · frank: collaborative admin of ONE
olga: outsider with no memberships · ivan: inactive user who was a member of LIA A
diana, erin, frank and root hold roles that require MFA, so each has an enrolled authenticator app
(tests.factories.TOTP_SECRET).

`world_plus` adds the principals the authorization matrix and canary crawl also need
(docs/testing.md §2), kept out of `world` so that other tests' rosters and reminder lists stay as they are:
gina: CQI lead of LIA C · hugo: advisor of team C1 · kate: awardee lead of South
leo: collaborative admin of TWO · mia: CQI lead of LIA B and team member of LIA C (a union of memberships)
"""

import threading
from collections import Counter
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from celery.signals import task_postrun, task_prerun
from django.core.cache import caches
from django.core.signals import request_finished, request_started
from django.db.models import Model

from collaboratives import scoping
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

GUARD_FIGURES: Counter[str] = Counter()  # tenant-model evaluations inside requests, and the unscoped ones


def SECURITY_FIGURES() -> list[str]:  # noqa: N802 (collected by pytest_terminal_summary below)
    if not GUARD_FIGURES:
        return []
    return [
        f"G5 scoping guard: {GUARD_FIGURES['checked']} tenant-model query evaluations inside requests checked, "
        f"{GUARD_FIGURES['unscoped']} unscoped"
    ]


@pytest.fixture(autouse=True)
def scope_guard(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every request a test makes runs with the scoping guard on (collaboratives/scoping.py, goal G5).

    A tenant-model queryset evaluated in a request without `visible_to(user)` or an explicit
    `unscoped(reason=...)` raises UnscopedQueryError. Celery tasks are trusted, so the guard is off
    while one runs (eagerly, inside a request, in the embedded mode).
    """
    paused = threading.local()  # the guard's state when each running task started, per thread
    in_request = threading.local()
    expected = request.node.get_closest_marker("expects_unscoped") is not None

    def request_on(**_: Any) -> None:
        scoping._guard_on.set(True)
        in_request.on = True

    def request_off(**_: Any) -> None:
        scoping._guard_on.set(False)
        in_request.on = False

    def task_off(**_: Any) -> None:
        paused.__dict__.setdefault("stack", []).append(scoping._guard_on.get())
        scoping._guard_on.set(False)

    def task_restore(**_: Any) -> None:
        scoping._guard_on.set(paused.stack.pop())

    check = scoping.ScopedQuerySet._check_scope

    def counted_check(queryset: scoping.ScopedQuerySet) -> None:
        counted = scoping._guard_on.get() and getattr(in_request, "on", False) and not expected
        GUARD_FIGURES["checked"] += counted
        try:
            check(queryset)
        except scoping.UnscopedQueryError:
            GUARD_FIGURES["unscoped"] += counted
            raise

    monkeypatch.setattr(scoping.ScopedQuerySet, "_check_scope", counted_check)
    request_started.connect(request_on, dispatch_uid="scope_guard_on")
    request_finished.connect(request_off, dispatch_uid="scope_guard_off")
    task_prerun.connect(task_off, dispatch_uid="scope_guard_task_off")
    task_postrun.connect(task_restore, dispatch_uid="scope_guard_task_restore")
    try:
        yield
    finally:
        request_started.disconnect(dispatch_uid="scope_guard_on")
        request_finished.disconnect(dispatch_uid="scope_guard_off")
        task_prerun.disconnect(dispatch_uid="scope_guard_task_off")
        task_postrun.disconnect(dispatch_uid="scope_guard_task_restore")
        scoping._guard_on.set(False)


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


@pytest.fixture
def world_plus(world: SimpleNamespace) -> SimpleNamespace:
    def person(username: str, *memberships: dict[str, Model | str]) -> object:
        user = UserFactory(username=f"{username}@example.org", first_name=username.title())
        for membership in memberships:
            MembershipFactory(user=user, **membership)
        return user

    world.gina = person("gina", {"role": Role.CQI_LEAD, "lia": world.lia_c})
    world.hugo = person("hugo", {"role": Role.ADVISOR, "team": world.team_c1})
    world.kate = person("kate", {"role": Role.AWARDEE_LEAD, "awardee": world.south})
    world.leo = person("leo", {"role": Role.COLLABORATIVE_ADMIN, "collaborative": world.two})
    world.mia = person(
        "mia", {"role": Role.CQI_LEAD, "lia": world.lia_b}, {"role": Role.TEAM_MEMBER, "lia": world.lia_c}
    )
    for privileged in (world.hugo, world.kate, world.leo):  # their roles require MFA
        TOTPAuthenticatorFactory(user=privileged)
    return world


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print the security figures the matrix and canary tests measured (docs/testing.md §5, G1–G5, G13)."""
    import sys

    for module in list(sys.modules.values()):
        for line in getattr(module, "SECURITY_FIGURES", lambda: [])():
            terminalreporter.write_line(line)
