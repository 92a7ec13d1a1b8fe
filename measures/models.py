import functools
import operator
from typing import Any

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from collaboratives import access
from collaboratives.models import Awardee, Collaborative, Team, public_id_field
from collaboratives.scoping import CollaborativeOwned, ScopedQuerySet, TeamOwned
from measures.points import PointsField, TextJSONField


class Measure(models.Model):
    """A measure a collaborative's teams report monthly, with its operational definitions."""

    class Kind(models.TextChoices):
        PROPORTION = "proportion", "Proportion (numerator / denominator, shown as %)"
        MEAN = "mean", "Mean score (sum of scores / number of scores)"
        COUNT = "count", "Count"
        MEDIAN = "median", "Median (middle value of the month's cases)"

    class Direction(models.TextChoices):
        UP = "up", "Higher is better"
        DOWN = "down", "Lower is better"

    class ChartType(models.TextChoices):
        RUN = "run", "Run chart"
        P = "p", "p chart (proportion)"
        PP = "pp", "p′ chart (Laney: proportion with large denominators)"
        U = "u", "u chart (rate)"
        UP = "up", "u′ chart (Laney: rate with large denominators)"
        INDIVIDUALS = "i", "I chart (individual values)"
        MR = "mr", "MR chart (moving ranges)"
        C = "c", "c chart (count)"

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
    data_source = models.CharField(
        max_length=200,
        blank=True,
        help_text="Where the numbers come from, e.g. the monthly staff well-being survey.",
    )
    active_from = models.DateField(null=True, blank=True, help_text="First month this measure is reported.")
    active_to = models.DateField(null=True, blank=True, help_text="Last month this measure is reported.")
    order = models.PositiveSmallIntegerField(default=0)
    chart_type = models.CharField(
        max_length=3,
        choices=ChartType.choices,
        default=ChartType.RUN,
        help_text="The chart its pages open with; a control chart must suit the kind (docs/control-charts.md).",
    )
    recorded_by_platform = models.BooleanField(
        default=False,
        help_text="The platform records its values (e.g. learning-event attendance); teams do not enter them.",
    )
    sensitive = models.BooleanField(
        default=False,
        help_text="Small counts could identify families or staff (e.g. IPV disclosures): suppress them "
        "outside the team.",
    )

    objects = CollaborativeOwned.as_manager()

    class Meta:
        ordering = ["collaborative", "order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["collaborative", "code"], name="measure_code_unique_in_collab"),
            models.CheckConstraint(
                condition=~Q(kind="mean") | Q(scale_max__isnull=False), name="measure_mean_has_scale"
            ),
            # Small-cell suppression works on counts that add up across teams; a median does not.
            models.CheckConstraint(
                condition=~Q(kind="median") | Q(sensitive=False), name="measure_median_not_sensitive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code}: {self.name}"

    @property
    def display_multiplier(self) -> int:
        return 100 if self.kind == self.Kind.PROPORTION else 1

    @property
    def control_chart_types(self) -> tuple[str, ...]:
        """The control charts that suit this kind of measure, the suggested one first."""
        return CONTROL_CHARTS_BY_KIND[self.kind]


# p′ for proportions (monthly denominators in home visiting are often large enough to over-disperse),
# I for mean scores, c for a team's counts (u′ for pooled counts: a rate per reporting team).
CONTROL_CHARTS_BY_KIND: dict[str, tuple[str, ...]] = {
    Measure.Kind.PROPORTION: ("pp", "p"),
    Measure.Kind.MEAN: ("i", "mr"),
    Measure.Kind.COUNT: ("c", "up", "u", "i"),
    # A median's spread is not the binomial's or the Poisson's, and limits on it are not our contract.
    Measure.Kind.MEDIAN: (),
}


class Observation(models.Model):
    """One team's reported numerator and denominator for one measure in one month."""

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="observations")
    measure = models.ForeignKey(Measure, on_delete=models.PROTECT, related_name="observations")
    month = models.DateField(help_text="First day of the reported month.")
    numerator = models.PositiveIntegerField(null=True, blank=True)
    denominator = models.PositiveIntegerField(null=True, blank=True)
    cases = models.JSONField(
        null=True,
        blank=True,
        help_text='A median measure\'s month: how many cases took each whole value, {"value": count}. '
        "The numerator is then the number of cases, and the median is computed from these.",
    )
    not_applicable = models.BooleanField(
        default=False,
        help_text="The measure does not apply to the team this month: not 0, and not missing data.",
    )
    note = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    history = HistoricalRecords()
    # Set before save() or delete(): who made the change and why, for simple_history's row of it.
    _history_user: AbstractBaseUser | None
    _change_reason: str

    objects = TeamOwned.as_manager()

    class Meta:
        ordering = ["team", "measure", "month"]
        # A series spans up to the measure's latest reported month: a save checks it, and recomputes read it.
        indexes = [models.Index(fields=["measure", "month"], name="observation_measure_month")]
        constraints = [
            models.UniqueConstraint(fields=["team", "measure", "month"], name="observation_one_per_cell"),
            models.CheckConstraint(condition=Q(month__day=1), name="observation_month_is_first_day"),
            models.CheckConstraint(
                condition=Q(not_applicable=False) | Q(numerator__isnull=True, denominator__isnull=True),
                name="observation_not_applicable_has_no_values",
            ),
            models.CheckConstraint(
                condition=Q(not_applicable=False) | Q(cases__isnull=True),
                name="observation_not_applicable_has_no_cases",
            ),
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
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reopened_at = models.DateTimeField(null=True, blank=True)
    reopened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reopen_reason = models.TextField(blank=True)
    history = HistoricalRecords()
    # Set before save() or delete(): who made the change and why, for simple_history's row of it.
    _history_user: AbstractBaseUser | None
    _change_reason: str

    objects = TeamOwned.as_manager()

    class Meta:
        ordering = ["team", "month"]
        constraints = [
            models.UniqueConstraint(fields=["team", "month"], name="report_one_per_team_month"),
            models.CheckConstraint(condition=Q(month__day=1), name="report_month_is_first_day"),
        ]

    def __str__(self) -> str:
        return f"{self.team} {self.month:%Y-%m} ({self.status})"


class RunChartAnalysisQuerySet(ScopedQuerySet):
    """Run charts are the one team-owned record peers may see, as the collaborative's setting says."""

    scope_field = "collaborative"
    scope_kind = "collaborative"

    def visible_to(self, user: Any, *, kind: str | None = None) -> "RunChartAnalysisQuerySet":
        """With `kind`, only that kind's charts, and only its branch of the rule: the same rows as
        `.visible_to(user).filter(kind=kind)`, planned without the other kinds' clauses (the
        dashboard and the aggregate API each read one kind, and planning cost more than running)."""
        if access.sees_everything(user):
            return self.all() if kind is None else self.filter(kind=kind)
        teams, collaboratives = access.visible_ids(user, "team"), access.visible_ids(user, "collaborative")
        k = RunChartAnalysis.Kind
        branches = {
            k.TEAM: Q(team__in_set=teams)
            | (
                Q(collaborative__in_set=collaboratives)
                & ~Q(collaborative__peer_visibility=Collaborative.PeerVisibility.HIDDEN)
            ),
            k.COLLABORATIVE: Q(collaborative__in_set=collaboratives),
            k.AWARDEE: Q(
                awardee__in_set=access.visible_ids(user, "awardee"), collaborative__in_set=collaboratives
            ),
        }
        if kind is not None:
            return self.filter(branches[k(kind)], kind=kind)
        return self.filter(
            functools.reduce(operator.or_, (Q(branch, kind=key) for key, branch in branches.items()))
        )


class RunChartAnalysis(models.Model):
    """The stored run-chart analysis of one series: a team's, or an aggregate over teams, for one measure.

    `generation` counts data changes; a worker stores its result only if the generation it read is
    still current, so a slow recompute never overwrites a newer one.
    """

    class Kind(models.TextChoices):
        TEAM = "team", "Team"
        COLLABORATIVE = "collaborative", "Collaborative aggregate"
        AWARDEE = "awardee", "Awardee aggregate"

    public_id = public_id_field()
    kind = models.CharField(max_length=14, choices=Kind.choices)
    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="analyses")
    collaborative = models.ForeignKey(Collaborative, on_delete=models.CASCADE, related_name="analyses")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, null=True, blank=True, related_name="analyses")
    awardee = models.ForeignKey(
        Awardee, on_delete=models.CASCADE, null=True, blank=True, related_name="analyses"
    )
    first_month = models.DateField(null=True, blank=True, help_text="Month of period index 0.")
    result = TextJSONField(null=True, blank=True, help_text="The engine's to_dict().")
    points = PointsField(
        default=list, blank=True, help_text="Per period: month, numerator, denominator, value."
    )
    summary = models.JSONField(default=dict, blank=True, help_text="Aggregate figures (docs/runchart.md §8).")
    params_version = models.CharField(max_length=100, blank=True)
    input_digest = models.CharField(max_length=64, blank=True)
    generation = models.PositiveIntegerField(default=1)
    computed_generation = models.PositiveIntegerField(default=0)
    computed_at = models.DateTimeField(null=True, blank=True)
    stale = models.BooleanField(default=True)
    stale_since = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    failed = models.BooleanField(default=False)
    last_error = models.TextField(blank=True)

    objects = RunChartAnalysisQuerySet.as_manager()

    class Meta:
        ordering = ["measure", "kind", "id"]
        verbose_name_plural = "run chart analyses"
        constraints = [
            models.UniqueConstraint(
                fields=["measure", "team"], condition=Q(kind="team"), name="analysis_one_per_team"
            ),
            models.UniqueConstraint(
                fields=["measure"], condition=Q(kind="collaborative"), name="analysis_one_per_collab"
            ),
            models.UniqueConstraint(
                fields=["measure", "awardee"], condition=Q(kind="awardee"), name="analysis_one_per_awardee"
            ),
            models.CheckConstraint(
                condition=Q(kind="team", team__isnull=False, awardee__isnull=True)
                | Q(kind="collaborative", team__isnull=True, awardee__isnull=True)
                | Q(kind="awardee", team__isnull=True, awardee__isnull=False),
                name="analysis_series_matches_kind",
            ),
        ]
        # No index on `stale`: each save and every recompute flips it, and an indexed column turns those
        # updates from in-page (HOT) ones into inserts in all ten indexes. The sweep scans the narrow heap.

    def __str__(self) -> str:
        owner = self.team or self.awardee or self.collaborative
        return f"{self.measure.code} · {owner} ({self.get_kind_display()})"


