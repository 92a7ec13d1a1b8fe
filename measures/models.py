from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from collaboratives.models import Collaborative, Team, public_id_field
from collaboratives.scoping import scoped_queryset


class Measure(models.Model):
    """A measure a collaborative's teams report monthly, with its operational definitions."""

    class Kind(models.TextChoices):
        PROPORTION = "proportion", "Proportion (numerator / denominator, shown as %)"
        MEAN = "mean", "Mean score (sum of scores / number of scores)"
        COUNT = "count", "Count"

    class Direction(models.TextChoices):
        UP = "up", "Higher is better"
        DOWN = "down", "Lower is better"

    public_id = public_id_field()
    collaborative = models.ForeignKey(Collaborative, on_delete=models.PROTECT, related_name="measures")
    code = models.SlugField(max_length=30)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.PROPORTION)
    direction = models.CharField(max_length=4, choices=Direction.choices, default=Direction.UP)
    goal = models.DecimalField(
        max_digits=9, decimal_places=3, null=True, blank=True, help_text="In display units, e.g. 85 for 85%."
    )
    numerator_definition = models.TextField()
    denominator_definition = models.TextField(blank=True)
    scale_max = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="Highest score one answer can take, for mean-score measures (e.g. 6).",
    )
    order = models.PositiveSmallIntegerField(default=0)

    objects = scoped_queryset("collaborative", "collaborative").as_manager()

    class Meta:
        ordering = ["collaborative", "order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["collaborative", "code"], name="measure_code_unique_in_collab"),
            models.CheckConstraint(
                condition=~Q(kind="mean") | Q(scale_max__isnull=False), name="measure_mean_has_scale"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code}: {self.name}"

    @property
    def display_multiplier(self) -> int:
        return 100 if self.kind == self.Kind.PROPORTION else 1


class Observation(models.Model):
    """One team's reported numerator and denominator for one measure in one month."""

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="observations")
    measure = models.ForeignKey(Measure, on_delete=models.PROTECT, related_name="observations")
    month = models.DateField(help_text="First day of the reported month.")
    numerator = models.PositiveIntegerField(null=True, blank=True)
    denominator = models.PositiveIntegerField(null=True, blank=True)
    note = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    history = HistoricalRecords()

    objects = scoped_queryset("team", "team").as_manager()

    class Meta:
        ordering = ["team", "measure", "month"]
        constraints = [
            models.UniqueConstraint(fields=["team", "measure", "month"], name="observation_one_per_cell"),
            models.CheckConstraint(condition=Q(month__day=1), name="observation_month_is_first_day"),
        ]

    def __str__(self) -> str:
        return f"{self.team} {self.measure.code} {self.month:%Y-%m}: {self.numerator}/{self.denominator}"


class MonthlyReport(models.Model):
    """A team's report for one month: draft until submitted; reporting rates are counted from these."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="monthly_reports")
    month = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    history = HistoricalRecords()

    objects = scoped_queryset("team", "team").as_manager()

    class Meta:
        ordering = ["team", "month"]
        constraints = [
            models.UniqueConstraint(fields=["team", "month"], name="report_one_per_team_month"),
            models.CheckConstraint(condition=Q(month__day=1), name="report_month_is_first_day"),
        ]

    def __str__(self) -> str:
        return f"{self.team} {self.month:%Y-%m} ({self.status})"
