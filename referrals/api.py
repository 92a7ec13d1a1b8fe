"""The referral network's REST API: FHIR R4 referral create and Task read, and the HSDS 3.0 directory.

Token scopes: a read token reads Tasks the owner may see (a partner: its own referrals) and the
directory; creating a referral needs a token with the push scope, owned by a referral partner.
"""

import hashlib
import json
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from coiin.api import JSONRenderer, PrivateResponses
from referrals import access, fhir, selectors, services
from referrals.models import Network, NetworkRole, Organization, Status

IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=True,
    description="Chosen by the client, unique per referral (1 to 100 characters). Sending the same "
    "Bundle again with the same key returns the Task first created (200) and creates nothing.",
)


class TaskSerializer(serializers.Serializer):
    """A FHIR R4 Task (status only: no personal data)."""

    resourceType = serializers.CharField()  # noqa: N815 (FHIR's element names)
    id = serializers.UUIDField()
    identifier = serializers.ListField(child=serializers.DictField())
    status = serializers.ChoiceField(choices=Status.choices)
    intent = serializers.CharField()
    focus = serializers.DictField()
    authoredOn = serializers.DateTimeField()  # noqa: N815
    statusReason = serializers.DictField(required=False)  # noqa: N815
    businessStatus = serializers.DictField(required=False)  # noqa: N815


BUNDLE = inline_serializer(
    "FhirReferralBundle",
    {
        "resourceType": serializers.ChoiceField(choices=["Bundle"]),
        "type": serializers.ChoiceField(choices=["transaction"]),
        "entry": serializers.ListField(child=serializers.DictField(), min_length=3, max_length=3),
    },
)


def _body_hash(data: Any) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def _partner_organization(request: Request) -> Organization:
    orgs = access.ids_with_role(request.user, NetworkRole.PARTNER)
    organization = Organization.objects.visible_to(request.user).filter(id__in=orgs).order_by("id").first()
    if organization is None:
        raise PermissionDenied("Only a referral partner's token may create referrals.")
    return organization


class FhirReferralCreate(PrivateResponses, APIView):
    """Create a referral from a FHIR transaction Bundle: one Patient (name, telecom, address, language),
    one ServiceRequest (note = what the family would like help with; extensions due-date,
    child-birth-date, first-time-parent, consent-scope), one Task (status requested). Errors name the
    FHIR element; nothing is saved when any is wrong."""

    renderer_classes = [JSONRenderer]

    @extend_schema(
        request=BUNDLE, responses={201: TaskSerializer, 200: TaskSerializer}, parameters=[IDEMPOTENCY_KEY]
    )
    def post(self, request: Request) -> Response:
        organization = _partner_organization(request)
        key = request.headers.get("Idempotency-Key", "").strip()
        if not 1 <= len(key) <= 100:
            raise serializers.ValidationError({"Idempotency-Key": ["Send a key of 1 to 100 characters."]})
        digest = _body_hash(request.data)
        earlier = selectors.fhir_create_earlier(user=request.user, key=key)
        try:
            if earlier is not None:
                return Response(fhir.task_for(services.fhir_create_replay(earlier, digest)))
            try:
                intake = fhir.intake_from_bundle(request.data)
            except fhir.FhirError as exc:
                raise serializers.ValidationError(exc.errors) from exc
            referral, created = services.fhir_referral_create(
                actor=request.user, organization=organization, key=key, body_hash=digest,
                consent_scope=intake.consent_scope, fields=intake.fields,
            )  # fmt: skip
        except DjangoValidationError as exc:
            errors = {fhir.FIELD_PATHS.get(f, f): m for f, m in exc.message_dict.items()}
            raise serializers.ValidationError(errors) from exc
        return Response(
            fhir.task_for(referral), status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )


class FhirTaskDetail(PrivateResponses, APIView):
    """A referral's Task: its status and outcome (a partner reads its own referrals' Tasks)."""

    renderer_classes = [JSONRenderer]

    @extend_schema(responses=TaskSerializer)
    def get(self, request: Request, public_id: Any) -> Response:
        referral = get_object_or_404(selectors.referral_list(user=request.user), public_id=public_id)
        return Response(fhir.task_for(referral))


def _hsds(network: Network, programs: Any) -> dict[str, Any]:
    """The directory as Open Referral HSDS 3.0 objects: organizations with their services and locations."""
    by_org: dict[Any, dict[str, Any]] = {}
    for p in programs:
        org = p.organization
        entry = by_org.setdefault(
            org.id,
            {
                "id": str(org.public_id),
                "name": org.name,
                "description": org.get_kind_display(),
                "website": org.website or None,
                "phones": [{"id": f"{org.public_id}-phone", "number": org.phone}] if org.phone else [],
                "services": [],
                "locations": [],
            },
        )
        rules = " or ".join(
            " and ".join(str(r) for r in p.rules.all() if r.group == g) for g in sorted({r.group for r in p.rules.all()})
        )  # fmt: skip
        entry["services"].append(
            {
                "id": str(p.public_id),
                "organization_id": str(org.public_id),
                "name": p.name,
                "description": p.description or p.get_model_display(),
                "status": "active" if p.accepting else "inactive",
                "eligibility_description": rules or "Every family in the service area.",
                "languages": [{"id": f"{p.public_id}-{code}", "service_id": str(p.public_id), "code": code}
                              for code in p.languages],
                "service_areas": [{"id": f"{p.public_id}-area", "service_id": str(p.public_id),
                                   "name": "ZIP codes", "extent": ",".join(p.service_zips), "extent_type": "other"}],
                "capacities": [{"id": f"{p.public_id}-slots", "service_id": str(p.public_id),
                                "available": p.open_slots, "maximum": p.capacity, "unit": {"name": "families"}}],
                "attributes": [{"id": f"{p.public_id}-model", "taxonomy_term": {"term": p.get_model_display()}}],
            }
        )  # fmt: skip
        for loc in p.locations.all():
            entry["locations"].append(
                {
                    "id": str(loc.public_id),
                    "location_type": "physical",
                    "addresses": [{"id": f"{loc.public_id}-address", "address_1": loc.address, "city": loc.city,
                                   "state_province": loc.state, "postal_code": loc.zip_code, "country": "US",
                                   "address_type": "physical"}],
                }
            )  # fmt: skip
    return {"network": network.name, "hsds_version": "3.0", "organizations": list(by_org.values())}


class HsdsDirectory(PrivateResponses, APIView):
    """The network's program directory as Open Referral HSDS 3.0 JSON (organizations → services, locations)."""

    renderer_classes = [JSONRenderer]

    @extend_schema(
        responses=inline_serializer(
            "HsdsDirectory",
            {
                "network": serializers.CharField(),
                "hsds_version": serializers.CharField(),
                "organizations": serializers.ListField(child=serializers.DictField()),
            },
        )
    )
    def get(self, request: Request, public_id: Any) -> Response:
        network = get_object_or_404(selectors.network_list(user=request.user), public_id=public_id)
        return Response(_hsds(network, selectors.program_list(user=request.user, network=network)))
