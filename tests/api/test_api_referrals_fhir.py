"""FHIR referral create and Task read, the HSDS directory, and schemathesis over the three operations."""

import copy
import datetime as dt
import json

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from django.utils import timezone
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings

from referrals import fhir, services
from referrals.models import FhirCreate, Referral, ReferralEvent
from tests.api.test_schema import CHECKS, _keeping_the_test_connection, _schema
from tests.referrals.network import build_network, people


@pytest.fixture
def net(db):
    return build_network(**people())


def bundle(**changes):
    due = (timezone.localdate() + dt.timedelta(days=120)).isoformat()
    data = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {
                "resource": {
                    "resourceType": "Patient",
                    "id": "p1",
                    "name": [{"given": ["Ana"], "family": "Ruiz"}],
                    "telecom": [{"system": "phone", "value": "314-555-0190"}],
                    "address": [{"postalCode": "63107"}],
                    "communication": [
                        {"language": {"coding": [{"system": "urn:ietf:bcp:47", "code": "es"}]}}
                    ],
                },
                "request": {"method": "POST", "url": "Patient"},
            },
            {
                "resource": {
                    "resourceType": "ServiceRequest",
                    "status": "active",
                    "intent": "order",
                    "subject": {"reference": "Patient/p1"},
                    "code": {"text": "Home visiting"},
                    "note": [{"text": "New to the city"}],
                    "extension": [
                        {"url": fhir.EXT + "due-date", "valueDate": due},
                        {"url": fhir.EXT + "first-time-parent", "valueBoolean": True},
                        {"url": fhir.EXT + "consent-scope", "valueCode": "contact_and_needs"},
                    ],
                },
                "request": {"method": "POST", "url": "ServiceRequest"},
            },
            {
                "resource": {"resourceType": "Task", "status": "requested", "intent": "order"},
                "request": {"method": "POST", "url": "Task"},
            },
        ],
    }
    for path, value in changes.items():
        node = data
        *parents, last = path.split("/")
        for p in parents:
            node = node[int(p) if p.isdigit() else p]
        if last.isdigit() and int(last) == len(node):
            node.append(value)
        else:
            node[int(last) if last.isdigit() else last] = value
    return data


def _post(client, body, key="k-1"):
    return client.post("/api/v1/fhir/referrals/", body, format="json", headers={"Idempotency-Key": key})


def _nothing_saved():
    return (
        Referral.objects.unscoped(reason="test").count(),
        ReferralEvent.objects.unscoped(reason="test").count(),
    )


def test_fhir_round_trip_creates_a_referral_and_its_task_reads_back_its_status(api_as, net):
    created = _post(api_as(net.partner, "push"), bundle())
    assert created.status_code == 201, created.content
    task = created.json()
    referral = Referral.objects.unscoped(reason="test").get()
    assert (referral.family_name, referral.phone, referral.zip_code, referral.language) == (
        "Ana Ruiz",
        "314-555-0190",
        "63107",
        "es",
    )
    assert (referral.source, referral.source_organization, referral.needs) == (
        "api",
        net.partner_org,
        "New to the city",
    )
    assert task == {
        "resourceType": "Task",
        "id": str(referral.public_id),
        "identifier": [{"system": fhir.EXT + "reference-code", "value": referral.reference_code}],
        "status": "requested",
        "intent": "order",
        "focus": {"reference": f"ServiceRequest/{referral.public_id}"},
        "authoredOn": referral.created_at.isoformat(),
    }
    services.referral_choose(actor=net.hub, referral=referral, program=net.programs["pat"])
    services.referral_send(actor=net.hub, referral=referral)
    reader = api_as(net.partner, "read")
    services.referral_accept(actor=net.staff_pat, referral=referral)
    services.referral_close(actor=net.staff_pat, referral=referral, outcome="enrolled")
    read = reader.get(f"/api/v1/fhir/Task/{referral.public_id}/").json()
    assert (read["status"], read["businessStatus"]["coding"][0]["code"]) == ("completed", "enrolled")
    assert "Ana" not in json.dumps(read)


def test_a_replayed_create_returns_the_same_task_and_a_reused_key_with_another_body_is_refused(api_as, net):
    client = api_as(net.partner, "push")
    first = _post(client, bundle())
    again = _post(client, bundle())
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == again.json()
    other = _post(client, bundle(**{"entry/0/resource/name": [{"text": "Someone Else"}]}))
    assert other.status_code == 400
    assert other.json()["errors"][0]["field"] == "Idempotency-Key"
    assert Referral.objects.unscoped(reason="test").count() == 1
    assert FhirCreate.objects.unscoped(reason="test").count() == 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"entry/1/resource/extension/0/valueDate": "2020-01-01"}, "ServiceRequest.extension.due-date"),
        (
            {"entry/1/resource/extension/0/valueDate": "2026-02-30"},
            "Bundle.entry.1.resource.extension.0.valueDate",
        ),
        ({"entry/0/resource/communication/0/language/coding/0/code": "xx"}, "Patient.communication.language"),
        ({"entry/1/resource/extension/2/valueCode": "everything"}, "ServiceRequest.extension.consent-scope"),
        ({"entry/1/resource/note/0/text": "x" * 5000}, "ServiceRequest.note"),
        ({"entry/0/resource/address/0/postalCode": "631"}, "Patient.address.postalCode"),
        ({"entry/2/resource/status": "completed"}, "Task.status"),
        ({"entry/2/resource/status": "bogus"}, "Task.status"),
        ({"entry/0/resource/birthDate": "1990-13-01"}, "Bundle.entry.0.resource.birthDate"),
        (
            {"entry/3": {"resource": {"resourceType": "Task", "status": "requested", "intent": "order"}}},
            "Bundle.entry.Task",
        ),
        # Expecting, with a child already born, yet "first-time parent": a contradiction.
        (
            {
                "entry/1/resource/extension/3": {
                    "url": fhir.EXT + "child-birth-date",
                    "valueDate": "2025-05-01",
                }
            },
            "ServiceRequest.extension.first-time-parent",
        ),
    ],
)
def test_bad_input_names_the_fhir_element_and_saves_nothing(api_as, net, changes, field):
    body = bundle(**changes)
    response = _post(api_as(net.partner, "push"), body)
    assert response.status_code == 400, response.content
    fields = {e["field"] for e in response.json()["errors"]}
    assert any(f.startswith(field) for f in fields), fields
    assert _nothing_saved() == (0, 0)


