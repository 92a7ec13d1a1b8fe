"""The demo's key driver diagrams and PDSA ramps: as the seeds word them, realistic, and idempotent."""

import datetime as dt
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command

from collaboratives.models import Aim, ChangeIdea, Collaborative, Driver, Team
from measures.demo import IPV, SRR, load_demo
from pdsa.demo import JOY_IN_WORK, load_pdsa_demo
from pdsa.models import PDSACycle, PDSAReview
from pdsa.selectors import change_idea_ledger, pdsa_review_queue, pdsa_submission_months

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 25)


@pytest.fixture
def demo():
    load_demo(today=TODAY)
    return load_pdsa_demo(today=TODAY)


def _rows() -> dict[str, int]:
    """Rows of every table but the dashboards' change log, which records each run's writes (page_cache)."""
    return {
        m._meta.label: m._default_manager.count()
        for m in apps.get_models()
        if m._meta.label != "measures.DashboardChange"
    }


def test_srr_gets_its_drivers_and_the_joy_in_work_aim_with_the_worksheets_change_ideas(demo):
    srr = Collaborative.objects.get(short_name=SRR.short_name)
    aim, joy = Aim.objects.filter(collaborative=srr).order_by("order")
    assert list(aim.drivers.values_list("text", flat=True)) == list(SRR.primary_drivers)
    components = list(joy.drivers.order_by("order"))
    assert [d.text for d in components] == [c for c, _ in JOY_IN_WORK]
    assert len(components) == 9
    safety = components[0]
    assert list(safety.change_ideas.values_list("text", flat=True)) == [
        "Provide training on physical and psychological safety for staff and leadership",
        "Create an anonymous feedback loop for staff to voice concerns and leadership to respond",
        "Develop policies and procedures that help home visitors maintain their personal safety (e.g. providing "
        "cell phones, sending home visitors in pairs, emergency safety plans)",
        "Use a check-in app on work issued phones to support home visitor’s safety in the field",
    ]
    assert ChangeIdea.objects.filter(collaborative=srr).count() == demo.change_ideas == 34
    assert not ChangeIdea.objects.filter(text__startswith="Other").exists()


def test_ipv_gets_its_aims_and_primary_drivers_as_written(demo):
    ipv = Collaborative.objects.get(short_name=IPV.short_name)
    assert list(Aim.objects.filter(collaborative=ipv).values_list("text", flat=True)) == list(IPV.aims)
    assert list(Driver.objects.filter(collaborative=ipv).values_list("text", flat=True)) == list(
        IPV.primary_drivers
    )


def test_every_demo_team_has_two_to_four_cycles_in_ramps(demo):
    for team in Team.objects.all():
        cycles = list(PDSACycle.objects.filter(team=team))
        assert 2 <= len(cycles) <= 4, team
        assert any(c.previous_id for c in cycles), team  # at least one ramp
        assert all(c.previous is None or c.previous.team_id == team.id for c in cycles)
    decisions = set(PDSACycle.objects.filter(status="done").values_list("decision", flat=True))
    assert decisions == {"adopt", "adapt", "abandon"}
    assert set(PDSACycle.objects.values_list("status", flat=True)) >= {"planning", "done"}
    assert not PDSACycle.objects.filter(status="done", decision="").exists()


def test_reviews_carry_rubric_and_comment_and_some_wait_in_the_advisors_queue(demo):
    reviewed = PDSAReview.objects.exclude(reviewed_at=None)
    assert reviewed.exists()
    assert not reviewed.filter(comment="").exists()
    for name, _ in PDSAReview.RUBRIC:
        assert not reviewed.filter(**{name: None}).exists()
    advisor = reviewed.filter(reviewer__email="advisor@demo.coiin").first().reviewer
    queue = list(pdsa_review_queue(user=advisor))
    assert demo.waiting > 0 and queue and all(r.reviewed_at is None for r in queue)
    assert PDSAReview.objects.filter(reviewed_at=None).count() == demo.waiting


def test_submissions_are_spread_over_months_and_the_ledger_has_counts(demo):
    srr = Collaborative.objects.get(short_name=SRR.short_name)
    months = pdsa_submission_months(collaborative=srr, today=TODAY, n=12)
    assert sum(1 for m in months if m.submitting) >= 4
    assert all(m.submitting <= m.teams == 10 for m in months)
    rows = change_idea_ledger(user=srr.memberships.first().user, collaborative=srr)
    tested = [r for r in rows if r.cycles]
    assert len(tested) == 5 and sum(r.teams for r in tested) >= 10


def test_loading_twice_leaves_exactly_the_same_rows(demo):
    counts = _rows()
    cycles = sorted(PDSACycle.objects.values_list("team_id", "title", "status", "decision", "started_on"))
    assert load_pdsa_demo(today=TODAY) == demo
    assert _rows() == counts
    assert (
        sorted(PDSACycle.objects.values_list("team_id", "title", "status", "decision", "started_on"))
        == cycles
    )


def test_the_command_loads_diagrams_and_cycles_and_reruns_cleanly():
    out = StringIO()
    call_command("seed_demo", "--today", "2026-11-25", "--allow-without-debug", stdout=out)
    counts = _rows()
    call_command("seed_demo", "--today", "2026-11-25", "--allow-without-debug", stdout=StringIO())
    assert "Key driver diagrams: 34 change ideas. PDSA cycles:" in out.getvalue()
    assert {k: v for k, v in _rows().items() if "runchart" not in k.lower()} == {
        k: v for k, v in counts.items() if "runchart" not in k.lower()
    }
