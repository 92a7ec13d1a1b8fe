"""The demo loader: idempotent, faithful to the seeds' published figures, and a usable set of logins."""

import datetime as dt
import hashlib
import statistics
from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import F, Sum

from collaboratives.models import LIA, Collaborative, Membership, Role, Team
from measures.charts.recompute import recompute_all
from measures.demo import DEMO_LOGINS, DEMO_PASSWORD, load_demo
from measures.models import (
    ChartAnnotation,
    Measure,
    MonthlyReport,
    Observation,
    PhaseDecision,
    RunChartAnalysis,
)

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 25)
DUE_MONTH = dt.date(2026, 10, 1)
FIRST_MONTH = dt.date(2024, 11, 1)

# The published before → after figures, copied from the seeds (000: SRR, 001: IPV). Proportions in %,
# the 0–6 ease-of-linkage score as is; tolerance is 3 points of the display scale (3% of 0–6 = 0.18).
SEED_FIGURES = [
    pytest.param(
        "SRR CoIIN", "supported", 40, 62, 3,
        id="SRR: always feeling supported to manage work and be present with families, 62% from 40%",
    ),
    pytest.param(
        "SRR CoIIN", "reflective-supervision", 44, 65, 3,
        id="SRR: always receiving reflective supervision that played a role in motivating them, 65% from 44%",
    ),
    pytest.param(
        "SRR CoIIN", "work-life-balance", 35, 62, 3,
        id="SRR: always satisfied with work/life balance, managing stress, self-care, 62% from 35%",
    ),
    pytest.param(
        "IPV CoIIN", "offered-supports", 84, 96, 3,
        id="IPV: offered supports or services aligned with their needs, 96% (no published baseline; demo 84%)",
    ),
    pytest.param(
        "IPV CoIIN", "follow-up", 70, 80, 3,
        id="IPV: offered supports or services receive follow-up from home visitor, 80% from a baseline of 70%",
    ),
    pytest.param(
        "IPV CoIIN", "universal-education", 41, 58, 3,
        id="IPV: provided universal education about healthy relationships, 58% from a baseline of 41%",
    ),
    pytest.param(
        "IPV CoIIN", "safer-planning", 52, 63, 3,
        id="IPV: caregivers with identified IPV engage in safer planning, 63% from a baseline of 52%",
    ),
    pytest.param(
        "IPV CoIIN", "ease-of-linkage", 2.9, 4.1, 0.18,
        id="IPV: average ease of linkage to community partner/s, 4.1 from 2.9 on a scale of 0-6",
    ),
]  # fmt: skip


def _row_counts() -> dict[str, int]:
    """Rows of every table but the dashboards' change log, which records each run's writes (page_cache)."""
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.label != "measures.DashboardChange"
    }


def _observation_digest() -> str:
    cells = sorted(
        Observation.objects.values_list(
            "team__collaborative__short_name",
            "team__code",
            "measure__code",
            "month",
            "numerator",
            "denominator",
        )
    )
    return hashlib.sha256(repr(cells).encode()).hexdigest()


def _pooled_series(short_name: str, code: str) -> list[float]:
    """Σnumerator / Σdenominator over the teams reporting each month, in display units, oldest first."""
    measure = Measure.objects.get(collaborative__short_name=short_name, code=code)
    rows = (
        Observation.objects.filter(measure=measure)
        .values("month")
        .annotate(num=Sum("numerator"), den=Sum("denominator"))
        .order_by("month")
    )
    return [row["num"] / row["den"] * measure.display_multiplier for row in rows]


def test_running_it_twice_leaves_exactly_the_same_rows():
    load_demo(today=TODAY)
    counts, digest = _row_counts(), _observation_digest()

    summary = load_demo(today=TODAY)

    assert _row_counts() == counts
    assert _observation_digest() == digest
    changes = (summary.observations_created, summary.observations_updated, summary.observations_deleted)
    assert changes == (0, 0, 0)
    assert (summary.reports_created, summary.reports_updated, summary.reports_deleted) == (0, 0, 0)


