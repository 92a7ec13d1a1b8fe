"""Writes of the referral network: every change to a referral goes through one of these.

Each service is atomic, checks the actor's named action (referrals/access.py), checks every
transition against `TRANSITIONS`, calls full_clean(), writes a history row and keeps the dashboard's
monthly summary (referrals/summary.py) in the same transaction. Errors name the
field they are about (`ValidationError({"field": ...})`), and nothing of a rejected call is saved.
"""

import datetime as dt
import re
import secrets
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from collaboratives.notifications import notification_send_many
from referrals import access, eligibility, summary
from referrals.access import Action
from referrals.crypto import keyed_hash, rotate
from referrals.models import (
    PERSONAL_FIELDS,
    ConsentScope,
    ContactAttempt,
    EligibilityRule,
    FhirCreate,
    Network,
    NetworkMembership,
    NetworkRole,
    Organization,
    Outcome,
    Program,
    Referral,
    ReferralEvent,
    Source,
    Status,
)

# Which status may follow which (FHIR Task state machine of the SDOH closed-loop referral).
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.REQUESTED: frozenset({Status.RECEIVED, Status.ACCEPTED, Status.REJECTED, Status.CANCELLED}),
    Status.RECEIVED: frozenset({Status.ACCEPTED, Status.REJECTED, Status.CANCELLED}),
    Status.ACCEPTED: frozenset({Status.IN_PROGRESS, Status.COMPLETED, Status.CANCELLED, Status.FAILED}),
    Status.IN_PROGRESS: frozenset({Status.COMPLETED, Status.CANCELLED, Status.FAILED}),
    Status.REJECTED: frozenset({Status.REQUESTED, Status.CANCELLED}),
    Status.COMPLETED: frozenset(),
    Status.CANCELLED: frozenset(),
    Status.FAILED: frozenset(),
}
OUTCOME_STATUS = {
    Outcome.ENROLLED: Status.COMPLETED,
    Outcome.DECLINED_BY_FAMILY: Status.CANCELLED,
    Outcome.UNABLE_TO_REACH: Status.FAILED,
    Outcome.NOT_ELIGIBLE: Status.FAILED,
}
DECLINE_REASONS = {
    "capacity": "No open slot",
    "eligibility": "Family not eligible for this program",
    "service_area": "Outside the service area",
    "other": "Other",
}
_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"  # no 0/O, 1/I/L, U: read aloud over the phone


def reference_code_new() -> str:
    """12 random characters (about 59 bits) as XXXX-XXXX-XXXX: unguessable, easy to read out."""
    raw = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def reference_code_normalise(code: str) -> str:
    raw = re.sub(r"[^0-9A-Z]", "", code.upper())
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:12]}" if len(raw) == 12 else ""


def phone_normalise(phone: str) -> str:
    """The 10 digits of a US phone number, or '' when it is not one."""
    digits = re.sub(r"\D", "", phone)
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    return digits if len(digits) == 10 else ""


def _event(referral: Referral, *, actor: Any, kind: str, at: dt.datetime, **fields: Any) -> None:
    ReferralEvent.objects.create(
        referral=referral,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        kind=kind,
        at=at,
        **fields,
    )


def intake_validate(data: dict[str, Any], today: dt.date) -> dict[str, Any]:
    """Field errors for the family's answers that a form alone cannot judge (dates, contradictions)."""
    errors: dict[str, Any] = {}
    due, born = data.get("due_date"), data.get("child_birth_date")
    if due is None and born is None:
        errors["due_date"] = _("Give a due date or the child's date of birth.")
    if due is not None and not today - dt.timedelta(days=14) <= due <= today + dt.timedelta(days=300):
        errors["due_date"] = _("A due date is within the next 10 months.")
    if born is not None and born > today:
        errors["child_birth_date"] = _("A date of birth cannot be in the future.")
    elif born is not None and born < today - dt.timedelta(days=6 * 366):
        errors["child_birth_date"] = _("Home visiting serves families with children under 6.")
    if born is not None and due is not None and data.get("first_time_parent") is True:
        errors["first_time_parent"] = _(
            "A family expecting a baby and with a child is not a first-time parent."
        )
    if data.get("phone") and not phone_normalise(data["phone"]):
        errors["phone"] = _("Enter a 10-digit US phone number.")
    if not data.get("phone") and not data.get("email"):
        errors["phone"] = _("Give a phone number or an email address so a home visitor can reach you.")
    if errors:
        raise ValidationError(errors)
    return data


