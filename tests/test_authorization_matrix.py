"""Every route × method × principal × sample object, against an oracle written from DESIGN.md's role table.

A route of ours with no entry in ROUTES fails the build: a new page or endpoint must be added here
in the same commit. Each entry's cases run for every principal, and three dimensions are added to
every route automatically (docs/testing.md §2, goals G1, G2, G4):

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
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from collaboratives.models import (
    Aim,
    ApiToken,
    ChangeIdea,
    Driver,
    Invitation,
    Membership,
    Notification,
    Role,
    Team,
)
from measures.charts.recompute import runchart_analyse
from measures.models import (
    ChartAnnotation,
    Measure,
    MonthlyReport,
    Observation,
    PhaseDecision,
    RunChartAnalysis,
)
from pdsa.models import PDSAAttachment, PDSACycle, PDSAReview, PDSAReviewMessage
from referrals.models import Program, Referral, ReferralEvent
from referrals.services import referral_choose, referral_create, referral_send
from tests.factories import MeasureFactory
from tests.referrals.network import build_network, family
from worksheets.models import (
    SurveyInstrument,
    SurveyItem,
    SurveyLink,
    SurveySchedule,
    SurveyWindow,
    Worksheet,
)
from worksheets.services import joy_worksheet_save
from worksheets.survey.dates import month_last_day
from worksheets.survey.services import (
    survey_instrument_ensure,
    survey_links_issue,
    survey_window_open,
)

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
    bearer: str | None = None  # REST API: call with a personal token of this scope (JSON body), not a session


def _statuses(default: int, anonymous: int = LOGIN, **overrides: int) -> dict[str, int]:
    table = {p: default for p in SIGNED_IN} | {"anonymous": anonymous, "ivan": anonymous} | overrides
    return table | {p: table[like] for p, like in ALIKE.items() if p not in overrides}


def _invitation_token(w: SimpleNamespace) -> str:
    token = "matrix-invitation-token"
    Invitation.objects.get_or_create(
        token_hash=hashlib.sha256(token.encode()).hexdigest(),
        defaults={
            "lia": w.lia_a,
            "email": "matrix@example.org",
            "role": Role.TEAM_MEMBER,
            "expires_at": timezone.now() + dt.timedelta(days=1),
        },
    )
    return token


def _pending_invitation(w: SimpleNamespace) -> Invitation:
    """An invitation ONE's admin sent (an advisor for B1) that nobody has accepted."""
    invitation, _ = Invitation.objects.get_or_create(
        token_hash=hashlib.sha256(b"matrix-pending").hexdigest(),
        defaults={
            "team": w.team_b1,
            "via": w.one,
            "email": "pending@example.org",
            "role": Role.ADVISOR,
            "expires_at": timezone.now() + dt.timedelta(days=3),
        },
    )
    return invitation


def _invitations() -> list[tuple[Any, ...]]:
    return list(Invitation.objects.values_list("email", "token_hash", "expires_at", "revoked_at"))


def _memberships() -> list[tuple[Any, ...]]:
    return sorted(Membership.objects.values_list("user_id", "role", "lia_id", "team_id", "collaborative_id"))


def _teams() -> list[tuple[Any, ...]]:
    return sorted(Team.objects.values_list("id", "lia_id", "code", "withdrawn_on"))


def _alices_note(w: SimpleNamespace) -> ChartAnnotation:
    """A note alice wrote on team A1's charts."""
    note, _ = ChartAnnotation.objects.get_or_create(
        collaborative=w.one,
        team=w.team_a1,
        month=dt.date(2025, 3, 1),
        text="Alice's note",
        created_by=w.alice,
    )
    return note


def _notes() -> list[tuple[Any, ...]]:
    return list(ChartAnnotation.objects.values_list("id", "month", "text"))


# ONE's admin and the superuser run ONE; everyone else who sees ONE is refused; the rest do not see it.
_RUN_ONE = {"frank": 302, "root": 302, "olga": 404, "leo": 404}


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


def _decided_team_chart(w: SimpleNamespace) -> RunChartAnalysis:
    """`_team_chart` with a manual phase decided at April 2025 by its CQI lead."""
    chart = _team_chart(w)
    PhaseDecision.objects.get_or_create(
        analysis=chart,
        start_month=dt.date(2025, 4, 1),
        defaults={
            "collaborative": w.one,
            "team": w.team_a1,
            "decision": "manual",
            "reason": "x",
            "decided_by": w.alice,
        },
    )
    return chart


def _state_chart(w: SimpleNamespace) -> RunChartAnalysis:
    """North's pooled chart in ONE for the same measure as `_team_chart` (made once per test)."""
    if not hasattr(w, "chart_north"):
        w.chart_north = RunChartAnalysis.objects.create(
            kind="awardee", measure=_team_chart(w).measure, collaborative=w.one, awardee=w.north
        )
        runchart_analyse(analysis=w.chart_north)
    return w.chart_north


def _charts_state() -> list[tuple[Any, ...]]:
    return [
        *PhaseDecision.objects.values_list("start_month", "decision"),
        *ChartAnnotation.objects.values_list("month", "text"),
    ]


# Issue 7: worksheets
def _joy_worksheet(w: SimpleNamespace) -> Worksheet:
    """bob's Joy in Work worksheet for team A1, shared with the team, with an "Other" change planned."""
    if not hasattr(w, "joy_a1"):
        w.joy_a1 = joy_worksheet_save(
            actor=w.bob,
            team=w.team_a1,
            answers={"plan_change": "Other", "plan_change_other": "Walking meetings"},
            shared=True,
        )
    return w.joy_a1


def _planner_url(w: SimpleNamespace) -> str:
    return f"/collaboratives/{w.one.public_id}/awardees/{w.north.public_id}/closing-planner/"


# --- REST API (issue 8) helpers ---
API = 401  # the API answers anonymous callers and inactive users' tokens 401, not a redirect


def _bearer(user: Any, scope: str) -> str:
    """A live token of `scope` for `user`, made directly so an inactive user (ivan) can hold one too."""
    key = f"coiin_matrix-{user.pk}-{scope}"
    ApiToken.objects.get_or_create(
        token_hash=hashlib.sha256(key.encode()).hexdigest(),
        defaults={"user": user, "name": "matrix", "prefix": key[:12], "scope": scope,
                  "expires_at": timezone.now() + dt.timedelta(days=1)},
    )  # fmt: skip
    return key


def _pdsa_a1(w: SimpleNamespace) -> PDSACycle:
    return PDSACycle.objects.create(team=w.team_a1, title="Warm hand-off script", other_change_idea="Script")


def _tokens() -> list[tuple[Any, ...]]:
    return list(ApiToken.objects.values_list("name", "revoked_at"))


def _notification_a(w: SimpleNamespace) -> Notification:
    notification, _ = Notification.objects.get_or_create(
        recipient=w.alice,
        key="matrix",
        defaults={"kind": "data_due", "text": "March data is due", "url": "/"},
    )
    return notification


def _notifications() -> list[tuple[Any, ...]]:
    return list(Notification.objects.values_list("recipient_id", "key", "read_at"))


def _observations() -> list[tuple[Any, ...]]:
    return list(Observation.objects.values_list("team_id", "measure_id", "month", "numerator", "denominator"))


