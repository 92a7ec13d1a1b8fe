"""Canary crawl (docs/testing.md §2, goal G3): tenant C's private text never reaches anyone outside it.

Unique strings are planted in the text fields of LIA C's team C1 (collaborative ONE, awardee South).
Every GET route of the authorization matrix is crawled for every principal, both with its sample
objects (team A1's) and mirrored onto C1's, plus the admin changelists. A canary must appear in no
response to a principal outside its audience, and in at least one response to each principal inside
it (which proves the crawl can see it at all). PDSA text is the team's, its advisor's, its awardee
lead's and its collaborative admins' (DESIGN.md): peers in the collaborative never see it.
"""

import datetime as dt
import uuid
from collections import Counter
from types import SimpleNamespace
from typing import Any

import pytest
from django.contrib import admin
from django.utils import timezone

from collaboratives.models import Invitation, Role
from measures.charts.recompute import runchart_analyse
from measures.models import ChartAnnotation, DataImport, MonthlyReport, Observation, RunChartAnalysis
from pdsa.models import PDSACycle
from tests.test_authorization_matrix import ENTRY_MONTH, PRINCIPALS, ROUTES, _referral, _team_chart

FIGURES: Counter[str] = Counter()
SEES_C1 = {
    "charlie",
    "gina",
    "mia",
    "hugo",
    "kate",
    "frank",
    "root",
}  # C's people, C1's advisor, South, ONE's admin
SEES_ONE_OR_C = SEES_C1 | {"alice", "bob", "diana", "erin"}  # peers of ONE see team names (named visibility)
PDSA_TEXT = ("objective", "question", "prediction", "plan_who", "plan_what", "plan_where", "plan_when",
             "data_to_collect", "what_happened", "observations", "problems", "results_vs_prediction",
             "learned", "next_step")  # fmt: skip


def SECURITY_FIGURES() -> list[str]:  # noqa: N802 (collected by tests/conftest.py)
    if not FIGURES:
        return []
    return [
        f"G3 canary crawl: {FIGURES['responses']} responses to {FIGURES['principals']} principals, "
        f"{FIGURES['canaries']} canaries, {FIGURES['leaks']} leaks; insider visibility "
        f"{FIGURES['insider seen']}/{FIGURES['insider expected']}"
    ]


def _canary(label: str) -> str:
    return f"CANARY-{label}-{uuid.uuid4().hex[:12]}"


