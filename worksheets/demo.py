"""Demo worksheets for the SRR CoIIN of `measures.demo`: Joy in Work answers and Ohio's closing planner.

Miami Valley's team gets six personal Joy in Work worksheets (its CQI lead, the demo member and four
home visitors, some shared) so the roll-up shows, plus the team's own worksheet with a plan; Summit
County gets two, so its roll-up says how many more are needed. Ohio's closing planner is partly
filled. Every answer is invented, drawn from a fixed seed, and written through the services.
"""

import datetime as dt
import random
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction

from collaboratives import months
from collaboratives.models import Awardee, Collaborative, Membership, Role, Team
from measures.demo import DEMO_EMAIL_DOMAIN, LEAD_LIA, LIAS, MEMBER, OHIO_LEAD, SRR
from worksheets import definitions
from worksheets.answers import answers_clean
from worksheets.models import Worksheet
from worksheets.services import closing_planner_save, joy_worksheet_save, worksheet_template_current

RANDOM_SEED = "coiin-demo-worksheets"
HOME_VISITORS = (("Ana", "Lopez"), ("Beth", "Kramer"), ("Chris", "Odom"), ("Dee", "Patel"))
SUMMIT = "summit-county"

_REFLECTIONS = [
    "Camaraderie carries me through hard weeks; I feel least supported on safety in the field.",
    "I mentor newer home visitors and try to protect time for reflective supervision.",
    "Team huddles where we share wins are working: people mention them in check-ins.",
    "Real-time feedback: we rarely hear how staff feel until someone resigns.",
]
_MATTERS = [
    "A family reaching a goal they set themselves makes a good day.",
    "Paperwork after evening visits is the pebble in my shoe.",
    "I can lead our monthly recognition at the team meeting.",
    "The framework gives us words for what we already felt.",
]


def _lia_name(slug: str) -> str:
    return next(spec.name for spec in LIAS if spec.slug == slug)


def _home_visitor(first: str, last: str, team: Team) -> Any:
    """A respondent-only demo account (no password: it exists so the roll-up has enough people)."""
    User = get_user_model()
    email = f"{first.lower()}.{last.lower()}@{DEMO_EMAIL_DOMAIN}"
    user = User.objects.filter(username=email).first()
    if user is None:
        user = User(username=email, email=email, first_name=first, last_name=last)
        user.set_unusable_password()
        user.save()
    Membership.objects.get_or_create(user=user, role=Role.TEAM_MEMBER, lia=team.lia)
    return user


def _joy_answers(rng: random.Random, *, with_plan: bool) -> dict[str, Any]:
    weights = {"safety": (1, 2, 4), "measurement": (1, 2, 5), "camaraderie": (5, 2, 1)}
    answers: dict[str, Any] = {
        "reflect_resonate": rng.choice(_REFLECTIONS),
        "reflect_growth": rng.choice(_REFLECTIONS),
        "matters_joy": rng.choice(_MATTERS),
        "matters_impediments": rng.choice(_MATTERS),
    }
    for key, _, _ in definitions.JOY_COMPONENTS:
        answers[f"rating_{key}"] = rng.choices(definitions.RATINGS, weights=weights.get(key, (2, 3, 2)))[0]
    chosen = rng.sample(
        [c for c in definitions.JOY_COMPONENTS if c[0] in ("safety", "measurement", "wellness")], 2
    )
    answers["action_components"] = [name for _, name, _ in chosen]
    for key, _, ideas in chosen:
        answers[f"changes_{key}"] = rng.sample(ideas, min(2, len(ideas)))
    if with_plan:
        key, _, ideas = chosen[0]
        answers |= {
            "plan_change": answers[f"changes_{key}"][0],
            "plan_who": "Two home visitors and their supervisor",
            "plan_measure": "How safe visitors felt after each visit (1–5), collected weekly",
        }
    return answers


def _save_if_changed(existing: Worksheet | None, answers: dict[str, Any], shared: bool, save: Any) -> None:
    """Call the service only when the stored answers differ, so a rerun writes no rows and no history."""
    if existing is not None:
        cleaned = answers_clean(existing.template.definition, answers)
        if existing.answers == cleaned and existing.shared == shared:
            return
    save()


