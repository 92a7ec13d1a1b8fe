"""The coordinated intake and referral network (issue 24; docs/referrals.md).

A network's hub receives referrals (from families themselves, from referral partners, or entered at
the hub), screens them against each program's eligibility rules, records the family's choice and
sends the referral to that program, whose intake staff accept or decline it, log contact attempts and
close it with an outcome. The referral's status follows the FHIR Task statuses of the HL7 SDOH
Clinical Care closed-loop referral. Personal data is encrypted field by field (referrals/crypto.py)
and purged a while after closure; what stays is de-identified and feeds the shared measures.
"""

import functools
import operator
import uuid
from typing import Any

from django.conf import settings
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from collaboratives.models import Collaborative
from collaboratives.scoping import ScopedQuerySet
from referrals import access
from referrals.crypto import EncryptedField


def _public_id() -> models.UUIDField:
    return models.UUIDField(default=uuid.uuid4, unique=True, editable=False)


ZIP = RegexValidator(r"^\d{5}$", "Enter a 5-digit ZIP code.")


class NetworkScopedQuerySet(ScopedQuerySet):
    """Directory rows: whoever holds any role in the row's network sees them."""

    network_field = "network"

    def visible_to(self, user: Any) -> Any:
        if access.sees_everything(user):
            return self.all()
        return self.filter(**{f"{self.network_field}__in": access.network_ids(user)})


class NetworkQuerySet(NetworkScopedQuerySet):
    network_field = "id"


class Network(models.Model):
    """A coordinated intake network: one hub, its programs and partners, in one region."""

    public_id = _public_id()
    name = models.CharField(max_length=120)
    collaborative = models.ForeignKey(
        Collaborative,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="referral_networks",
        help_text="The collaborative whose measures receive the network's monthly intake figures.",
    )
    stale_after_days = models.PositiveSmallIntegerField(
        default=7, validators=[MinValueValidator(1), MaxValueValidator(60)]
    )
    purge_after_days = models.PositiveSmallIntegerField(
        default=365,
        validators=[MinValueValidator(30), MaxValueValidator(3650)],
        help_text="Days after a referral closes until its personal data is erased.",
    )

    objects = NetworkQuerySet.as_manager()

    def __str__(self) -> str:
        return self.name


class Organization(models.Model):
    """An organisation in the network: the hub, a home visiting agency (LIA), or a referral partner."""

    class Kind(models.TextChoices):
        HUB = "hub", "Intake hub"
        PROVIDER = "provider", "Home visiting agency"
        PARTNER = "partner", "Referral partner"

    public_id = _public_id()
    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="organizations")
    name = models.CharField(max_length=160)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    phone = models.CharField(max_length=30, blank=True)
    website = models.URLField(blank=True)

    objects = NetworkScopedQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["network", "name"], name="organization_unique_name")]

    def __str__(self) -> str:
        return self.name


class HomeVisitingModel(models.TextChoices):
    HFA = "hfa", "Healthy Families America"
    NFP = "nfp", "Nurse-Family Partnership"
    PAT = "pat", "Parents as Teachers"
    EHS = "ehs", "Early Head Start home-based"
    OTHER = "other", "Other"


class Language(models.TextChoices):
    EN = "en", _("English")
    ES = "es", _("Spanish")
    AR = "ar", _("Arabic")
    BS = "bs", _("Bosnian")
    VI = "vi", _("Vietnamese")
    OTHER = "other", _("Other")


class Program(models.Model):
    """A home visiting service one agency offers: its model, where it serves, in which languages, with how many open slots."""

    public_id = _public_id()
    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="programs")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="programs")
    name = models.CharField(max_length=160)
    model = models.CharField(max_length=8, choices=HomeVisitingModel.choices)
    description = models.TextField(blank=True, validators=[MaxLengthValidator(2000)])
    service_zips = models.JSONField(default=list, blank=True, help_text="5-digit ZIP codes served.")
    languages = models.JSONField(
        default=list, blank=True, help_text="Language codes home visits are offered in."
    )
    open_slots = models.PositiveIntegerField(default=0)
    capacity = models.PositiveIntegerField(default=0, help_text="Families the program can serve at once.")
    accepting = models.BooleanField(default=True)
    team = models.ForeignKey(
        "collaboratives.Team",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The CQI team whose run charts receive this program's intake measures.",
    )

    objects = NetworkScopedQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Location(models.Model):
    """A place a program works from (an office; home visits happen at the family's home)."""

    public_id = _public_id()
    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="+")
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="locations")
    address = models.CharField(max_length=200)
    city = models.CharField(max_length=80)
    state = models.CharField(max_length=2, default="MO")
    zip_code = models.CharField(max_length=5, validators=[ZIP])

    objects = NetworkScopedQuerySet.as_manager()

    def __str__(self) -> str:
        return f"{self.address}, {self.city}"


