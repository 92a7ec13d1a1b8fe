"""Demo key driver diagrams and PDSA ramps, loaded by `seed_demo` after `measures.demo.load_demo`.

The SRR and IPV aims and primary drivers are the seeds' (000, 001) as `measures.demo` states them; the SRR
collaborative also gets the Joy in Work aim: the nine critical components of the IHI framework as primary
drivers, with the change ideas listed under each in the LC Session 1 worksheet (seed 004), worded exactly
as there (the Joy-in-Work worksheet looks them up by text). The seeds list no change ideas for SRR's or
IPV's own drivers, so IPV teams' cycles test changes outside the diagram.
"""

import datetime as dt
import random
from dataclasses import dataclass
from typing import Any, TypeVar

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Model
from django.utils import timezone

from collaboratives.joy_in_work import COMPONENTS
from collaboratives.models import Aim, ChangeIdea, Collaborative, Driver, Team
from measures.demo import ADVISOR, FACULTY, IPV, LEAD_LIA, LIAS, MEMBER, SRR
from measures.models import Measure
from pdsa.models import PDSACycle, PDSAReview

JOY_AIM = (
    "Joy in work: home visiting professionals experience joy in their work, as teams foster, restore and "
    "nurture well-being through the nine critical components of the IHI Framework for Improving Joy in Work."
)
JOY_IN_WORK: tuple[tuple[str, tuple[str, ...]], ...] = tuple((name, ideas) for _, name, ideas in COMPONENTS)


@dataclass(frozen=True)
class Step:
    """One cycle of a ramp: its scale, what happened and what the team decided."""

    title: str
    who: str
    when: str
    happened: str
    learned: str
    decision: str
    next_step: str


@dataclass(frozen=True)
class Ramp:
    """A change tested in growing cycles. `idea` is a Joy-in-Work change idea's text, or a change outside
    the diagram; `measure` is the code of the measure it is meant to move."""

    idea: str
    in_diagram: bool
    measure: str
    objective: str
    question: str
    prediction: str
    data: str
    steps: tuple[Step, ...]


