from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from collaboratives.admin import ScopedAdmin
from measures.models import Measure, MonthlyReport, Observation, RunChartAnalysis


@admin.register(Measure)
class MeasureAdmin(ScopedAdmin):
    list_display = ["code", "name", "collaborative", "kind", "direction", "goal"]
    list_filter = ["collaborative", "kind"]


class ReadOnlyAdmin(ScopedAdmin, SimpleHistoryAdmin):
    """Viewed here, never written: a change goes through the services, which check the month's state and
    mark every affected run chart stale (issue 19, finding 5). No add, change, delete or history revert."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Observation)
class ObservationAdmin(ReadOnlyAdmin):
    list_display = ["team", "measure", "month", "numerator", "denominator"]
    list_filter = ["measure__collaborative", "measure"]


@admin.register(MonthlyReport)
class MonthlyReportAdmin(ReadOnlyAdmin):
    list_display = ["team", "month", "status", "submitted_at"]
    list_filter = ["status"]


@admin.register(RunChartAnalysis)
class RunChartAnalysisAdmin(ScopedAdmin):
    """Operators find stale and failed series here (failed ones show their last error)."""

    list_display = ["measure", "kind", "team", "awardee", "stale", "failed", "attempts", "computed_at"]
    list_filter = ["failed", "stale", "kind", "collaborative"]
    readonly_fields = [f.name for f in RunChartAnalysis._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
