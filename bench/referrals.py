"""Referral network at scale: 100,000 referrals across 20 programs on PostgreSQL.

Run: `.venv/bin/python bench/referrals.py [--small]` from the repository root. It ERASES the database at
BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/coiin_bench_referrals; created if
missing), seeds the network with bulk inserts (personal fields encrypted as the app stores them) and
rebuilds the dashboard's monthly summary from them (the services keep it; bulk inserts bypass them), then
times in-process (Django's test client, no HTTP server) the hub queue and the network dashboard at a
tenth of the volume and at full volume (the same open backlog; the other nine tenths are closed
history, as a network accumulates), printing p50/p95 and SQL queries per page at both volumes
(the counts must match: no per-row queries), then FHIR referral creates per second through the API
with a partner's push token. Prints the load average: the machine is shared, figures are noisy.
"""

import datetime as dt
import os
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/coiin_bench_referrals")
os.environ["DATABASE_URL"] = URL
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coiin.settings_test")
os.environ["DEBUG"] = "false"
os.environ.setdefault("ALLOWED_HOSTS", "testserver")
SMALL = "--small" in sys.argv
TOTAL, PROGRAMS, REQUESTS, CREATES = (5_000, 20, 10, 20) if SMALL else (100_000, 20, 30, 200)


def _create_database() -> None:
    import psycopg

    name = URL.rsplit("/", 1)[1]
    with psycopg.connect(URL.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


_create_database()
import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402


def seed_network() -> tuple[Any, dict[str, Any], list[Any]]:
    from django.contrib.auth import get_user_model

    from referrals.directory import ILLUSTRATIVE_RULES
    from referrals.models import (
        EligibilityRule,
        HomeVisitingModel,
        Network,
        NetworkMembership,
        Organization,
        Program,
    )

    call_command("migrate", verbosity=0)
    call_command("flush", "--noinput", verbosity=0)
    network = Network.objects.create(name="Bench network")
    users = {r: get_user_model().objects.create(username=f"{r}@bench.example", email=f"{r}@bench.example")
             for r in ("hub", "admin", "partner")}  # fmt: skip
    partner = Organization.objects.create(network=network, name="Bench clinic", kind="partner")
    for key, role, org in (
        ("hub", "hub_coordinator", None),
        ("admin", "network_admin", None),
        ("partner", "partner", partner),
    ):
        NetworkMembership.objects.create(user=users[key], network=network, role=role, organization=org)
    models = [HomeVisitingModel.HFA, HomeVisitingModel.NFP, HomeVisitingModel.PAT, HomeVisitingModel.EHS]
    programs = []
    for i in range(PROGRAMS):
        agency = Organization.objects.create(network=network, name=f"Agency {i:02d}", kind="provider")
        model = models[i % 4]
        program = Program.objects.create(network=network, organization=agency, name=f"Program {i:02d}", model=model,
                                         service_zips=["63106", "63107"], languages=["en", "es"], open_slots=5, capacity=50)  # fmt: skip
        for rule in ILLUSTRATIVE_RULES[model]:
            EligibilityRule.objects.create(network=network, program=program, **rule)
        programs.append(program)
    return network, users, programs


def seed_referrals(network: Any, programs: list[Any], start: int, stop: int, *, history: bool) -> float:
    """Bulk insert referrals start..stop over the past year, in every state; returns seconds taken.

    `history`: closed referrals only (the years a network accumulates), created 60 to 365 days ago;
    otherwise every state over the past year. Only the name is stored (encrypted): the pages timed here never load personal fields, and
    encrypting ten fields per row would make the seeding, not the pages, the bench's cost."""
    from referrals.models import Outcome, Referral, Status

    rng = random.Random(start)
    now = timezone.now()
    t0 = time.perf_counter()
    batch = []
    for i in range(start, stop):
        created = now - dt.timedelta(minutes=rng.randint(60 * 24 * 60 if history else 0, 365 * 24 * 60))
        program = rng.choice(programs)
        sent = created + dt.timedelta(hours=rng.randint(1, 72))
        state = 0.3 + 0.7 * rng.random() if history else rng.random()
        fields: dict[str, Any] = {}
        if state < 0.1:
            status = Status.REQUESTED
            program = None
        elif state < 0.2:
            status, fields = Status.ACCEPTED, {}
        elif state < 0.3:
            status, fields = (
                Status.IN_PROGRESS,
                {"first_contact_at": sent + dt.timedelta(days=rng.randint(0, 12))},
            )
        else:
            contact = sent + dt.timedelta(days=rng.randint(0, 12))
            outcome = rng.choice(
                [Outcome.ENROLLED, Outcome.ENROLLED, Outcome.DECLINED_BY_FAMILY, Outcome.UNABLE_TO_REACH]
            )
            status = {Outcome.ENROLLED: Status.COMPLETED, Outcome.DECLINED_BY_FAMILY: Status.CANCELLED}.get(
                outcome, Status.FAILED
            )
            fields = {
                "first_contact_at": contact,
                "closed_at": contact + dt.timedelta(days=5),
                "outcome": outcome,
            }
        batch.append(Referral(
            reference_code=f"B{i:07d}"[:4] + "-" + f"B{i:07d}"[4:8] + "-" + f"{i % 10000:04d}", network=network,
            source=rng.choice(["family", "partner", "hub"]), created_at=created, consent_at=created,
            consent_scope="contact", family_name=f"Family {i}", language="en", status=status, program=program,
            chosen_program=program, sent_at=sent if program else None,
            presented_programs=[str(p.public_id) for p in programs[:4]], **fields,
        ))  # fmt: skip
        if len(batch) == 5000:
            Referral.objects.bulk_create(batch)
            batch = []
    Referral.objects.bulk_create(batch)
    return time.perf_counter() - t0


def summary_rebuild(network: Any) -> float:
    """The seeding bypasses the services, so the dashboard's summary is rebuilt (as after a migration);
    returns seconds taken."""
    from referrals.summary import rebuild

    t0 = time.perf_counter()
    rebuild(network.id)
    connection.cursor().execute("ANALYZE")
    return time.perf_counter() - t0


def timed(client: Client, url: str) -> tuple[float, float, int]:
    client.get(url)  # warm
    times = []
    for _ in range(REQUESTS):
        t0 = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    times.sort()
    return statistics.median(times), times[int(0.95 * (len(times) - 1))], len(queries)


def pages(network: Any, users: dict[str, Any]) -> dict[str, tuple[float, float, int]]:
    hub, admin = Client(), Client()
    hub.force_login(users["hub"])
    admin.force_login(users["admin"])
    return {
        "hub queue": timed(hub, f"/referrals/networks/{network.public_id}/queue/"),
        "network dashboard": timed(admin, f"/referrals/networks/{network.public_id}/dashboard/"),
    }


def fhir_creates(users: dict[str, Any]) -> float:
    from collaboratives.services import api_token_create
    from referrals.fhir import EXT

    token = api_token_create(actor=users["partner"], name="bench", scope="push", lifetime_days=30)[1]
    client = Client(headers={"Authorization": f"Bearer {token}"})
    due = (timezone.localdate() + dt.timedelta(days=120)).isoformat()
    patient = {"resourceType": "Patient", "name": [{"text": "Bench Family"}], "address": [{"postalCode": "63106"}],
               "telecom": [{"system": "phone", "value": ""}]}  # fmt: skip
    request = {"resourceType": "ServiceRequest", "status": "active", "intent": "order",
               "subject": {"reference": "Patient/p"},
               "extension": [{"url": EXT + "due-date", "valueDate": due},
                             {"url": EXT + "consent-scope", "valueCode": "contact"}]}  # fmt: skip
    task = {"resourceType": "Task", "status": "requested", "intent": "order"}
    body: dict[str, Any] = {"resourceType": "Bundle", "type": "transaction",
                            "entry": [{"resource": r} for r in (patient, request, task)]}  # fmt: skip
    t0 = time.perf_counter()
    for i in range(CREATES):
        body["entry"][0]["resource"]["telecom"][0]["value"] = f"314-556-{i:04d}"
        response = client.post("/api/v1/fhir/referrals/", body, content_type="application/json",
                               headers={"Idempotency-Key": f"bench-{i}"})  # fmt: skip
        assert response.status_code == 201, response.content
    return CREATES / (time.perf_counter() - t0)


def main() -> None:
    import logging

    from django.conf import settings

    logging.getLogger("coiin.audit").setLevel(logging.WARNING)  # one login line per client otherwise
    rates: Any = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    rates["api"] = "100000/minute"
    started = time.perf_counter()
    network, users, programs = seed_network()
    tenth = TOTAL // 10
    seconds = seed_referrals(network, programs, 0, tenth, history=False)
    rebuilt = summary_rebuild(network)
    small = pages(network, users)
    seconds += seed_referrals(network, programs, tenth, TOTAL, history=True)
    rebuilt = summary_rebuild(network)
    full = pages(network, users)
    from referrals.models import CLOSED, Referral

    still_open = Referral.objects.unscoped(reason="bench").exclude(status__in=CLOSED).count()
    rate = fhir_creates(users)
    print(
        f"referrals: {TOTAL:,} across {PROGRAMS} programs on {connection.vendor}; seeded in {seconds:.1f} s"
    )
    print(
        f"dashboard summary rebuilt from all {TOTAL:,} referrals in {rebuilt:.1f} s (manage.py referrals_summary_rebuild)"
    )
    print(
        f"open (the hub's backlog): {still_open:,} at both volumes; the other {TOTAL - tenth:,} are closed history"
    )
    for name in full:
        p50, p95, queries = full[name]
        print(f"{name:18}  at {TOTAL:>7,}: p50 {p50:6.1f} ms  p95 {p95:6.1f} ms  {queries} queries"
              f"   |  at {tenth:>6,}: p95 {small[name][1]:6.1f} ms  {small[name][2]} queries"
              f"   (target p95 <= 150 ms; {'met' if p95 <= 150 else 'NOT met'})")  # fmt: skip
    print(f"FHIR creates: {rate:.1f} referrals/s ({CREATES} Bundles through the API, one partner token)")
    print(
        f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}; total {time.perf_counter() - started:.0f} s"
    )


if __name__ == "__main__":
    main()