SRR_RAMPS = (
    Ramp(
        "Use a check-in app on work issued phones to support home visitor’s safety in the field",
        True,
        "supported",
        "Home visitors feel safe in the field because someone knows where they are.",
        "Will home visitors check in and out of every visit with the app?",
        "At least 8 of 10 visits will have a check-in and a check-out.",
        "Check-ins and check-outs per visit from the app log; a one-question safety rating each Friday.",
        (
            Step(
                "Check-in app: one home visitor, one week",
                "One volunteer home visitor and her supervisor",
                "One week",
                "Checked in on 9 of 11 visits; forgot to check out twice.",
                "The app works; a reminder is needed at the end of a visit.",
                "adapt",
                "Add an automatic reminder 60 minutes after check-in.",
            ),
            Step(
                "Check-in app with reminder: three home visitors, two weeks",
                "Three home visitors",
                "Two weeks",
                "31 of 33 visits checked in and out; one rural area had no signal.",
                "Reminders fixed check-outs; offline areas need a text-message fallback.",
                "adapt",
                "Add a text-message fallback and test with the whole team.",
            ),
            Step(
                "Check-in app: whole team, one month",
                "All home visitors",
                "One month",
                "Used on 96% of visits; supervisors answered two late check-outs within minutes.",
                "Safety ratings rose from 3.1 to 4.2 of 5.",
                "adopt",
                "Write it into the field safety policy and new-hire orientation.",
            ),
        ),
    ),
    Ramp(
        "Use team meetings to share, recognize and celebrate individual and collective success",
        True,
        "supported",
        "Home visitors hear their successes named by peers and leaders.",
        "Does a five-minute “wins” round at the start of team meetings leave staff feeling recognized?",
        "Most staff will rate the meeting 4 or 5 for feeling recognized.",
        "A two-question card after each meeting: recognized (1–5), worth the time (yes/no).",
        (
            Step(
                "Wins round at one team meeting",
                "The supervisor and five home visitors",
                "One team meeting",
                "Everyone shared a win; the round took nine minutes.",
                "Staff liked it; it ran long.",
                "adapt",
                "Limit to one win each and a visible timer.",
            ),
            Step(
                "Timed wins round at four weekly meetings",
                "Whole team",
                "Four weeks",
                "Average recognition score 4.4; round took five to six minutes.",
                "Short and predictable works; remote staff joined by phone.",
                "adopt",
                "Keep it in every team meeting; rotate who leads it.",
            ),
        ),
    ),
    Ramp(
        "Offer peer mentorship for new home visitors",
        True,
        "reflective-supervision",
        "New home visitors have a named peer to ask everyday questions.",
        "Will a new home visitor and a mentor meet weekly for a month?",
        "They will meet at least three of four weeks and the new hire will feel less alone.",
        "Meetings held, and the new hire's answer to “I know who to ask” (1–5) at weeks 1 and 4.",
        (
            Step(
                "Peer mentor pair: one new home visitor, four weeks",
                "One new hire and one experienced visitor",
                "Four weeks",
                "Met three times; one week cancelled for a family crisis.",
                "“Who to ask” went from 2 to 4; the mentor needed protected time.",
                "adapt",
                "Protect 30 minutes a week for the mentor on the schedule.",
            ),
            Step(
                "Peer mentors with protected time: two pairs",
                "Two new hires and their mentors",
                "Six weeks",
                "Both pairs met every week.",
                "Protected time made it reliable; mentors asked for a guide.",
                "adapt",
                "Write a one-page mentor guide and test with the next hire.",
            ),
            Step(
                "Peer mentor guide with the next new hire",
                "The next new hire and a mentor",
                "Six weeks",
                "Met every week using the guide.",
                "The guide shortened onboarding questions to supervisors.",
                "adopt",
                "Make peer mentorship standard for every new hire.",
            ),
        ),
    ),
    Ramp(
        "Provide opportunities for regular feedback, including job satisfaction surveys",
        True,
        "work-life-balance",
        "Leaders learn monthly what gets in the way of a good day.",
        "Will staff answer a three-question pulse survey each month?",
        "At least 70% of staff will answer within a week.",
        "Response rate, and the number of issues raised and closed.",
        (
            Step(
                "Three-question pulse survey: one month",
                "All home visitors",
                "First week of the month",
                "12 of 14 answered; caseload size was the top issue.",
                "Staff answer when it is short; they want to see what happens next.",
                "adapt",
                "Share back the results and one action at the next meeting.",
            ),
            Step(
                "Pulse survey with a “you said, we did” share-back",
                "All home visitors",
                "Two months",
                "Response rose to 13 of 14; two issues closed.",
                "Closing the loop keeps staff answering.",
                "adopt",
                "Run it every month.",
            ),
        ),
    ),
    Ramp(
        "Create a physical or virtual board for home visitors to post accomplishments",
        True,
        "supported",
        "Home visitors see each other's accomplishments between team meetings.",
        "Will home visitors post accomplishments on a shared board without being asked?",
        "Each home visitor will post at least twice in a month.",
        "Posts per home visitor per week.",
        (
            Step(
                "Paper accomplishments board in the office",
                "All home visitors",
                "One month",
                "Five posts in a month; most visitors are rarely in the office.",
                "The idea is liked but the place is wrong.",
                "adapt",
                "Move the board to the team chat.",
            ),
            Step(
                "Virtual accomplishments board in the team chat",
                "All home visitors",
                "One month",
                "Three posts in a month, all by the supervisor.",
                "Staff prefer hearing wins in the meeting to posting them.",
                "abandon",
                "Stop the board; put the effort into the wins round at team meetings.",
            ),
        ),
    ),
)
IPV_RAMPS = (
    Ramp(
        "Role-play the IPV screening conversation in team meetings",
        False,
        "universal-education",
        "Home visitors feel ready to offer universal education about healthy relationships at every visit.",
        "Does a ten-minute role-play raise home visitors' confidence to start the conversation?",
        "Confidence ratings will rise by at least one point of five.",
        "Confidence (1–5) before and after; universal education documented at the next 20 visits.",
        (
            Step(
                "Screening role-play: one team meeting",
                "Supervisor and four home visitors",
                "One meeting",
                "Everyone practised once; two said the script felt stiff.",
                "Confidence rose from 2.8 to 3.6; the script needs plain words.",
                "adapt",
                "Rewrite the opening in the home visitors' own words.",
            ),
            Step(
                "Plain-language script role-play: two meetings",
                "Whole team",
                "Two meetings",
                "Universal education documented at 17 of 20 visits.",
                "The plain script sticks.",
                "adopt",
                "Add the role-play to onboarding and twice a year for all staff.",
            ),
        ),
    ),
    Ramp(
        "Warm hand-off to the community domestic violence advocate",
        False,
        "ease-of-linkage",
        "Caregivers who want support reach an advocate without having to make the first call alone.",
        "Can a home visitor make a three-way call with the advocate during the visit?",
        "Most caregivers offered a warm hand-off will accept it.",
        "Hand-offs offered, accepted and completed; caregiver's ease-of-linkage rating.",
        (
            Step(
                "Warm hand-off: one home visitor, two weeks",
                "One home visitor and the partner advocate",
                "Two weeks",
                "Two of three caregivers accepted; the advocate missed one call.",
                "A scheduled call window is needed.",
                "adapt",
                "Agree two daily call windows with the partner.",
            ),
            Step(
                "Warm hand-off with call windows: whole team",
                "All home visitors",
                "One month",
                "Seven of nine accepted and connected; ease-of-linkage rated 4.3 of 6.",
                "Call windows made hand-offs reliable.",
                "adopt",
                "Write it into the IPV referral protocol.",
            ),
        ),
    ),
    Ramp(
        "Follow-up call within seven days after supports are offered",
        False,
        "follow-up",
        "Every caregiver offered supports hears from their home visitor within a week.",
        "Will a calendar reminder get follow-up done within seven days?",
        "Nine of ten caregivers will be followed up within seven days.",
        "Days from offer to follow-up for each caregiver offered supports.",
        (
            Step(
                "Seven-day follow-up reminder: one home visitor",
                "One home visitor",
                "One month",
                "Followed up 4 of 5 within seven days.",
                "The reminder works when set at the visit.",
                "adapt",
                "Set the reminder before leaving the visit; test with three visitors.",
            ),
            Step(
                "Seven-day follow-up reminder: three home visitors",
                "Three home visitors",
                "One month",
                "Followed up 11 of 12 within seven days.",
                "Reliable; one missed during leave.",
                "adapt",
                "Add a covering visitor when someone is on leave.",
            ),
            Step(
                "Follow-up with leave cover: whole team",
                "All home visitors",
                "Two months",
                "Followed up 23 of 24 within seven days.",
                "Cover closed the gap.",
                "adopt",
                "Make it standard practice.",
            ),
        ),
    ),
)
CYCLE_LENGTH_WEEKS = 6
RNG_SEED = "coiin-demo-pdsa-2026"
M = TypeVar("M", bound=Model)


