from django.urls import path

from measures import views

urlpatterns = [
    path("", views.home, name="home"),
    path("teams/<uuid:public_id>/", views.team_detail, name="team-detail"),
]