def _screen(referral: Referral, *, today: dt.date) -> None:
    """Store each program's verdict and the fair order of the programs the family may choose from."""
    facts = eligibility.facts_from(
        today=today,
        due_date=referral.due_date,
        child_birth_date=referral.child_birth_date,
        first_time_parent=referral.first_time_parent,
        income_below_poverty=referral.income_below_poverty,
    )
    programs = list(
        Program.objects.unscoped(reason="screening a referral against its own network's directory")
        .filter(network_id=referral.network_id)
        .prefetch_related("rules")
    )
    verdicts: dict[str, str] = {}
    for program in programs:
        if referral.zip_code not in program.service_zips:
            verdicts[str(program.public_id)] = "not_eligible"
            continue
        conditions = [
            eligibility.Condition(r.group, r.fact, r.operator, r.value) for r in program.rules.all()
        ]
        verdicts[str(program.public_id)] = eligibility.evaluate(conditions, facts)
    referral.eligibility = verdicts
    fits = [pid for pid, v in verdicts.items() if v != "not_eligible"]
    referral.presented_programs = eligibility.fair_order(fits, seed=str(referral.public_id))


def _flag_duplicates(referral: Referral) -> None:
    if not (referral.phone_hash or referral.identity_hash):
        return
    match = Q(phone_hash=referral.phone_hash) if referral.phone_hash else Q()
    if referral.identity_hash:
        match |= Q(identity_hash=referral.identity_hash)
    others = (
        Referral.objects.unscoped(reason="duplicate matching within the referral's own network")
        .filter(match, network_id=referral.network_id, purged_at=None)
        .exclude(id=referral.id)
    )
    referral.duplicate_of = others.order_by("-created_at").first()
    referral.duplicate_enrolled = others.filter(outcome=Outcome.ENROLLED).exists()


@transaction.atomic
def referral_create(
    *,
    actor: Any,
    network: Network,
    source: str,
    source_organization: Organization | None = None,
    consent_scope: str,
    consent_any_program: bool = True,
    consent_programs: Iterable[Program] = (),
    now: dt.datetime | None = None,
    **intake: Any,
) -> Referral:
    """A new referral (status requested), screened for eligibility and checked for duplicates.

    `intake` holds the personal fields (PERSONAL_FIELDS) and `language`. A partner's referral names
    the actor's organisation; a family's has no actor. Consent is required: no consent, no referral.
    """
    now = now or timezone.now()
    if source == Source.PARTNER:
        if source_organization is None or source_organization.id not in access.ids_with_role(
            actor, NetworkRole.PARTNER
        ):
            raise PermissionDenied("You may refer only for your own organisation.")
        if source_organization.network_id != network.id:
            raise ValidationError({"source_organization": "This organisation is not in the network."})
    if consent_scope not in ConsentScope.values:
        raise ValidationError({"consent_scope": "Choose what the family agrees to share."})
    programs = list(consent_programs)
    if any(p.network_id != network.id for p in programs):
        raise ValidationError({"consent_programs": "A program named in the consent is not in this network."})
    if not consent_any_program and not programs:
        raise ValidationError(
            {"consent_programs": "Name at least one program the family agrees to share with."}
        )
    intake_validate(intake, timezone.localdate(now))
    referral = Referral(
        reference_code=reference_code_new(),
        network=network,
        source=source,
        source_organization=source_organization,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        created_at=now,
        consent_at=now,
        consent_scope=consent_scope,
        consent_any_program=consent_any_program,
        **intake,
    )
    referral.phone_hash = keyed_hash(phone_normalise(referral.phone or ""))
    anchor = referral.child_birth_date or referral.due_date
    referral.identity_hash = keyed_hash(referral.family_name or "", anchor.isoformat() if anchor else "")
    _screen(referral, today=timezone.localdate(now))
    referral.full_clean(exclude=["duplicate_of"])
    referral.save()
    referral.consent_programs.set(programs)
    _flag_duplicates(referral)
    referral.save(update_fields=["duplicate_of", "duplicate_enrolled"])
    _event(referral, actor=actor, kind="created", at=now, to_status=Status.REQUESTED)
    summary.move(None, summary.contribution(referral))
    if referral.duplicate_of_id:
        _event(
            referral, actor=None, kind="duplicate", at=now, reason="Possible duplicate of an earlier referral"
        )
    return referral