def _plant(w: SimpleNamespace) -> dict[str, tuple[str, set[str]]]:
    """Canaries in C1's text fields: {field: (canary, principals who may see it)}."""
    a1_chart = _team_chart(w)
    measure = a1_chart.measure
    canaries: dict[str, tuple[str, set[str]]] = {}
    for i in range(6):
        Observation.objects.create(team=w.team_c1, measure=measure, month=dt.date(2025, 1 + i, 1),
                                   numerator=i + 2, denominator=10)  # fmt: skip
    note = _canary("observation-note")
    Observation.objects.filter(team=w.team_c1, month=ENTRY_MONTH).update(note=note)
    canaries["observation note"] = (note, SEES_C1)
    w.chart_c1 = RunChartAnalysis.objects.create(
        kind="team", measure=measure, collaborative=w.one, team=w.team_c1
    )
    runchart_analyse(analysis=w.chart_c1)
    text = _canary("annotation")[:60]
    ChartAnnotation.objects.create(collaborative=w.one, team=w.team_c1, month=ENTRY_MONTH, text=text)
    canaries["team chart note"] = (text, SEES_C1)
    reason = _canary("reopen-reason")
    MonthlyReport.objects.create(team=w.team_c1, month=ENTRY_MONTH, reopened_by=w.gina,
                                 reopened_at=timezone.now(), reopen_reason=reason)  # fmt: skip
    canaries["reopen reason"] = (reason, SEES_C1)
    email = f"{_canary('invitee').lower()}@example.org"
    Invitation.objects.create(lia=w.lia_c, email=email, role=Role.TEAM_MEMBER, token_hash=uuid.uuid4().hex * 2,
                              invited_by=w.gina, expires_at=timezone.now() + dt.timedelta(days=7))  # fmt: skip
    canaries["pending invitation"] = (
        email,
        {"gina", "root"},
    )  # LIA C's roster managers (mia only a member there)
    filename = f"{_canary('upload')}.csv"
    DataImport.objects.create(collaborative=w.one, uploaded_by=w.charlie, filename=filename, content=b"x",
                              sha256="0" * 64)  # fmt: skip
    canaries["upload file name"] = (filename, {"charlie"})  # listed to its uploader only
    cycle = PDSACycle.objects.create(team=w.team_c1, title=_canary("pdsa-title"), created_by=w.charlie,
                                     other_change_idea=_canary("pdsa-change-idea"),
                                     **{f: _canary(f"pdsa-{f}") for f in PDSA_TEXT})  # fmt: skip
    w.pdsa_c1 = cycle
    for field in ("title", "other_change_idea", *PDSA_TEXT):
        canaries[f"PDSA {field}"] = (getattr(cycle, field), SEES_C1)
    # Issue 25: a person on C1's staff roster, and an event for South's teams only (in the crawled month).
    from collaboratives.models import StaffMember
    from tests.collaboratives.learning.conftest import schedule

    staff_name = _canary("staff-name")
    StaffMember.objects.create(team=w.team_c1, name=staff_name, role="home_visitor")
    canaries["staff roster name"] = (staff_name, SEES_C1)
    title = _canary("south-event")
    schedule(w, title=title, awardee=w.south, date=dt.date(2026, 1, 20))
    canaries["South's event"] = (title, SEES_C1)
    lia_name = _canary("lia-name")
    w.lia_c.name = lia_name
    w.lia_c.save()
    canaries["LIA name"] = (lia_name, SEES_ONE_OR_C)
    # Issue 24: a family's name is seen by the network's hub (gina) and the receiving program (hugo) only.
    family_name = _canary("family-name")
    referral = _referral(w)
    referral.family_name = family_name
    referral.save(update_fields=["family_name"])
    canaries["referral family name"] = (family_name, {"gina", "hugo", "root"})
    return canaries


def _urls(w: SimpleNamespace) -> list[str]:
    """Every GET route of the matrix with its sample objects, and again with C1's in their place."""
    urls = [case.url(w) for cases in ROUTES.values() for case in cases if case.method == "get"]
    mirror = {
        str(w.team_a1.public_id): str(w.team_c1.public_id),
        str(w.lia_a.public_id): str(w.lia_c.public_id),
        str(w.chart_a1.public_id): str(w.chart_c1.public_id),
    }
    mirrored = []
    for url in urls:
        for ours, theirs in mirror.items():
            url = url.replace(ours, theirs)
        mirrored.append(url)
    changelists = [f"/admin/{m._meta.app_label}/{m._meta.model_name}/" for m in admin.site._registry]
    cycle_pages = [f"/pdsa/{w.pdsa_c1.public_id}/", f"/api/v1/pdsa-cycles/{w.pdsa_c1.public_id}/"]
    return sorted(set(urls + mirrored + changelists + cycle_pages + ["/admin/"]))


@pytest.mark.parametrize("principal", PRINCIPALS)
def test_no_canary_reaches_a_principal_outside_its_audience(world_plus, client, principal):
    w = world_plus
    canaries = _plant(w)
    if principal != "anonymous":
        client.force_login(getattr(w, principal))
    seen: dict[str, list[str]] = {label: [] for label in canaries}
    for url in _urls(w):
        response: Any = client.get(url)
        assert response.status_code < 500, url
        FIGURES["responses"] += 1
        body = response.content.decode(errors="replace") + str(response.headers)
        for label, (canary, _) in canaries.items():
            if canary in body:
                seen[label].append(url)
    FIGURES["principals"] += 1
    FIGURES["canaries"] = len(canaries)
    leaks = {label: urls for label, urls in seen.items() if urls and principal not in canaries[label][1]}
    FIGURES["leaks"] += len(leaks)
    missed = [label for label, (_, audience) in canaries.items() if principal in audience and not seen[label]]
    FIGURES["insider expected"] += sum(principal in audience for _, audience in canaries.values())
    FIGURES["insider seen"] += sum(
        principal in audience and bool(seen[label]) for label, (_, audience) in canaries.items()
    )
    assert leaks == {}
    assert missed == []
