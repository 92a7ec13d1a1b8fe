"""The demo referral network: a St. Louis-like coordinated intake network with 12 months of referrals.

Loaded by `seed_demo` with one call, `load(today=...)`. Idempotent: the network is rebuilt from
scratch, with the same random seed, so the same `today` gives the same referrals. Names of agencies
and people are invented; the four models' eligibility is illustrative (referrals/directory.py).
"""

import datetime as dt
import random
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from collaboratives import months
from collaboratives.models import LIA, Awardee, Collaborative, Membership, Role, Team
from measures.demo import DEMO_EMAIL_DOMAIN, DEMO_PASSWORD
from measures.models import Measure
from referrals import summary
from referrals.directory import ILLUSTRATIVE_RULES
from referrals.intake_measures import intake_measures_record
from referrals.models import (
    ContactAttempt,
    EligibilityRule,
    HomeVisitingModel,
    Location,
    Network,
    NetworkMembership,
    NetworkRole,
    Organization,
    Outcome,
    Program,
    Referral,
    ReferralEvent,
    Status,
)
from referrals.services import OUTCOME_STATUS, referral_create

NETWORK = "St. Louis Home Visiting Intake Network"
CITY_ZIPS = [
    "63101",
    "63104",
    "63106",
    "63107",
    "63108",
    "63110",
    "63111",
    "63113",
    "63115",
    "63118",
    "63120",
]
COUNTY_ZIPS = ["63031", "63033", "63121", "63130", "63135", "63136", "63137", "63138"]
HFA, NFP, PAT, EHS = (
    HomeVisitingModel.HFA,
    HomeVisitingModel.NFP,
    HomeVisitingModel.PAT,
    HomeVisitingModel.EHS,
)
# (agency, [(model, area, slots, capacity, languages)])
AGENCIES = [
    (
        "Northside Family Partners",
        [(HFA, CITY_ZIPS[:6], 4, 60, ["en"]), (PAT, CITY_ZIPS, 6, 80, ["en", "es"])],
    ),
    ("Gateway Nurse Home Visiting", [(NFP, CITY_ZIPS + COUNTY_ZIPS, 3, 100, ["en", "es"])]),
    ("North County Early Learning", [(EHS, COUNTY_ZIPS, 2, 48, ["en"]), (PAT, COUNTY_ZIPS, 5, 60, ["en"])]),
    ("Southside Parents Together", [(PAT, CITY_ZIPS[3:], 7, 70, ["en", "es", "bs"])]),
    ("Casa de Familias", [(HFA, CITY_ZIPS[3:], 2, 40, ["es", "en"])]),
    ("River City Head Start", [(EHS, CITY_ZIPS, 1, 72, ["en", "es"])]),
    ("Healthy Start St. Louis", [(HFA, COUNTY_ZIPS, 3, 50, ["en"])]),
    ("International Family Center", [(PAT, CITY_ZIPS[:8], 4, 45, ["ar", "vi", "en"])]),
    ("Mound City Home Visitors", [(HFA, CITY_ZIPS[5:] + COUNTY_ZIPS[:3], 2, 36, ["en"])]),
]
PARTNERS = [
    "Grand Avenue Community Clinic",
    "WIC office, North City",
    "Barnes Hospital social work",
    "Family Court services",
]
FIRST = [
    "Aaliyah",
    "Maria",
    "Jasmine",
    "Destiny",
    "Ana",
    "Keisha",
    "Amira",
    "Linh",
    "Emily",
    "Tanisha",
    "Lucia",
    "Hana",
]
LAST = [
    "Johnson",
    "Lopez",
    "Williams",
    "Brown",
    "Nguyen",
    "Hadzic",
    "Davis",
    "Garcia",
    "Jones",
    "Haddad",
    "Moore",
]