def _upsert(model: type[M], lookup: dict[str, Any], values: dict[str, Any]) -> M:
    """Create the row, or update it only where it differs: re-running writes (and records history) nothing."""
    obj = model._default_manager.filter(**lookup).first()
    if obj is None:
        obj = model(**lookup, **values)
        obj.save()
    elif any(getattr(obj, k) != v for k, v in values.items()):
        for k, v in values.items():
            setattr(obj, k, v)
        obj.save()
    return obj


def load_kdd(
    collaborative: Collaborative, primary_drivers: tuple[str, ...], extra: dict[int, tuple[str, Any]]
) -> int:
    """The diagram: aim 1's primary drivers as written, and `extra` aims (order → text, components with
    their change ideas). Returns the number of change ideas."""
    aim = Aim.objects.get(collaborative=collaborative, order=1)
    for order, text in enumerate(primary_drivers, start=1):
        _upsert(
            Driver,
            {"collaborative": collaborative, "aim": aim, "parent": None, "text": text},
            {"order": order},
        )
    ideas = 0
    for aim_order, (aim_text, components) in extra.items():
        extra_aim = _upsert(Aim, {"collaborative": collaborative, "order": aim_order}, {"text": aim_text})
        for order, (component, change_ideas) in enumerate(components, start=1):
            driver = _upsert(
                Driver,
                {"collaborative": collaborative, "aim": extra_aim, "parent": None, "text": component},
                {"order": order},
            )
            for idea_order, text in enumerate(change_ideas, start=1):
                _upsert(
                    ChangeIdea,
                    {"collaborative": collaborative, "driver": driver, "text": text.strip()},
                    {"order": idea_order},
                )
                ideas += 1
    return ideas