class PhaseDecision(models.Model):
    """A person's decision about a run chart's phases: a manual phase start, or a suggested one confirmed or rejected.

    Once a series has any decision, its confirmed and manual starts are the phase list (docs/runchart.md §7.4).
    """

    class Decision(models.TextChoices):
        MANUAL = "manual", "Manual phase start"
        CONFIRMED = "confirmed", "Suggested phase confirmed"
        REJECTED = "rejected", "Suggested phase rejected"

    analysis = models.ForeignKey(RunChartAnalysis, on_delete=models.CASCADE, related_name="phase_decisions")
    collaborative = models.ForeignKey(Collaborative, on_delete=models.CASCADE, related_name="+")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    start_month = models.DateField()
    decision = models.CharField(max_length=10, choices=Decision.choices)
    reason = models.TextField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    decided_at = models.DateTimeField(auto_now_add=True)
    # Every decision made, changed or undone, with who and (for an undo) why: the chart's phase history.
    history = HistoricalRecords()
    # Set before save() or delete(): who made the change and why, for simple_history's row of it.
    _history_user: AbstractBaseUser | None
    _change_reason: str

    objects = CollaborativeOwned.as_manager()

    class Meta:
        ordering = ["analysis", "start_month"]
        constraints = [
            models.UniqueConstraint(fields=["analysis", "start_month"], name="phase_decision_one_per_month"),
            models.CheckConstraint(condition=Q(start_month__day=1), name="phase_decision_month_is_first_day"),
        ]

    def __str__(self) -> str:
        return f"{self.get_decision_display()} at {self.start_month:%Y-%m}"


