"""Demo data: the SRR and IPV CoIINs of HV CoIIN 2.0, with invented agencies, people and monthly data.

Aims, primary drivers, measures and their before/after figures come from the collaboratives' published
summaries (`shared/seeds/000_*` for SRR, `001_*` for IPV). Agencies, cities, people and every monthly
number are invented; the monthly numbers are drawn so that the pooled series reproduces the published
figures. Dates are anchored to a chosen `today` so the demo always has a month now due.
"""

import datetime as dt
import random
import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password, make_password
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from collaboratives import months
from collaboratives.models import LIA, Aim, Awardee, Collaborative, Membership, Role, Team
from measures.models import ChartAnnotation, Measure, MonthlyReport, Observation

DEMO_PASSWORD = "demo-password-2026"
DEMO_EMAIL_DOMAIN = "demo.coiin"
# Every monthly number comes from this seed, so any `today` gives the same values month by month.
RANDOM_SEED = "coiin-demo-2026"
BASELINE_MONTHS = 12
DATA_MONTHS = 24
CHANGE_REASON = "seed_demo"


@dataclass(frozen=True)
class DemoLogin:
    """A demo account to sign in with, as the README and the command list it."""

    email: str
    role: str
    password: str = DEMO_PASSWORD


@dataclass(frozen=True)
class AwardeeSpec:
    code: str
    name: str
    kind: str = Awardee.Kind.STATE


@dataclass(frozen=True)
class LIASpec:
    """An agency, and the CQI lead who submits its team's months."""

    slug: str
    awardee: str
    name: str
    city: str
    lead_first_name: str
    lead_last_name: str

    @property
    def lead_email(self) -> str:
        if self.slug == LEAD_LIA:
            return f"lead@{DEMO_EMAIL_DOMAIN}"
        return f"lead.{self.slug}@{DEMO_EMAIL_DOMAIN}"


@dataclass(frozen=True)
class PoolSpec:
    """A per-team monthly count (staff surveyed, families on the caseload) that denominators draw from.

    `within` names a pool this one is a subset of, so e.g. caregivers with identified IPV never outnumber
    the caseload.
    """

    name: str
    low: int
    high: int
    within: str | None = None


@dataclass(frozen=True)
class MeasureSpec:
    """A measure with the published before/after figures its pooled demo series reproduces.

    `baseline` and `final` are in the measure's own units (a proportion 0–1, or a mean score).
    `denominator_from` is a pool name, or the code of an earlier measure whose numerator is this one's
    denominator (follow-up is counted among the caregivers who were offered supports).
    """

    code: str
    name: str
    numerator_definition: str
    denominator_definition: str
    baseline: float
    final: float
    denominator_from: str
    kind: str = Measure.Kind.PROPORTION
    goal: int | None = None
    chart_type: str = Measure.ChartType.RUN
    scale_max: int | None = None
    sensitive: bool = False  # small counts hidden outside the team (docs/security.md, the disclosure rule)


@dataclass(frozen=True)
class CollaborativeSpec:
    short_name: str
    name: str
    topic: str
    intro: str
    primary_drivers: tuple[str, ...]
    aims: tuple[str, ...]
    pools: tuple[PoolSpec, ...]
    measures: tuple[MeasureSpec, ...]
    team_lias: tuple[str, ...]
    peer_visibility: str
    advisor_lias: tuple[str, ...]

    @property
    def description(self) -> str:
        drivers = "\n".join(f"{i}. {d}" for i, d in enumerate(self.primary_drivers, start=1))
        return f"{self.intro}\n\nPrimary drivers:\n{drivers}"


@dataclass(frozen=True)
class DemoSummary:
    """What one run of the loader left in the database, and what it had to change to get there."""

    today: dt.date
    due_month: dt.date
    collaboratives: int
    awardees: int
    lias: int
    teams: int
    users: int
    observations: int
    reports: int
    observations_created: int
    observations_updated: int
    observations_deleted: int
    reports_created: int
    reports_updated: int
    reports_deleted: int


AWARDEES = (
    AwardeeSpec("oh", "Ohio"),
    AwardeeSpec("al", "Alabama"),
    AwardeeSpec("wi", "Wisconsin"),
    # The IPV summary says "six MIECHV awardees" without naming them: these six are invented.
    AwardeeSpec("mi", "Michigan"),
    AwardeeSpec("nm", "New Mexico"),
    AwardeeSpec("ct", "Connecticut"),
    AwardeeSpec("va", "Virginia"),
    AwardeeSpec("wa", "Washington"),
    AwardeeSpec("red-cedar", "Red Cedar Tribal Consortium", Awardee.Kind.TRIBAL),
)