def test_each_collaborative_has_24_months_of_data_ending_at_the_month_now_due():
    load_demo(today=TODAY)

    for collab in Collaborative.objects.all():
        months = sorted(
            set(Observation.objects.filter(team__collaborative=collab).values_list("month", flat=True))
        )
        assert (months[0], months[-1], len(months)) == (FIRST_MONTH, DUE_MONTH, 24)
        assert collab.start_date == FIRST_MONTH
        assert collab.end_date > TODAY
        assert collab.baseline_months == 12
        assert set(collab.teams.values_list("joined_on", flat=True)) == {FIRST_MONTH}


@pytest.mark.parametrize(("short_name", "code", "baseline", "final", "tolerance"), SEED_FIGURES)
def test_pooled_medians_reproduce_the_seeds_baseline_and_final_figures(
    short_name, code, baseline, final, tolerance
):
    load_demo(today=TODAY)

    series = _pooled_series(short_name, code)

    assert len(series) == 24
    assert statistics.median(series[:12]) == pytest.approx(baseline, abs=tolerance)
    assert statistics.median(series[-6:]) == pytest.approx(final, abs=tolerance)


def test_pooled_follow_up_shifts_above_its_70_percent_baseline_and_re_bases_near_80_percent():
    load_demo(today=TODAY)

    series = _pooled_series("IPV CoIIN", "follow-up")
    baseline_median = statistics.median(series[:12])
    after_window = series[12:]

    assert baseline_median == pytest.approx(70, abs=3)
    # Every point after the frozen window sits above it: an IHI shift (6 in a row) that is sustained for the
    # 12 points the run-chart spec's re-basing needs (rebase_k = 12).
    assert len(after_window) == 12
    assert all(value > baseline_median for value in after_window)
    assert statistics.median(after_window) == pytest.approx(80, abs=3)


def test_ohios_pooled_srr_charts_suggest_a_shifted_median_for_its_awardee_lead_to_decide(
    django_capture_on_commit_callbacks,
):
    load_demo(today=TODAY)
    with django_capture_on_commit_callbacks(execute=True):
        recompute_all(collaborative_ids=[Collaborative.objects.get(short_name="SRR CoIIN").id])

    ohio = RunChartAnalysis.objects.filter(kind="awardee", awardee__name="Ohio")
    # Journey 3: Ohio's lead confirms one of these suggestions on the state's own pooled chart.
    assert {(a.measure.code, len(a.result["phases"])) for a in ohio} == {
        ("supported", 2),
        ("reflective-supervision", 2),
        ("work-life-balance", 2),
        ("wellbeing", 2),  # the SMART aim's measure, fed by the survey's well-being question
    }
    assert not PhaseDecision.objects.exists()  # suggestions only: nobody has decided them yet


def test_every_team_reports_every_measure_with_a_few_missed_months():
    load_demo(today=TODAY)

    for team in Team.objects.select_related("collaborative"):
        measures = team.collaborative.measures.count()
        months = set(team.observations.values_list("month", flat=True))
        assert team.observations.count() == measures * len(months)
        assert 20 <= len(months) <= 23


def test_numerators_never_exceed_denominators_or_six_times_them_for_the_mean_score():
    load_demo(today=TODAY)

    proportions = Observation.objects.filter(measure__kind=Measure.Kind.PROPORTION)
    means = Observation.objects.filter(measure__kind=Measure.Kind.MEAN, measure__scale_max=6)

    assert means.exists()
    assert not proportions.filter(numerator__gt=F("denominator")).exists()
    assert not means.filter(numerator__gt=F("denominator") * 6).exists()
    assert not Observation.objects.filter(denominator=0).exists()


