from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from collaboratives.admin import ScopedAdmin
from worksheets.models import Worksheet, WorksheetTemplate


@admin.register(WorksheetTemplate)
class WorksheetTemplateAdmin(ScopedAdmin):
    """Template versions are reference data, the same for every tenant, and never edited once stored."""

    list_display = ["title", "slug", "version", "created_at"]
    readonly_fields = ["slug", "version", "title", "definition", "created_at"]


@admin.register(Worksheet)
class WorksheetAdmin(ScopedAdmin, SimpleHistoryAdmin):
    list_display = ["template", "collaborative", "team", "awardee", "respondent", "shared", "updated_at"]
    list_filter = ["template", "collaborative"]
    readonly_fields = ["answers", "pdsa_cycle"]
