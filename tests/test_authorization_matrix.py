"""Every route × method × principal × sample object, against an oracle written from DESIGN.md's role table.

A route of ours with no entry in ROUTES fails the build: a new page or endpoint must be added here
in the same commit. Each entry's cases run for every principal, and three dimensions are added to
every route automatically (security plan §2.6, goals G1, G2, G4):

- nonexistent object: each UUID in the URL is replaced, one at a time, by a random one; every
  signed-in principal gets 404 and, where the real object answered 404 (another tenant's), the two
  bodies are identical;
- methods a route does not serve (those with no case here) answer 405 to signed-in principals and
  the login denial to anonymous ones;
- rejected writes leave the database as it was.

The summary line printed at the end of the session gives the number of cases.
"""

import datetime as dt
import hashlib
import re
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import pytest
from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from collaboratives.models import Invitation, Membership, Role
from measures.models import (
    ChartAnnotation,
    Measure,
    MonthlyReport,
    Observation,
    PhaseDecision,
    RunChartAnalysis,
)
from measures.services import runchart_analyse
from tests.factories import MeasureFactory

PRINCIPALS = [
    "anonymous",
    "alice",
    "bob",
    "charlie",
    "diana",
    "erin",
    "frank",
    "olga",
    "ivan",
    "root",
    "gina",
    "hugo",
    "kate",
    "leo",
    "mia",
]
SIGNED_IN = [
    p for p in PRINCIPALS if p not in ("anonymous", "ivan")
]  # ivan is inactive: treated as anonymous
LOGIN = 302  # anonymous and inactive users are sent to the login page
LOGIN_DENIALS = (302, 401, 403)  # what an anonymous request may get before any object is looked up

# Principals of tests/conftest.py's `world_plus` who, on the sample objects here (team A1 of LIA A in
# collaborative ONE), hold exactly the rights of an existing principal; an entry may still override them.
ALIKE = {
    "gina": "charlie",  # a CQI lead of LIA C: C1's own lead, a peer of A1 in ONE, like C's member
    "hugo": "diana",  # advisor of C1: a peer in ONE who advises another team, like B1's advisor
    "kate": "diana",  # awardee lead of South: sees ONE through C1, enters no data, like an advisor elsewhere
    "leo": "olga",  # admin of TWO: nothing of ONE (LIA A's roster differs: A is enrolled in TWO)
    "mia": "charlie",  # lead of LIA B and member of LIA C: enters data for teams of ONE, none of them A1
}


@dataclass(frozen=True)
class Case:
    method: str
    url: Callable[[SimpleNamespace], str]
    expected: dict[str, int]
    data: Callable[[SimpleNamespace], dict[str, Any]] | None = None
    unchanged: Callable[[], Any] | None = None  # a snapshot that a refused write must leave as it was


def _statuses(default: int, anonymous: int = LOGIN, **overrides: int) -> dict[str, int]:
    table = {p: default for p in SIGNED_IN} | {"anonymous": anonymous, "ivan": anonymous} | overrides
    return table | {p: table[like] for p, like in ALIKE.items() if p not in overrides}


def _invitation_token(w: SimpleNamespace) -> str:
    token = "matrix-invitation-token"
    Invitation.objects.create(
        lia=w.lia_a,
        email="matrix@example.org",
        role=Role.TEAM_MEMBER,
        token_hash=hashlib.sha256(token.encode()).hexdigest(),
        expires_at=timezone.now() + dt.timedelta(days=1),
    )
    return token


def _entry_url(w: SimpleNamespace, submitted: bool = False) -> str:
    """Team A1's March 2025 entry page; `submitted` first files that month as submitted by alice."""
    if submitted:
        MonthlyReport.objects.create(
            team=w.team_a1,
            month=ENTRY_MONTH,
            status="submitted",
            submitted_at=timezone.now(),
            submitted_by=w.alice,
        )
    return f"/teams/{w.team_a1.public_id}/data/{ENTRY_MONTH:%Y-%m}/"


def _reports() -> list[tuple[Any, ...]]:
    return list(MonthlyReport.objects.values_list("team_id", "month", "status", "reopen_reason"))


ENTRY_MONTH = dt.date(2025, 3, 1)