LEAD_LIA = "miami-valley"

LIAS = (
    LIASpec("miami-valley", "oh", "Miami Valley Family Connections", "Dayton", "Priya", "Shah"),
    LIASpec("summit-county", "oh", "Summit County Home Visiting Partnership", "Akron", "Marcus", "Bell"),
    LIASpec("appalachian-ohio", "oh", "Appalachian Ohio Family Health Services", "Athens", "Rachel", "Dunn"),
    LIASpec("lake-erie", "oh", "Lake Erie Nurse-Family Partners", "Toledo", "Kevin", "Novak"),
    LIASpec("black-belt", "al", "Black Belt Family Resource Center", "Selma", "Tasha", "Greene"),
    LIASpec("tennessee-valley", "al", "Tennessee Valley Parents as Teachers", "Huntsville", "Ben", "Carter"),
    LIASpec("gulf-coast", "al", "Gulf Coast Home Visiting Network", "Mobile", "Alicia", "Moreau"),
    LIASpec("fox-valley", "wi", "Fox Valley Family Visiting", "Appleton", "Erik", "Lindqvist"),
    LIASpec("northwoods", "wi", "Northwoods Healthy Families", "Rhinelander", "Jenna", "Kowalski"),
    LIASpec("milwaukee", "wi", "Milwaukee Early Childhood Home Visiting", "Milwaukee", "Darnell", "Hayes"),
    LIASpec("kalamazoo", "mi", "Kalamazoo Family Home Visiting", "Kalamazoo", "Laura", "Vance"),
    LIASpec("saginaw-bay", "mi", "Saginaw Bay Maternal Infant Health", "Saginaw", "Omar", "Haddad"),
    LIASpec("upper-peninsula", "mi", "Upper Peninsula Healthy Start", "Marquette", "Kristin", "Maki"),
    LIASpec("rio-grande", "nm", "Rio Grande Home Visiting", "Albuquerque", "Sofia", "Baca"),
    LIASpec("mesilla-valley", "nm", "Mesilla Valley Family Services", "Las Cruces", "Daniel", "Trujillo"),
    LIASpec("high-desert", "nm", "High Desert Parents as Teachers", "Farmington", "Carla", "Begay"),
    LIASpec("naugatuck-valley", "ct", "Naugatuck Valley Nurturing Families", "Waterbury", "Paul", "Russo"),
    LIASpec("thames-river", "ct", "Thames River Family Program", "New London", "Megan", "Doyle"),
    LIASpec("capitol-region", "ct", "Capitol Region Home Visiting", "Hartford", "Andre", "Dubois"),
    LIASpec("shenandoah", "va", "Shenandoah Valley Healthy Families", "Harrisonburg", "Hannah", "Yoder"),
    LIASpec("hampton-roads", "va", "Hampton Roads Resource Mothers", "Norfolk", "Keisha", "Ward"),
    LIASpec("southwest-virginia", "va", "Southwest Virginia Family Partners", "Abingdon", "Travis", "Combs"),
    LIASpec("yakima-valley", "wa", "Yakima Valley Parent-Child Home Program", "Yakima", "Elena", "Ruiz"),
    LIASpec("spokane", "wa", "Spokane Family Visiting", "Spokane", "Nathan", "Price"),
    LIASpec("puget-sound", "wa", "Puget Sound Nurse Home Visiting", "Tacoma", "Mai", "Nguyen"),
    LIASpec(
        "red-cedar-north", "red-cedar", "Red Cedar Family Spirit North", "Bemidji", "Joseph", "Whitehorse"
    ),
    LIASpec("red-cedar-lakes", "red-cedar", "Red Cedar Lakes Home Visiting", "Walker", "Renee", "Bluesky"),
    LIASpec("red-cedar-south", "red-cedar", "Red Cedar Parents as Teachers", "Cloquet", "Samuel", "Strong"),
    # Funded by a participating awardee but enrolled in no collaborative: the closing guide counts them.
    LIASpec("franklin-county", "oh", "Franklin County Healthy Beginnings", "Columbus", "Amy", "Fischer"),
    LIASpec("driftless", "wi", "Driftless Region Family Services", "La Crosse", "Greg", "Olson"),
    LIASpec("grand-rapids", "mi", "Grand Rapids Parent Partners", "Grand Rapids", "Nicole", "DeVries"),
    LIASpec(
        "red-cedar-east", "red-cedar", "Red Cedar Early Head Start Home Base", "Duluth", "Irene", "Martin"
    ),
)

