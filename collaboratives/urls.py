from django.urls import path

from collaboratives import views

urlpatterns = [
    path("teams/", views.team_list, name="team-list"),
    path("collaboratives/<uuid:public_id>/", views.collaborative_detail, name="collaborative-detail"),
    path("lias/<uuid:public_id>/roster/", views.lia_roster, name="lia-roster"),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation-accept"),
]
