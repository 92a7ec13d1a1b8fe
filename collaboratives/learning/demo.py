"""Demo learning calendar, library, announcement and training plan for the SRR CoIIN, loaded by
`seed_demo` after the collaboratives, people, diagrams and monthly data exist.

Everything goes through the services, so the engagement and training measures are recorded as they
would be in use. Attendance and training histories are invented but deterministic (a hash of the team
and the date decides), so the same `today` gives the same rows. A collaborative that already has
events is left alone.
"""

import datetime as dt
import hashlib
from typing import Any

from dateutil.relativedelta import relativedelta
from django.db import transaction

from collaboratives import months
from collaboratives.learning import services, training
from collaboratives.learning.recurrence import Repeat
from collaboratives.learning.selectors import event_invited_teams
from collaboratives.models import (
    ChangeIdea,
    Collaborative,
    Event,
    Membership,
    Role,
    StaffRole,
    Team,
    TrainingTopic,
)

STAFF_NAMES = [
    "Maria Lopez", "Jasmine Carter", "Aisha Bello", "Hannah Meyer", "Rosa Jimenez", "Kendra Wallace",
    "Lena Novak", "Grace Kim", "Tamika Brooks", "Olivia Hart", "Fatima Noor", "Beth Sorensen",
]  # fmt: skip
REQUIRED = [  # (topic, role, renewal months)
    ("Motivational interviewing", StaffRole.HOME_VISITOR, 24),
    ("Safe sleep", StaffRole.HOME_VISITOR, 12),
    ("Mandated reporting", StaffRole.HOME_VISITOR, 12),
    ("Trauma-informed care", StaffRole.HOME_VISITOR, 36),
    ("Mandated reporting", StaffRole.SUPERVISOR, 12),
    ("Self-care", StaffRole.SUPERVISOR, None),
]


def _chance(*parts: object) -> int:
    """A number 0–99 fixed by its parts: the demo's stand-in for chance."""
    return int(hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:8], 16) % 100


def _admin(collaborative: Collaborative) -> Any:
    return (
        Membership.objects.unscoped(reason="the demo acts as the collaborative's admin")
        .get(role=Role.COLLABORATIVE_ADMIN, collaborative=collaborative, user__email__startswith="faculty@")
        .user
    )


def _lead(team: Team) -> Any:
    return (
        Membership.objects.unscoped(reason="the demo acts as the team's CQI lead")
        .filter(role=Role.CQI_LEAD, lia=team.lia_id)
        .order_by("id")[0]
        .user
    )


def _library(admin: Any, srr: Collaborative) -> list[Any]:
    ideas = list(
        ChangeIdea.objects.unscoped(reason="demo").filter(collaborative=srr).select_related("driver")
    )
    tag = ideas[:2]
    return [
        services.resource_add(
            actor=admin, collaborative=srr, kind="toolkit", title="Parent Leadership in CQI Toolkit",
            description="Build LIAs' capacity to partner with parents to co-create solutions, at state and local levels.",
            url="https://example.org/hv-coiin/parent-leadership-toolkit",
        ),
        services.resource_add(
            actor=admin, collaborative=srr, kind="change_package", title="SRR change package",
            description="Tested change ideas for staff recruitment and retention, by primary driver.",
            filename="srr-change-package.txt",
            content="\n".join(f"{i.driver.text}: {i.text}" for i in ideas).encode() or b"SRR change package",
            change_ideas=ideas,
        ),
        services.resource_add(
            actor=admin, collaborative=srr, kind="curriculum", title="Breakthrough Series virtual curriculum",
            description="The content of the 3-day BTS College: the Model for Improvement, PDSA cycles, run charts.",
            url="https://example.org/hv-coiin/bts-virtual-curriculum",
        ),
        services.resource_add(
            actor=admin, collaborative=srr, kind="recording", title="Reflective supervision: action-period call recording",
            description="Faculty on reflective supervision that motivates home visitors.",
            url="https://example.org/hv-coiin/recordings/reflective-supervision", change_ideas=tag,
        ),
    ]  # fmt: skip