SRR = CollaborativeSpec(
    short_name="SRR CoIIN",
    name="Staff Recruitment & Retention CoIIN",
    topic="Staff recruitment and retention: the health and well-being of home visiting professionals",
    intro=(
        "MIECHV awardees and local implementing agencies improving the recruitment, retention and "
        "well-being of home visiting professionals with monthly staff well-being data and PDSA cycles."
    ),
    primary_drivers=(
        "Evidence-based recruitment and hiring to support competency-based selection, equitable hiring, "
        "and good person-job fit",
        "Home visiting workforce supported with opportunities for ongoing professional growth",
        "Organizational environment that cultivates the health and wellness of home visiting professionals",
        "Workplace policies and practices that recognize and reward the work of home visiting professionals",
        "Home visiting professionals are empowered to contribute to the team and organization",
    ),
    aims=(
        "85% of home visiting professionals, including home visitors and home visiting supervisors, will "
        "improve or maintain high staff well-being, creating a healthier, supported, and more resilient "
        "home visiting workforce.",
    ),
    # At least 6 staff (5 after jitter): every team-month's survey reaches the 5-response threshold.
    pools=(PoolSpec("staff", 6, 15),),
    measures=(
        MeasureSpec(
            code="supported",
            name="Team members always feeling supported to manage work and be present with families",
            numerator_definition=(
                "Home visiting professionals (home visitors and home visiting supervisors) who answered "
                "“always” to feeling supported to manage their work and be present with families on this "
                "month's staff well-being survey."
            ),
            denominator_definition=(
                "Home visiting professionals (home visitors and home visiting supervisors) who answered "
                "that question on this month's staff well-being survey."
            ),
            baseline=0.40,
            final=0.62,
            denominator_from="staff",
            chart_type=Measure.ChartType.PP,
        ),
        MeasureSpec(
            code="reflective-supervision",
            name="Team members always receiving reflective supervision that motivates them in their work",
            numerator_definition=(
                "Home visiting professionals (home visitors and home visiting supervisors) who answered "
                "“always” to receiving reflective supervision that played a role in motivating them in "
                "their work on this month's staff well-being survey."
            ),
            denominator_definition=(
                "Home visiting professionals (home visitors and home visiting supervisors) who answered "
                "that question on this month's staff well-being survey."
            ),
            baseline=0.44,
            final=0.65,
            denominator_from="staff",
        ),
        MeasureSpec(
            code="work-life-balance",
            name="Team members always satisfied with work/life balance, managing stress, with time for self-care",
            numerator_definition=(
                "Home visiting professionals (home visitors and home visiting supervisors) who answered "
                "“always” to feeling satisfied with their work/life balance, able to manage stress and able "
                "to take time for self-care (one question) on this month's staff well-being survey."
            ),
            denominator_definition=(
                "Home visiting professionals (home visitors and home visiting supervisors) who answered "
                "that question on this month's staff well-being survey."
            ),
            baseline=0.35,
            final=0.62,
            denominator_from="staff",
        ),
        # The SMART aim's own measure. The seed publishes no figure for it: these levels are invented.
        MeasureSpec(
            code="wellbeing",
            name="Team members who improved or maintained high well-being",
            numerator_definition=(
                "Home visiting professionals (home visitors and home visiting supervisors) who answered that "
                "their well-being at work is better than 3 months ago, or about the same and good, on this "
                "month's staff well-being survey."
            ),
            denominator_definition=(
                "Home visiting professionals (home visitors and home visiting supervisors) who answered "
                "that question on this month's staff well-being survey."
            ),
            baseline=0.66,
            final=0.81,
            denominator_from="staff",
            goal=85,
        ),
    ),
    team_lias=(
        "miami-valley",
        "summit-county",
        "appalachian-ohio",
        "lake-erie",
        "black-belt",
        "tennessee-valley",
        "gulf-coast",
        "fox-valley",
        "northwoods",
        "milwaukee",
    ),
    peer_visibility=Collaborative.PeerVisibility.NAMED,
    advisor_lias=("miami-valley", "summit-county", "black-belt", "fox-valley"),
)

