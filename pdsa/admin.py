from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from collaboratives.admin import ScopedAdmin
from pdsa.models import PDSACycle, PDSAReview


class PDSAReviewInline(admin.TabularInline):
    model = PDSAReview
    extra = 0
    readonly_fields = ("requested_at", "requested_by", "reviewed_at", "reviewer", "comment",
                       "advisors_notified_at", "team_notified_at")  # fmt: skip
    fields = readonly_fields
    can_delete = False


@admin.register(PDSACycle)
class PDSACycleAdmin(ScopedAdmin, SimpleHistoryAdmin):
    """For support staff: the same cycles the person sees on the site, with their change history."""

    list_display = ["title", "team", "change_idea", "status", "decision", "started_on", "completed_on"]
    list_filter = ["status", "decision", "team__collaborative"]
    search_fields = ["title", "team__lia__name"]
    raw_id_fields = ["team", "change_idea", "previous", "created_by"]
    filter_horizontal = ["measures"]
    inlines = [PDSAReviewInline]
