from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from collaboratives import access
from collaboratives.models import Awardee, Collaborative, Role, Team, public_id_field
from collaboratives.scoping import ScopedQuerySet
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
