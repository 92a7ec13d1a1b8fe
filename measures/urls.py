import datetime as dt

from django.urls import path, register_converter
from rest_framework.routers import SimpleRouter

from collaboratives import months
from measures import api, views
from measures.views import coaching, control_api, dashboards, exports, funnel, imports, manage, reporting


class MonthConverter:
    """`YYYY-MM` in a URL, as the first day of that month; an impossible month is a 404."""

    regex = r"[0-9]{4}-[0-9]{2}"

    def to_python(self, value: str) -> dt.date:
        return months.parse(value)  # ValueError: no match, so 404

    def to_url(self, value: dt.date) -> str:
        return months.format(value)


register_converter(MonthConverter, "month")

urlpatterns = [
    path("", views.home, name="home"),
    path("teams/<uuid:public_id>/", views.team_detail, name="team-detail"),
    path("teams/<uuid:public_id>/data/", views.team_data_start, name="team-data"),
    path("teams/<uuid:public_id>/data/<month:month>/", views.team_data_month, name="team-data-month"),
    path(
        "collaboratives/<uuid:public_id>/dashboard/",
        dashboards.collaborative_dashboard,
        name="collaborative-dashboard",
    ),
    path(
        "collaboratives/<uuid:public_id>/dashboard/notes/",
        dashboards.collaborative_annotate,
        name="collaborative-annotate",
    ),
    path(
        "collaboratives/<uuid:public_id>/dashboard/<uuid:measure_id>/",
        dashboards.measure_small_multiples,
        name="measure-teams",
    ),
    path(
        "collaboratives/<uuid:public_id>/dashboard/<uuid:measure_id>/funnel/",
        funnel.measure_funnel,
        name="measure-funnel",
    ),
    path("coaching/phases/", coaching.phase_queue, name="phase-queue"),
    path("notes/<uuid:public_id>/", coaching.note_edit, name="note-edit"),
    path("notes/<uuid:public_id>/delete/", coaching.note_delete, name="note-delete"),
    path(
        "collaboratives/<uuid:public_id>/dashboard/table.csv",
        exports.dashboard_table_download,
        {"fmt": "csv"},
        name="dashboard-table-csv",
    ),
    path(
        "collaboratives/<uuid:public_id>/dashboard/table.xlsx",
        exports.dashboard_table_download,
        {"fmt": "xlsx"},
        name="dashboard-table-xlsx",
    ),
    path(
        "collaboratives/<uuid:public_id>/data.xlsx",
        exports.collaborative_workbook_download,
        name="collaborative-workbook",
    ),
    path("charts/<uuid:public_id>/", dashboards.chart_detail, name="chart-detail"),
    path("charts/<uuid:public_id>/fragment/", dashboards.chart_fragment, name="chart-fragment"),
    path("charts/<uuid:public_id>/phases/", dashboards.chart_phase, name="chart-phase"),
    path(
        "charts/<uuid:public_id>/phases/<month:month>/undo/",
        coaching.phase_decision_undo,
        name="phase-decision-undo",
    ),
    path("charts/<uuid:public_id>/notes/", dashboards.chart_annotate, name="chart-annotate"),
    path("charts/<uuid:public_id>/data.csv", dashboards.chart_csv, name="chart-csv"),
    path(
        "collaboratives/<uuid:public_id>/reporting/",
        reporting.collaborative_reporting,
        name="collaborative-reporting",
    ),
    path(
        "collaboratives/<uuid:public_id>/import/", imports.collaborative_import, name="collaborative-import"
    ),
    path(
        "collaboratives/<uuid:public_id>/import/template.csv",
        imports.import_template_download,
        {"fmt": "csv"},
        name="import-template-csv",
    ),
    path(
        "collaboratives/<uuid:public_id>/import/template.xlsx",
        imports.import_template_download,
        {"fmt": "xlsx"},
        name="import-template-xlsx",
    ),
    path("imports/<uuid:public_id>/", imports.data_import_preview, name="import-preview"),
    path("imports/<uuid:public_id>/commit/", imports.data_import_commit, name="import-commit"),
    path(
        "collaboratives/<uuid:public_id>/measures/",
        manage.measure_manage_list,
        name="measure-manage-list",
    ),
    path("collaboratives/<uuid:public_id>/measures/new/", manage.measure_new, name="measure-new"),
    path("measures/<uuid:public_id>/edit/", manage.measure_edit, name="measure-edit"),
    path(
        "teams/<uuid:public_id>/data/<month:month>/history/",
        manage.team_month_history,
        name="team-data-history",
    ),
]

router = SimpleRouter()
router.register("measures", api.MeasureViewSet, basename="api-measure")
router.register("observations", api.ObservationViewSet, basename="api-observation")
router.register("runcharts", api.RunChartViewSet, basename="api-runchart")

api_urlpatterns = [
    *router.urls,
    path("aggregates/", api.AggregateView.as_view(), name="api-aggregates"),
    path(
        "runcharts/<uuid:public_id>/control/",
        control_api.ControlChartView.as_view(),
        name="api-runchart-control",
    ),
    path("reporting-status/", api.ReportingStatusView.as_view(), name="api-reporting-status"),
    # The month is checked in the view, so an impossible one (2025-13) gets the API's JSON 404.
    path(
        "teams/<uuid:team_id>/months/<str:month>/observations/",
        api.ObservationPushView.as_view(),
        name="api-observation-push",
    ),
    path(
        "teams/<uuid:team_id>/months/<str:month>/submit/",
        api.MonthSubmitView.as_view(),
        name="api-month-submit",
    ),
]
