"""FHIR R4 mapping of a referral: a partner's Bundle (Patient + ServiceRequest + Task) in, a Task out.

Resources are validated with `fhir.resources` (its R4B classes: R4B is R4 with errata, and Patient,
ServiceRequest, Task and Bundle are wire-compatible with R4 for every element used here). What intake
needs and FHIR has no element for (the due date, the child's date of birth, first-time parent, the
consent's scope) travels in ServiceRequest extensions under EXT. Nothing here touches the database.
"""

from dataclasses import dataclass
from typing import Any

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.servicerequest import ServiceRequest
from fhir.resources.R4B.task import Task
from pydantic import ValidationError as PydanticError

from referrals.models import ConsentScope, Language, Referral, Status

EXT = "https://coiin.example.org/fhir/StructureDefinition/"
CODE_SYSTEM = "https://coiin.example.org/fhir/CodeSystem/referral-outcome"


class FhirError(ValueError):
    """A resource that is not valid FHIR, or valid FHIR that intake cannot use: {field: [messages]}."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("; ".join(f"{k}: {', '.join(v)}" for k, v in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class Intake:
    fields: dict[str, Any]
    consent_scope: str


def _validate(cls: Any, data: Any, name: str) -> Any:
    try:
        return cls.model_validate(data)
    except PydanticError as exc:
        errors: dict[str, list[str]] = {}
        for e in exc.errors()[:20]:
            path = ".".join(str(p) for p in (name, *e["loc"]) if p != "__root__")
            errors.setdefault(path, []).append(e["msg"])
        raise FhirError(errors) from exc


def _ext(resource: Any, name: str) -> Any:
    for ext in resource.extension or []:
        if ext.url == EXT + name:
            for attr in ("valueDate", "valueBoolean", "valueCode"):
                if getattr(ext, attr, None) is not None:
                    return getattr(ext, attr)
    return None


def intake_from_bundle(data: Any) -> Intake:
    """The intake fields of a transaction Bundle holding exactly one Patient, ServiceRequest and Task."""
    if not isinstance(data, dict) or data.get("resourceType") != "Bundle":
        raise FhirError({"resourceType": ["Send a FHIR Bundle of type transaction."]})
    bundle = _validate(Bundle, data, "Bundle")
    if bundle.type != "transaction":
        raise FhirError({"Bundle.type": ["The Bundle's type is transaction."]})
    found: dict[str, Any] = {}
    for entry in bundle.entry or []:
        kind = entry.resource.get_resource_type() if entry.resource is not None else ""
        if kind in found:
            raise FhirError({f"Bundle.entry.{kind}": [f"One {kind} per referral."]})
        found[kind] = entry.resource
    missing = [k for k in ("Patient", "ServiceRequest", "Task") if k not in found]
    if missing:
        raise FhirError({"Bundle.entry": [f"Missing {', '.join(missing)}."]})
    patient: Patient = found["Patient"]
    request: ServiceRequest = found["ServiceRequest"]
    task: Task = found["Task"]
    if task.status != Status.REQUESTED:
        raise FhirError({"Task.status": ["A new referral's Task is requested."]})
    phone = next((t.value for t in patient.telecom or [] if t.system == "phone"), None)
    email = next((t.value for t in patient.telecom or [] if t.system == "email"), None)
    name = patient.name[0] if patient.name else None
    parts = [p for p in [*(name.given or []), name.family] if p] if name else []
    full_name = (name.text or " ".join(parts)) if name else ""
    language = "en"
    for communication in patient.communication or []:
        codes = [c.code for c in communication.language.coding or []]
        language = next((c for c in codes if c), language)
    if language not in Language.values:
        raise FhirError({"Patient.communication.language": [f"Unknown language code {language!r}."]})
    scope = _ext(request, "consent-scope")
    if scope not in ConsentScope.values:
        raise FhirError(
            {"ServiceRequest.extension.consent-scope": [f"One of {', '.join(ConsentScope.values)}."]}
        )
    fields = {
        "family_name": full_name or None,
        "phone": phone,
        "email": email,
        "contact_time": None,
        "zip_code": (patient.address[0].postalCode if patient.address else None),
        "due_date": _ext(request, "due-date"),
        "child_birth_date": _ext(request, "child-birth-date"),
        "first_time_parent": _ext(request, "first-time-parent"),
        "income_below_poverty": None,
        "needs": request.note[0].text if request.note else None,
        "language": language,
    }
    if not fields["family_name"]:
        raise FhirError({"Patient.name": ["The family's name is required."]})
    return Intake(fields=fields, consent_scope=scope)


FIELD_PATHS = {
    "family_name": "Patient.name",
    "phone": "Patient.telecom.phone",
    "email": "Patient.telecom.email",
    "zip_code": "Patient.address.postalCode",
    "due_date": "ServiceRequest.extension.due-date",
    "child_birth_date": "ServiceRequest.extension.child-birth-date",
    "first_time_parent": "ServiceRequest.extension.first-time-parent",
    "needs": "ServiceRequest.note",
    "language": "Patient.communication.language",
}


def task_for(referral: Referral) -> dict[str, Any]:
    """The referral as a FHIR Task: status and outcome only, no personal data (what a partner may read)."""
    task: dict[str, Any] = {
        "resourceType": "Task",
        "id": str(referral.public_id),
        "identifier": [{"system": EXT + "reference-code", "value": referral.reference_code}],
        "status": referral.status,
        "intent": "order",
        "focus": {"reference": f"ServiceRequest/{referral.public_id}"},
        "authoredOn": referral.created_at.isoformat(),
    }
    if referral.status_reason:
        task["statusReason"] = {"text": referral.status_reason}
    if referral.outcome:
        task["businessStatus"] = {
            "coding": [{"system": CODE_SYSTEM, "code": referral.outcome}],
            "text": referral.get_outcome_display(),
        }
    Task.model_validate(task)  # what we send is valid FHIR too
    return task