def _team_chart(w: SimpleNamespace) -> RunChartAnalysis:
    """Team A1's stored run chart for a measure of ONE, with six months of data (made once per test)."""
    if not hasattr(w, "chart_a1"):
        measure = MeasureFactory(collaborative=w.one, code="matrix")
        for i in range(6):
            Observation.objects.create(
                team=w.team_a1, measure=measure, month=dt.date(2025, 1 + i, 1), numerator=i, denominator=10
            )
        w.chart_a1 = RunChartAnalysis.objects.create(
            kind="team", measure=measure, collaborative=w.one, team=w.team_a1
        )
        runchart_analyse(analysis=w.chart_a1)
    return w.chart_a1


def _charts_state() -> list[tuple[Any, ...]]:
    return [
        *PhaseDecision.objects.values_list("start_month", "decision"),
        *ChartAnnotation.objects.values_list("month", "text"),
    ]


# The oracle. Team A1 belongs to LIA A (North) in collaborative ONE; see tests/conftest.py for the people.
ROUTES: dict[str, list[Case]] = {
    "home": [Case("get", lambda w: "/", _statuses(200))],
    "team-list": [Case("get", lambda w: "/teams/", _statuses(200))],
    "team-detail": [
        Case(
            "get",
            lambda w: f"/teams/{w.team_a1.public_id}/",
            # LIA A's lead and member, North's awardee lead and ONE's admin see it; C's member and B1's advisor don't.
            _statuses(404, alice=200, bob=200, erin=200, frank=200, root=200),
        )
    ],
    "collaborative-detail": [
        Case(
            "get",
            lambda w: f"/collaboratives/{w.one.public_id}/",
            _statuses(200, olga=404),  # everyone with a team in ONE, its admin, and the superuser
        )
    ],
    "lia-roster": [
        Case(
            "get",
            lambda w: f"/lias/{w.lia_a.public_id}/roster/",
            # TWO's admin sees the roster of LIA A, enrolled in TWO, but none of ONE.
            _statuses(404, alice=200, bob=200, erin=200, frank=200, root=200, leo=200),
        ),
        Case(
            "post",
            lambda w: f"/lias/{w.lia_a.public_id}/roster/",
            # Only LIA A's CQI lead (and the superuser) may invite; others who see the LIA get 403.
            _statuses(404, alice=302, root=302, bob=403, erin=403, frank=403, leo=403),
            data=lambda w: {"email": "new.person@example.org", "role": Role.TEAM_MEMBER},
            unchanged=lambda: list(Invitation.objects.values_list("email", flat=True)),
        ),
    ],
    # Dashboards: everyone who sees collaborative ONE sees its dashboard and, peers named (the default), team A1's chart.
    "collaborative-dashboard": [
        Case("get", lambda w: f"/collaboratives/{w.one.public_id}/dashboard/", _statuses(200, olga=404))
    ],
    "measure-teams": [
        Case(
            "get",
            lambda w: f"/collaboratives/{w.one.public_id}/dashboard/{_team_chart(w).measure.public_id}/",
            _statuses(200, olga=404),
        )
    ],
    "collaborative-annotate": [
        Case(
            "post",
            lambda w: f"/collaboratives/{w.one.public_id}/dashboard/notes/",
            _statuses(403, olga=404, frank=302, root=302),  # collaborative-wide notes: its admins only
            data=lambda w: {"month": "2025-03", "text": "Learning Session 2"},
            unchanged=_charts_state,
        )
    ],
    "chart-detail": [Case("get", lambda w: f"/charts/{_team_chart(w).public_id}/", _statuses(200, olga=404))],
    "chart-fragment": [
        Case("get", lambda w: f"/charts/{_team_chart(w).public_id}/fragment/", _statuses(200, olga=404))
    ],
    "chart-csv": [
        Case("get", lambda w: f"/charts/{_team_chart(w).public_id}/data.csv", _statuses(200, olga=404))
    ],
    "chart-phase": [
        Case(
            "post",
            lambda w: f"/charts/{_team_chart(w).public_id}/phases/",
            # The team's CQI lead, its advisor (diana advises B1, not A1) and the collaborative's admins.
            _statuses(403, olga=404, alice=302, frank=302, root=302),
            data=lambda w: {"start_month": "2025-04", "decision": "manual", "reason": "New referral form"},
            unchanged=_charts_state,
        )
    ],
    "chart-annotate": [
        Case(
            "post",
            lambda w: f"/charts/{_team_chart(w).public_id}/notes/",
            _statuses(403, olga=404, alice=302, bob=302, root=302),  # the team's own members
            data=lambda w: {"month": "2025-03", "text": "Two home visitors left"},
            unchanged=_charts_state,
        )
    ],
    "team-data": [
        # The shortcut redirects whoever sees team A1 to its oldest unsubmitted month.
        Case(
            "get",
            lambda w: f"/teams/{w.team_a1.public_id}/data/",
            _statuses(404, alice=302, bob=302, erin=302, frank=302, root=302),
        ),
    ],
    "team-data-month": [
        # Everyone who sees team A1 may read its month; only LIA A's people enter data.
        Case(
            "get", lambda w: _entry_url(w), _statuses(404, alice=200, bob=200, erin=200, frank=200, root=200)
        ),
        Case(
            "post",
            lambda w: _entry_url(w),
            _statuses(404, alice=302, bob=302, root=302, erin=403, frank=403),
            data=lambda w: {"action": "save"},
            unchanged=_reports,
        ),
        Case(
            "post",
            lambda w: _entry_url(w),
            # ONE does not let members submit, so only the CQI lead (and the superuser) may.
            _statuses(404, alice=302, root=302, bob=403, erin=403, frank=403),
            data=lambda w: {"action": "submit"},
            unchanged=_reports,
        ),
        Case(
            "post",
            lambda w: _entry_url(w, submitted=True),
            # The CQI lead and ONE's admin may reopen; diana advises B1, not A1, so A1 is not hers to see.
            _statuses(404, alice=302, frank=302, root=302, bob=403, erin=403),
            data=lambda w: {"action": "reopen", "reason": "A typo in the denominator"},
            unchanged=_reports,
        ),
    ],
    # Reporting status: everyone who sees collaborative ONE sees the page, with rows only for teams they see.
    "collaborative-reporting": [
        Case("get", lambda w: f"/collaboratives/{w.one.public_id}/reporting/", _statuses(200, olga=404))
    ],
    # Bulk import: the upload page and templates are for whoever enters data for a team of ONE (alice and bob
    # for A1, charlie for C1, the superuser); others who see ONE get 403. An upload is its uploader's alone.
    "collaborative-import": [
        Case(
            "get",
            lambda w: f"/collaboratives/{w.one.public_id}/import/",
            _statuses(200, olga=404, diana=403, erin=403, frank=403),
        ),
        Case(
            "post",
            lambda w: f"/collaboratives/{w.one.public_id}/import/",
            _statuses(400, olga=404, diana=403, erin=403, frank=403),  # allowed, but no file chosen
            data=lambda w: {},
        ),
    ],
    "import-template-csv": [
        Case(
            "get",
            lambda w: f"/collaboratives/{w.one.public_id}/import/template.csv",
            _statuses(200, olga=404, diana=403, erin=403, frank=403),
        )
    ],
    "import-template-xlsx": [
        Case(
            "get",
            lambda w: f"/collaboratives/{w.one.public_id}/import/template.xlsx",
            _statuses(200, olga=404, diana=403, erin=403, frank=403),
        )
    ],
    "import-preview": [
        Case(
            "get",
            lambda w: "/imports/{}/".format(
                w.one.data_imports.create(uploaded_by=w.bob, content=b"x", sha256="0" * 64).public_id
            ),
            _statuses(404, bob=200),
        )
    ],
    "import-commit": [
        Case(
            "post",
            # bob's upload changes A1's March value of the chart's measure from 2 to 4.
            lambda w: "/imports/{}/commit/".format(
                w.one.data_imports.create(
                    uploaded_by=w.bob,
                    filename="matrix.csv",
                    content=f"team_code,month,measure_code,numerator,denominator\nA1,2025-03,{_team_chart(w).measure.code},4,10\n".encode(),
                    sha256="0" * 64,
                ).public_id
            ),
            _statuses(404, bob=302),
            unchanged=lambda: list(
                Observation.objects.values_list("team_id", "month", "numerator", "denominator")
            ),
        )
    ],
    # Measures management: collaborative ONE's admin and the superuser; others who see ONE get 403.
    "measure-manage-list": [
        Case(
            "get",
            lambda w: f"/collaboratives/{w.one.public_id}/measures/",
            _statuses(403, olga=404, frank=200, root=200),
        )
    ],
    "measure-new": [
        Case(
            "get",
            lambda w: f"/collaboratives/{w.one.public_id}/measures/new/",
            _statuses(403, olga=404, frank=200, root=200),
        ),
        Case(
            "post",
            lambda w: f"/collaboratives/{w.one.public_id}/measures/new/",
            _statuses(403, olga=404, frank=302, root=302),
            data=lambda w: {
                "code": "matrix-new",
                "name": "New",
                "kind": "count",
                "direction": "up",
                "numerator_definition": "Referrals",
                "order": "0",
            },
            unchanged=lambda: list(Measure.objects.values_list("code", flat=True)),
        ),
    ],
    "measure-edit": [
        Case(
            "get",
            lambda w: f"/measures/{_team_chart(w).measure.public_id}/edit/",
            _statuses(403, olga=404, frank=200, root=200),
        ),
        Case(
            "post",
            lambda w: f"/measures/{_team_chart(w).measure.public_id}/edit/",
            _statuses(403, olga=404, frank=302, root=302),
            data=lambda w: {
                "code": "matrix",
                "name": "Renamed",
                "kind": "proportion",
                "direction": "up",
                "numerator_definition": "Families screened",
                "order": "0",
            },
            unchanged=lambda: list(Measure.objects.values_list("code", "name")),
        ),
    ],
    "team-data-history": [
        # Whoever sees team A1 sees who changed its month, as on the entry page.
        Case(
            "get",
            lambda w: f"{_entry_url(w)}history/",
            _statuses(404, alice=200, bob=200, erin=200, frank=200, root=200),
        )
    ],
    "invitation-accept": [
        # The emailed link is the credential: anyone holding it sees the acceptance form; a bad one is 404.
        Case("get", lambda w: f"/invitations/{_invitation_token(w)}/", _statuses(200, anonymous=200)),
        Case("get", lambda w: "/invitations/not-a-real-token/", _statuses(404, anonymous=404)),
        Case(
            "post",
            lambda w: f"/invitations/{_invitation_token(w)}/",
            # A newcomer signs up through it; a signed-in person who is not its addressee is refused.
            _statuses(400, anonymous=302),
            data=lambda w: {"full_name": "Matrix Person", "password": "a long enough passphrase 42"},
            unchanged=lambda: list(Membership.objects.values_list("user_id", "role", "lia_id")),
        ),
    ],
}


UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
METHODS = ("get", "post", "put", "patch", "delete")
# What differs between two renderings of the same page: CSRF tokens (masked anew per response) and nonces.
VOLATILE = re.compile(rb'(csrfmiddlewaretoken" value="|csrf-token" content="|nonce=")[^"]*')


def _patterns() -> dict[str, str]:
    """Our route names and their URL patterns, e.g. {"chart-csv": "charts/<uuid:public_id>/data.csv"}."""
    found: dict[str, str] = {}

    def walk(patterns: list[Any], prefix: str) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                if p.app_name in ("admin",) or (
                    p.urlconf_module and getattr(p.urlconf_module, "__name__", "").startswith("allauth")
                ):
                    continue
                walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern) and p.name:
                found[p.name] = prefix + str(p.pattern)

    walk(get_resolver().url_patterns, "")
    return found


def _uuids_in(route: str) -> int:
    return _patterns().get(route, "").count("<uuid:")


def _unserved(route: str) -> list[str]:
    served = {case.method for case in ROUTES[route]}
    return [m for m in METHODS if m not in served]


def test_every_route_of_ours_has_an_oracle_entry():
    assert set(_patterns()) - set(ROUTES) == set()
    assert set(ROUTES) - set(_patterns()) == set()


CASES = [
    (name, i, principal)
    for name, cases in ROUTES.items()
    for i, case in enumerate(cases)
    for principal in PRINCIPALS
]
# Checks made in this session and those with an unexpected outcome, by dimension (printed by tests/conftest.py).
EXECUTED: Counter[str] = Counter()
UNEXPECTED: Counter[str] = Counter()