@dataclass(frozen=True)
class PDSADemoSummary:
    change_ideas: int
    cycles: int
    reviews: int
    waiting: int


@transaction.atomic
def load_pdsa_demo(*, today: dt.date) -> PDSADemoSummary:
    """The diagrams and 2–4 cycles per demo team (ramps, some done, some sent for review, most reviewed).

    Idempotent for the same `today`: cycles are keyed by team and title, reviews by cycle and position."""
    ideas = load_kdd(
        Collaborative.objects.get(short_name=SRR.short_name), SRR.primary_drivers, {2: (JOY_AIM, JOY_IN_WORK)}
    )
    ideas += load_kdd(Collaborative.objects.get(short_name=IPV.short_name), IPV.primary_drivers, {})
    users = {u.email: u for u in get_user_model().objects.filter(email__endswith="@demo.coiin")}
    lia_leads = {lia.slug: users[lia.lead_email] for lia in LIAS}
    lia_names = {lia.slug: lia.name for lia in LIAS}
    cycles = reviews = waiting = 0
    for spec, ramps in ((SRR, SRR_RAMPS), (IPV, IPV_RAMPS)):
        collaborative = Collaborative.objects.get(short_name=spec.short_name)
        measures = {m.code: m for m in Measure.objects.filter(collaborative=collaborative)}
        for index, slug in enumerate(spec.team_lias):
            team = Team.objects.get(collaborative=collaborative, lia__name=lia_names[slug])
            rng = random.Random(f"{RNG_SEED}-{spec.short_name}-{slug}")
            author = users[MEMBER.email] if slug == LEAD_LIA else lia_leads[slug]
            reviewer = users[ADVISOR.email] if slug in spec.advisor_lias else users[FACULTY.email]
            plan = _team_plan(ramps, index, rng, today)
            for cycle_spec in plan:
                n_reviews, n_waiting = _sync_cycle(team, author, reviewer, measures, cycle_spec, rng)
                cycles, reviews, waiting = cycles + 1, reviews + n_reviews, waiting + n_waiting
    return PDSADemoSummary(ideas, cycles, reviews, waiting)


@dataclass(frozen=True)
class _CycleSpec:
    ramp: Ramp
    step: int
    status: str
    start: dt.date
    submitted: bool


def _team_plan(ramps: tuple[Ramp, ...], index: int, rng: random.Random, today: dt.date) -> list[_CycleSpec]:
    """One ramp of two or three cycles (the last one still running for some teams), and for every other team
    the first cycle of a second ramp, planned to start next week. Ramp cycles start about six weeks apart."""
    ramp = ramps[index % len(ramps)]
    n = min(len(ramp.steps), 2 + rng.randint(0, 1))
    last_status = rng.choice(["done", "done", "studying", "doing"])
    second = ramps[(index + 1) % len(ramps)] if index % 2 == 0 else None
    # A ramp still running ended its last cycle lately; a finished one may have ended months ago.
    weeks_ago = rng.randint(0, 2) if last_status != "done" else rng.randint(2, 30)
    start = today - dt.timedelta(weeks=CYCLE_LENGTH_WEEKS * n + weeks_ago)
    plan = []
    for step in range(n):
        status = last_status if step == n - 1 else "done"
        plan.append(_CycleSpec(ramp, step, status, start, submitted=status in ("done", "studying")))
        start += dt.timedelta(weeks=CYCLE_LENGTH_WEEKS, days=rng.randint(-5, 5))
    if second is not None:
        plan.append(_CycleSpec(second, 0, "planning", today + dt.timedelta(days=7), submitted=False))
    return plan


