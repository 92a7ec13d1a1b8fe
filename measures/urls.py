import datetime as dt

from django.urls import path, register_converter

from measures import views


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
]
