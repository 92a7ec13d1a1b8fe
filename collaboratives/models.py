import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q

from collaboratives import access
from collaboratives.scoping import (
    AwardeeItself,
    CollaborativeItself,
    CollaborativeOwned,
    LIAItself,
    LIAOwned,
    ScopedQuerySet,
    TeamItself,
    TeamOwned,
)


def public_id_field() -> models.UUIDField:
    return models.UUIDField(default=uuid.uuid4, unique=True, editable=False)


class Awardee(models.Model):
    """A MIECHV awardee: the state, territory or tribal grantee that funds local implementing agencies."""

    class Kind(models.TextChoices):
        STATE = "state", "State"
        TERRITORY = "territory", "Territory"
        TRIBAL = "tribal", "Tribal"

    public_id = public_id_field()
    name = models.CharField(max_length=120, unique=True)
    code = models.SlugField(max_length=20, unique=True)
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.STATE)

    objects = AwardeeItself.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class LIA(models.Model):
    """A local implementing agency: a home visiting provider funded by an awardee."""

    public_id = public_id_field()
    awardee = models.ForeignKey(Awardee, on_delete=models.PROTECT, related_name="lias")
    name = models.CharField(max_length=160)
    city = models.CharField(max_length=80, blank=True)

    objects = LIAItself.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = "LIA"
        verbose_name_plural = "LIAs"
        constraints = [
            models.UniqueConstraint(fields=["awardee", "name"], name="lia_unique_name_per_awardee")
        ]

    def __str__(self) -> str:
        return self.name


class Collaborative(models.Model):
    """A time-bound learning collaborative on one topic, e.g. the SRR CoIIN or the IPV CoIIN."""

    class PeerVisibility(models.TextChoices):
        NAMED = "named", "Named: teams see each other's run charts by name"
        ANONYMISED = "anonymised", "Anonymised: teams see each other's run charts under codes"
        HIDDEN = "hidden", "Hidden: teams see only the collaborative aggregate"

    public_id = public_id_field()
    name = models.CharField(max_length=160, unique=True)
    short_name = models.CharField(max_length=40, unique=True)
    topic = models.CharField(max_length=200, blank=True)
    description = models.TextField(blank=True)
    start_date = models.DateField()
    end_date = models.DateField()
    baseline_months = models.PositiveSmallIntegerField(
        default=12, help_text="Observed points that make the frozen baseline median (10 to 13)."
    )
    reporting_due_day = models.PositiveSmallIntegerField(
        default=15, help_text="Day of the following month by which a month's data is due (1 to 28)."
    )
    peer_visibility = models.CharField(
        max_length=12, choices=PeerVisibility.choices, default=PeerVisibility.NAMED
    )
    members_can_submit = models.BooleanField(
        default=False, help_text="Team members, not only CQI leads, may submit a month."
    )
    suppression_threshold = models.PositiveSmallIntegerField(
        default=10,
        help_text="In peer, aggregate and export views, counts from 1 to this number are hidden for "
        "sensitive measures (0 turns suppression off).",
    )

    objects = CollaborativeItself.as_manager()

    class Meta:
        ordering = ["-start_date", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gt=models.F("start_date")), name="collab_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(baseline_months__gte=10, baseline_months__lte=13), name="collab_baseline_10_13"
            ),
            models.CheckConstraint(
                condition=Q(reporting_due_day__gte=1, reporting_due_day__lte=28), name="collab_due_day_1_28"
            ),
        ]

    def __str__(self) -> str:
        return self.short_name


class Aim(models.Model):
    """A SMART aim of a collaborative, as the collaborative states it."""

    collaborative = models.ForeignKey(Collaborative, on_delete=models.CASCADE, related_name="aims")
    text = models.TextField()
    order = models.PositiveSmallIntegerField(default=0)

    objects = CollaborativeOwned.as_manager()
    # Filled by selectors.kdd_tree for the diagram page, not stored.
    primary: list["Driver"]

    class Meta:
        ordering = ["collaborative", "order", "id"]

    def __str__(self) -> str:
        return self.text[:80]