CQI = "St. Louis Coordinated Intake CQI"
# The network's shared measures (referrals/intake_measures.py): the platform records them.
INTAKE_MEASURES: list[dict[str, Any]] = [
    {"code": "intake-received", "name": "Referrals received", "kind": Measure.Kind.COUNT,
     "numerator_definition": "Referrals the intake hub sent to the agency's programs in the month"},
    {"code": "intake-contact-7d", "name": "Families contacted within 7 days of referral",
     "kind": Measure.Kind.PROPORTION, "goal": 90,
     "numerator_definition": "Of those, referrals with a first contact attempt within 7 days of being sent",
     "denominator_definition": "Referrals the intake hub sent to the agency's programs in the month"},
    {"code": "intake-enrol-30d", "name": "Families enrolled within 30 days of referral",
     "kind": Measure.Kind.PROPORTION,
     "numerator_definition": "Of those, referrals closed as enrolled within 30 days of being sent",
     "denominator_definition": "Referrals the intake hub sent to the agency's programs in the month"},
    {"code": "intake-days-to-contact", "name": "Median days to first contact", "kind": Measure.Kind.MEDIAN,
     "direction": Measure.Direction.DOWN, "goal": 3,
     "numerator_definition": "Whole days from a referral being sent to the program's first contact attempt "
                             "(0 is within 24 hours), for each referral sent in the month that was contacted"},
]  # fmt: skip


@dataclass(frozen=True)
class DemoPerson:
    email: str
    first: str
    role: str
    organization: str | None


PEOPLE = [
    DemoPerson(f"intake.hub@{DEMO_EMAIL_DOMAIN}", "Renee", NetworkRole.HUB_COORDINATOR, None),
    DemoPerson(f"network.admin@{DEMO_EMAIL_DOMAIN}", "Paul", NetworkRole.NETWORK_ADMIN, None),
    DemoPerson(
        f"intake.northside@{DEMO_EMAIL_DOMAIN}",
        "Tamika",
        NetworkRole.PROGRAM_STAFF,
        "Northside Family Partners",
    ),
    DemoPerson(
        f"intake.gateway@{DEMO_EMAIL_DOMAIN}",
        "Carol",
        NetworkRole.PROGRAM_STAFF,
        "Gateway Nurse Home Visiting",
    ),
    DemoPerson(
        f"referrals.clinic@{DEMO_EMAIL_DOMAIN}", "Omar", NetworkRole.PARTNER, "Grand Avenue Community Clinic"
    ),
]
DEMO_LOGINS = [
    (
        p.email,
        f"Referral network: {p.role.replace('_', ' ')}{f' at {p.organization}' if p.organization else ''}",
    )
    for p in PEOPLE
]


def _directory(network: Network) -> dict[str, Organization]:
    orgs = {
        "hub": Organization.objects.create(
            network=network, name="FLOURISH intake hub", kind="hub", phone="314-555-0100"
        )
    }
    for name, programs in AGENCIES:
        org = Organization.objects.create(network=network, name=name, kind="provider", phone="314-555-0111")
        orgs[name] = org
        for model, zips, slots, capacity, languages in programs:
            program = Program.objects.create(
                network=network, organization=org, name=f"{name}: {model.label}", model=model,
                service_zips=sorted(zips), languages=languages, open_slots=slots, capacity=capacity,
            )  # fmt: skip
            Location.objects.create(
                network=network,
                program=program,
                address="100 Main Street",
                city="St. Louis",
                zip_code=zips[0],
            )
            for rule in ILLUSTRATIVE_RULES[model]:
                EligibilityRule.objects.create(network=network, program=program, **rule)
    for name in PARTNERS:
        orgs[name] = Organization.objects.create(network=network, name=name, kind="partner")
    return orgs


def _people(network: Network, orgs: dict[str, Organization]) -> dict[str, Any]:
    users = {}
    password = make_password(DEMO_PASSWORD)
    for p in PEOPLE:
        users[p.email], _ = get_user_model().objects.update_or_create(
            username=p.email, defaults={"email": p.email, "first_name": p.first, "last_name": "Demo", "is_active": True, "password": password}
        )  # fmt: skip
        NetworkMembership.objects.create(
            user=users[p.email], network=network, role=p.role, organization=orgs[p.organization] if p.organization else None
        )  # fmt: skip
    return users


