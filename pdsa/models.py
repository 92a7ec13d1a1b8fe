from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from collaboratives.models import ChangeIdea, Team, public_id_field
from collaboratives.scoping import TeamOwned
from measures.models import Measure

# A cycle's fields as teams are taught to fill them: what is tested, then Plan, Do, Study, Act. The
# form, the detail page and the services read this one list.
PHASES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("change", "The change you are testing", ("title", "change_idea", "other_change_idea", "measures")),
    (
        "plan",
        "Plan",
        (
            "objective",
            "question",
            "prediction",
            "plan_who",
            "plan_what",
            "plan_where",
            "plan_when",
            "data_to_collect",
            "planned_start",
            "planned_end",
        ),
    ),
    ("do", "Do", ("started_on", "what_happened", "observations", "problems")),
    ("study", "Study", ("results_vs_prediction", "learned")),
    ("act", "Act", ("decision", "next_step", "completed_on")),
)


class PDSACycle(models.Model):
    """A team's Plan-Do-Study-Act test of one change idea; cycles chain into ramps through `previous`.

    The text is private to the team, its awardee lead, its advisors and the collaborative's admins: the
    default team-scoped `visible_to` gives exactly that, and peers are never granted it.
    """

    class Status(models.TextChoices):
        PLANNING = "planning", "Planning"
        DOING = "doing", "Doing"
        STUDYING = "studying", "Studying"
        DONE = "done", "Done"

    class Decision(models.TextChoices):
        ADOPT = "adopt", "Adopt"
        ADAPT = "adapt", "Adapt"
        ABANDON = "abandon", "Abandon"

    public_id = public_id_field()
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="pdsa_cycles")
    change_idea = models.ForeignKey(
        ChangeIdea, on_delete=models.PROTECT, null=True, blank=True, related_name="pdsa_cycles"
    )
    other_change_idea = models.CharField(
        max_length=300, blank=True, help_text="A change not in the key driver diagram (an 'Other' idea)."
    )
    previous = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="next_cycles"
    )
    measures = models.ManyToManyField(Measure, blank=True, related_name="pdsa_cycles")
    title = models.CharField(max_length=200)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PLANNING)
    # Plan
    objective = models.TextField(blank=True)
    question = models.TextField(blank=True)
    prediction = models.TextField(blank=True)
    plan_who = models.TextField(blank=True)
    plan_what = models.TextField(blank=True)
    plan_where = models.TextField(blank=True)
    plan_when = models.TextField(blank=True)
    data_to_collect = models.TextField(blank=True)
    # Do
    what_happened = models.TextField(blank=True)
    observations = models.TextField(blank=True)
    problems = models.TextField(blank=True)
    # Study
    results_vs_prediction = models.TextField(blank=True)
    learned = models.TextField(blank=True)
    # Act
    decision = models.CharField(max_length=8, choices=Decision.choices, blank=True)
    next_step = models.TextField(blank=True)
    # Dates
    planned_start = models.DateField(null=True, blank=True)
    planned_end = models.DateField(null=True, blank=True)
    started_on = models.DateField(null=True, blank=True)
    completed_on = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()
    # Set before save() or delete(): who made the change and why, for simple_history's row of it.
    _history_user: AbstractBaseUser | None
    _change_reason: str

    objects = TeamOwned.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "PDSA cycle"
        constraints = [
            models.CheckConstraint(
                condition=Q(change_idea__isnull=False) | ~Q(other_change_idea=""),
                name="pdsa_has_change_idea_or_other",
            ),
            models.CheckConstraint(
                condition=~Q(status="done") | ~Q(decision=""), name="pdsa_done_has_decision"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def change_idea_text(self) -> str:
        return self.change_idea.text if self.change_idea is not None else self.other_change_idea


class PDSAReview(models.Model):
    """One request for an improvement advisor's review of a cycle, and (once given) the review itself.

    A team's submission creates the row; the advisor's comment and rubric complete it. Every submission
    keeps its row, so a cycle's review history is its rows in order. Submissions per month also give
    "N and % of teams submitting PDSAs monthly".
    """

    cycle = models.ForeignKey(PDSACycle, on_delete=models.CASCADE, related_name="reviews")
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="+")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    requested_at = models.DateTimeField()
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    comment = models.TextField(blank=True)
    # The PDSA quality rubric: each criterion met or not.
    prediction_stated = models.BooleanField(null=True, blank=True)
    small_scale = models.BooleanField(null=True, blank=True)
    data_planned = models.BooleanField(null=True, blank=True)
    study_compares = models.BooleanField(null=True, blank=True)
    act_explicit = models.BooleanField(null=True, blank=True)
    team_notified_at = models.DateTimeField(null=True, blank=True)
    advisors_notified_at = models.DateTimeField(null=True, blank=True)

    objects = TeamOwned.as_manager()

    RUBRIC = (
        ("prediction_stated", "Prediction stated"),
        ("small_scale", "Small scale"),
        ("data_planned", "Data collection planned"),
        ("study_compares", "Study compares results to the prediction"),
        ("act_explicit", "Explicit act decision"),
    )

    class Meta:
        ordering = ["requested_at", "id"]
        verbose_name = "PDSA review"
        constraints = [
            models.UniqueConstraint(
                fields=["cycle"], condition=Q(reviewed_at__isnull=True), name="pdsa_one_open_review_per_cycle"
            ),
        ]

    def __str__(self) -> str:
        return f"Review of {self.cycle}"

    @property
    def score(self) -> int | None:
        if self.reviewed_at is None:
            return None
        return sum(bool(getattr(self, name)) for name, _ in self.RUBRIC)

    @property
    def rubric_items(self) -> list[tuple[str, str, bool | None]]:
        return [(name, label, getattr(self, name)) for name, label in self.RUBRIC]


class PDSAAttachment(models.Model):
    """A file a team keeps with a cycle: a data sheet, a tally, a photo of the run chart on the wall."""

    public_id = public_id_field()
    cycle = models.ForeignKey(PDSACycle, on_delete=models.CASCADE, related_name="attachments")
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="+")
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    content = models.BinaryField()
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    objects = TeamOwned.as_manager()

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = "PDSA attachment"

    def __str__(self) -> str:
        return self.filename


class PDSAReviewMessage(models.Model):
    """A message in the conversation that follows an advisor's feedback: the team replies, the advisor answers."""

    public_id = public_id_field()
    review = models.ForeignKey(PDSAReview, on_delete=models.CASCADE, related_name="messages")
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    from_team = models.BooleanField(help_text="Written by the team (else by an advisor or admin).")
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TeamOwned.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = "PDSA review message"

    def __str__(self) -> str:
        return f"Message on {self.review}"