class Driver(models.Model):
    """A driver in a collaborative's key driver diagram: primary (serves an aim) or secondary (under a primary)."""

    public_id = public_id_field()
    collaborative = models.ForeignKey(Collaborative, on_delete=models.CASCADE, related_name="drivers")
    aim = models.ForeignKey(Aim, on_delete=models.CASCADE, related_name="drivers", null=True, blank=True)
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="secondary_drivers"
    )
    text = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    objects = CollaborativeOwned.as_manager()
    # Filled by selectors.kdd_tree for the diagram page, not stored.
    ideas: list["ChangeIdea"]
    secondary: list["Driver"]

    class Meta:
        ordering = ["collaborative", "order", "id"]
        constraints = [
            # A primary driver serves an aim; a secondary driver hangs off a primary and inherits its aim.
            models.CheckConstraint(
                condition=Q(parent__isnull=True, aim__isnull=False)
                | Q(parent__isnull=False, aim__isnull=True),
                name="driver_primary_has_aim_secondary_has_parent",
            ),
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def is_primary(self) -> bool:
        return self.parent_id is None


class ChangeIdea(models.Model):
    """A change idea in the key driver diagram: something a team can test with PDSA cycles."""

    public_id = public_id_field()
    collaborative = models.ForeignKey(Collaborative, on_delete=models.CASCADE, related_name="change_ideas")
    driver = models.ForeignKey(Driver, on_delete=models.CASCADE, related_name="change_ideas")
    text = models.CharField(max_length=300)
    order = models.PositiveSmallIntegerField(default=0)

    objects = CollaborativeOwned.as_manager()

    class Meta:
        ordering = ["collaborative", "order", "id"]

    def __str__(self) -> str:
        return self.text


class Team(models.Model):
    """One LIA enrolled in one collaborative: the unit that reports measures and runs PDSA cycles."""

    public_id = public_id_field()
    collaborative = models.ForeignKey(Collaborative, on_delete=models.PROTECT, related_name="teams")
    lia = models.ForeignKey(LIA, on_delete=models.PROTECT, related_name="teams")
    code = models.CharField(max_length=12, help_text="Anonymised label shown to peers, e.g. T07.")
    joined_on = models.DateField()
    withdrawn_on = models.DateField(null=True, blank=True)

    objects = TeamItself.as_manager()

    class Meta:
        ordering = ["collaborative", "lia__name"]
        constraints = [
            models.UniqueConstraint(fields=["collaborative", "lia"], name="team_one_per_lia_and_collab"),
            models.UniqueConstraint(fields=["collaborative", "code"], name="team_code_unique_in_collab"),
        ]

    def __str__(self) -> str:
        return f"{self.lia.name} ({self.collaborative.short_name})"

    @property
    def is_active(self) -> bool:
        return self.withdrawn_on is None


class Role(models.TextChoices):
    TEAM_MEMBER = "team_member", "LIA team member"
    CQI_LEAD = "cqi_lead", "LIA CQI lead"
    ADVISOR = "advisor", "Improvement advisor"
    AWARDEE_LEAD = "awardee_lead", "Awardee lead"
    COLLABORATIVE_ADMIN = "collaborative_admin", "Collaborative admin"


# The one scope column each role must fill; the others stay empty.
ROLE_SCOPE = {
    Role.TEAM_MEMBER: "lia",
    Role.CQI_LEAD: "lia",
    Role.ADVISOR: "team",
    Role.AWARDEE_LEAD: "awardee",
    Role.COLLABORATIVE_ADMIN: "collaborative",
}


def _only_scope(field: str) -> Q:
    others = [f for f in ("lia", "awardee", "collaborative", "team") if f != field]
    return Q(**{f"{field}__isnull": False}) & Q(**{f"{o}__isnull": True for o in others})


class Membership(models.Model):
    """A person's role in one scope: an LIA, an awardee, a collaborative, or (advisors) a team."""

    public_id = public_id_field()
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=24, choices=Role.choices)
    lia = models.ForeignKey(LIA, on_delete=models.CASCADE, null=True, blank=True, related_name="memberships")
    awardee = models.ForeignKey(
        Awardee, on_delete=models.CASCADE, null=True, blank=True, related_name="memberships"
    )
    collaborative = models.ForeignKey(
        Collaborative, on_delete=models.CASCADE, null=True, blank=True, related_name="memberships"
    )
    team = models.ForeignKey(Team, on_delete=models.CASCADE, null=True, blank=True, related_name="advisors")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = LIAOwned.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(_only_scope("lia"), role__in=[Role.TEAM_MEMBER, Role.CQI_LEAD])
                | Q(_only_scope("team"), role=Role.ADVISOR)
                | Q(_only_scope("awardee"), role=Role.AWARDEE_LEAD)
                | Q(_only_scope("collaborative"), role=Role.COLLABORATIVE_ADMIN),
                name="membership_scope_matches_role",
            ),
            # One constraint per scope column (not nulls_distinct=False, which SQLite cannot enforce).
            *(
                models.UniqueConstraint(
                    fields=["user", "role", scope],
                    condition=Q(**{f"{scope}__isnull": False}),
                    name=f"membership_unique_{scope}",
                )
                for scope in ("lia", "awardee", "collaborative", "team")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} — {self.scope}"

    @property
    def scope(self) -> object:
        return getattr(self, ROLE_SCOPE[Role(self.role)])


