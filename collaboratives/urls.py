from django.urls import path
from rest_framework.routers import SimpleRouter

from collaboratives import api, views

urlpatterns = [
    path("teams/", views.team_list, name="team-list"),
    path("collaboratives/<uuid:public_id>/", views.collaborative_detail, name="collaborative-detail"),
    path("lias/<uuid:public_id>/roster/", views.lia_roster, name="lia-roster"),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation-accept"),
    path("api-tokens/", views.api_token_list, name="api-token-list"),
    path("api-tokens/<uuid:public_id>/revoke/", views.api_token_revoke, name="api-token-revoke"),
]

router = SimpleRouter()
router.register("collaboratives", api.CollaborativeViewSet, basename="api-collaborative")
router.register("teams", api.TeamViewSet, basename="api-team")

api_urlpatterns = router.urls