def _walk(
    rng: random.Random, referral: Referral, at: dt.datetime, now: dt.datetime, actors: dict[str, Any]
) -> None:
    """Move one referral along a plausible path, backdated, with its history and attempts."""
    events: list[ReferralEvent] = []
    fits = referral.presented_programs
    if not fits or rng.random() < 0.06:
        return  # still waiting for the hub, or nothing fits yet
    # Chosen by name, not from the presented order (shuffled by the referral's random public id), so
    # that the same seed and `today` walk the same referrals to the same programs on every load.
    program = rng.choice(
        list(Program.objects.unscoped(reason="demo").filter(public_id__in=fits).order_by("name"))
    )
    sent = at + dt.timedelta(hours=rng.randint(4, 72))
    if sent > now:
        return
    events += [ReferralEvent(referral=referral, at=sent, actor=actors["hub"], kind="chosen", program=program),
               ReferralEvent(referral=referral, at=sent, actor=actors["hub"], kind="sent", program=program)]  # fmt: skip
    fields: dict[str, Any] = {
        "chosen_program": program,
        "program": program,
        "sent_at": sent,
        "screened_at": sent,
    }
    status = Status.REQUESTED
    accept = sent + dt.timedelta(hours=rng.randint(2, 120))
    if accept < now:
        declined = rng.random() < 0.08
        status = Status.REJECTED if declined else Status.ACCEPTED
        events.append(ReferralEvent(referral=referral, at=accept, kind="status", from_status="requested", to_status=status,
                                    program=program, reason="No open slot" if declined else ""))  # fmt: skip
        if not declined:
            attempts = []
            t = accept
            for _ in range(rng.choice([1, 1, 2, 2, 3, 4])):
                t += dt.timedelta(hours=rng.expovariate(1 / 60))
                if t > now:
                    break
                attempts.append(
                    ContactAttempt(
                        referral=referral, at=t, method=rng.choice(["phone", "text"]), reached=False
                    )
                )
            if attempts:
                attempts[-1].reached = rng.random() < 0.85
                ContactAttempt.objects.bulk_create(attempts)
                fields["first_contact_at"] = attempts[0].at
                events.append(ReferralEvent(referral=referral, at=attempts[0].at, kind="status", from_status="accepted",
                                            to_status="in-progress", program=program))  # fmt: skip
                status = Status.IN_PROGRESS
                close = attempts[-1].at + dt.timedelta(days=rng.randint(1, 20))
                if close < now - dt.timedelta(days=3):
                    outcome = (Outcome.ENROLLED if attempts[-1].reached and rng.random() < 0.72
                               else Outcome.DECLINED_BY_FAMILY if attempts[-1].reached
                               else Outcome.UNABLE_TO_REACH if len(attempts) >= 2 else None)  # fmt: skip
                    if outcome:
                        status = OUTCOME_STATUS[outcome]
                        fields |= {"outcome": outcome, "closed_at": close}
                        events.append(ReferralEvent(referral=referral, at=close, kind="status", from_status="in-progress",
                                                    to_status=status, program=program, reason=outcome.label))  # fmt: skip
    ReferralEvent.objects.bulk_create(events)
    Referral.objects.unscoped(reason="demo").filter(id=referral.id).update(status=status, **fields)