IPV = CollaborativeSpec(
    short_name="IPV CoIIN",
    name="Intimate Partner Violence CoIIN",
    topic="Intimate partner violence: offering supports, safer planning and follow-up to caregivers",
    intro=(
        "Six MIECHV awardees and 18 local implementing agencies in a learning collaborative on identifying "
        "intimate partner violence (IPV), offering supports or services aligned with caregivers' "
        "self-identified needs and priorities, and following up. HV CoIIN 2.0 set its aims for March 2020; "
        "this demo runs them over the collaborative's own dates."
    ),
    primary_drivers=(
        "Comprehensive, fluid, individually tailored, and highly collaborative “safer planning” and follow-up",
        "Community partnerships and linkages to services",
        "A competent, supported, and trauma-informed workforce to address IPV",
        "The successful integration of parent leaders and partners in CQI",
        "Safe and respectful conversations on healthy relationships and on screening for IPV",
    ),
    aims=(
        "90% of caregivers with identified IPV are offered supports or services aligned with their "
        "self-identified needs and priorities.",
        "85% of caregivers with identified IPV who are offered supports or services receive follow-up from "
        "home visitors.",
    ),
    pools=(PoolSpec("caseload", 20, 60), PoolSpec("identified", 8, 24, within="caseload")),
    measures=(
        MeasureSpec(
            code="offered-supports",
            name="Caregivers with identified IPV offered supports or services aligned with their needs",
            numerator_definition=(
                "Caregivers in the denominator who were offered supports or services aligned with their "
                "self-identified needs and priorities."
            ),
            denominator_definition=(
                "Caregivers on the caseload this month with identified IPV (a positive screen or a disclosure)."
            ),
            # The summary gives only the result (96%); the 84% baseline is the demo's assumption.
            baseline=0.84,
            final=0.96,
            denominator_from="identified",
            goal=90,
        ),
        MeasureSpec(
            code="follow-up",
            name="Caregivers offered supports or services who receive follow-up from home visitors",
            numerator_definition=(
                "Caregivers in the denominator who received follow-up from their home visitor on the "
                "supports or services offered."
            ),
            denominator_definition=(
                "Caregivers with identified IPV who were offered supports or services (the numerator of "
                "“offered supports”)."
            ),
            baseline=0.70,
            final=0.80,
            denominator_from="offered-supports",
            goal=85,
        ),
        MeasureSpec(
            code="universal-education",
            name="Caregivers provided universal education about healthy relationships in the past 6 months",
            numerator_definition=(
                "Caregivers in the denominator who were provided universal education about healthy "
                "relationships in the past 6 months."
            ),
            denominator_definition="Caregivers enrolled and visited this month.",
            baseline=0.41,
            final=0.58,
            denominator_from="caseload",
        ),
        MeasureSpec(
            code="safer-planning",
            name="Caregivers with identified IPV who engage in safer planning",
            numerator_definition="Caregivers in the denominator who engaged in safer planning.",
            denominator_definition=(
                "Caregivers on the caseload this month with identified IPV (a positive screen or a disclosure)."
            ),
            baseline=0.52,
            final=0.63,
            denominator_from="identified",
            # Counts of caregivers with identified IPV are small: a peer must not learn them.
            sensitive=True,
        ),
        MeasureSpec(
            code="ease-of-linkage",
            name="Average ease of linkage to community partner/s (0–6)",
            numerator_definition=(
                "Sum of the home visitors' ratings of how easy it was to link the caregiver to the community "
                "partner/s (0 = not possible, 6 = very easy), over the linkages rated this month."
            ),
            denominator_definition="Number of linkages to community partners rated this month.",
            baseline=2.9,
            final=4.1,
            denominator_from="offered-supports",
            kind=Measure.Kind.MEAN,
            scale_max=6,
            chart_type=Measure.ChartType.INDIVIDUALS,
        ),
    ),
    team_lias=(
        "kalamazoo",
        "saginaw-bay",
        "upper-peninsula",
        "rio-grande",
        "mesilla-valley",
        "high-desert",
        "naugatuck-valley",
        "thames-river",
        "capitol-region",
        "shenandoah",
        "hampton-roads",
        "southwest-virginia",
        "yakima-valley",
        "spokane",
        "puget-sound",
        "red-cedar-north",
        "red-cedar-lakes",
        "red-cedar-south",
    ),
    # A sensitive topic: peers compare run charts under team codes only.
    peer_visibility=Collaborative.PeerVisibility.ANONYMISED,
    advisor_lias=("kalamazoo", "rio-grande", "thames-river", "spokane"),
)

COLLABORATIVES = (SRR, IPV)


@dataclass(frozen=True)
class _Person:
    email: str
    first_name: str
    last_name: str
    superuser: bool = False


ADMIN = _Person(f"admin@{DEMO_EMAIL_DOMAIN}", "Morgan", "Reyes", superuser=True)
FACULTY = _Person(f"faculty@{DEMO_EMAIL_DOMAIN}", "Dana", "Whitfield")
OHIO_LEAD = _Person(f"ohio.lead@{DEMO_EMAIL_DOMAIN}", "Grace", "Okafor")
ADVISOR = _Person(f"advisor@{DEMO_EMAIL_DOMAIN}", "Luis", "Herrera")
MEMBER = _Person(f"member@{DEMO_EMAIL_DOMAIN}", "Tom", "Becker")
_LEAD_LIA_SPEC = next(lia for lia in LIAS if lia.slug == LEAD_LIA)

