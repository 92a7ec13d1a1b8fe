"""A small referral network for tests: a hub, four agencies (one program of each model), a partner."""

import datetime as dt
from types import SimpleNamespace
from typing import Any

from django.utils import timezone

from referrals.directory import ILLUSTRATIVE_RULES
from referrals.models import (
    EligibilityRule,
    HomeVisitingModel,
    Network,
    NetworkMembership,
    NetworkRole,
    Organization,
    Program,
)
from referrals.services import referral_create
from tests.factories import UserFactory

ZIPS = ["63106", "63107", "63113"]


def build_network(name: str = "St. Louis Home Visiting Network", **people: Any) -> SimpleNamespace:
    """The network; `people` maps a role name (hub, staff_hfa, staff_pat, partner, admin) to a user."""
    network = Network.objects.create(name=name)
    org = Organization.objects.create
    hub = org(network=network, name=f"{name} hub", kind=Organization.Kind.HUB)
    partner = org(network=network, name=f"{name} clinic", kind=Organization.Kind.PARTNER)
    programs = {}
    for model in (HomeVisitingModel.HFA, HomeVisitingModel.NFP, HomeVisitingModel.PAT, HomeVisitingModel.EHS):
        agency = org(network=network, name=f"{name} {model.label} agency", kind=Organization.Kind.PROVIDER)
        program = Program.objects.create(
            network=network,
            organization=agency,
            name=f"{model.label} ({name[:10]})",
            model=model,
            service_zips=ZIPS,
            languages=["en", "es"],
            open_slots=5,
            capacity=40,
        )
        for rule in ILLUSTRATIVE_RULES[model]:
            EligibilityRule.objects.create(network=network, program=program, **rule)
        programs[model.value] = program
    ns = SimpleNamespace(network=network, hub_org=hub, partner_org=partner, programs=programs)
    roles = {
        "hub": (NetworkRole.HUB_COORDINATOR, None),
        "admin": (NetworkRole.NETWORK_ADMIN, None),
        "partner": (NetworkRole.PARTNER, partner),
        "staff_hfa": (NetworkRole.PROGRAM_STAFF, programs["hfa"].organization),
        "staff_pat": (NetworkRole.PROGRAM_STAFF, programs["pat"].organization),
    }
    for key, user in people.items():
        role, organization = roles[key]
        NetworkMembership.objects.create(user=user, network=network, role=role, organization=organization)
        setattr(ns, key, user)
    return ns


def family(**overrides: Any) -> dict[str, Any]:
    """A family's answers: pregnant (due in 3 months), first child, in the area."""
    today = timezone.localdate()
    return {
        "family_name": "Maria Lopez",
        "phone": "(314) 555-0142",
        "email": None,
        "contact_time": "Weekday evenings",
        "zip_code": "63106",
        "due_date": today + dt.timedelta(days=90),
        "child_birth_date": None,
        "first_time_parent": True,
        "income_below_poverty": None,
        "needs": "Breastfeeding and sleep",
        "language": "es",
    } | overrides


def self_referral(ns: SimpleNamespace, **overrides: Any) -> Any:
    return referral_create(
        actor=None,
        network=ns.network,
        source="family",
        consent_scope="contact_and_needs",
        **family(**overrides),
    )


def people() -> dict[str, Any]:
    return {
        k: UserFactory(username=f"{k}@net.example.org")
        for k in ("hub", "admin", "partner", "staff_hfa", "staff_pat")
    }