def _move(
    referral: Referral, *, actor: Any, to: str, at: dt.datetime, reason: str = "", **fields: Any
) -> None:
    """Change the status after checking the transition; writes the history row."""
    if to not in TRANSITIONS[referral.status]:
        raise ValidationError(
            {
                "status": f"A referral that is {referral.get_status_display().lower()} cannot become {Status(to).label.lower()}."
            }
        )
    _event(
        referral,
        actor=actor,
        kind="status",
        at=at,
        from_status=referral.status,
        to_status=to,
        reason=reason,
        program=referral.program,
    )
    referral.status = to
    referral.status_reason = reason
    for name, value in fields.items():
        setattr(referral, name, value)
    referral.full_clean(exclude=["duplicate_of"])
    referral.save()


def fhir_create_replay(earlier: FhirCreate, body_hash: str) -> Referral:
    """The referral an earlier create with the same Idempotency-Key made: a retry must send the same body."""
    if earlier.body_hash != body_hash:
        raise ValidationError(
            {"Idempotency-Key": "This key was used for a different referral; use a new key."}
        )
    return earlier.referral


def fhir_referral_create(
    *,
    actor: Any,
    organization: Organization,
    key: str,
    body_hash: str,
    consent_scope: str,
    fields: dict[str, Any],
) -> tuple[Referral, bool]:
    """A partner system's referral (FHIR create), recorded with its Idempotency-Key in one transaction:
    (the referral, True), or (the earlier one, False) when a concurrent retry with the same key won."""
    try:
        with transaction.atomic():
            referral = referral_create(
                actor=actor, network=organization.network, source=Source.API,
                source_organization=organization, consent_scope=consent_scope, **fields,
            )  # fmt: skip
            FhirCreate.objects.create(referral=referral, key=key, user=actor, body_hash=body_hash)
    except IntegrityError:  # the same key, created by a concurrent retry a moment ago
        earlier = FhirCreate.objects.visible_to(actor).get(user=actor, key=key)
        return fhir_create_replay(earlier, body_hash), False
    return referral, True


@transaction.atomic
def referral_screen(
    *, actor: Any, referral: Referral, first_time_parent: bool | None, income_below_poverty: bool | None
) -> Referral:
    """The hub's screening: the answers it confirmed with the family, then eligibility again."""
    access.require(actor, Action.WORK_QUEUE, referral)
    with summary.kept(referral):
        if referral.is_closed or referral.purged_at:
            raise ValidationError({"status": "A closed referral is not screened again."})
        now = timezone.now()
        data = {f: getattr(referral, f) for f in PERSONAL_FIELDS} | {
            "first_time_parent": first_time_parent,
            "income_below_poverty": income_below_poverty,
        }
        intake_validate(data, timezone.localdate(now))
        referral.first_time_parent = first_time_parent
        referral.income_below_poverty = income_below_poverty
        _screen(referral, today=timezone.localdate(now))
        referral.screened_at = now
        referral.full_clean(exclude=["duplicate_of"])
        referral.save()
        _event(referral, actor=actor, kind="screened", at=now)
    return referral


def _consented(referral: Referral, program: Program) -> bool:
    return referral.consent_any_program or referral.consent_programs.filter(id=program.id).exists()