DEMO_LOGINS: tuple[DemoLogin, ...] = (
    DemoLogin(ADMIN.email, "Superuser (Django admin)"),
    DemoLogin(FACULTY.email, f"{Role.COLLABORATIVE_ADMIN.label}: SRR CoIIN and IPV CoIIN"),
    DemoLogin(OHIO_LEAD.email, f"{Role.AWARDEE_LEAD.label}: Ohio"),
    DemoLogin(ADVISOR.email, f"{Role.ADVISOR.label}: 4 SRR teams and 4 IPV teams"),
    DemoLogin(_LEAD_LIA_SPEC.lead_email, f"{Role.CQI_LEAD.label}: {_LEAD_LIA_SPEC.name} (SRR CoIIN)"),
    DemoLogin(MEMBER.email, f"{Role.TEAM_MEMBER.label}: {_LEAD_LIA_SPEC.name} (SRR CoIIN)"),
)

# Each collaborative leaves this many teams with a draft, and this many with nothing, for the month now due.
DUE_MONTH_DRAFTS = 3
DUE_MONTH_MISSING = 2
# At most this share of a collaborative's teams misses any one past month, so no pooled month falls
# under the run-chart spec's 75 % reporting floor.
MAX_MISSED_SHARE = 0.2


def demo_months(today: dt.date) -> list[dt.date]:
    """The collaboratives' data months: `DATA_MONTHS` of them, ending with the month now due."""
    return months.last_n(months.now_due(today), DATA_MONTHS)


@dataclass
class _Plan:
    """Everything one collaborative's teams report, before it touches the database."""

    cells: dict[tuple[str, str, dt.date], tuple[int, int]] = field(default_factory=dict)
    reports: dict[tuple[str, dt.date], tuple[str, dt.datetime | None]] = field(default_factory=dict)


def _level(spec: MeasureSpec, index: int) -> float:
    """The underlying level in month `index`: the baseline, then a quick ramp to the sustained result."""
    ramp = {BASELINE_MONTHS: 0.5, BASELINE_MONTHS + 1: 0.8}
    share = 0.0 if index < BASELINE_MONTHS else ramp.get(index, 1.0)
    return spec.baseline + share * (spec.final - spec.baseline)


def _binomial(rng: random.Random, trials: int, p: float) -> int:
    # random.binomialvariate arrives only in Python 3.12.
    return sum(rng.random() < p for _ in range(trials))


def _clamp(value: float, low: float, high: float) -> float:
    return min(max(value, low), high)


def _rake(rng: random.Random, nums: dict[str, int], trials: dict[str, int], target: int) -> None:
    """Nudge team numerators one unit at a time until they sum to `target`, staying within 0..trials.

    Team-level noise stays binomial; only the pooled total is pinned to the month's drawn level, which is
    what keeps the pooled medians on the published figures.
    """
    target = int(_clamp(target, 0, sum(trials.values())))
    diff = target - sum(nums.values())
    step = 1 if diff > 0 else -1
    while diff:
        room = [t for t in nums if (nums[t] < trials[t] if step > 0 else nums[t] > 0)]
        team = rng.choice(room)
        nums[team] += step
        diff -= step


def _submitted_at(rng: random.Random, month: dt.date, today: dt.date) -> dt.datetime:
    """A working-hours moment a few days into the month after `month`, never after `today`."""
    day = months.add(month, 1) + dt.timedelta(days=rng.randint(2, 9))
    day = min(day, today)
    moment = dt.datetime.combine(day, dt.time(rng.randint(9, 16), rng.randint(0, 59)))
    return timezone.make_aware(moment)