# --- Issue 6: key driver diagram, PDSA cycles and review (helpers for the ROUTES block below) ---


def _kdd(w: SimpleNamespace) -> SimpleNamespace:
    """ONE's diagram: an aim, a primary driver, a change idea (made once per test)."""
    if not hasattr(w, "kdd"):
        aim = Aim.objects.create(collaborative=w.one, text="85% of staff feel supported")
        driver = Driver.objects.create(collaborative=w.one, aim=aim, text="Camaraderie & Teamwork")
        idea = ChangeIdea.objects.create(collaborative=w.one, driver=driver, text="Peer mentorship")
        w.kdd = SimpleNamespace(aim=aim, driver=driver, idea=idea)
    return w.kdd


def _cycle(w: SimpleNamespace, team: str = "team_a1", submitted: bool = False) -> PDSACycle:
    """A planning cycle of the team (A1 by default); `submitted` also files it for review."""
    key = f"cycle_{team}"
    if not hasattr(w, key):
        cycle = PDSACycle.objects.create(
            team=getattr(w, team), change_idea=_kdd(w).idea, title="Matrix cycle"
        )
        if submitted:
            PDSAReview.objects.create(cycle=cycle, team=cycle.team, requested_at=timezone.now())
        setattr(w, key, cycle)
    return getattr(w, key)


def _attachment(w: SimpleNamespace) -> PDSAAttachment:
    """A file kept with team A1's cycle (made once per test)."""
    if not hasattr(w, "attachment"):
        cycle = _cycle(w)
        w.attachment = PDSAAttachment.objects.create(
            cycle=cycle, team=cycle.team, filename="tally.csv", content_type="text/csv", content=b"1", size=1
        )
    return w.attachment


def _pdsa_state() -> list[tuple[Any, ...]]:
    return [
        *PDSACycle.objects.values_list("id", "title", "status", "decision"),
        *PDSAReview.objects.values_list("id", "reviewed_at", "comment"),
    ]


def _kdd_state() -> list[tuple[Any, ...]]:
    return [
        *Aim.objects.values_list("id", "text"),
        *Driver.objects.values_list("id", "text"),
        *ChangeIdea.objects.values_list("id", "text"),
    ]


_RUBRIC_POST = {
    "comment": "Clear prediction; start smaller.",
    **dict.fromkeys(
        ["prediction_stated", "small_scale", "data_planned", "study_compares", "act_explicit"], "yes"
    ),
}
# The team's people (LIA A's lead and member) write; its awardee lead and ONE's admin read; peers get 404.
_TEAM_READS = _statuses(404, alice=200, bob=200, erin=200, frank=200, root=200)
_TEAM_WRITES_GET = _statuses(404, alice=200, bob=200, root=200, erin=403, frank=403)
_TEAM_WRITES_POST = _statuses(404, alice=302, bob=302, root=302, erin=403, frank=403)
# Team B1's cycles are reviewed by its advisor diana and ONE's admin; erin (North) reads them; A's and C's people don't see them.
# The sample cycle is team B1's: mia leads LIA B (sees it, may not review); hugo and kate are C1/South's.
_REVIEW_GET = _statuses(404, diana=200, frank=200, root=200, erin=403, mia=403, hugo=404, kate=404)
_REVIEW_POST = _statuses(404, diana=302, frank=302, root=302, erin=403, mia=403, hugo=404, kate=404)
# Only ONE's admin (and the superuser) edit its diagram; whoever sees ONE gets 403, outsiders 404.
_KDD_GET = _statuses(403, olga=404, frank=200, root=200)
_KDD_POST = _statuses(403, olga=404, frank=302, root=302)


# --- Issue 23: staff well-being pulse survey (helpers for the ROUTES block below) ---
def _survey_window(w: SimpleNamespace) -> Any:
    """Team A1's survey of this month, open today (made once per test)."""
    if not hasattr(w, "survey_window"):
        today = timezone.localdate()
        w.survey_window = survey_window_open(
            actor=w.alice,
            team=w.team_a1,
            month=today.replace(day=1),
            opens_on=today,
            closes_on=month_last_day(today),
            staff_count=10,
        )
    return w.survey_window


def _survey_item(w: SimpleNamespace) -> SurveyItem:
    return survey_instrument_ensure(collaborative=w.one).items.first()


def _survey_token(w: SimpleNamespace) -> str:
    return survey_links_issue(actor=w.alice, window=_survey_window(w), count=1)[0]


def _survey_state() -> list[tuple[Any, ...]]:
    return [
        *SurveyWindow.objects.unscoped(reason="matrix").values_list("id", "status", "staff_count"),
        *SurveyItem.objects.unscoped(reason="matrix").values_list("id", "code", "text_en"),
        *SurveyInstrument.objects.unscoped(reason="matrix").values_list("id", "min_responses"),
        *SurveyLink.objects.unscoped(reason="matrix").values_list("id", "used"),
        *SurveySchedule.objects.unscoped(reason="matrix").values_list(
            "id", "day", "days_open", "staff_count"
        ),
    ]


_SURVEY_ITEM_POST = {
    "code": "matrix",
    "text_en": "How often?",
    "text_es": "¿Con qué frecuencia?",
    "choices": "never | Never | Nunca\nalways | Always | Siempre",
    "top_box": "always",
    "order": "9",
}
# A1's CQI lead runs its survey; those who see A1 read it (403 on the lead's actions); others get 404.
_SURVEY_RUN_GET = _statuses(404, alice=200, root=200, bob=403, erin=403, frank=403)
_SURVEY_RUN_POST = _statuses(404, alice=302, root=302, bob=403, erin=403, frank=403)


# --- issue 25 helpers: collaborative ONE's learning calendar ---
def _event_one(w: SimpleNamespace) -> Any:
    """An action-period call of ONE for all its teams (made once per test)."""
    if not hasattr(w, "event_one"):
        from tests.collaboratives.learning.conftest import schedule

        w.event_one = schedule(w, date=dt.date(2026, 1, 13))[0]
    return w.event_one


def _feed_token(w: SimpleNamespace) -> str:
    from collaboratives.learning.services import calendar_feed_create

    if not hasattr(w, "feed_token"):
        w.feed_token = calendar_feed_create(actor=w.alice)[1]
    return w.feed_token


def _events() -> list[tuple[Any, ...]]:
    from collaboratives.models import Event

    return list(Event.objects.values_list("id", "title", "starts_at"))


def _attendance() -> list[tuple[Any, ...]]:
    from collaboratives.models import EventAttendance

    return list(EventAttendance.objects.values_list("event_id", "team_id"))


def _resource_one(w: SimpleNamespace) -> Any:
    """A PDF in ONE's library (made once per test)."""
    if not hasattr(w, "resource_one"):
        from collaboratives.learning.services import resource_add

        w.resource_one = resource_add(
            actor=w.frank,
            collaborative=w.one,
            title="Slides",
            kind="slides",
            filename="s.pdf",
            content=b"%PDF",
        )
    return w.resource_one


def _resources() -> list[tuple[Any, ...]]:
    from collaboratives.models import Resource

    return list(Resource.objects.values_list("id", "title"))