@transaction.atomic
def referral_choose(*, actor: Any, referral: Referral, program: Program) -> Referral:
    """Record the program the family chose, from those presented to it."""
    access.require(actor, Action.WORK_QUEUE, referral)
    if referral.status not in (Status.REQUESTED, Status.REJECTED):
        raise ValidationError({"program": "The family's choice is recorded before the referral is sent."})
    if str(program.public_id) not in referral.presented_programs:
        raise ValidationError({"program": "Choose one of the programs the family is eligible for."})
    if not _consented(referral, program):
        raise ValidationError({"program": "The family's consent does not name this program."})
    referral.chosen_program = program
    referral.full_clean(exclude=["duplicate_of"])
    referral.save(update_fields=["chosen_program"])
    _event(referral, actor=actor, kind="chosen", at=timezone.now(), program=program)
    return referral


def _people(network_id: int, role: str, organization_id: int | None = None) -> list[Any]:
    rows = NetworkMembership.objects.unscoped(
        reason="finding whom to notify in the referral's network"
    ).filter(network_id=network_id, role=role)
    if organization_id is not None:
        rows = rows.filter(organization_id=organization_id)
    return [m.user for m in rows.select_related("user") if m.user.is_active]


@transaction.atomic
def referral_send(*, actor: Any, referral: Referral) -> Referral:
    """Send the referral to the program the family chose; its intake staff are told."""
    access.require(actor, Action.WORK_QUEUE, referral)
    with summary.kept(referral):
        program = referral.chosen_program
        if program is None:
            raise ValidationError({"program": "Record the family's choice before sending."})
        if not program.accepting:
            raise ValidationError({"program": f"{program.name} is not accepting referrals now."})
        now = timezone.now()
        if referral.status == Status.REJECTED:
            _move(referral, actor=actor, to=Status.REQUESTED, at=now, reason="Sent to another program")
        elif referral.status != Status.REQUESTED or referral.program_id:
            raise ValidationError({"status": "This referral has already been sent."})
        referral.program = program
        referral.sent_at = now
        referral.stale_notified_at = None
        referral.full_clean(exclude=["duplicate_of"])
        referral.save()
        _event(referral, actor=actor, kind="sent", at=now, program=program)
        notification_send_many(
            recipients=_people(referral.network_id, NetworkRole.PROGRAM_STAFF, program.organization_id),
            kind="referral",
            text=f"New referral {referral.reference_code} for {program.name}.",
            url=f"/referrals/r/{referral.public_id}/",
            key=f"referral-sent-{referral.public_id}-{now:%Y%m%d%H%M%S}",
        )
    return referral


@transaction.atomic
def referral_receive(*, actor: Any, referral: Referral) -> Referral:
    access.require(actor, Action.WORK_INTAKE, referral)
    with summary.kept(referral):
        _move(referral, actor=actor, to=Status.RECEIVED, at=timezone.now())
    return referral


@transaction.atomic
def referral_accept(*, actor: Any, referral: Referral) -> Referral:
    access.require(actor, Action.WORK_INTAKE, referral)
    with summary.kept(referral):
        _move(referral, actor=actor, to=Status.ACCEPTED, at=timezone.now())
    return referral


@transaction.atomic
def referral_decline(*, actor: Any, referral: Referral, reason: str) -> Referral:
    """The program declines (capacity, eligibility...): back to the hub, which may send it elsewhere."""
    access.require(actor, Action.WORK_INTAKE, referral)
    with summary.kept(referral):
        if reason not in DECLINE_REASONS:
            raise ValidationError({"reason": "Choose why the program declines."})
        _move(referral, actor=actor, to=Status.REJECTED, at=timezone.now(), reason=DECLINE_REASONS[reason])
        notification_send_many(
            recipients=_people(referral.network_id, NetworkRole.HUB_COORDINATOR),
            kind="referral",
            text=f"Referral {referral.reference_code} was declined: {DECLINE_REASONS[reason]}.",
            url=f"/referrals/r/{referral.public_id}/",
            key=f"referral-declined-{referral.public_id}-{referral.events.count()}",
        )
    return referral