def _plan_collaborative(spec: CollaborativeSpec, months: list[dt.date], today: dt.date) -> _Plan:
    rng = random.Random(f"{RANDOM_SEED}:{spec.short_name}")
    teams = spec.team_lias
    due = len(months) - 1

    # Missed past months: whole months with no data and no report, spread so few teams miss the same one.
    cap = max(1, int(len(teams) * MAX_MISSED_SHARE))
    missed_by_month: dict[int, int] = defaultdict(int)
    missed: set[tuple[str, int]] = set()
    for team in teams:
        open_months = [index for index in range(1, due) if missed_by_month[index] < cap]
        for index in rng.sample(open_months, rng.randint(1, 3)):
            missed_by_month[index] += 1
            missed.add((team, index))

    # The demo CQI lead's team always has a draft to submit; the other teams' slots are drawn at random.
    pinned = [t for t in teams if t == LEAD_LIA]
    others = rng.sample([t for t in teams if t not in pinned], DUE_MONTH_DRAFTS + DUE_MONTH_MISSING)
    drafts = set(pinned + others[: DUE_MONTH_DRAFTS - len(pinned)])
    silent = set(others[DUE_MONTH_DRAFTS - len(pinned) :][:DUE_MONTH_MISSING])

    reporting = {
        (team, index): (team, index) not in missed and not (index == due and team in silent)
        for team in teams
        for index in range(len(months))
    }

    plan = _Plan()
    for team in teams:
        for index, month in enumerate(months):
            if not reporting[team, index]:
                continue
            if index == due and team in drafts:
                plan.reports[team, month] = (MonthlyReport.Status.DRAFT, None)
            else:
                plan.reports[team, month] = (MonthlyReport.Status.SUBMITTED, _submitted_at(rng, month, today))

    counts: dict[str, dict[tuple[str, int], int]] = {}
    for pool in spec.pools:
        counts[pool.name] = {}
        for team in teams:
            base = rng.randint(pool.low, pool.high)
            jitter = max(1, round(base * 0.1))
            for index in range(len(months)):
                value = max(1, base + rng.randint(-jitter, jitter))
                if pool.within:
                    value = min(value, counts[pool.within][team, index])
                counts[pool.name][team, index] = value

    for measure in spec.measures:
        scale = measure.scale_max or 1
        offsets = {team: rng.gauss(0, 0.05) for team in teams}
        centre = statistics.fmean(offsets.values())
        numerators: dict[tuple[str, int], int] = {}
        for index, month in enumerate(months):
            level = _clamp(
                _level(measure, index) / scale + _clamp(rng.gauss(0, 0.02), -0.04, 0.04), 0.01, 0.99
            )
            present = [team for team in teams if reporting[team, index]]
            dens = {team: counts[measure.denominator_from][team, index] for team in present}
            trials = {team: dens[team] * scale for team in present}
            nums = {
                team: _binomial(rng, trials[team], _clamp(level + offsets[team] - centre, 0.01, 0.99))
                for team in present
            }
            _rake(rng, nums, trials, round(level * sum(trials.values())))
            for team in present:
                numerators[team, index] = nums[team]
                plan.cells[team, measure.code, month] = (nums[team], dens[team])
        counts[measure.code] = numerators
    return plan


def _demo_password_hash() -> str:
    """One hash for every demo account: hashing is deliberately slow, and a rerun keeps the stored one."""
    User = get_user_model()
    stored = User.objects.filter(username=ADMIN.email).values_list("password", flat=True).first()
    if stored and check_password(DEMO_PASSWORD, stored):
        return stored
    return make_password(DEMO_PASSWORD)


def _upsert_users(people: Iterable[_Person]) -> dict[str, Any]:
    User = get_user_model()
    password = _demo_password_hash()
    users = {}
    for person in people:
        users[person.email], _ = User.objects.update_or_create(
            username=person.email,
            defaults={
                "email": person.email,
                "first_name": person.first_name,
                "last_name": person.last_name,
                "is_active": True,
                "is_staff": person.superuser,
                "is_superuser": person.superuser,
                "password": password,
            },
        )
    return users


def _sync_memberships(users: dict[str, Any], wanted: list[dict[str, Any]]) -> None:
    """Make the demo accounts' memberships exactly `wanted`, so a changed demo drops stale grants."""
    keep = set()
    for fields in wanted:
        membership, _ = Membership.objects.get_or_create(**fields)
        keep.add(membership.pk)
    Membership.objects.filter(user__in=list(users.values())).exclude(pk__in=keep).delete()


def _sync_observations(
    teams: dict[tuple[str, str], Team],
    leads: dict[int, Any],
    measures: dict[tuple[str, str], Measure],
    plans: dict[str, _Plan],
) -> tuple[int, int, int]:
    existing = {
        (o.team_id, o.measure_id, o.month): o
        for o in Observation.objects.filter(
            team__in=list(teams.values()), measure__recorded_by_platform=False
        ).only("id", "team_id", "measure_id", "month", "numerator", "denominator")
    }
    to_create, to_update, seen = [], [], set()
    for short_name, plan in plans.items():
        for (lia, code, month), (num, den) in plan.cells.items():
            team, measure = teams[short_name, lia], measures[short_name, code]
            key = (team.pk, measure.pk, month)
            seen.add(key)
            obs = existing.get(key)
            if obs is None:
                obs = Observation(
                    team=team,
                    measure=measure,
                    month=month,
                    numerator=num,
                    denominator=den,
                    updated_by=leads[team.pk],
                )
                to_create.append(obs)
            elif (obs.numerator, obs.denominator) != (num, den):
                obs.numerator, obs.denominator, obs.updated_by = num, den, leads[team.pk]
                to_update.append(obs)
            else:
                continue
            obs._history_user = leads[team.pk]
            obs._change_reason = CHANGE_REASON
    bulk_create_with_history(to_create, Observation, batch_size=500)
    bulk_update_with_history(
        to_update, Observation, ["numerator", "denominator", "updated_by"], batch_size=500
    )
    stale = [obs.pk for key, obs in existing.items() if key not in seen]
    for obs in Observation.objects.filter(pk__in=stale):
        obs._change_reason = CHANGE_REASON
        obs.delete()
    return len(to_create), len(to_update), len(stale)