class Fact(models.TextChoices):
    """What an eligibility condition asks about a referral (referrals/eligibility.py evaluates them)."""

    PREGNANT = "pregnant", "Is pregnant"
    WEEKS_PREGNANT = "weeks_pregnant", "Weeks pregnant"
    CHILD_AGE_MONTHS = "child_age_months", "Youngest child's age in months"
    FIRST_TIME_PARENT = "first_time_parent", "First-time parent"
    INCOME_BELOW_POVERTY = "income_below_poverty", "Household income below the poverty line"


class Operator(models.TextChoices):
    IS_TRUE = "is_true", "is yes"
    AT_MOST = "at_most", "is at most"
    AT_LEAST = "at_least", "is at least"


class EligibilityRule(models.Model):
    """One condition of a program's eligibility: conditions in one group must all hold; any group suffices."""

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="+")
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="rules")
    group = models.PositiveSmallIntegerField(default=1)
    fact = models.CharField(max_length=24, choices=Fact.choices)
    operator = models.CharField(max_length=10, choices=Operator.choices)
    value = models.PositiveIntegerField(null=True, blank=True)

    objects = NetworkScopedQuerySet.as_manager()

    class Meta:
        ordering = ["group", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(operator="is_true", value__isnull=True)
                | Q(operator__in=["at_most", "at_least"], value__isnull=False),
                name="eligibility_rule_value_matches_operator",
            )
        ]

    def __str__(self) -> str:
        value = "" if self.value is None else f" {self.value}"
        return f"{self.get_fact_display()} {self.get_operator_display()}{value}"


class NetworkRole(models.TextChoices):
    HUB_COORDINATOR = "hub_coordinator", "Hub intake coordinator"
    PROGRAM_STAFF = "program_staff", "Program intake staff"
    PARTNER = "partner", "Referral partner"
    NETWORK_ADMIN = "network_admin", "Network admin"


class NetworkMembershipQuerySet(ScopedQuerySet):
    """A person sees their own roles; a network admin sees the network's."""

    def visible_to(self, user: Any) -> Any:
        if access.sees_everything(user):
            return self.all()
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(
            Q(user=user) | Q(network__in=access.ids_with_role(user, NetworkRole.NETWORK_ADMIN))
        )


class NetworkMembership(models.Model):
    """A person's role in a referral network; program staff and partners act for one organisation."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="network_roles")
    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=NetworkRole.choices)
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, null=True, blank=True, related_name="memberships"
    )

    objects = NetworkMembershipQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(role__in=["program_staff", "partner"], organization__isnull=False)
                | Q(role__in=["hub_coordinator", "network_admin"], organization__isnull=True),
                name="network_membership_org_matches_role",
            ),
            models.UniqueConstraint(
                fields=["user", "network", "role", "organization"], name="network_membership_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} — {self.organization or self.network}"


class Status(models.TextChoices):
    """FHIR R4 Task.status values used by the HL7 SDOH Clinical Care closed-loop referral."""

    REQUESTED = "requested", "Requested"
    RECEIVED = "received", "Received"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Declined by program"
    IN_PROGRESS = "in-progress", "In progress"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"
    FAILED = "failed", "Closed without enrolment"


CLOSED = frozenset({Status.COMPLETED, Status.CANCELLED, Status.FAILED})


class Outcome(models.TextChoices):
    ENROLLED = "enrolled", "Enrolled"
    DECLINED_BY_FAMILY = "declined_by_family", "Declined by family"
    UNABLE_TO_REACH = "unable_to_reach", "Unable to reach"
    NOT_ELIGIBLE = "not_eligible", "Not eligible"


class Source(models.TextChoices):
    FAMILY = "family", "Family (self-referral)"
    PARTNER = "partner", "Referral partner"
    HUB = "hub", "Hub (phone or walk-in)"
    API = "api", "Partner system (FHIR)"


class ConsentScope(models.TextChoices):
    CONTACT = "contact", "How to reach the family"
    CONTACT_AND_NEEDS = "contact_and_needs", "How to reach the family and what they would like help with"


class ReferralQuerySet(ScopedQuerySet):
    """Hub staff and network admins see their network's referrals; program staff those sent to their
    organisation's programs; partners those their organisation made; nobody else any."""

    def visible_to(self, user: Any) -> Any:
        if access.sees_everything(user):
            return self.all()
        networks = access.ids_with_role(user, NetworkRole.HUB_COORDINATOR, NetworkRole.NETWORK_ADMIN)
        programs = access.ids_with_role(user, NetworkRole.PROGRAM_STAFF)
        partners = access.ids_with_role(user, NetworkRole.PARTNER)
        # Only the clauses the user's roles need: a hub coordinator's is one indexed column, with no
        # join to programs that would keep PostgreSQL from using the (network, status) index.
        clauses = [
            Q(network__in=networks) if networks else None,
            Q(program__organization__in=programs) if programs else None,
            Q(source_organization__in=partners) if partners else None,
        ]
        wanted = [c for c in clauses if c is not None]
        if not wanted:
            return self.none()
        return self.filter(functools.reduce(operator.or_, wanted))