def test_denominators_are_realistic_team_sizes():
    load_demo(today=TODAY)

    staff = Observation.objects.filter(team__collaborative__short_name="SRR CoIIN")
    families = Observation.objects.filter(measure__code__in=["offered-supports", "universal-education"])

    assert set(staff.values_list("denominator", flat=True)) <= set(range(4, 18))
    assert min(families.values_list("denominator", flat=True)) >= 6
    assert max(families.values_list("denominator", flat=True)) <= 66


def test_each_demo_login_signs_in_with_the_demo_password_and_has_its_role(client):
    load_demo(today=TODAY)
    srr, ipv = (
        Collaborative.objects.get(short_name="SRR CoIIN"),
        Collaborative.objects.get(short_name="IPV CoIIN"),
    )
    lead_lia = LIA.objects.get(memberships__user__username="lead@demo.coiin", memberships__role=Role.CQI_LEAD)

    def roles(email: str) -> set[tuple[str, object]]:
        return {(m.role, m.scope) for m in Membership.objects.filter(user__username=email)}

    for login in DEMO_LOGINS:
        assert login.password == DEMO_PASSWORD
        assert client.login(username=login.email, password=login.password), login.email
    admin = get_user_model().objects.get(username="admin@demo.coiin")
    assert admin.is_staff and admin.is_superuser and admin.first_name
    assert roles("faculty@demo.coiin") == {(Role.COLLABORATIVE_ADMIN, srr), (Role.COLLABORATIVE_ADMIN, ipv)}
    assert {(role, scope.name) for role, scope in roles("ohio.lead@demo.coiin")} == {
        (Role.AWARDEE_LEAD, "Ohio")
    }
    advised = Team.objects.filter(advisors__user__username="advisor@demo.coiin", advisors__role=Role.ADVISOR)
    assert (
        sorted(advised.values_list("collaborative__short_name", flat=True))
        == ["IPV CoIIN"] * 4 + ["SRR CoIIN"] * 4
    )
    assert roles("lead@demo.coiin") == {(Role.CQI_LEAD, lead_lia)}
    assert roles("member@demo.coiin") == {(Role.TEAM_MEMBER, lead_lia)}
    assert lead_lia.awardee.name == "Ohio"
    assert lead_lia.teams.filter(collaborative=srr).exists()


def test_every_team_has_a_cqi_lead_who_submitted_its_reports():
    load_demo(today=TODAY)

    for team in Team.objects.all():
        leads = set(
            Membership.objects.filter(lia=team.lia, role=Role.CQI_LEAD).values_list("user", flat=True)
        )
        submitters = set(
            team.monthly_reports.filter(status=MonthlyReport.Status.SUBMITTED).values_list(
                "submitted_by", flat=True
            )
        )
        assert len(leads) == 1
        assert submitters == leads


def test_past_months_with_data_are_submitted_a_few_days_into_the_next_month():
    load_demo(today=TODAY)

    for report in MonthlyReport.objects.filter(month__lt=DUE_MONTH):
        assert report.status == MonthlyReport.Status.SUBMITTED
        assert report.team.observations.filter(month=report.month).exists()
        delay = report.submitted_at.date() - report.month
        assert 30 <= delay.days <= 42
    reported = set(MonthlyReport.objects.values_list("team", "month"))
    observed = set(Observation.objects.values_list("team", "month"))
    assert reported == observed


def test_for_the_month_now_due_some_teams_have_a_draft_and_some_nothing_yet():
    load_demo(today=TODAY)

    for collab in Collaborative.objects.all():
        due = MonthlyReport.objects.filter(team__collaborative=collab, month=DUE_MONTH)
        statuses = list(due.values_list("status", flat=True))
        silent = collab.teams.exclude(monthly_reports__month=DUE_MONTH)
        assert statuses.count(MonthlyReport.Status.DRAFT) == 3
        assert silent.count() == 2
        assert statuses.count(MonthlyReport.Status.SUBMITTED) == collab.teams.count() - 5
        assert not Observation.objects.filter(team__in=silent, month=DUE_MONTH).exists()
        assert not due.filter(status=MonthlyReport.Status.DRAFT, submitted_at__isnull=False).exists()
    lead_report = MonthlyReport.objects.get(
        team__lia__memberships__user__username="lead@demo.coiin", month=DUE_MONTH
    )
    assert lead_report.status == MonthlyReport.Status.DRAFT