def _sync_reports(
    teams: dict[tuple[str, str], Team], leads: dict[int, Any], plans: dict[str, _Plan]
) -> tuple[int, int, int]:
    existing = {(r.team_id, r.month): r for r in MonthlyReport.objects.filter(team__in=list(teams.values()))}
    to_create, to_update, seen = [], [], set()
    for short_name, plan in plans.items():
        for (lia, month), (status, submitted_at) in plan.reports.items():
            team = teams[short_name, lia]
            submitted_by = leads[team.pk] if status == MonthlyReport.Status.SUBMITTED else None
            seen.add((team.pk, month))
            report = existing.get((team.pk, month))
            if report is None:
                report = MonthlyReport(team=team, month=month)
                to_create.append(report)
            elif (report.status, report.submitted_at, report.submitted_by_id) != (
                status,
                submitted_at,
                submitted_by and submitted_by.pk,
            ):
                to_update.append(report)
            else:
                continue
            report.status, report.submitted_at, report.submitted_by = status, submitted_at, submitted_by
            report._history_user = leads[team.pk]
            report._change_reason = CHANGE_REASON
    bulk_create_with_history(to_create, MonthlyReport, batch_size=500)
    bulk_update_with_history(
        to_update, MonthlyReport, ["status", "submitted_at", "submitted_by"], batch_size=500
    )
    stale = [report.pk for key, report in existing.items() if key not in seen]
    for report in MonthlyReport.objects.filter(pk__in=stale):
        report._change_reason = CHANGE_REASON
        report.delete()
    return len(to_create), len(to_update), len(stale)


# Notes on the charts, as months counted from the first: the collaborative's learning sessions and calls,
# one team's own notes, and a closing webinar planned after the data (listed under the charts, not plotted).
DEMO_COLLABORATIVE_NOTES = (
    (0, "Kick-off call"), (3, "Learning Session 1"), (6, "Action period call: data"), (9, "Learning Session 2"),
    (12, "Action period call: PDSA ramps"), (15, "Learning Session 3"), (18, "Action period call: spread"),
    (21, "Learning Session 4"), (26, "Closing webinar"),
)  # fmt: skip
DEMO_TEAM_NOTES = (
    (2, "Two home visitors left"), (5, "New supervisor started"), (7, "Reflective supervision moved to weekly"),
    (10, "Staff wellness day"), (13, "Caseloads capped at 20 families"), (16, "Peer mentoring started"),
)  # fmt: skip


def _sync_chart_notes(
    collaboratives: dict[str, Collaborative], teams: dict[tuple[str, str], Team], data_months: list[dt.date]
) -> None:
    """The demo's notes on the charts: every collaborative's calendar, and the demo lead's team's own notes."""
    wanted: list[tuple[Collaborative, Team | None, dt.date, str]] = [
        (collab, None, months.add(data_months[0], offset), text)
        for collab in collaboratives.values()
        for offset, text in DEMO_COLLABORATIVE_NOTES
    ]
    lead_teams = [team for (_, slug), team in teams.items() if slug == LEAD_LIA]
    wanted += [
        (team.collaborative, team, months.add(data_months[0], offset), text)
        for team in lead_teams
        for offset, text in DEMO_TEAM_NOTES
    ]
    kept = [
        ChartAnnotation.objects.get_or_create(collaborative=c, team=t, measure=None, month=m, text=text)[0].id
        for c, t, m, text in wanted
    ]
    texts = [text for _, text in DEMO_COLLABORATIVE_NOTES + DEMO_TEAM_NOTES]
    ChartAnnotation.objects.filter(collaborative__in=collaboratives.values(), text__in=texts).exclude(
        id__in=kept
    ).delete()