def test_the_purge_drops_the_idempotency_record_with_the_personal_data(api_as, net):
    assert _post(api_as(net.partner, "push"), bundle()).status_code == 201
    referral = Referral.objects.unscoped(reason="test").get()
    services.referral_cancel(actor=net.hub, referral=referral, reason="Duplicate")
    later = timezone.now() + dt.timedelta(days=net.network.purge_after_days + 1)
    assert services.referrals_purge(now=later) == 1
    assert FhirCreate.objects.unscoped(reason="test").count() == 0


def test_a_missing_idempotency_key_is_named(api_as, net):
    response = api_as(net.partner, "push").post("/api/v1/fhir/referrals/", bundle(), format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "Idempotency-Key"


def test_a_read_token_cannot_create_and_a_non_partner_token_is_refused(api_as, net):
    assert _post(api_as(net.partner, "read"), bundle()).status_code == 403
    assert _post(api_as(net.hub, "push"), bundle()).status_code == 403
    assert _nothing_saved() == (0, 0)


def test_a_partner_reads_only_its_own_referrals_tasks(api_as, net):
    family_made = services.referral_create(
        actor=None, network=net.network, source="family", consent_scope="contact",
        **{"family_name": "Lia", "phone": "3145550155", "zip_code": "63106", "language": "en",
           "due_date": timezone.localdate() + dt.timedelta(days=60)},
    )  # fmt: skip
    assert api_as(net.partner).get(f"/api/v1/fhir/Task/{family_made.public_id}/").status_code == 404
    assert api_as(net.hub).get(f"/api/v1/fhir/Task/{family_made.public_id}/").status_code == 200


def test_the_hsds_directory_lists_organizations_services_and_areas(api_as, net):
    body = api_as(net.partner).get(f"/api/v1/hsds/networks/{net.network.public_id}/").json()
    assert body["hsds_version"] == "3.0"
    services_ = [s for org in body["organizations"] for s in org["services"]]
    assert sorted(s["name"] for s in services_) == sorted(p.name for p in net.programs.values())
    hfa = next(s for s in services_ if s["id"] == str(net.programs["hfa"].public_id))
    assert (
        hfa["eligibility_description"] == "Is pregnant is yes or Youngest child's age in months is at most 2"
    )
    assert hfa["service_areas"][0]["extent"] == "63106,63107,63113"
    assert [lang["code"] for lang in hfa["languages"]] == ["en", "es"]
    assert hfa["capacities"][0]["available"] == 5


@pytest.mark.parametrize("who", ["partner", "hub"])
def test_schemathesis_over_the_referral_operations(client, settings, net, token_for, who):
    settings.ALLOWED_HOSTS = ["testserver", "localhost"]
    token = token_for(getattr(net, who), "push")
    schema = schemathesis.openapi.from_dict(_schema(client, token))
    schema.app = get_wsgi_application()
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": f"st-{who}"}
    ours = [
        r.ok() for r in schema.get_all_operations()
        if r.ok().path.startswith(("/api/v1/fhir/", "/api/v1/hsds/"))
    ]  # fmt: skip
    assert len(ours) == 3
    known = {
        "POST /api/v1/fhir/referrals/": [{"body": copy.deepcopy(bundle()), "media_type": "application/json"}],
        "GET /api/v1/hsds/networks/{public_id}/": [
            {"path_parameters": {"public_id": str(net.network.public_id)}}
        ],
    }
    statuses = []
    with _keeping_the_test_connection():
        for operation in ours:
            for params in known.get(operation.label, []):
                case = operation.Case(**params)
                response = case.call(headers=headers)
                case.validate_response(response, checks=CHECKS)
                statuses.append((operation.label, response.status_code))

            @given(case=operation.as_strategy())
            @hypothesis_settings(
                max_examples=8, deadline=None, derandomize=True, database=None,
                phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck),
            )  # fmt: skip
            def run(case: schemathesis.Case) -> None:
                case.validate_response(case.call(headers=headers), checks=CHECKS)

            run()
    expected = {"partner": [201, 200], "hub": [403, 200]}[who]
    assert [s for _, s in statuses] == expected, statuses