def _calendar(
    admin: Any, srr: Collaborative, today: dt.date, materials: list[Any], mi: TrainingTopic
) -> None:
    first = months.add(months.first_of(srr.start_date), 1)
    count = months.between(first, today) + 3  # to two months ahead

    def second_weekday(month: dt.date, weekday: int, nth: int) -> dt.date:
        day = month + dt.timedelta(days=(weekday - month.weekday()) % 7)
        return day + dt.timedelta(weeks=nth - 1)

    services.event_schedule(
        actor=admin,
        collaborative=srr,
        kind=Event.Kind.ACTION_PERIOD_CALL,
        title="SRR action-period call",
        date=second_weekday(first, 1, 2),
        start_time=dt.time(15),
        end_time=dt.time(16),
        time_zone="America/New_York",
        join_url="https://meet.example.org/srr-action-period",
        agenda="Wins and successes\nFaculty: this month's change ideas\nTeams share PDSA cycles and run charts",
        materials=materials[1:2],
        repeat=Repeat.MONTHLY_WEEKDAY,
        count=count,
    )
    services.event_schedule(
        actor=admin,
        collaborative=srr,
        kind=Event.Kind.COMMUNITY_OF_PRACTICE,
        title="CQI leads' community of practice",
        date=second_weekday(first, 3, 4),
        start_time=dt.time(13),
        end_time=dt.time(14),
        time_zone="America/Chicago",
        join_url="https://meet.example.org/srr-cop",
        agenda="Peer connections for CQI leads; roles and expectations",
        repeat=Repeat.MONTHLY_WEEKDAY,
        count=count,
    )
    for n, offset in enumerate((0, 6, 12), start=1):
        services.event_schedule(
            actor=admin,
            collaborative=srr,
            kind=Event.Kind.LEARNING_SESSION,
            title=f"Learning Session {n}",
            date=second_weekday(months.add(first, offset), 2, 3),
            start_time=dt.time(10),
            end_time=dt.time(16),
            time_zone="America/New_York",
            place="Columbus, Ohio, and online",
            join_url="https://meet.example.org/srr-learning-session",
            materials=materials[2:3],
        )
    services.event_schedule(
        actor=admin,
        collaborative=srr,
        kind=Event.Kind.TRAINING,
        title="Motivational interviewing refresher",
        date=today - dt.timedelta(days=10),
        start_time=dt.time(9),
        end_time=dt.time(12),
        time_zone="America/New_York",
        join_url="https://meet.example.org/srr-mi",
        training_topic=mi,
    )
    ohio = srr.teams.filter(lia__awardee__code="oh").first()
    if ohio is not None:
        services.event_schedule(
            actor=admin,
            collaborative=srr,
            awardee=ohio.lia.awardee,
            kind=Event.Kind.OFFICE_HOURS,
            title="Ohio data office hours",
            date=today + dt.timedelta(days=1),
            start_time=dt.time(12),
            end_time=dt.time(13),
            time_zone="America/New_York",
            join_url="https://meet.example.org/oh-office-hours",
        )


def _attendance(admin: Any, srr: Collaborative, today: dt.date) -> None:
    past = Event.objects.unscoped(reason="demo").filter(
        collaborative=srr, ends_at__date__lt=today, training_topic__isnull=True
    )
    for event in past:
        teams = [t for t in event_invited_teams(event) if _chance(t.code, event.starts_at.date()) < 78]
        services.event_attendance_record(actor=admin, event=event, teams=teams)


def _training(admin: Any, srr: Collaborative, today: dt.date) -> None:
    training.training_topics_seed(actor=admin, collaborative=srr)
    topics = {t.name: t for t in TrainingTopic.objects.unscoped(reason="demo").filter(collaborative=srr)}
    for name, role, renewal in REQUIRED:
        training.training_requirement_set(
            actor=admin, topic=topics[name], role=role, required=True, renewal_months=renewal, today=today
        )
    for t_index, team in enumerate(srr.teams.filter(withdrawn_on__isnull=True).order_by("code")):
        lead = _lead(team)
        names = [STAFF_NAMES[(t_index * 5 + i) % len(STAFF_NAMES)] for i in range(5)]
        staff = [
            training.staff_member_add(
                actor=lead, team=team, name=name, role=StaffRole.HOME_VISITOR, today=today
            )
            for name in names[:4]
        ] + [
            training.staff_member_add(
                actor=lead, team=team, name=names[4], role=StaffRole.SUPERVISOR, today=today
            )
        ]
        for person in staff:
            for name, role, _renewal in REQUIRED:
                roll = _chance(team.code, person.name, name)
                if role != person.role or roll < 12:
                    continue  # about one in eight has not done it yet
                # Completed between 1 and 30 months ago: some expired, some about to.
                done = today - relativedelta(months=1 + roll % 30) - dt.timedelta(days=roll % 20)
                training.training_completion_record(
                    actor=lead, team=team, staff=[person], topic=topics[name], completed_on=done, today=today
                )
        for back in range(11, 0, -1):  # the past year's monthly figures, as of each month's last day
            month_end = months.add(months.first_of(today), 1 - back) - dt.timedelta(days=1)
            if month_end >= srr.start_date:
                training.training_figures_restate(team=team, on=month_end)


@transaction.atomic
def load_learning_demo(*, today: dt.date) -> str:
    """The SRR CoIIN's calendar, attendance, library, an announcement and training plan; returns a summary."""
    srr = Collaborative.objects.get(short_name="SRR CoIIN")
    if Event.objects.unscoped(reason="demo").filter(collaborative=srr).exists():
        return "Learning calendar: already loaded."
    admin = _admin(srr)
    materials = _library(admin, srr)
    training.training_topics_seed(actor=admin, collaborative=srr)
    mi = TrainingTopic.objects.unscoped(reason="demo").get(
        collaborative=srr, name="Motivational interviewing"
    )
    _calendar(admin, srr, today, materials, mi)
    _attendance(admin, srr, today)
    _training(admin, srr, today)
    services.announcement_send(
        actor=admin,
        collaborative=srr,
        title="Learning Session 3 materials are in the library",
        body="Slides and the change package are in the resource library. Please bring one PDSA cycle to share.",
    )
    events = Event.objects.unscoped(reason="demo").filter(collaborative=srr).count()
    return f"Learning calendar: {events} SRR events with attendance, 4 library resources, a training plan."