class InvitationQuerySet(ScopedQuerySet):
    """The invitations a person manages: their LIA roster's (CQI leads), and every invitation sent from a
    collaborative they administer."""

    def visible_to(self, user: Any) -> "InvitationQuerySet":
        from collaboratives import access

        if access.sees_everything(user):
            return self
        return self.filter(
            Q(lia__in_set=access.ids_with_role(user, Role.CQI_LEAD))
            | Q(via__in_set=access.ids_with_role(user, Role.COLLABORATIVE_ADMIN))
        )


class Invitation(models.Model):
    """An emailed invitation for someone to take a role: on an LIA's roster (sent by its CQI lead), or any
    role in a collaborative (sent by its admins or site staff), with the scope the role needs."""

    public_id = public_id_field()
    email = models.EmailField()
    role = models.CharField(max_length=24, choices=Role.choices)
    # The one scope column the role needs (ROLE_SCOPE), as on Membership.
    lia = models.ForeignKey(LIA, on_delete=models.CASCADE, null=True, blank=True, related_name="invitations")
    awardee = models.ForeignKey(
        Awardee, on_delete=models.CASCADE, null=True, blank=True, related_name="invitations"
    )
    collaborative = models.ForeignKey(
        Collaborative, on_delete=models.CASCADE, null=True, blank=True, related_name="invitations"
    )
    team = models.ForeignKey(
        Team, on_delete=models.CASCADE, null=True, blank=True, related_name="invitations"
    )
    via = models.ForeignKey(
        Collaborative,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="sent_invitations",
        help_text="The collaborative whose admins sent it; empty for an LIA roster invitation.",
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True, help_text="When the latest email went out.")
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(_only_scope("lia"), role__in=[Role.TEAM_MEMBER, Role.CQI_LEAD])
                | Q(_only_scope("team"), role=Role.ADVISOR)
                | Q(_only_scope("awardee"), role=Role.AWARDEE_LEAD)
                | Q(_only_scope("collaborative"), role=Role.COLLABORATIVE_ADMIN),
                name="invitation_scope_matches_role",
            ),
        ]

    def __str__(self) -> str:
        return f"Invitation of {self.email} to {self.scope}"

    @property
    def scope(self) -> object:
        return getattr(self, ROLE_SCOPE[Role(self.role)])


class ApiTokenQuerySet(ScopedQuerySet):
    """A person sees only their own tokens, whatever their role."""

    def visible_to(self, user: Any) -> "ApiTokenQuerySet":
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(user=user)


class ApiToken(models.Model):
    """A personal API token for a REST client: bound to one user, stored only as a hash, scoped and expiring."""

    class Scope(models.TextChoices):
        READ = "read", "Read"
        PUSH = "push", "Read and push monthly data"

    public_id = public_id_field()
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=80, help_text="What the token is for, e.g. 'State data warehouse'.")
    prefix = models.CharField(
        max_length=12, help_text="The token's first characters, to recognise it in lists."
    )
    token_hash = models.CharField(max_length=64, unique=True)
    scope = models.CharField(max_length=8, choices=Scope.choices, default=Scope.READ)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class NotificationQuerySet(ScopedQuerySet):
    """A person sees only their own notifications, whatever their role."""

    def visible_to(self, user: Any) -> "NotificationQuerySet":
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(recipient=user)