def _count_cases() -> Counter[str]:
    """The matrix's size by dimension, from ROUTES and the URL patterns alone."""
    n: Counter[str] = Counter()
    for name, cases in ROUTES.items():
        for case in cases:
            n["status"] += len(PRINCIPALS)
            n["nonexistent object"] += _uuids_in(name) * len(PRINCIPALS)
            n["404 parity"] += _uuids_in(name) * sum(case.expected[p] == 404 for p in PRINCIPALS)
        n["unserved method"] += len(_unserved(name)) * len(PRINCIPALS)
    return n


def _snapshot() -> dict[str, int]:
    """Row counts of every table of ours: what a refused or unserved request must not change."""
    ours = ("collaboratives", "measures", "pdsa", "worksheets")
    return {m._meta.label: m._base_manager.count() for m in apps.get_models() if m._meta.app_label in ours}


def _request(client: Any, method: str, url: str, data: dict[str, Any] | None) -> Any:
    if method in ("get", "post"):
        return getattr(client, method)(url, data or {})
    return client.generic(method.upper(), url)


def _body(response: Any) -> bytes:
    return VOLATILE.sub(rb"\1", response.content)


@pytest.mark.parametrize(("route", "index", "principal"), CASES, ids=[f"{r}[{i}]-{p}" for r, i, p in CASES])
def test_status_matches_the_oracle(world_plus, client, mailoutbox, route, index, principal):
    world = world_plus
    case = ROUTES[route][index]
    if principal != "anonymous":
        client.force_login(getattr(world, principal))
    url = case.url(world)
    data = case.data(world) if case.data else None
    before = case.unchanged() if case.unchanged else None
    response = _request(client, case.method, url, data)
    expected = case.expected[principal]
    _check(
        "status",
        response.status_code == expected
        and (not case.unchanged or expected < 400 or case.unchanged() == before),
        f"{case.method.upper()} {url} as {principal}: {response.status_code}, expected {expected}",
    )

    anonymous = principal in ("anonymous", "ivan")
    login_denial = expected if anonymous and expected in LOGIN_DENIALS else None
    for found in UUID.finditer(url):
        missing_url = url[: found.start()] + str(uuid.uuid4()) + url[found.end() :]
        tables = _snapshot()
        missing = _request(client, case.method, missing_url, data)
        _check(
            "nonexistent object",
            missing.status_code == (login_denial or 404) and _snapshot() == tables,
            f"{case.method.upper()} {missing_url} as {principal}: {missing.status_code}",
        )
        if expected == 404:
            _check(
                "404 parity", _body(response) == _body(missing), f"404 bodies differ: {url}, {missing_url}"
            )

    if index == 0:
        for method in _unserved(route):
            tables = _snapshot()
            refused = _request(client, method, url, None)
            _check(
                "unserved method",
                refused.status_code == (login_denial or 405) and _snapshot() == tables,
                f"{method.upper()} {url} as {principal}: {refused.status_code}",
            )


def _check(dimension: str, ok: bool, message: str) -> None:
    EXECUTED[dimension] += 1
    UNEXPECTED[dimension] += not ok
    assert ok, message


def SECURITY_FIGURES() -> list[str]:  # noqa: N802 (the name tests/conftest.py looks for)
    if not EXECUTED:
        return []
    n = _count_cases()
    return [
        f"G1 authorization matrix: {n.total()} cases, {EXECUTED.total()} checked in this run, "
        f"{UNEXPECTED.total()} unexpected outcomes ({', '.join(f'{k} {EXECUTED[k]}/{v}' for k, v in n.items())})",
        f"G2 routes with an oracle entry: {len(set(ROUTES) & set(_patterns()))}/{len(_patterns())}",
        f"G4 404-parity comparisons: {EXECUTED['404 parity']}, differences: {UNEXPECTED['404 parity']}",
    ]


def test_the_matrix_is_large_enough_to_mean_something():
    n = _count_cases()
    print(f"authorization matrix: {n.total()} cases ({', '.join(f'{k} {v}' for k, v in n.items())})")
    assert n.total() >= 1500
    assert n["status"] == len(CASES)