class Referral(models.Model):
    """One family's referral into the network, from first contact with the hub to an outcome at a program."""

    public_id = _public_id()
    reference_code = models.CharField(max_length=14, unique=True)
    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="referrals")
    source = models.CharField(max_length=8, choices=Source.choices)
    source_organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, null=True, blank=True, related_name="referrals_made"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField()

    # Personal data: encrypted, erased by referral_purge. Only what intake needs.
    family_name = EncryptedField(validators=[MaxLengthValidator(120)])
    phone = EncryptedField(validators=[MaxLengthValidator(30)])
    email = EncryptedField(validators=[MaxLengthValidator(254)])
    contact_time = EncryptedField(validators=[MaxLengthValidator(120)])
    zip_code = EncryptedField(validators=[ZIP])
    due_date = EncryptedField(kind="date")
    child_birth_date = EncryptedField(kind="date")
    first_time_parent = EncryptedField(kind="bool")
    income_below_poverty = EncryptedField(kind="bool")
    needs = EncryptedField(validators=[MaxLengthValidator(1000)])
    phone_hash = models.CharField(max_length=64, blank=True, db_index=True)
    identity_hash = models.CharField(max_length=64, blank=True, db_index=True)

    # De-identified: kept after the purge for the measures.
    language = models.CharField(max_length=8, choices=Language.choices, default=Language.EN)
    consent_at = models.DateTimeField()
    consent_scope = models.CharField(max_length=20, choices=ConsentScope.choices)
    consent_any_program = models.BooleanField(default=True)
    consent_programs = models.ManyToManyField(Program, blank=True, related_name="+")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.REQUESTED)
    status_reason = models.CharField(max_length=200, blank=True)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True)
    eligibility = models.JSONField(
        default=dict, blank=True, help_text="Program public id → eligible / check / not."
    )
    presented_programs = models.JSONField(default=list, blank=True, help_text="Order shown to the family.")
    screened_at = models.DateTimeField(null=True, blank=True)
    chosen_program = models.ForeignKey(
        Program, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    program = models.ForeignKey(
        Program,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals",
        help_text="The program the referral was sent to (the Task's owner).",
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    first_contact_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    stale_notified_at = models.DateTimeField(null=True, blank=True)
    purged_at = models.DateTimeField(null=True, blank=True)
    duplicate_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    duplicate_enrolled = models.BooleanField(
        default=False, help_text="A match is already enrolled in a program."
    )

    objects = ReferralQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["network", "status", "created_at"], name="referral_queue"),
            models.Index(fields=["program", "status"], name="referral_program_status"),
            models.Index(fields=["source_organization", "created_at"], name="referral_partner"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(outcome="") | Q(status__in=["completed", "cancelled", "failed"]),
                name="referral_outcome_only_when_closed",
            )
        ]

    def __str__(self) -> str:
        return self.reference_code

    @property
    def is_closed(self) -> bool:
        return self.status in CLOSED


# The family's personal data: encrypted, never loaded for lists, erased by referrals_purge.
PERSONAL_FIELDS = (
    "family_name", "phone", "email", "contact_time", "zip_code", "due_date", "child_birth_date",
    "first_time_parent", "income_below_poverty", "needs",
)  # fmt: skip


class ReferralChildQuerySet(ScopedQuerySet):
    """Rows of a referral (history, contact attempts): visible with the referral."""

    def visible_to(self, user: Any) -> Any:
        return self.filter(referral__in=Referral.objects.visible_to(user).values("id"))


