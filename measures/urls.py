import datetime as dt

from django.urls import path, register_converter

from measures import views
from measures.views import dashboards


class MonthConverter:
    """`YYYY-MM` in a URL, as the first day of that month; an impossible month is a 404."""

    regex = r"[0-9]{4}-[0-9]{2}"

    def to_python(self, value: str) -> dt.date:
        return dt.datetime.strptime(value, "%Y-%m").date()  # ValueError: no match, so 404

    def to_url(self, value: dt.date) -> str:
        return f"{value:%Y-%m}"


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
    path("charts/<uuid:public_id>/", dashboards.chart_detail, name="chart-detail"),
    path("charts/<uuid:public_id>/fragment/", dashboards.chart_fragment, name="chart-fragment"),
    path("charts/<uuid:public_id>/phases/", dashboards.chart_phase, name="chart-phase"),
    path("charts/<uuid:public_id>/notes/", dashboards.chart_annotate, name="chart-annotate"),
    path("charts/<uuid:public_id>/data.csv", dashboards.chart_csv, name="chart-csv"),
]
