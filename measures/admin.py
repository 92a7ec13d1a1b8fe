from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from collaboratives.admin import ScopedAdmin
from measures.models import Measure, MonthlyReport, Observation


@admin.register(Measure)
class MeasureAdmin(ScopedAdmin):
    list_display = ["code", "name", "collaborative", "kind", "direction", "goal"]
    list_filter = ["collaborative", "kind"]


@admin.register(Observation)
class ObservationAdmin(ScopedAdmin, SimpleHistoryAdmin):
    list_display = ["team", "measure", "month", "numerator", "denominator"]
    list_filter = ["measure__collaborative", "measure"]


@admin.register(MonthlyReport)
class MonthlyReportAdmin(ScopedAdmin, SimpleHistoryAdmin):
    list_display = ["team", "month", "status", "submitted_at"]
    list_filter = ["status"]