def _joy(team: Team, people: list[tuple[Any, bool]], rng: random.Random) -> None:
    for person, shared in people:
        answers = _joy_answers(rng, with_plan=False)
        existing = Worksheet.objects.filter(
            template__slug=definitions.JOY_IN_WORK, team=team, respondent=person
        ).first()
        _save_if_changed(
            existing,
            answers,
            shared,
            lambda p=person, a=answers, s=shared: joy_worksheet_save(actor=p, team=team, answers=a, shared=s),
        )


@transaction.atomic
def load(*, today: dt.date) -> None:
    """Create or refresh the demo worksheets. Run after `measures.demo.load_demo(today=today)`.

    Idempotent: the same `today` leaves exactly the same rows (a rerun saves nothing).
    """
    User = get_user_model()
    worksheet_template_current(slug=definitions.JOY_IN_WORK)
    worksheet_template_current(slug=definitions.CLOSING_PLANNER)
    srr = Collaborative.objects.get(short_name=SRR.short_name)
    miami = Team.objects.select_related("lia", "collaborative").get(
        collaborative=srr, lia__name=_lia_name(LEAD_LIA)
    )
    summit = Team.objects.select_related("lia", "collaborative").get(
        collaborative=srr, lia__name=_lia_name(SUMMIT)
    )
    lead = User.objects.get(username=next(s.lead_email for s in LIAS if s.slug == LEAD_LIA))
    member = User.objects.get(username=MEMBER.email)
    visitors = [_home_visitor(first, last, miami) for first, last in HOME_VISITORS]
    rng = random.Random(RANDOM_SEED)
    _joy(miami, [(lead, True), (member, True), *((v, i == 0) for i, v in enumerate(visitors))], rng)
    summit_lead = User.objects.get(username=next(s.lead_email for s in LIAS if s.slug == SUMMIT))
    summit_visitor = _home_visitor("Eli", "Grant", summit)
    _joy(summit, [(summit_lead, True), (summit_visitor, False)], rng)

    start = months.add(months.first_of(today), 2)
    team_answers = _joy_answers(rng, with_plan=True) | {
        "plan_start": start.isoformat(),
        "plan_end": start.replace(day=28).isoformat(),
    }
    _save_if_changed(
        Worksheet.objects.filter(template__slug=definitions.JOY_IN_WORK, team=miami, respondent=None).first(),
        team_answers,
        False,
        lambda: joy_worksheet_save(actor=lead, team=miami, answers=team_answers, for_team=True),
    )

    ohio = Awardee.objects.get(code="oh")
    ohio_lead = User.objects.get(username=OHIO_LEAD.email)
    planner_answers = {
        "p1_confidence": "Yes for most measures: three of our four teams reported every month. Summit County "
        "missed two months during staff turnover.",
        "p1_satisfied": "Mostly. We would like every team above the goal for home visitors always feeling "
        "supported to manage their work.",
        "p1_messages": "Teams that protected an hour a month for reflective supervision saw more of their home "
        "visitors say they always feel supported.",
        "p1_activities": definitions.DISSEMINATION[:3],
        "p2_support": definitions.SUPPORT[:2],
        "sus_hardwiring": definitions.SUSTAINABILITY[0][2][:2],
        "sus_hardwiring_next": "Add protected reflective supervision time to the state home visiting manual by "
        "next spring.",
        "p3_new_sites": 5,
        "bts_1": "Met",
        "bts_2": "Somewhat",
        "bts_2_next": "Ask the four new LIAs in the north-west region whether they can join in the fall.",
        "bts_2_who": OHIO_LEAD.first_name + " " + OHIO_LEAD.last_name,
    }
    _save_if_changed(
        Worksheet.objects.filter(
            template__slug=definitions.CLOSING_PLANNER, collaborative=srr, awardee=ohio
        ).first(),
        planner_answers,
        False,
        lambda: closing_planner_save(
            actor=ohio_lead, collaborative=srr, awardee=ohio, answers=planner_answers
        ),
    )
