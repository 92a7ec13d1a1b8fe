import uuid
from typing import Any

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from collaboratives import access
from collaboratives.models import Awardee, Collaborative, Role, Team, public_id_field
from collaboratives.scoping import CollaborativeOwned, ScopedQuerySet, TeamOwned
from pdsa.models import PDSACycle


class WorksheetTemplateQuerySet(ScopedQuerySet):
    """Templates are reference data, the same for every tenant: any signed-in person may read them."""

    def visible_to(self, user: Any) -> "WorksheetTemplateQuerySet":
        return self.all() if getattr(user, "is_authenticated", False) and user.is_active else self.none()


class WorksheetTemplate(models.Model):
    """One version of a worksheet's template (Joy in Work, closing planner): its sections and questions as data."""

    slug = models.SlugField(max_length=40)
    version = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=200)
    definition = models.JSONField(help_text="Sections and typed questions; see worksheets/definitions.py.")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = WorksheetTemplateQuerySet.as_manager()

    class Meta:
        ordering = ["slug", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["slug", "version"], name="worksheet_template_one_per_version")
        ]

    def __str__(self) -> str:
        return f"{self.title} (v{self.version})"


class WorksheetQuerySet(ScopedQuerySet):
    """Worksheet answers are never a peer's to read (DESIGN: tenancy).

    A team's Joy in Work worksheet is seen by its respondent; once shared (or when filled for the
    team) by everyone who sees the team: its LIA's people, advisors, awardee lead and collaborative
    admins. A closing planner is seen by its awardee's leads and the collaborative's admins only.
    """

    def visible_to(self, user: Any) -> "WorksheetQuerySet":
        if not getattr(user, "is_authenticated", False):
            return self.none()
        # A personal reflection is its author's until shared: not even platform staff read it.
        own_or_shared = Q(respondent=user) | Q(shared=True) | Q(respondent=None)
        if access.sees_everything(user):
            return self.filter(own_or_shared)
        team_visible = Q(team__in_set=access.visible_ids(user, "team")) & own_or_shared
        planner_visible = Q(team=None) & (
            Q(awardee__in_set=access.ids_with_role(user, Role.AWARDEE_LEAD))
            | Q(collaborative__in_set=access.ids_with_role(user, Role.COLLABORATIVE_ADMIN))
        )
        return self.filter(team_visible | planner_visible)


class Worksheet(models.Model):
    """A filled worksheet: a person's or a team's Joy in Work reflection, or an awardee's closing planner.

    Team worksheets carry `team` (and `respondent`, the person, unless filled for the whole team);
    closing planners carry `awardee` instead. `answers` were validated against `template`'s version.
    """

    public_id = public_id_field()
    template = models.ForeignKey(WorksheetTemplate, on_delete=models.PROTECT, related_name="worksheets")
    collaborative = models.ForeignKey(Collaborative, on_delete=models.PROTECT, related_name="worksheets")
    team = models.ForeignKey(Team, on_delete=models.PROTECT, null=True, blank=True, related_name="worksheets")
    awardee = models.ForeignKey(
        Awardee, on_delete=models.PROTECT, null=True, blank=True, related_name="worksheets"
    )
    respondent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="worksheets",
        help_text="The person who answers for themselves; empty when filled for the team.",
    )
    shared = models.BooleanField(
        default=False, help_text="A personal worksheet the respondent shared with the team's people."
    )
    answers = models.JSONField(default=dict, blank=True)
    pdsa_cycle = models.ForeignKey(
        PDSACycle,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The draft PDSA cycle made from this worksheet's plan.",
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()
    # Set before save() or delete(): who made the change and why, for simple_history's row of it.
    _history_user: AbstractBaseUser | None
    _change_reason: str

    objects = WorksheetQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(team__isnull=False, awardee__isnull=True)
                | Q(team__isnull=True, awardee__isnull=False, respondent__isnull=True),
                name="worksheet_team_or_awardee",
            ),
            models.UniqueConstraint(
                fields=["template", "team", "respondent"],
                condition=Q(respondent__isnull=False),
                name="worksheet_one_per_person_and_team",
            ),
            models.UniqueConstraint(
                fields=["template", "team"],
                condition=Q(team__isnull=False, respondent__isnull=True),
                name="worksheet_one_per_team",
            ),
            models.UniqueConstraint(
                fields=["template", "awardee", "collaborative"],
                condition=Q(awardee__isnull=False),
                name="worksheet_one_planner_per_awardee",
            ),
        ]

    def __str__(self) -> str:
        owner = self.respondent or self.team or self.awardee
        return f"{self.template.title}: {owner}"

    @property
    def is_personal(self) -> bool:
        return self.respondent_id is not None


# --- Staff well-being pulse survey (docs/survey.md) ---
# The smallest number of responses any survey result is shown from; a collaborative may only raise it.
SURVEY_MIN_RESPONSES_FLOOR = 5


class SurveyInstrument(models.Model):
    """A collaborative's monthly staff well-being pulse survey, and how many responses a result needs."""

    public_id = public_id_field()
    collaborative = models.OneToOneField(
        Collaborative, on_delete=models.CASCADE, related_name="survey_instrument"
    )
    min_responses = models.PositiveSmallIntegerField(
        default=SURVEY_MIN_RESPONSES_FLOOR,
        validators=[MinValueValidator(SURVEY_MIN_RESPONSES_FLOOR)],
        help_text="Results of a team's month are shown only from this many responses up (5 or more).",
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = CollaborativeOwned.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(min_responses__gte=SURVEY_MIN_RESPONSES_FLOOR),
                name="survey_instrument_threshold_at_least_5",
            )
        ]

    def __str__(self) -> str:
        return f"Staff well-being survey of {self.collaborative.short_name}"