def _announcements() -> list[tuple[Any, ...]]:
    from collaboratives.models import Announcement

    return list(Announcement.objects.values_list("id", "title"))


def _training_state() -> list[tuple[Any, ...]]:
    from collaboratives.models import StaffMember, TrainingTopic

    return [*TrainingTopic.objects.values_list("id", "name"), *StaffMember.objects.values_list("id", "name")]


_EVENT_FORM = {
    "kind": "action_period_call",
    "title": "Matrix call",
    "date": "2026-02-10",
    "start_time": "15:00",
    "end_time": "16:00",
    "time_zone": "America/Chicago",
    "join_url": "https://meet.example.org/matrix",
}
# ONE's admins schedule; awardee leads who see ONE (erin, kate) open the form for their own awardee's
# teams but may not schedule for every team; others who see ONE get 403; outsiders 404.
_SCHEDULE_GET = _statuses(403, olga=404, frank=200, root=200, erin=200, kate=200)
_SCHEDULE_POST = _statuses(403, olga=404, frank=302, root=302)


# --- end of issue 25 helpers ---
def _referral_world(w: SimpleNamespace) -> SimpleNamespace:
    """The referral network of the matrix (built once per test; see the issue 24 block of ROUTES)."""
    if not hasattr(w, "referral_net"):
        w.referral_net = build_network(
            hub=w.gina, staff_hfa=w.hugo, staff_pat=w.mia, partner=w.kate, admin=w.leo
        )
    return w.referral_net


def _referral(w: SimpleNamespace) -> Referral:
    """A referral kate's clinic made, chosen and sent by the hub to the HFA program."""
    net = _referral_world(w)
    if not hasattr(w, "referral"):
        referral = referral_create(
            actor=w.kate, network=net.network, source="partner", source_organization=net.partner_org,
            consent_scope="contact", **family(),
        )  # fmt: skip
        referral_choose(actor=w.gina, referral=referral, program=net.programs["hfa"])
        w.referral = referral_send(actor=w.gina, referral=referral)
    return w.referral


def _referral_url(w: SimpleNamespace, url: str) -> str:
    _referral(w)
    return url


def _network_url(w: SimpleNamespace, page: str) -> str:
    return f"/referrals/networks/{_referral_world(w).network.public_id}/{page}/"


def _referral_state() -> list[tuple[Any, ...]]:
    return [
        *Referral.objects.values_list("id", "status", "program_id", "chosen_program_id"),
        *ReferralEvent.objects.values_list("id", "kind"),
    ]