class Notification(models.Model):
    """An in-app message to one person, beside (not instead of) the emails: shown with a count in the
    navigation bar and listed on /notifications/ until read."""

    class Kind(models.TextChoices):
        DATA_DUE = "data_due", "Data due"
        PDSA_REVIEW = "pdsa_review", "PDSA awaiting review"
        FEEDBACK = "feedback", "Feedback received"
        PHASE_SUGGESTED = "phase_suggested", "Phase suggested"
        REFERRAL = "referral", "Referral"
        EVENT = "event", "Event"
        ANNOUNCEMENT = "announcement", "Announcement"
        SURVEY = "survey", "Survey"

    public_id = public_id_field()
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    text = models.CharField(max_length=300)
    url = models.CharField(max_length=500, blank=True, help_text="A path on this site, e.g. /pdsa/…/.")
    key = models.CharField(
        max_length=200,
        blank=True,
        help_text="Names the event it tells of, so that the same event notifies a person once.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_unread")]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "key"], condition=~Q(key=""), name="notification_once_per_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.text}"


# --- The learning calendar, resource library and training plan (issue 25; code in collaboratives/learning/) ---


class EventQuerySet(ScopedQuerySet):
    """An event is seen by whoever sees its collaborative; an awardee's event only by those who also see
    that awardee (its teams' people, its awardee lead, the collaborative's admins)."""

    scope_field = "collaborative"
    scope_kind = "collaborative"

    def visible_to(self, user: Any) -> "EventQuerySet":
        if access.sees_everything(user):
            return self.all()
        return self.filter(
            Q(awardee__isnull=True) | Q(awardee__in_set=access.visible_ids(user, "awardee")),
            collaborative__in_set=access.visible_ids(user, "collaborative"),
        )


class Resource(models.Model):
    """An item of a collaborative's resource library: a file or a link (curriculum, toolkit, change
    package, recording), tagged by the drivers and change ideas it supports."""

    class Kind(models.TextChoices):
        CURRICULUM = "curriculum", "Curriculum"
        TOOLKIT = "toolkit", "Toolkit"
        CHANGE_PACKAGE = "change_package", "Change package"
        RECORDING = "recording", "Recording"
        SLIDES = "slides", "Slides or handout"
        OTHER = "other", "Other"

    public_id = public_id_field()
    collaborative = models.ForeignKey(Collaborative, on_delete=models.CASCADE, related_name="resources")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.OTHER)
    url = models.URLField(max_length=500, blank=True)
    filename = models.CharField(max_length=255, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    content = models.BinaryField(blank=True, default=b"")
    size = models.PositiveIntegerField(default=0)
    drivers = models.ManyToManyField(Driver, blank=True, related_name="resources")
    change_ideas = models.ManyToManyField(ChangeIdea, blank=True, related_name="resources")
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    added_at = models.DateTimeField(auto_now_add=True)

    objects = CollaborativeOwned.as_manager()

    class Meta:
        ordering = ["title", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(url="") & ~Q(filename="")) | (~Q(url="") & Q(filename="")),
                name="resource_is_a_file_or_a_link",
            )
        ]

    def __str__(self) -> str:
        return self.title