@transaction.atomic
def load(*, today: dt.date) -> int:
    """Rebuild the demo network and its 12 months of referrals; returns how many referrals it holds."""
    old = Network.objects.unscoped(reason="demo reload").filter(name=NETWORK)
    Referral.objects.unscoped(reason="demo reload").filter(network__in=old).delete()
    old.delete()
    network = Network.objects.create(name=NETWORK)
    orgs = _directory(network)
    users = _people(network, orgs)
    actors = {"hub": users[PEOPLE[0].email]}
    rng = random.Random(24)  # noqa: S311 (demo data, not secrets)
    now = timezone.make_aware(dt.datetime.combine(today, dt.time(9)))
    partners = [orgs[name] for name in PARTNERS]
    count = 0
    for day in range(365, 0, -1):
        for _ in range(rng.choice([0, 1, 1, 1, 2])):
            at = now - dt.timedelta(days=day, hours=rng.randint(0, 10))
            pregnant = rng.random() < 0.6
            birth = None if pregnant else today - dt.timedelta(days=rng.randint(10, 1400))
            due = today + dt.timedelta(days=rng.randint(20, 250)) if pregnant else None
            by_partner = rng.random() < 0.45
            source = "partner" if by_partner else rng.choice(["family", "family", "hub"])
            partner = rng.choice(partners) if by_partner else None
            referral = referral_create(
                actor=None, network=network, source="hub" if by_partner else source, consent_scope="contact_and_needs",
                now=at, family_name=f"{rng.choice(FIRST)} {rng.choice(LAST)}", phone=f"314555{rng.randint(0, 9999):04d}",
                email=None, contact_time=rng.choice(["Mornings", "After 5 pm", "Any time", None]),
                zip_code=rng.choice(CITY_ZIPS + COUNTY_ZIPS), due_date=due and (due - dt.timedelta(days=day)),
                child_birth_date=birth and (birth - dt.timedelta(days=day)), first_time_parent=rng.choice([True, False, None]) if pregnant else False,
                income_below_poverty=rng.choice([True, False, None]), needs=rng.choice(["Breastfeeding", "Sleep", "Stress", None]),
                language=rng.choice(["en"] * 6 + ["es", "es", "ar", "bs"]),
            )  # fmt: skip
            if by_partner:
                Referral.objects.unscoped(reason="demo").filter(id=referral.id).update(
                    source="partner", source_organization=partner, created_by=users[PEOPLE[4].email] if partner == orgs[PARTNERS[0]] else None
                )  # fmt: skip
            _walk(rng, referral, at, now, actors)
            count += 1
    summary.rebuild(network.id)  # the walk backdates referrals by UPDATE, not through the services
    _cqi(network, orgs, users, today)
    return count


def _cqi(network: Network, orgs: dict[str, Organization], users: dict[str, Any], today: dt.date) -> None:
    """The agencies as CQI teams of the network's collaborative, each program linked to its agency's
    team, and each month's intake measures recorded as observations by the team's CQI lead through
    the service behind hand entry (months whose 7- or 30-day window is still open are left out)."""
    start = months.add(months.first_of(today), -12)
    collaborative, _ = Collaborative.objects.update_or_create(
        name=CQI,
        defaults={
            "short_name": "STL Intake CQI", "start_date": start, "end_date": months.add(start, 24),
            "topic": "Coordinated intake: families referred, contacted and enrolled without being lost",
            "description": "The St. Louis intake network's agencies improving how quickly families referred "
                           "through the hub are contacted and enrolled, with the network's shared measures.",
        },
    )  # fmt: skip
    network.collaborative = collaborative
    network.save(update_fields=["collaborative"])
    for i, measure in enumerate(INTAKE_MEASURES):
        Measure.objects.update_or_create(collaborative=collaborative, code=measure["code"], defaults=measure | {
            "recorded_by_platform": True, "data_source": f"The referral network ({network.name})", "order": i})  # fmt: skip
    missouri, _ = Awardee.objects.get_or_create(code="mo", defaults={"name": "Missouri"})
    leads = {
        "Northside Family Partners": users[PEOPLE[2].email],
        "Gateway Nurse Home Visiting": users[PEOPLE[3].email],
    }
    password = make_password(DEMO_PASSWORD)
    for i, (name, _) in enumerate(AGENCIES, start=1):
        lia, _ = LIA.objects.get_or_create(awardee=missouri, name=name, defaults={"city": "St. Louis"})
        team, _ = Team.objects.update_or_create(
            collaborative=collaborative, lia=lia, defaults={"code": f"S{i:02d}", "joined_on": start}
        )
        lead = leads.get(name)
        if lead is None:
            email = f"cqi.{name.split()[0].lower()}@{DEMO_EMAIL_DOMAIN}"
            lead, _ = get_user_model().objects.update_or_create(
                username=email, defaults={"email": email, "first_name": name.split()[0], "last_name": "Demo",
                                          "is_active": True, "password": password})  # fmt: skip
        Membership.objects.get_or_create(user=lead, role=Role.CQI_LEAD, lia=lia)
        Program.objects.unscoped(reason="demo").filter(organization=orgs[name]).update(team=team)
        for month in months.span(start, today):
            intake_measures_record(actor=lead, team=team, month=month, today=today)