def _net_statuses(**overrides: int) -> dict[str, int]:
    """Referral network routes: 404 for everyone without a role there, unless `overrides` say otherwise."""
    return _statuses(404, **{p: 404 for p in ("gina", "hugo", "kate", "leo", "mia")}, root=200) | overrides


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
        ),
        Case(
            "post",
            lambda w: f"/charts/{_state_chart(w).public_id}/phases/",
            # North's pooled chart: North's awardee lead and the collaborative's admins. Those who see it
            # through a team of North (A's and B's people, B1's advisor) get 403; South's people don't see it.
            _statuses(403, olga=404, charlie=404, hugo=404, kate=404, mia=403, erin=302, frank=302, root=302),
            data=lambda w: {
                "start_month": "2025-04",
                "decision": "manual",
                "reason": "Statewide referral form",
            },
            unchanged=_charts_state,
        ),
    ],
    "chart-annotate": [
        Case(
            "post",
            lambda w: f"/charts/{_team_chart(w).public_id}/notes/",
            # The team's own members, its advisors (A1 has none) and ONE's admin (issue 21: advisors annotate).
            _statuses(403, olga=404, alice=302, bob=302, frank=302, root=302),
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
    # --- REST API (issue 8): every API route with a personal token (read, or push for writes); the
    # docs page and token pages with the session. Anonymous callers and inactive users' tokens get 401.
    "api-collaborative-list": [
        Case("get", lambda w: "/api/v1/collaboratives/", _statuses(200, API), bearer="read")
    ],
    "api-me": [Case("get", lambda w: "/api/v1/me/", _statuses(200, API), bearer="read")],
    "api-collaborative-detail": [
        Case(
            "get",
            lambda w: f"/api/v1/collaboratives/{w.one.public_id}/",
            _statuses(200, API, olga=404),
            bearer="read",
        )
    ],
    "api-team-list": [Case("get", lambda w: "/api/v1/teams/", _statuses(200, API), bearer="read")],
    "api-team-detail": [
        Case(
            "get",
            lambda w: f"/api/v1/teams/{w.team_a1.public_id}/",
            _statuses(404, API, alice=200, bob=200, erin=200, frank=200, root=200),
            bearer="read",
        )
    ],
    "api-measure-list": [Case("get", lambda w: "/api/v1/measures/", _statuses(200, API), bearer="read")],
    "api-measure-detail": [
        Case(
            "get",
            lambda w: f"/api/v1/measures/{_team_chart(w).measure.public_id}/",
            _statuses(200, API, olga=404),
            bearer="read",
        )
    ],
    "api-observation-list": [
        Case("get", lambda w: "/api/v1/observations/", _statuses(200, API), bearer="read")
    ],
    "api-runchart-list": [Case("get", lambda w: "/api/v1/runcharts/", _statuses(200, API), bearer="read")],
    "api-runchart-detail": [
        # Peers are named in ONE (the default), so everyone in ONE sees team A1's chart.
        Case(
            "get",
            lambda w: f"/api/v1/runcharts/{_team_chart(w).public_id}/",
            _statuses(200, API, olga=404),
            bearer="read",
        )
    ],
    "api-aggregates": [
        Case(
            "get",
            lambda w: f"/api/v1/aggregates/?collaborative={w.one.public_id}",
            _statuses(200, API, olga=404),
            bearer="read",
        )
    ],
    "api-reporting-status": [
        Case(
            "get",
            lambda w: f"/api/v1/reporting-status/?collaborative={w.one.public_id}",
            _statuses(200, API, olga=404),
            bearer="read",
        )
    ],
    "api-pdsa-cycle-list": [
        Case("get", lambda w: "/api/v1/pdsa-cycles/", _statuses(200, API), bearer="read")
    ],
    "api-pdsa-cycle-detail": [
        # PDSA text is the team's: never a peer's (charlie) nor another team's advisor's (diana).
        Case(
            "get",
            lambda w: f"/api/v1/pdsa-cycles/{_pdsa_a1(w).public_id}/",
            _statuses(404, API, alice=200, bob=200, erin=200, frank=200, root=200),
            bearer="read",
        )
    ],
    "api-observation-push": [
        Case(
            "post",
            lambda w: f"/api/v1/teams/{w.team_a1.public_id}/months/2025-03/observations/",
            # LIA A's people enter A1's data; those who see A1 without entering data get 403.
            _statuses(404, API, alice=200, bob=200, root=200, erin=403, frank=403),
            data=lambda w: {
                "observations": [
                    {"measure": str(_team_chart(w).measure.public_id), "numerator": 7, "denominator": 10}
                ]
            },
            unchanged=_observations,
            bearer="push",
        ),
        Case(
            "post",
            lambda w: f"/api/v1/teams/{w.team_a1.public_id}/months/2025-03/observations/",
            _statuses(403, API),  # a read-scope token never writes, whoever holds it
            data=lambda w: {
                "observations": [
                    {"measure": str(_team_chart(w).measure.public_id), "numerator": 7, "denominator": 10}
                ]
            },
            unchanged=_observations,
            bearer="read",
        ),
    ],
    "api-month-submit": [
        Case(
            "post",
            lambda w: f"/api/v1/teams/{w.team_a1.public_id}/months/2025-01/submit/",
            # ONE does not let members submit, so only the CQI lead (and the superuser) may.
            _statuses(404, API, alice=200, root=200, bob=403, erin=403, frank=403),
            unchanged=_reports,
            bearer="push",
        )
    ],
    "api-schema": [Case("get", lambda w: "/api/schema/", _statuses(200, API), bearer="read")],
    "api-docs": [Case("get", lambda w: "/api/docs/", _statuses(200))],
    "api-token-list": [
        Case("get", lambda w: "/api-tokens/", _statuses(200)),
        Case(
            "post",
            lambda w: "/api-tokens/",
            _statuses(201),  # everyone signed in may make tokens for themselves
            data=lambda w: {"name": "Warehouse", "scope": "read", "lifetime_days": "90"},
            unchanged=_tokens,
        ),
    ],
    "api-token-revoke": [
        Case(
            "post",
            lambda w: "/api-tokens/{}/revoke/".format(
                ApiToken.objects.get(
                    token_hash=hashlib.sha256(_bearer(w.alice, "read").encode()).hexdigest()
                ).public_id
            ),
            _statuses(404, alice=302),  # a token is its owner's alone, whatever the role
            unchanged=_tokens,
        )
    ],
    # --- Issue 6: key driver diagram, PDSA cycles and review ---
    "pdsa-home": [Case("get", lambda w: "/pdsa/", _statuses(200))],  # lists only what each person sees
    "team-pdsa-list": [Case("get", lambda w: f"/teams/{w.team_a1.public_id}/pdsa/", _TEAM_READS)],
    "pdsa-cycle-new": [
        Case("get", lambda w: f"/teams/{w.team_a1.public_id}/pdsa/new/", _TEAM_WRITES_GET),
        Case(
            "post",
            lambda w: f"/teams/{w.team_a1.public_id}/pdsa/new/",
            _TEAM_WRITES_POST,
            data=lambda w: {
                "title": "Huddle pilot",
                "change_idea": _kdd(w).idea.public_id,
                "prediction": "Less stress",
            },
            unchanged=_pdsa_state,
        ),
    ],
    "pdsa-cycle-detail": [Case("get", lambda w: f"/pdsa/{_cycle(w).public_id}/", _TEAM_READS)],
    "pdsa-cycle-edit": [
        Case("get", lambda w: f"/pdsa/{_cycle(w).public_id}/edit/", _TEAM_WRITES_GET),
        Case(
            "post",
            lambda w: f"/pdsa/{_cycle(w).public_id}/edit/",
            _TEAM_WRITES_POST,
            data=lambda w: {"title": "Renamed", "change_idea": _kdd(w).idea.public_id},
            unchanged=_pdsa_state,
        ),
    ],
    "pdsa-cycle-advance": [
        Case(
            "post",
            lambda w: f"/pdsa/{_cycle(w).public_id}/advance/",
            _TEAM_WRITES_POST,
            unchanged=_pdsa_state,
        )
    ],
    "pdsa-cycle-submit": [
        Case(
            "post", lambda w: f"/pdsa/{_cycle(w).public_id}/submit/", _TEAM_WRITES_POST, unchanged=_pdsa_state
        )
    ],
    "pdsa-cycle-review": [
        Case("get", lambda w: f"/pdsa/{_cycle(w, 'team_b1', submitted=True).public_id}/review/", _REVIEW_GET),
        Case(
            "post",
            lambda w: f"/pdsa/{_cycle(w, 'team_b1', submitted=True).public_id}/review/",
            _REVIEW_POST,
            data=lambda w: _RUBRIC_POST,
            unchanged=_pdsa_state,
        ),
    ],
    "pdsa-attachment-add": [
        Case(
            "post",
            lambda w: f"/pdsa/{_cycle(w).public_id}/attachments/",
            _TEAM_WRITES_POST,
            data=lambda w: {"file": SimpleUploadedFile("tally.csv", b"visit,yes\n1,1\n")},
            unchanged=lambda: list(PDSAAttachment.objects.values_list("id", "filename")),
        )
    ],
    "pdsa-attachment": [
        Case("get", lambda w: f"/attachments/{_attachment(w).public_id}/", _TEAM_READS),
        Case(
            "post",
            lambda w: f"/attachments/{_attachment(w).public_id}/",
            _TEAM_WRITES_POST,
            unchanged=lambda: list(PDSAAttachment.objects.values_list("id", "filename")),
        ),
    ],
    "pdsa-review-queue": [
        Case("get", lambda w: "/reviews/", _statuses(200))
    ],  # everyone sees their own queue
    "pdsa-ledger": [
        Case("get", lambda w: f"/collaboratives/{w.one.public_id}/ledger/", _statuses(200, olga=404))
    ],
    "kdd-detail": [
        Case("get", lambda w: f"/collaboratives/{w.one.public_id}/kdd/", _statuses(200, olga=404))
    ],
    "kdd-edit": [
        Case("get", lambda w: f"/collaboratives/{w.one.public_id}/kdd/edit/", _KDD_GET),
        Case(
            "post",
            lambda w: f"/collaboratives/{w.one.public_id}/kdd/edit/",
            _KDD_POST,
            data=lambda w: {"kind": "aim", "aim-text": "A second aim", "aim-order": "2"},
            unchanged=_kdd_state,
        ),
    ],
    "kdd-aim-edit": [
        Case("get", lambda w: f"/collaboratives/{w.one.public_id}/kdd/aims/{_kdd(w) and 1}/", _KDD_GET),
        Case(
            "post",
            lambda w: f"/collaboratives/{w.one.public_id}/kdd/aims/{_kdd(w) and 1}/",
            _KDD_POST,
            data=lambda w: {"text": "Reworded aim", "order": "0"},
            unchanged=_kdd_state,
        ),
    ],
    "kdd-driver-edit": [
        Case("get", lambda w: f"/kdd/drivers/{_kdd(w).driver.public_id}/", _KDD_GET),
        Case(
            "post",
            lambda w: f"/kdd/drivers/{_kdd(w).driver.public_id}/",
            _KDD_POST,
            data=lambda w: {"text": "Reworded driver", "under": "aim-1", "order": "0"},
            unchanged=_kdd_state,
        ),
    ],
    "kdd-idea-edit": [
        Case("get", lambda w: f"/kdd/ideas/{_kdd(w).idea.public_id}/", _KDD_GET),
        Case(
            "post",
            lambda w: f"/kdd/ideas/{_kdd(w).idea.public_id}/",
            _KDD_POST,
            data=lambda w: {"text": "Reworded idea", "driver": str(_kdd(w).driver.public_id), "order": "0"},
            unchanged=_kdd_state,
        ),
    ],
    # --- end of issue 6 ---
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
    # --- Issue 7: worksheets (Joy in Work on team A1; North's closing planner in ONE) ---
    "worksheet-index": [Case("get", lambda w: "/worksheets/", _statuses(200))],
    "worksheet-detail": [
        # bob's worksheet, shared with team A1: the team's people see it; peers and other teams' advisors don't.
        Case(
            "get",
            lambda w: f"/worksheets/{_joy_worksheet(w).public_id}/",
            _statuses(404, alice=200, bob=200, erin=200, frank=200, root=200),
        )
    ],
    "worksheet-pdsa": [
        # Only its author turns a personal plan into a PDSA cycle; others who see it get 403.
        Case(
            "post",
            lambda w: f"/worksheets/{_joy_worksheet(w).public_id}/pdsa/",
            _statuses(404, bob=302, alice=403, erin=403, frank=403, root=403),
            unchanged=lambda: list(PDSACycle.objects.values_list("id", flat=True)),
        )
    ],
    "joy-team": [
        Case(
            "get",
            lambda w: f"/teams/{w.team_a1.public_id}/joy-in-work/",
            _statuses(404, alice=200, bob=200, erin=200, frank=200, root=200),
        )
    ],
    **{
        name: [
            # LIA A's own people fill Joy in Work; its awardee lead and admin see the team but may not.
            Case(
                "get",
                lambda w, path=path: f"/teams/{w.team_a1.public_id}/joy-in-work/{path}/",
                _statuses(404, alice=200, bob=200, root=200, erin=403, frank=403),
            ),
            Case(
                "post",
                lambda w, path=path: f"/teams/{w.team_a1.public_id}/joy-in-work/{path}/",
                _statuses(404, alice=302, bob=302, root=302, erin=403, frank=403),
                data=lambda w: {"reflect_resonate": "Matrix", "rating_safety": "Strength"},
                unchanged=lambda: list(Worksheet.objects.values_list("id", "answers")),
            ),
        ]
        for name, path in (("joy-mine", "mine"), ("joy-team-worksheet", "team"))
    },
    "closing-planner": [
        # North's awardee lead writes it; ONE's admin reads it; nobody else sees it exists.
        Case("get", _planner_url, _statuses(404, erin=200, frank=200, root=200)),
        Case(
            "post",
            _planner_url,
            _statuses(404, erin=302, root=302, frank=403),
            data=lambda w: {"p1_confidence": "Matrix"},
            unchanged=lambda: list(Worksheet.objects.values_list("id", "answers")),
        ),
    ],
    "closing-planner-pdf": [
        Case("get", lambda w: _planner_url(w)[:-1] + ".pdf", _statuses(404, erin=200, frank=200, root=200))
    ],
    # --- end of issue 7 ---
    # --- in-app notifications: a person's own, whatever their role ---
    "notification-list": [Case("get", lambda w: "/notifications/", _statuses(200))],
    "notification-read-all": [Case("post", lambda w: "/notifications/read-all/", _statuses(302))],
    "notification-open": [
        Case(
            "post",
            lambda w: f"/notifications/{_notification_a(w).public_id}/open/",
            _statuses(404, alice=302),
            unchanged=_notifications,
        )
    ],
    # --- end of notifications ---
    # --- issue 26 ---
    "measure-funnel": [
        Case(
            "get",
            lambda w: (
                f"/collaboratives/{w.one.public_id}/dashboard/{_team_chart(w).measure.public_id}/funnel/"
            ),
            _statuses(200, olga=404),
        )
    ],
    "api-runchart-control": [
        # Peers are named in ONE (the default), so everyone in ONE sees team A1's chart.
        Case(
            "get",
            lambda w: f"/api/v1/runcharts/{_team_chart(w).public_id}/control/?chart=pp",
            _statuses(200, API, olga=404),
            bearer="read",
        )
    ],
    # --- end of issue 26 ---
    # --- issue 23 ---
    "survey-results": [
        Case("get", lambda w: f"/collaboratives/{w.one.public_id}/survey/", _statuses(200, olga=404))
    ],
    "survey-instrument": [
        # Everyone who sees ONE reads its questions; only its admins change the threshold.
        Case(
            "get", lambda w: f"/collaboratives/{w.one.public_id}/survey/questions/", _statuses(200, olga=404)
        ),
        Case(
            "post",
            lambda w: f"/collaboratives/{w.one.public_id}/survey/questions/",
            _KDD_POST,
            data=lambda w: {"min_responses": "7"},
            unchanged=_survey_state,
        ),
    ],
    "survey-item-new": [
        Case("get", lambda w: f"/collaboratives/{w.one.public_id}/survey/questions/new/", _KDD_GET),
        Case(
            "post",
            lambda w: f"/collaboratives/{w.one.public_id}/survey/questions/new/",
            _KDD_POST,
            data=lambda w: _SURVEY_ITEM_POST,
            unchanged=_survey_state,
        ),
    ],
    "survey-item-edit": [
        Case("get", lambda w: f"/survey-questions/{_survey_item(w).public_id}/", _KDD_GET),
        Case(
            "post",
            lambda w: f"/survey-questions/{_survey_item(w).public_id}/",
            _KDD_POST,
            data=lambda w: _SURVEY_ITEM_POST,
            unchanged=_survey_state,
        ),
    ],
    "survey-team": [
        Case("get", lambda w: f"/teams/{w.team_a1.public_id}/survey/", _TEAM_READS),
        Case(
            "post",
            lambda w: f"/teams/{w.team_a1.public_id}/survey/",
            _SURVEY_RUN_POST,
            data=lambda w: {
                "month": "2025-03",
                "opens_on": "2025-03-01",
                "closes_on": "2025-03-31",
                "staff_count": "9",
            },
            unchanged=_survey_state,
        ),
    ],
    "survey-schedule": [
        Case("get", lambda w: f"/teams/{w.team_a1.public_id}/survey/schedule/", _SURVEY_RUN_GET),
        Case(
            "post",
            lambda w: f"/teams/{w.team_a1.public_id}/survey/schedule/",
            _SURVEY_RUN_POST,
            data=lambda w: {"day": "1", "days_open": "5", "staff_count": "9"},
            unchanged=_survey_state,
        ),
    ],
    "survey-window": [
        Case("get", lambda w: f"/survey-months/{_survey_window(w).public_id}/", _TEAM_READS),
        Case(
            "post",
            lambda w: f"/survey-months/{_survey_window(w).public_id}/",
            _SURVEY_RUN_POST,
            data=lambda w: {
                "staff_count": "11",
                "closes_on": f"{month_last_day(timezone.localdate()):%Y-%m-%d}",
            },
            unchanged=_survey_state,
        ),
    ],
    "survey-window-links": [
        Case("get", lambda w: f"/survey-months/{_survey_window(w).public_id}/links/", _SURVEY_RUN_GET),
        Case(
            "post",
            lambda w: f"/survey-months/{_survey_window(w).public_id}/links/",
            _SURVEY_RUN_GET,  # the printable sheet answers 200
            data=lambda w: {"count": "3"},
            unchanged=_survey_state,
        ),
    ],
    "survey-window-email": [
        Case(
            "post",
            lambda w: f"/survey-months/{_survey_window(w).public_id}/email/",
            _SURVEY_RUN_POST,
            data=lambda w: {"addresses": "staff.one@example.org"},
            unchanged=_survey_state,
        )
    ],
    "survey-window-close": [
        Case(
            "post",
            lambda w: f"/survey-months/{_survey_window(w).public_id}/close/",
            _SURVEY_RUN_POST,
            unchanged=_survey_state,
        )
    ],
    "survey-respond": [
        # No account: the link is the credential, for anyone who holds it, signed in or not.
        Case("get", lambda w: f"/s/{_survey_token(w)}/", _statuses(200, anonymous=200)),
        Case("get", lambda w: "/s/not-a-real-link/", _statuses(404, anonymous=404)),
        Case(
            "post",
            lambda w: f"/s/{_survey_token(w)}/",
            _statuses(200, anonymous=200),
            data=lambda w: {
                "q_supported": "always",
                "q_reflective-supervision": "often",
                "q_work-life-balance": "never",
                "q_wellbeing": "better",
            },
        ),
    ],
    # --- end of issue 23 ---
    # --- issue 25 ---
    "calendar": [Case("get", lambda w: "/calendar/?month=2026-01", _statuses(200))],
    "calendar-feed": [
        Case("get", lambda w: "/calendar/subscribe/", _statuses(200)),
        Case("post", lambda w: "/calendar/subscribe/", _statuses(200), data=lambda w: {"action": "create"}),
    ],
    "calendar-feed-ics": [
        # The secret address is the credential: whoever holds alice's sees her feed; a made-up one is 404.
        Case("get", lambda w: f"/calendar/feed/{_feed_token(w)}.ics", _statuses(200, anonymous=200)),
        Case("get", lambda w: "/calendar/feed/made-up-token.ics", _statuses(404, anonymous=404)),
    ],
    "event-create": [
        Case("get", lambda w: f"/collaboratives/{w.one.public_id}/events/new/", _SCHEDULE_GET),
        Case(
            "post",
            lambda w: f"/collaboratives/{w.one.public_id}/events/new/",
            _SCHEDULE_POST,
            data=lambda w: _EVENT_FORM,
            unchanged=_events,
        ),
    ],
    "event-detail": [Case("get", lambda w: f"/events/{_event_one(w).public_id}/", _statuses(200, olga=404))],
    "event-attendance": [
        Case(
            "post",
            lambda w: f"/events/{_event_one(w).public_id}/attendance/",
            _statuses(403, olga=404, frank=302, root=302),  # an event for all of ONE: its admins' register
            data=lambda w: {"teams": [str(w.team_a1.public_id)]},
            unchanged=_attendance,
        )
    ],
    "event-check-in": [
        Case(
            "post",
            lambda w: f"/events/{_event_one(w).public_id}/check-in/",
            # A1's CQI lead checks A1 in; others who see A1 get 403; those who see the event but not A1, 404.
            _statuses(404, alice=302, root=302, bob=403, erin=403, frank=403),
            data=lambda w: {"team": str(w.team_a1.public_id)},
            unchanged=_attendance,
        )
    ],
    "resource-list": [
        Case(
            "get", lambda w: f"/collaboratives/{w.one.public_id}/library/?q=toolkit", _statuses(200, olga=404)
        )
    ],
    "resource-create": [
        Case("get", lambda w: f"/collaboratives/{w.one.public_id}/library/new/", _KDD_GET),
        Case(
            "post",
            lambda w: f"/collaboratives/{w.one.public_id}/library/new/",
            _KDD_POST,  # ONE's admins (and the superuser) add to its library
            data=lambda w: {"title": "Matrix toolkit", "kind": "toolkit", "url": "https://example.org/t"},
            unchanged=_resources,
        ),
    ],
    "resource-download": [
        Case("get", lambda w: f"/library/{_resource_one(w).public_id}/file/", _statuses(200, olga=404))
    ],
    "announcement-list": [
        Case("get", lambda w: f"/collaboratives/{w.one.public_id}/announcements/", _statuses(200, olga=404)),
        Case(
            "post",
            lambda w: f"/collaboratives/{w.one.public_id}/announcements/",
            _KDD_POST,  # ONE's admins (and the superuser) announce to its teams
            data=lambda w: {"title": "Matrix news", "body": "Hello teams"},
            unchanged=_announcements,
        ),
    ],
    "training-plan": [
        Case("get", lambda w: f"/collaboratives/{w.one.public_id}/training/", _statuses(200, olga=404)),
        Case(
            "post",
            lambda w: f"/collaboratives/{w.one.public_id}/training/",
            _KDD_POST,  # ONE's admins (and the superuser) define its training plan
            data=lambda w: {"action": "topic", "name": "Matrix topic"},
            unchanged=_training_state,
        ),
    ],
    "training-coverage": [
        Case(
            "get", lambda w: f"/collaboratives/{w.one.public_id}/training/coverage/", _statuses(200, olga=404)
        )
    ],
    "staff-roster": [
        Case("get", lambda w: f"/teams/{w.team_a1.public_id}/staff/", _TEAM_READS),
        Case(
            "post",
            lambda w: f"/teams/{w.team_a1.public_id}/staff/",
            # A1's CQI lead keeps its staff roster; others who see A1 get 403.
            _statuses(404, alice=302, root=302, bob=403, erin=403, frank=403),
            data=lambda w: {"action": "staff", "name": "Matrix Person", "role": "home_visitor"},
            unchanged=_training_state,
        ),
    ],
    # --- end of issue 25 ---
    # --- issue 21 ---
    "collaborative-manage": [
        Case(
            "get",
            lambda w: f"/collaboratives/{w.one.public_id}/manage/",
            _statuses(403, frank=200, root=200, olga=404, leo=404),
        )
    ],
    "collaborative-enrol": [
        Case(
            "post",
            lambda w: f"/collaboratives/{w.one.public_id}/manage/enrol/",
            _statuses(403, **_RUN_ONE),
            data=lambda w: {
                "lia": w.lia_d.public_id,
                "code": "D1",
                "joined_on": w.one.start_date.isoformat(),
            },
            unchanged=_teams,
        )
    ],
    "collaborative-assign-advisor": [
        Case(
            "post",
            lambda w: f"/collaboratives/{w.one.public_id}/manage/advisors/",
            _statuses(403, **_RUN_ONE),
            data=lambda w: {"team": w.team_a1.public_id, "advisor": w.diana.email},
            unchanged=_memberships,
        )
    ],
    "collaborative-invite": [
        Case(
            "post",
            lambda w: f"/collaboratives/{w.one.public_id}/manage/invite/",
            _statuses(403, **_RUN_ONE),
            data=lambda w: {
                "email": "invited@example.org",
                "role": Role.CQI_LEAD,
                "lia": w.lia_a.public_id,
                "lifetime_days": "14",
            },
            unchanged=_invitations,
        )
    ],
    "team-withdraw": [
        Case(
            "post",
            lambda w: f"/teams/{w.team_a1.public_id}/withdraw/",
            # Those who see team A1 but do not run ONE are refused; the others do not see A1.
            _statuses(404, frank=302, root=302, alice=403, bob=403, erin=403),
            data=lambda w: {"withdrawn_on": w.team_a1.joined_on.isoformat()},
            unchanged=_teams,
        )
    ],
    "membership-end": [
        Case(
            "post",
            lambda w: f"/manage/memberships/{Membership.objects.get(user=w.diana).public_id}/end/",
            # Diana advises B1 of ONE: ONE's admin and the superuser look after (and may end) her role.
            _statuses(404, frank=302, root=302),
            unchanged=_memberships,
        )
    ],
    "invitation-resend": [
        Case(
            "post",
            lambda w: f"/manage/invitations/{_pending_invitation(w).public_id}/resend/",
            _statuses(404, frank=302, root=302),
            data=lambda w: {"lifetime_days": "7"},
            unchanged=_invitations,
        )
    ],
    "invitation-revoke": [
        Case(
            "post",
            lambda w: f"/manage/invitations/{_pending_invitation(w).public_id}/revoke/",
            _statuses(404, frank=302, root=302),
            unchanged=_invitations,
        )
    ],
    # A person's own profile and search (each result through visible_to): every signed-in principal.
    "account-profile": [
        Case("get", lambda w: "/account/", _statuses(200)),
        Case("post", lambda w: "/account/", _statuses(302), data=lambda w: {"first_name": "Matrix"}),
    ],
    "search": [Case("get", lambda w: "/search/?q=agency", _statuses(200))],
    # The queue of suggested phases lists only charts the viewer may decide; the page itself is everyone's.
    "phase-queue": [Case("get", lambda w: "/coaching/phases/", _statuses(200))],
    # Downloads read what the dashboard reads: everyone who sees ONE.
    **{
        name: [
            Case(
                "get",
                lambda w, path=path: f"/collaboratives/{w.one.public_id}/{path}",
                _statuses(200, olga=404),
            )
        ]
        for name, path in (
            ("dashboard-table-csv", "dashboard/table.csv"),
            ("dashboard-table-xlsx", "dashboard/table.xlsx"),
            ("collaborative-workbook", "data.xlsx"),
        )
    },
    # The storyboard holds team A1's PDSA text: those who see team A1 (its LIA, its state's lead, ONE's admin).
    "team-storyboard": [
        Case(
            "get",
            lambda w: f"/teams/{w.team_a1.public_id}/storyboard/",
            _statuses(404, alice=200, bob=200, erin=200, frank=200, root=200),
        )
    ],
    "team-storyboard-pdf": [
        Case(
            "get",
            lambda w: f"/teams/{w.team_a1.public_id}/storyboard.pdf",
            _statuses(404, alice=200, bob=200, erin=200, frank=200, root=200),
        )
    ],
    # A chart note is changed by its author only (alice); others who see team A1's notes are refused.
    "note-edit": [
        Case(
            "get",
            lambda w: f"/notes/{_alices_note(w).public_id}/",
            _statuses(404, alice=200, bob=403, erin=403, frank=403, root=403),
        ),
        Case(
            "post",
            lambda w: f"/notes/{_alices_note(w).public_id}/",
            _statuses(404, alice=302, bob=403, erin=403, frank=403, root=403),
            data=lambda w: {"month": "2025-04", "text": "Moved"},
            unchanged=_notes,
        ),
    ],
    "note-delete": [
        Case(
            "post",
            lambda w: f"/notes/{_alices_note(w).public_id}/delete/",
            _statuses(404, alice=302, bob=403, erin=403, frank=403, root=403),
            unchanged=_notes,
        )
    ],
    # The review conversation: the team (alice, bob) and those who review A1 (ONE's admin, the superuser)
    # write; North's lead reads A1's cycles but is refused; no feedback yet, so nothing is written.
    "pdsa-review-reply": [
        Case(
            "post",
            lambda w: f"/pdsa/{_cycle(w).public_id}/reply/",
            _statuses(404, alice=302, bob=302, frank=302, root=302, erin=403),
            data=lambda w: {"text": "Matrix"},
            unchanged=lambda: list(PDSAReviewMessage.objects.values_list("id", flat=True)),
        )
    ],
    # Undoing a phase decision on team A1's chart: those who decide it (as "chart-phase"); the chart's other
    # viewers are refused.
    "phase-decision-undo": [
        Case(
            "post",
            lambda w: f"/charts/{_decided_team_chart(w).public_id}/phases/2025-04/undo/",
            _statuses(403, olga=404, alice=302, frank=302, root=302),
            data=lambda w: {"reason": "Matrix"},
            unchanged=lambda: list(PhaseDecision.objects.values_list("id", flat=True)),
        )
    ],
    # --- end of issue 21 ---
    # --- issue 24 ---
    # The referral network (tests/referrals/network.py, built on first use): gina coordinates its hub, hugo
    # is intake staff of the HFA agency the sample referral was sent to, mia of the PAT agency, kate works
    # at the partner clinic that made the referral, leo is the network admin. Nobody else holds a role.
    "referral-self": [
        Case("get", lambda w: _referral_url(w, "/refer/?lang=es"), _statuses(200, anonymous=200)),
        Case(
            "post",
            lambda w: _referral_url(w, "/refer/"),
            _statuses(400, anonymous=400),
            data=lambda w: {"family_name": "Matrix"},
            unchanged=_referral_state,
        ),
    ],
    "referral-status": [
        Case(
            "get",
            lambda w: _referral_url(w, f"/refer/status/?code={_referral(w).reference_code}"),
            _statuses(200, anonymous=200),
        )
    ],
    "referral-home": [Case("get", lambda w: _referral_url(w, "/referrals/"), _statuses(200))],
    "referral-queue": [
        Case(
            "get",
            lambda w: _network_url(w, "queue"),
            _net_statuses(gina=200, hugo=403, mia=403, kate=403, leo=403),
        )
    ],
    "referral-intake": [
        Case(
            "get",
            lambda w: _network_url(w, "intake"),
            _net_statuses(hugo=200, mia=200, gina=403, kate=403, leo=403),
        )
    ],
    "referral-partner": [
        Case(
            "get",
            lambda w: _network_url(w, "partner"),
            # The partner refers for its clinic; the hub enters families that phone or walk in.
            _net_statuses(kate=200, gina=200, hugo=403, mia=403, leo=403),
        ),
        Case(
            "post",
            lambda w: _network_url(w, "partner"),
            _net_statuses(kate=400, root=400, gina=400, hugo=403, mia=403, leo=403),
            data=lambda w: {"family_name": "Matrix"},
            unchanged=_referral_state,
        ),
    ],
    "referral-directory": [
        Case(
            "get",
            lambda w: _network_url(w, "directory"),
            _net_statuses(leo=200, gina=403, hugo=403, mia=403, kate=403),
        )
    ],
    "referral-dashboard": [
        Case(
            "get",
            lambda w: _network_url(w, "dashboard"),
            _net_statuses(gina=200, leo=200, hugo=403, mia=403, kate=403),
        )
    ],
    "referral-program-edit": [
        Case(
            "get",
            lambda w: f"/referrals/programs/{_referral_world(w).programs['hfa'].public_id}/edit/",
            _net_statuses(leo=200, gina=403, hugo=403, mia=403, kate=403),
        ),
        Case(
            "post",
            lambda w: f"/referrals/programs/{_referral_world(w).programs['hfa'].public_id}/edit/",
            _net_statuses(leo=400, root=400, gina=403, hugo=403, mia=403, kate=403),
            data=lambda w: {"name": ""},
            unchanged=lambda: list(Program.objects.values_list("id", "name", "open_slots", "service_zips")),
        ),
    ],
    # The family's personal data: the hub and the receiving program; the partner and the admin see that
    # the referral exists (403), the other program does not (404).
    "referral-detail": [
        Case(
            "get",
            lambda w: f"/referrals/r/{_referral(w).public_id}/",
            _net_statuses(gina=200, hugo=200, kate=403, leo=403, mia=404),
        )
    ],
    "referral-action": [
        Case(
            "post",
            lambda w: f"/referrals/r/{_referral(w).public_id}/accept/",
            _net_statuses(hugo=302, root=302, gina=403, kate=403, leo=403, mia=404),
            unchanged=_referral_state,
        ),
        Case(
            "post",
            lambda w: f"/referrals/r/{_referral(w).public_id}/send/",
            _net_statuses(gina=400, root=400, hugo=403, kate=403, leo=403, mia=404),
            unchanged=_referral_state,
        ),
    ],
    # API: a partner's push token creates (without an Idempotency-Key: 400 naming it); Tasks are read by
    # whoever sees the referral; the HSDS directory by anyone with a role in the network.
    "api-fhir-referral-create": [
        Case(
            "post",
            lambda w: _referral_url(w, "/api/v1/fhir/referrals/"),
            _statuses(403, API, kate=400),
            data=lambda w: {"resourceType": "Bundle", "type": "transaction", "entry": []},
            unchanged=_referral_state,
            bearer="push",
        )
    ],
    "api-fhir-task": [
        Case(
            "get",
            lambda w: f"/api/v1/fhir/Task/{_referral(w).public_id}/",
            _net_statuses(anonymous=API, ivan=API, gina=200, hugo=200, kate=200, leo=200, mia=404),
            bearer="read",
        )
    ],
    "api-hsds-directory": [
        Case(
            "get",
            lambda w: f"/api/v1/hsds/networks/{_referral_world(w).network.public_id}/",
            _net_statuses(anonymous=API, ivan=API, gina=200, hugo=200, kate=200, leo=200, mia=200),
            bearer="read",
        )
    ],
    # --- end of issue 24 ---
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
# The matrix's size by dimension, counted by test_the_matrix_is_large_enough_to_mean_something.
SIZE: Counter[str] = Counter()


def _count_cases(world: SimpleNamespace) -> Counter[str]:
    """The matrix's size by dimension, counted as test_status_matches_the_oracle makes its checks: one
    nonexistent-object check per UUID in each case's concrete URL (path or query string; a router's
    `[^/.]+` pattern does not say it takes a UUID)."""
    n: Counter[str] = Counter()
    for name, cases in ROUTES.items():
        for case in cases:
            uuids = len(UUID.findall(case.url(world)))
            n["status"] += len(PRINCIPALS)
            n["nonexistent object"] += uuids * len(PRINCIPALS)
            n["404 parity"] += uuids * sum(case.expected[p] == 404 for p in PRINCIPALS)
        n["unserved method"] += len(_unserved(name)) * len(PRINCIPALS)
    return n


def _snapshot() -> dict[str, int]:
    """Row counts of every table of ours: what a refused or unserved request must not change."""
    ours = ("collaboratives", "measures", "pdsa", "worksheets", "referrals")
    return {m._meta.label: m._base_manager.count() for m in apps.get_models() if m._meta.app_label in ours}


def _request(
    client: Any, method: str, url: str, data: dict[str, Any] | None, api_headers: dict[str, str] | None = None
) -> Any:
    """A form request, or (with `api_headers`, which may be empty for anonymous) an API call with a JSON body."""
    if api_headers is not None:
        if method in ("get", "post"):
            return getattr(client, method)(
                url, data or {}, content_type="application/json", headers=api_headers
            )
        return client.generic(method.upper(), url, headers=api_headers)
    if method in ("get", "post"):
        return getattr(client, method)(url, data or {})
    return client.generic(method.upper(), url)


def _body(response: Any) -> bytes:
    return VOLATILE.sub(rb"\1", response.content)


@pytest.mark.parametrize(("route", "index", "principal"), CASES, ids=[f"{r}[{i}]-{p}" for r, i, p in CASES])
def test_status_matches_the_oracle(world_plus, client, mailoutbox, route, index, principal):
    world = world_plus
    case = ROUTES[route][index]
    headers = {}
    if case.bearer and principal != "anonymous":
        headers["Authorization"] = f"Bearer {_bearer(getattr(world, principal), case.bearer)}"
    elif principal != "anonymous":
        client.force_login(getattr(world, principal))
    url = case.url(world)
    data = case.data(world) if case.data else None
    before = case.unchanged() if case.unchanged else None
    api_headers = headers if case.bearer else None
    response = _request(client, case.method, url, data, api_headers)
    expected = case.expected[principal]
    _check(
        "status",
        response.status_code == expected
        and (not case.unchanged or expected < 400 or case.unchanged() == before),
        f"{case.method.upper()} {url} as {principal}: {response.status_code}, expected {expected}",
    )

    anonymous = principal in ("anonymous", "ivan")
    # Refused before any object is looked up: anonymous callers, and a read-scope token on a write.
    login_denial = expected if anonymous and expected in LOGIN_DENIALS else None
    if case.bearer == "read" and case.method != "get":
        login_denial = expected
    for found in UUID.finditer(url):
        missing_url = url[: found.start()] + str(uuid.uuid4()) + url[found.end() :]
        tables = _snapshot()
        missing = _request(client, case.method, missing_url, data, api_headers)
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
        # An unserved method on an API route is tried with a push token, so a read token's 403 cannot hide a 405.
        unserved_headers = api_headers
        if case.bearer and principal != "anonymous":
            unserved_headers = {"Authorization": f"Bearer {_bearer(getattr(world, principal), 'push')}"}
        for method in _unserved(route):
            tables = _snapshot()
            refused = _request(client, method, url, None, unserved_headers)
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
    if SIZE:  # counted by test_the_matrix_is_large_enough_to_mean_something, if it ran
        size, counts = f"{SIZE.total()} cases", [f"{k} {EXECUTED[k]}/{v}" for k, v in SIZE.items()]
    else:
        size, counts = "size not counted", [f"{k} {v}" for k, v in EXECUTED.items()]
    return [
        f"G1 authorization matrix: {size}, {EXECUTED.total()} checked in this run, "
        f"{UNEXPECTED.total()} unexpected outcomes ({', '.join(counts)})",
        f"G2 routes with an oracle entry: {len(set(ROUTES) & set(_patterns()))}/{len(_patterns())}",
        f"G4 404-parity comparisons: {EXECUTED['404 parity']}, differences: {UNEXPECTED['404 parity']}",
    ]


def test_the_matrix_is_large_enough_to_mean_something(world_plus):
    SIZE.clear()
    SIZE.update(n := _count_cases(world_plus))
    print(f"authorization matrix: {n.total()} cases ({', '.join(f'{k} {v}' for k, v in n.items())})")
    assert n.total() >= 1500
    assert n["status"] == len(CASES)