class Event(models.Model):
    """A date in a collaborative's learning calendar: a learning session, an action-period call, a
    community of practice, office hours or a training; for all its teams, or one awardee's."""

    class Kind(models.TextChoices):
        LEARNING_SESSION = "learning_session", "Learning session"
        ACTION_PERIOD_CALL = "action_period_call", "Action-period call"
        COMMUNITY_OF_PRACTICE = "community_of_practice", "Community of practice"
        OFFICE_HOURS = "office_hours", "Office hours"
        TRAINING = "training", "Training"

    public_id = public_id_field()
    collaborative = models.ForeignKey(Collaborative, on_delete=models.CASCADE, related_name="events")
    awardee = models.ForeignKey(
        Awardee,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="events",
        help_text="Only this awardee's teams are invited; blank: every team of the collaborative.",
    )
    kind = models.CharField(max_length=24, choices=Kind.choices)
    title = models.CharField(max_length=200)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    time_zone = models.CharField(max_length=64, help_text="IANA name, e.g. America/Chicago.")
    join_url = models.URLField(max_length=500, blank=True)
    place = models.CharField(max_length=200, blank=True)
    agenda = models.TextField(blank=True)
    materials = models.ManyToManyField(Resource, blank=True, related_name="events")
    series = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="occurrences",
        help_text="The first event of a recurring series; blank for the first itself and one-off events.",
    )
    recurrence = models.CharField(
        max_length=200, blank=True, help_text="The series' iCalendar RRULE, kept on its first event."
    )
    training_topic = models.ForeignKey(
        "TrainingTopic",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="events",
        help_text="For a training: the topic its attendees complete.",
    )
    attendance_taken_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When attendance was first recorded: from then on the event counts in the engagement measure.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [models.Index(fields=["collaborative", "starts_at"], name="event_collab_start")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="event_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return self.title


class CalendarFeedQuerySet(ScopedQuerySet):
    """A person sees only their own calendar feeds."""

    def visible_to(self, user: Any) -> "CalendarFeedQuerySet":
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(user=user)


class CalendarFeed(models.Model):
    """A person's secret iCalendar subscription URL, stored only as a hash; revoking it ends the feed."""

    public_id = public_id_field()
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feeds"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    objects = CalendarFeedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Calendar feed of {self.user}"


class EventAttendance(models.Model):
    """A team's attendance at one event: ticked on the organiser's register, or checked in by the team's CQI lead."""

    class Source(models.TextChoices):
        REGISTER = "register", "Organiser's register"
        CHECK_IN = "check_in", "Team check-in"

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="attendances")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="event_attendances")
    source = models.CharField(max_length=10, choices=Source.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = TeamOwned.as_manager()

    class Meta:
        ordering = ["event", "team"]
        constraints = [models.UniqueConstraint(fields=["event", "team"], name="attendance_once_per_team")]

    def __str__(self) -> str:
        return f"{self.team} at {self.event}"


class Announcement(models.Model):
    """A message from a collaborative's admins to all its teams: shown on their home page and sent as a notification."""

    public_id = public_id_field()
    collaborative = models.ForeignKey(Collaborative, on_delete=models.CASCADE, related_name="announcements")
    title = models.CharField(max_length=200)
    body = models.TextField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CollaborativeOwned.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title


class StaffRole(models.TextChoices):
    HOME_VISITOR = "home_visitor", "Home visitor"
    SUPERVISOR = "supervisor", "Home visiting supervisor"
    MANAGER = "manager", "Program manager"
    INTAKE = "intake", "Intake or outreach staff"


class TrainingTopic(models.Model):
    """A topic of a collaborative's standard training plan, e.g. motivational interviewing or safe sleep."""

    public_id = public_id_field()
    collaborative = models.ForeignKey(Collaborative, on_delete=models.CASCADE, related_name="training_topics")
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    objects = CollaborativeOwned.as_manager()

    class Meta:
        ordering = ["collaborative", "order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["collaborative", "name"], name="training_topic_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class TrainingRequirement(models.Model):
    """That staff in one role must complete a topic, and how many months a completion stays current."""

    collaborative = models.ForeignKey(Collaborative, on_delete=models.CASCADE, related_name="+")
    topic = models.ForeignKey(TrainingTopic, on_delete=models.CASCADE, related_name="requirements")
    role = models.CharField(max_length=16, choices=StaffRole.choices)
    renewal_months = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Months a completion stays current; blank: once is enough."
    )

    objects = CollaborativeOwned.as_manager()

    class Meta:
        ordering = ["topic", "role"]
        constraints = [
            models.UniqueConstraint(fields=["topic", "role"], name="training_requirement_once_per_role"),
            models.CheckConstraint(
                condition=Q(renewal_months__isnull=True) | Q(renewal_months__gte=1, renewal_months__lte=120),
                name="training_renewal_1_120_months",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.topic} for {self.get_role_display()}"


class StaffMember(models.Model):
    """A person on a team's staff roster, kept by its CQI lead for the training plan: a name and a role, no account."""

    public_id = public_id_field()
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="staff")
    name = models.CharField(max_length=120)
    role = models.CharField(max_length=16, choices=StaffRole.choices)
    left_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TeamOwned.as_manager()

    class Meta:
        ordering = ["team", "name", "id"]

    def __str__(self) -> str:
        return self.name


class TrainingCompletion(models.Model):
    """A staff member's completion of a training topic on a date: recorded by the CQI lead, or from a training event."""

    staff = models.ForeignKey(StaffMember, on_delete=models.CASCADE, related_name="completions")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    topic = models.ForeignKey(TrainingTopic, on_delete=models.CASCADE, related_name="completions")
    completed_on = models.DateField()
    event = models.ForeignKey(Event, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = TeamOwned.as_manager()

    class Meta:
        ordering = ["staff", "topic", "-completed_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["staff", "topic", "completed_on"], name="training_completion_once_a_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.staff} completed {self.topic} on {self.completed_on}"