@transaction.atomic
def contact_attempt_log(
    *,
    actor: Any,
    referral: Referral,
    method: str,
    reached: bool,
    note: str = "",
    at: dt.datetime | None = None,
) -> ContactAttempt:
    """A contact attempt; the first one moves an accepted referral in progress and dates first contact."""
    access.require(actor, Action.WORK_INTAKE, referral)
    with summary.kept(referral):
        now = timezone.now()
        at = at or now
        if at > now + dt.timedelta(minutes=5):
            raise ValidationError({"at": "A contact attempt cannot be in the future."})
        if referral.sent_at and at < referral.sent_at:
            raise ValidationError({"at": "A contact attempt cannot be before the referral was sent."})
        if referral.status not in (Status.ACCEPTED, Status.IN_PROGRESS):
            raise ValidationError({"method": "Accept the referral before logging contact attempts."})
        attempt = ContactAttempt(
            referral=referral, actor=actor, at=at, method=method, reached=reached, note=note or None
        )
        attempt.full_clean()
        attempt.save()
        if referral.first_contact_at is None or at < referral.first_contact_at:
            referral.first_contact_at = at
            referral.save(update_fields=["first_contact_at"])
        if referral.status == Status.ACCEPTED:
            _move(referral, actor=actor, to=Status.IN_PROGRESS, at=now, reason="First contact attempt")
    return attempt


@transaction.atomic
def referral_close(*, actor: Any, referral: Referral, outcome: str) -> Referral:
    """Close with an outcome; 'unable to reach' needs at least two logged attempts."""
    access.require(actor, Action.WORK_INTAKE, referral)
    with summary.kept(referral):
        if outcome not in Outcome.values:
            raise ValidationError({"outcome": "Choose an outcome."})
        if outcome == Outcome.UNABLE_TO_REACH and referral.attempts.count() < 2:
            raise ValidationError(
                {"outcome": "Log at least two contact attempts before closing as unable to reach."}
            )
        now = timezone.now()
        _move(
            referral,
            actor=actor,
            to=OUTCOME_STATUS[Outcome(outcome)],
            at=now,
            reason=Outcome(outcome).label,
            outcome=outcome,
            closed_at=now,
        )
        if outcome == Outcome.ENROLLED and referral.program is not None and referral.program.open_slots > 0:
            Program.objects.unscoped(reason="the referral's own program").filter(
                id=referral.program.id, open_slots__gt=0
            ).update(open_slots=referral.program.open_slots - 1)
    return referral


@transaction.atomic
def referral_cancel(*, actor: Any, referral: Referral, reason: str) -> Referral:
    """The hub withdraws a referral (e.g. a confirmed duplicate, or the family asked)."""
    access.require(actor, Action.WORK_QUEUE, referral)
    with summary.kept(referral):
        reason = reason.strip()
        if not reason or len(reason) > 200:
            raise ValidationError({"reason": "Say in under 200 characters why the referral is cancelled."})
        now = timezone.now()
        _move(referral, actor=actor, to=Status.CANCELLED, at=now, reason=reason, closed_at=now)
    return referral


def referrals_stale_notify(*, now: dt.datetime | None = None) -> int:
    """Tell the hub and the program about each sent referral with no contact within the network's limit.

    Claims each referral with a conditional UPDATE first, so two runs tell nobody twice.
    """
    now = now or timezone.now()
    told = 0
    for network in Network.objects.unscoped(reason="periodic task over every network"):
        stale = Referral.objects.unscoped(reason="periodic task, one network at a time").filter(
            network=network,
            status__in=[Status.REQUESTED, Status.RECEIVED, Status.ACCEPTED],
            program__isnull=False,
            first_contact_at=None,
            stale_notified_at=None,
            sent_at__lt=now - dt.timedelta(days=network.stale_after_days),
        )
        for referral in stale.select_related("program"):
            claimed = (
                Referral.objects.unscoped(reason="claiming the row once")
                .filter(id=referral.id, stale_notified_at=None)
                .update(stale_notified_at=now)
            )
            if not claimed or referral.program is None:
                continue
            people = _people(network.id, NetworkRole.HUB_COORDINATOR) + _people(
                network.id, NetworkRole.PROGRAM_STAFF, referral.program.organization_id
            )
            told += notification_send_many(
                recipients=people,
                kind="referral",
                text=(
                    f"Referral {referral.reference_code} to {referral.program.name}: no first contact "
                    f"within {network.stale_after_days} days."
                ),
                url=f"/referrals/r/{referral.public_id}/",
                key=f"referral-stale-{referral.public_id}-{referral.sent_at:%Y%m%d%H%M%S}",
            )
    return told