@transaction.atomic
def load_demo(*, today: dt.date) -> DemoSummary:
    """Create or refresh the demo collaboratives, people and monthly data, anchored to `today`.

    Idempotent: the same `today` leaves exactly the same rows. Rows the demo owns (its teams' observations
    and monthly reports, its accounts' memberships) that the plan no longer contains are removed, so
    re-anchoring to another `today` leaves no data outside the collaboratives' dates.
    """
    data_months = demo_months(today)
    due = data_months[-1]
    start, end = data_months[0], months.add(months.first_of(today), 4) - dt.timedelta(days=1)

    awardees = {
        spec.code: Awardee.objects.update_or_create(
            code=spec.code, defaults={"name": spec.name, "kind": spec.kind}
        )[0]
        for spec in AWARDEES
    }
    lias = {
        spec.slug: LIA.objects.update_or_create(
            awardee=awardees[spec.awardee], name=spec.name, defaults={"city": spec.city}
        )[0]
        for spec in LIAS
    }
    lead_people = {
        spec.slug: _Person(spec.lead_email, spec.lead_first_name, spec.lead_last_name) for spec in LIAS
    }
    users = _upsert_users([ADMIN, FACULTY, OHIO_LEAD, ADVISOR, MEMBER, *lead_people.values()])

    collaboratives: dict[str, Collaborative] = {}
    teams: dict[tuple[str, str], Team] = {}
    leads: dict[int, Any] = {}
    measures: dict[tuple[str, str], Measure] = {}
    for spec in COLLABORATIVES:
        collab, _ = Collaborative.objects.update_or_create(
            short_name=spec.short_name,
            defaults={
                "name": spec.name,
                "topic": spec.topic,
                "description": spec.description,
                "start_date": start,
                "end_date": end,
                "baseline_months": BASELINE_MONTHS,
                "peer_visibility": spec.peer_visibility,
            },
        )
        collaboratives[spec.short_name] = collab
        for order, text in enumerate(spec.aims, start=1):
            Aim.objects.update_or_create(collaborative=collab, order=order, defaults={"text": text})
        # Further aims that carry a key driver diagram (pdsa.demo's Joy in Work) belong to the diagram loader.
        Aim.objects.filter(collaborative=collab, order__gt=len(spec.aims), drivers=None).delete()
        for order, m in enumerate(spec.measures, start=1):
            measures[spec.short_name, m.code], _ = Measure.objects.update_or_create(
                collaborative=collab,
                code=m.code,
                defaults={
                    "name": m.name,
                    "kind": m.kind,
                    "direction": Measure.Direction.UP,
                    "goal": m.goal,
                    "numerator_definition": m.numerator_definition,
                    "denominator_definition": m.denominator_definition,
                    "scale_max": m.scale_max,
                    "sensitive": m.sensitive,
                    "order": order,
                    "chart_type": m.chart_type,
                },
            )
        for number, slug in enumerate(spec.team_lias, start=1):
            team, _ = Team.objects.update_or_create(
                collaborative=collab,
                lia=lias[slug],
                defaults={"code": f"T{number:02d}", "joined_on": start, "withdrawn_on": None},
            )
            leads[team.pk] = users[lead_people[slug].email]
            teams[spec.short_name, slug] = team

    wanted: list[dict[str, object]] = [
        {"user": users[FACULTY.email], "role": Role.COLLABORATIVE_ADMIN, "collaborative": c}
        for c in collaboratives.values()
    ]
    wanted.append({"user": users[OHIO_LEAD.email], "role": Role.AWARDEE_LEAD, "awardee": awardees["oh"]})
    wanted += [
        {"user": users[ADVISOR.email], "role": Role.ADVISOR, "team": teams[spec.short_name, slug]}
        for spec in COLLABORATIVES
        for slug in spec.advisor_lias
    ]
    wanted.append({"user": users[MEMBER.email], "role": Role.TEAM_MEMBER, "lia": lias[LEAD_LIA]})
    wanted += [
        {"user": users[person.email], "role": Role.CQI_LEAD, "lia": lias[slug]}
        for slug, person in lead_people.items()
    ]
    _sync_memberships(users, wanted)

    plans = {spec.short_name: _plan_collaborative(spec, data_months, today) for spec in COLLABORATIVES}
    _sync_chart_notes(collaboratives, teams, data_months)
    obs_created, obs_updated, obs_deleted = _sync_observations(teams, leads, measures, plans)
    rep_created, rep_updated, rep_deleted = _sync_reports(teams, leads, plans)

    return DemoSummary(
        today=today,
        due_month=due,
        collaboratives=len(collaboratives),
        awardees=len(awardees),
        lias=len(lias),
        teams=len(teams),
        users=len(users),
        observations=sum(len(p.cells) for p in plans.values()),
        reports=sum(len(p.reports) for p in plans.values()),
        observations_created=obs_created,
        observations_updated=obs_updated,
        observations_deleted=obs_deleted,
        reports_created=rep_created,
        reports_updated=rep_updated,
        reports_deleted=rep_deleted,
    )