def _sync_cycle(
    team: Team, author: Any, reviewer: Any, measures: dict[str, Measure], spec: _CycleSpec, rng: random.Random
) -> tuple[int, int]:
    ramp, step = spec.ramp, spec.ramp.steps[spec.step]
    order = ("planning", "doing", "studying", "done")
    reached = order.index(spec.status)
    end = spec.start + dt.timedelta(weeks=CYCLE_LENGTH_WEEKS - 1)
    idea = (
        ChangeIdea.objects.filter(collaborative=team.collaborative_id, text=ramp.idea).first()
        if ramp.in_diagram
        else None
    )
    previous = None
    if spec.step:
        previous = PDSACycle.objects.get(team=team, title=ramp.steps[spec.step - 1].title)
    values = {
        "change_idea": idea,
        "other_change_idea": "" if ramp.in_diagram else ramp.idea,
        "previous": previous,
        "status": spec.status,
        "objective": ramp.objective,
        "question": ramp.question,
        "prediction": ramp.prediction,
        "plan_who": step.who,
        "plan_what": step.title,
        "plan_where": team.lia.name,
        "plan_when": step.when,
        "data_to_collect": ramp.data,
        "planned_start": spec.start,
        "planned_end": end,
        "started_on": spec.start if reached >= 1 else None,
        "what_happened": step.happened if reached >= 2 else "",
        "observations": step.happened if reached >= 2 else "",
        "results_vs_prediction": step.learned if reached >= 3 else "",
        "learned": step.learned if reached >= 3 else "",
        "decision": step.decision if reached >= 3 else "",
        "next_step": step.next_step if reached >= 3 else "",
        "completed_on": end if reached == 3 else None,
        "created_by": author,
    }
    cycle = _upsert(PDSACycle, {"team": team, "title": step.title}, values)
    cycle.measures.set([measures[ramp.measure]] if ramp.measure in measures else [])
    wanted = []
    if spec.submitted:
        requested = timezone.make_aware(dt.datetime.combine(end + dt.timedelta(days=2), dt.time(10)))
        # The latest submission of about a third of the teams still waits in the queue.
        answered = spec.status == "done" or rng.random() < 0.4
        wanted.append((requested, answered))
    existing = list(cycle.reviews.order_by("requested_at", "id"))
    for stale in existing[len(wanted) :]:
        stale.delete()
    for position, (requested, answered) in enumerate(wanted):
        rubric = {name: (name != "small_scale" or spec.step > 0 or rng.random() < 0.7) for name in _RUBRIC}
        values = {
            "team": team,
            "requested_by": author,
            "requested_at": requested,
            "advisors_notified_at": requested,
            "reviewer": reviewer if answered else None,
            "reviewed_at": requested + dt.timedelta(days=4) if answered else None,
            "comment": _comment(step, rubric) if answered else "",
            "team_notified_at": requested + dt.timedelta(days=4) if answered else None,
            **(rubric if answered else dict.fromkeys(_RUBRIC)),
        }
        if position < len(existing):
            review = existing[position]
            if any(getattr(review, k) != v for k, v in values.items()):
                for k, v in values.items():
                    setattr(review, k, v)
                review.save()
        else:
            PDSAReview.objects.create(cycle=cycle, **values)
    return len(wanted), sum(1 for _, answered in wanted if not answered)


_RUBRIC = tuple(name for name, _ in PDSAReview.RUBRIC)


def _comment(step: Step, rubric: dict[str, bool]) -> str:
    if not rubric["small_scale"]:
        return (
            "Good prediction and data plan. Next time start smaller: one home visitor or one week is enough to "
            "learn whether the change works before asking more people to try it."
        )
    return (
        f"Clear prediction and a small test. You compared the results with your prediction and made an explicit "
        f"“{step.decision}” decision. Agreed next step: {step.next_step}"
    )