def referrals_purge(*, now: dt.datetime | None = None) -> int:
    """Erase the personal data of referrals closed longer ago than their network's purge delay.

    Status, dates, program, source, language and eligibility verdicts stay (de-identified) for the
    measures; contact attempt notes are erased with the rest. Safe to repeat.
    """
    now = now or timezone.now()
    purged = 0
    for network in Network.objects.unscoped(reason="periodic task over every network"):
        due = Referral.objects.unscoped(reason="periodic task, one network at a time").filter(
            network=network, purged_at=None, closed_at__lt=now - dt.timedelta(days=network.purge_after_days)
        )
        ids = list(due.values_list("id", flat=True))
        with transaction.atomic():
            purged += (
                Referral.objects.unscoped(reason="purge")
                .filter(id__in=ids, purged_at=None)
                .update(**dict.fromkeys(PERSONAL_FIELDS), phone_hash="", identity_hash="", purged_at=now)
            )
            ContactAttempt.objects.unscoped(reason="purge").filter(referral_id__in=ids).update(note=None)
            # The idempotency record holds a hash of the partner's Bundle, which carried personal data.
            FhirCreate.objects.unscoped(reason="purge").filter(referral_id__in=ids).delete()
    return purged


def referral_keys_rotate() -> int:
    """Re-encrypt every personal value under the first key of REFERRALS_FIELD_KEYS (after a rotation)."""
    from django.db import connection

    done = 0
    columns = {Referral: PERSONAL_FIELDS, ContactAttempt: ("note",)}
    with transaction.atomic(), connection.cursor() as cursor:
        for model, fields in columns.items():
            table = model._meta.db_table
            cols = ", ".join(fields)
            cursor.execute(f"SELECT id, {cols} FROM {table}")  # noqa: S608 (names from the model)
            rows = cursor.fetchall()
            sets = ", ".join(f"{f} = %s" for f in fields)
            for row in rows:
                values = [None if v is None else rotate(v) for v in row[1:]]
                cursor.execute(f"UPDATE {table} SET {sets} WHERE id = %s", [*values, row[0]])  # noqa: S608
                done += 1
    return done


@transaction.atomic
def program_update(
    *, actor: Any, program: Program, rules: list[dict[str, Any]] | None = None, **fields: Any
) -> Program:
    """A network admin edits a program's directory entry (slots, area, languages, accepting) and,
    when `rules` is given, replaces its eligibility rules: all or nothing."""
    access.require(actor, Action.EDIT_DIRECTORY, program.network)
    zips = fields.get("service_zips", program.service_zips)
    if any(not re.fullmatch(r"\d{5}", z) for z in zips):
        raise ValidationError({"service_zips": "Each ZIP code has 5 digits."})
    for name, value in fields.items():
        setattr(program, name, value)
    program.full_clean()
    program.save()
    if rules is not None:
        eligibility_rules_replace(actor=actor, program=program, rules=rules)
    return program


def eligibility_rules_replace(
    *, actor: Any, program: Program, rules: list[dict[str, Any]]
) -> list[EligibilityRule]:
    """Replace a program's eligibility rules with `rules` (each: group, fact, operator, value)."""
    access.require(actor, Action.EDIT_DIRECTORY, program.network)
    made = []
    with transaction.atomic():
        program.rules.all().delete()
        for i, data in enumerate(rules, start=1):
            rule = EligibilityRule(network=program.network, program=program, **data)
            try:
                rule.full_clean(exclude=["program", "network"])
            except ValidationError as exc:
                raise ValidationError({"rules": f"Rule {i}: {'; '.join(exc.messages)}"}) from exc
            rule.save()
            made.append(rule)
    return made