class DataImport(models.Model):
    """A CSV or XLSX file of monthly data that a person uploaded: previewed, then committed or left."""

    public_id = public_id_field()
    collaborative = models.ForeignKey(Collaborative, on_delete=models.CASCADE, related_name="data_imports")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    filename = models.CharField(max_length=255)
    content = models.BinaryField(help_text="The file as uploaded, re-validated at commit.")
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    committed_at = models.DateTimeField(null=True, blank=True)
    summary = models.JSONField(
        default=dict, blank=True, help_text="Counts of new, changed and unchanged cells."
    )

    objects = CollaborativeOwned.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.filename} ({self.created_at:%Y-%m-%d})"


class ReportReminder(models.Model):
    """One notice about one team's monthly report: due soon or overdue (to the team), or submitted (to the advisor).

    Unique per (team, month, kind), and claimed by a conditional update of `sent_at`, so it is sent once.
    """

    class Kind(models.TextChoices):
        DUE_SOON = "due_soon", "Due soon"
        OVERDUE = "overdue", "Overdue"
        SUBMITTED = "submitted", "Submitted (to the advisor)"

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="reminders")
    month = models.DateField()
    kind = models.CharField(max_length=10, choices=Kind.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    recipients = models.JSONField(default=list, blank=True)

    objects = TeamOwned.as_manager()

    class Meta:
        ordering = ["-month", "team"]
        constraints = [
            models.UniqueConstraint(fields=["team", "month", "kind"], name="reminder_once_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.team} {self.month:%Y-%m}"


class ChartAnnotationQuerySet(ScopedQuerySet):
    """A team's note shows to those who see the team; a collaborative-wide note to everyone in it."""

    scope_field = "collaborative"
    scope_kind = "collaborative"

    def visible_to(self, user: Any) -> "ChartAnnotationQuerySet":
        if access.sees_everything(user):
            return self.all()
        return self.filter(
            Q(team__in_set=access.visible_ids(user, "team"))
            | Q(team__isnull=True, collaborative__in_set=access.visible_ids(user, "collaborative"))
        )


class ChartAnnotation(models.Model):
    """A note on a month of the run charts: a team's ("new intake form") or collaborative-wide ("Learning Session 2")."""

    public_id = public_id_field()
    collaborative = models.ForeignKey(Collaborative, on_delete=models.CASCADE, related_name="annotations")
    team = models.ForeignKey(
        Team, on_delete=models.CASCADE, null=True, blank=True, related_name="annotations"
    )
    measure = models.ForeignKey(
        Measure, on_delete=models.CASCADE, null=True, blank=True, related_name="annotations",
        help_text="Blank: the note shows on every measure's chart.",
    )  # fmt: skip
    month = models.DateField()
    text = models.CharField(max_length=120)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ChartAnnotationQuerySet.as_manager()

    class Meta:
        ordering = ["month", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(month__day=1), name="annotation_month_is_first_day")
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}: {self.text}"


class DashboardChange(models.Model):
    """A write that changed what a collaborative's dashboard shows (a chart stored or marked stale, a team
    renamed, a month submitted, a note added). The newest id is the version its cached parts are kept
    under (`measures/page_cache.py`): rows are only inserted, so writers never wait on each other, and a
    change becomes visible with the transaction that made it."""

    # No database constraint: deleting a collaborative deletes its teams first, and each of those
    # deletions records a change of the collaborative about to go. Rows left behind are pruned.
    collaborative = models.ForeignKey(
        Collaborative, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    objects = CollaborativeOwned.as_manager()

    class Meta:
        indexes = [models.Index(fields=["collaborative", "-id"], name="dashboard_change_latest")]

    def __str__(self) -> str:
        return f"change {self.id} of collaborative {self.collaborative_id}"