class SurveyItem(models.Model):
    """One question of the survey: its wording in English and Spanish, answers, counted answers, measure fed.

    `choices` is a list of {"value", "en", "es"}; `top_box` the values that count toward the measure.
    """

    public_id = public_id_field()
    instrument = models.ForeignKey(SurveyInstrument, on_delete=models.CASCADE, related_name="items")
    collaborative = models.ForeignKey(Collaborative, on_delete=models.CASCADE, related_name="+")
    order = models.PositiveSmallIntegerField(default=0)
    code = models.SlugField(max_length=30)
    text_en = models.TextField("question (English)")
    text_es = models.TextField("question (Spanish)")
    choices = models.JSONField()
    top_box = models.JSONField()
    measure = models.ForeignKey(
        "measures.Measure",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The proportion measure whose monthly value is this item's top-box share.",
    )

    objects = CollaborativeOwned.as_manager()

    class Meta:
        ordering = ["instrument", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["instrument", "code"], name="survey_item_code_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.code}: {self.text_en}"


class SurveyWindow(models.Model):
    """One team's survey month: the days it is open, how many staff are asked, and the questions asked.

    `items` is the instrument as it stood when the window was opened (later edits apply to later months).
    """

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    public_id = public_id_field()
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="survey_windows")
    month = models.DateField(help_text="First day of the month the answers describe.")
    opens_on = models.DateField()
    closes_on = models.DateField(help_text="Last day a link can be answered.")
    staff_count = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1)], help_text="Home visitors and supervisors asked this month."
    )
    items = models.JSONField()
    min_responses = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(SURVEY_MIN_RESPONSES_FLOOR)]
    )
    status = models.CharField(max_length=6, choices=Status.choices, default=Status.OPEN)
    closed_on = models.DateField(null=True, blank=True)
    outcome = models.TextField(blank=True, help_text="What closing the window did with the answers.")

    objects = TeamOwned.as_manager()

    class Meta:
        ordering = ["team", "-month"]
        constraints = [
            models.UniqueConstraint(fields=["team", "month"], name="survey_window_one_per_team_month"),
            models.CheckConstraint(condition=Q(month__day=1), name="survey_window_month_is_first_day"),
            models.CheckConstraint(
                condition=Q(closes_on__gte=F("opens_on")), name="survey_window_closes_after_opening"
            ),
            models.CheckConstraint(
                condition=Q(min_responses__gte=SURVEY_MIN_RESPONSES_FLOOR),
                name="survey_window_threshold_at_least_5",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.team} survey {self.month:%Y-%m}"


SURVEY_SCHEDULE_LATEST_DAY = 28  # every month has a 28th
SURVEY_SCHEDULE_MAX_DAYS = 28


class SurveySchedule(models.Model):
    """A team's standing order: open its survey month each month on `day`, for `days_open` days, asking
    `staff_count` staff (worksheets/survey/services.py, `survey_windows_open_scheduled`)."""

    team = models.OneToOneField(Team, on_delete=models.CASCADE, related_name="survey_schedule")
    day = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(SURVEY_SCHEDULE_LATEST_DAY)],
        help_text="Day of the month the survey opens (1 to 28).",
    )
    days_open = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(SURVEY_SCHEDULE_MAX_DAYS)],
        help_text="How many days it stays open (1 to 28).",
    )
    staff_count = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1)], help_text="Home visitors and supervisors asked each month."
    )

    objects = TeamOwned.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(day__gte=1, day__lte=SURVEY_SCHEDULE_LATEST_DAY),
                name="survey_schedule_day_1_to_28",
            ),
            models.CheckConstraint(
                condition=Q(days_open__gte=1, days_open__lte=SURVEY_SCHEDULE_MAX_DAYS),
                name="survey_schedule_days_open_1_to_28",
            ),
            models.CheckConstraint(condition=Q(staff_count__gte=1), name="survey_schedule_staff_at_least_1"),
        ]

    def __str__(self) -> str:
        return f"{self.team} survey on day {self.day} for {self.days_open} days"


class SurveyLink(models.Model):
    """A single-use survey link handed to one staff member: only its token's hash, never who received it.

    The key is random, so row order says nothing about the order the links were printed or sent in.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    window = models.ForeignKey(SurveyWindow, on_delete=models.CASCADE, related_name="links")
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    used = models.BooleanField(default=False)

    objects = TeamOwned.as_manager()

    def __str__(self) -> str:
        return f"survey link of {self.window}"


class SurveyResponse(models.Model):
    """One staff member's answers to one month's survey: no link, person, address, browser or time of day."""

    class Role(models.TextChoices):
        HOME_VISITOR = "home_visitor", "Home visitor"
        SUPERVISOR = "supervisor", "Supervisor"
        NOT_SAID = "", "Prefer not to say"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    window = models.ForeignKey(SurveyWindow, on_delete=models.CASCADE, related_name="responses")
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=12, choices=Role.choices, blank=True)
    answers = models.JSONField(help_text="{item code: answer value}")
    submitted_on = models.DateField(help_text="The day only: a finer time could be matched to a person.")

    objects = TeamOwned.as_manager()

    def __str__(self) -> str:
        return f"survey response to {self.window}"


class SurveyComment(models.Model):
    """A comment left with a survey response, kept apart from its answers so the two cannot be matched."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    window = models.ForeignKey(SurveyWindow, on_delete=models.CASCADE, related_name="comments")
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(max_length=2000)

    objects = TeamOwned.as_manager()

    def __str__(self) -> str:
        return f"survey comment on {self.window}"