def test_non_participating_lias_belong_to_awardees_but_have_no_team():
    load_demo(today=TODAY)

    idle = LIA.objects.filter(teams__isnull=True)

    assert idle.count() == 4
    assert all(lia.awardee.lias.filter(teams__isnull=False).exists() for lia in idle)


def test_the_collaboratives_have_the_seeds_awardees_lias_aims_and_drivers():
    load_demo(today=TODAY)
    srr, ipv = (
        Collaborative.objects.get(short_name="SRR CoIIN"),
        Collaborative.objects.get(short_name="IPV CoIIN"),
    )

    srr_awardees = set(srr.teams.values_list("lia__awardee__name", flat=True))
    ipv_awardees = set(ipv.teams.values_list("lia__awardee", flat=True))
    assert srr_awardees == {"Ohio", "Alabama", "Wisconsin"}
    assert (srr.teams.count(), len(ipv_awardees), ipv.teams.count()) == (10, 6, 18)
    assert sorted(srr.teams.values_list("code", flat=True)) == [f"T{n:02d}" for n in range(1, 11)]
    assert srr.aims.get().text.startswith("85% of home visiting professionals")
    assert [a.text[:3] for a in ipv.aims.all()] == ["90%", "85%"]
    assert "5. Home visiting professionals are empowered to contribute to the team and organization" in (
        srr.description
    )
    assert ipv.measures.get(code="ease-of-linkage").scale_max == 6


def test_moving_today_on_a_month_re_anchors_the_data_and_leaves_nothing_outside_the_dates():
    load_demo(today=TODAY)
    counts = _row_counts()

    load_demo(today=dt.date(2026, 12, 3))

    assert not Observation.objects.filter(month__lt=dt.date(2024, 12, 1)).exists()
    assert Observation.objects.order_by("-month").first().month == dt.date(2026, 11, 1)
    assert Observation.objects.count() == counts["measures.Observation"]
    assert MonthlyReport.objects.count() == counts["measures.MonthlyReport"]


def test_the_command_prints_the_demo_logins():
    out = StringIO()

    call_command("seed_demo", "--today", "2026-11-25", "--allow-without-debug", stdout=out)

    assert "month now due: October 2026" in out.getvalue()
    assert (
        "its 9 agencies are the teams of a third collaborative, St. Louis Coordinated Intake CQI."
        in out.getvalue()
    )
    for login in DEMO_LOGINS:
        assert login.email in out.getvalue()
    assert DEMO_PASSWORD in out.getvalue()


def test_the_command_refuses_to_add_a_known_superuser_password_when_debug_is_off():
    with pytest.raises(CommandError, match="DEBUG is off"):
        call_command("seed_demo", "--today", "2026-11-25", stdout=StringIO())

    assert not get_user_model().objects.filter(username="admin@demo.coiin").exists()


def test_the_charts_carry_the_calendars_notes_and_one_teams_own_with_a_webinar_after_the_data():
    load_demo(today=TODAY)
    srr = Collaborative.objects.get(short_name="SRR CoIIN")
    notes = ChartAnnotation.objects.filter(collaborative=srr)
    assert notes.filter(team=None).count() == 9
    assert {n.team.lia.name for n in notes.exclude(team=None)} == {"Miami Valley Family Connections"}
    assert notes.exclude(team=None).count() == 6
    last_data_month = Observation.objects.filter(team__collaborative=srr).order_by("-month").first().month
    assert notes.get(text="Closing webinar").month > last_data_month  # listed under the charts, not plotted