class ReferralEvent(models.Model):
    """One step in a referral's timestamped history: a status change, a send, a screening, a flag."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=20)
    from_status = models.CharField(max_length=12, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=12, choices=Status.choices, blank=True)
    program = models.ForeignKey(Program, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    reason = models.CharField(max_length=200, blank=True)

    objects = ReferralChildQuerySet.as_manager()

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.referral} {self.kind} {self.at:%Y-%m-%d}"


class ContactAttempt(models.Model):
    """One attempt by program intake staff to reach the family (a call, a text, a visit)."""

    class Method(models.TextChoices):
        PHONE = "phone", "Phone call"
        TEXT = "text", "Text message"
        EMAIL = "email", "Email"
        VISIT = "visit", "Home visit"

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="attempts")
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    method = models.CharField(max_length=8, choices=Method.choices)
    reached = models.BooleanField()
    note = EncryptedField(validators=[MaxLengthValidator(500)])

    objects = ReferralChildQuerySet.as_manager()

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.referral} {self.method} {self.at:%Y-%m-%d}"


class FhirCreate(models.Model):
    """A partner system's FHIR create, remembered by its idempotency key so a retry returns the same Task."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=100)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    body_hash = models.CharField(max_length=64)

    objects = ReferralChildQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="fhir_create_once_per_key")]

    def __str__(self) -> str:
        return self.key


class ReferralMonthQuerySet(ScopedQuerySet):
    """The network dashboard's figures: whoever may see the dashboard (hub and network admins)."""

    def visible_to(self, user: Any) -> Any:
        if access.sees_everything(user):
            return self.all()
        return self.filter(
            network__in=access.ids_with_role(user, NetworkRole.HUB_COORDINATOR, NetworkRole.NETWORK_ADMIN)
        )


class ReferralMonth(models.Model):
    """Counts of the referrals one network received in one month from one source, by the program they
    were last sent to: what the network dashboard shows, so that it reads a few hundred rows whatever
    the number of referrals. Kept by referrals/summary.py in the transaction of every change a service
    makes, and rebuilt from the referrals by `manage.py referrals_summary_rebuild`. De-identified."""

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="+")
    program = models.ForeignKey(Program, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    source = models.CharField(max_length=8, choices=Source.choices)
    month = models.DateField(help_text="The month the referrals were received (first day).")
    sent_month = models.DateField(
        null=True,
        blank=True,
        help_text="The month they were last sent to a program (first day); none before.",
    )
    referred = models.PositiveIntegerField(default=0)
    eligible = models.PositiveIntegerField(default=0, help_text="At least one program fits.")
    sent = models.PositiveIntegerField(default=0)
    contacted = models.PositiveIntegerField(default=0, help_text="A contact attempt was logged.")
    enrolled = models.PositiveIntegerField(default=0)
    waiting = models.PositiveIntegerField(default=0, help_text="Sent, not declined, not yet closed.")
    contacted_7d = models.PositiveIntegerField(
        default=0, help_text="First contact within 7 days of being sent."
    )
    enrolled_30d = models.PositiveIntegerField(default=0, help_text="Enrolled within 30 days of being sent.")
    contact_days = models.JSONField(
        default=dict,
        blank=True,
        help_text="Whole days from being sent to the first contact attempt → how many referrals.",
    )

    objects = ReferralMonthQuerySet.as_manager()

    class Meta:
        # Two partial constraints rather than nulls_distinct=False, which SQLite cannot enforce.
        constraints = [
            models.UniqueConstraint(
                fields=["network", "program", "source", "month", "sent_month"],
                condition=Q(program__isnull=False, sent_month__isnull=False),
                name="referral_month_unique",
            ),
            models.UniqueConstraint(
                fields=["network", "source", "month"],
                condition=Q(program__isnull=True, sent_month__isnull=True),
                name="referral_month_unique_unsent",
            ),
            models.UniqueConstraint(
                fields=["network", "program", "source", "month"],
                condition=Q(program__isnull=False, sent_month__isnull=True),
                name="referral_month_unique_program_unsent",
            ),
            models.UniqueConstraint(
                fields=["network", "source", "month", "sent_month"],
                condition=Q(program__isnull=True, sent_month__isnull=False),
                name="referral_month_unique_sent_no_program",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.network_id} {self.program_id} {self.source} {self.month:%Y-%m}"
