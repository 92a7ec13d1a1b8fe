from django.urls import path
from rest_framework.routers import SimpleRouter

from collaboratives import api, views
from collaboratives.learning import urls as learning_urls
from collaboratives.manage import views as manage_views

urlpatterns = [
    path("teams/", views.team_list, name="team-list"),
    path("collaboratives/<uuid:public_id>/", views.collaborative_detail, name="collaborative-detail"),
    path("lias/<uuid:public_id>/roster/", views.lia_roster, name="lia-roster"),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation-accept"),
    path("api-tokens/", views.api_token_list, name="api-token-list"),
    path("api-tokens/<uuid:public_id>/revoke/", views.api_token_revoke, name="api-token-revoke"),
    path("notifications/", views.notification_list, name="notification-list"),
    path("notifications/read-all/", views.notification_read_all, name="notification-read-all"),
    path("notifications/<uuid:public_id>/open/", views.notification_open, name="notification-open"),
]

router = SimpleRouter()
router.register("collaboratives", api.CollaborativeViewSet, basename="api-collaborative")
router.register("teams", api.TeamViewSet, basename="api-team")

api_urlpatterns = [*router.urls, path("me/", api.MeView.as_view(), name="api-me")]
# The key driver diagram and its editing (issue 6).
urlpatterns += [
    path("collaboratives/<uuid:public_id>/kdd/", views.kdd_detail, name="kdd-detail"),
    path("collaboratives/<uuid:public_id>/kdd/edit/", views.kdd_edit, name="kdd-edit"),
    path("collaboratives/<uuid:public_id>/kdd/aims/<int:number>/", views.kdd_aim_edit, name="kdd-aim-edit"),
    path("kdd/drivers/<uuid:public_id>/", views.kdd_driver_edit, name="kdd-driver-edit"),
    path("kdd/ideas/<uuid:public_id>/", views.kdd_idea_edit, name="kdd-idea-edit"),
]
# The learning calendar, library and training plan (issue 25).
urlpatterns += learning_urls.urlpatterns
# Running a collaborative without the Django admin (issue 21).
urlpatterns += [
    path(
        "collaboratives/<uuid:public_id>/manage/",
        manage_views.collaborative_manage,
        name="collaborative-manage",
    ),
    path(
        "collaboratives/<uuid:public_id>/manage/enrol/",
        manage_views.collaborative_enrol,
        name="collaborative-enrol",
    ),
    path(
        "collaboratives/<uuid:public_id>/manage/advisors/",
        manage_views.collaborative_assign_advisor,
        name="collaborative-assign-advisor",
    ),
    path(
        "collaboratives/<uuid:public_id>/manage/invite/",
        manage_views.collaborative_invite,
        name="collaborative-invite",
    ),
    path(
        "manage/memberships/<uuid:public_id>/end/",
        manage_views.membership_end,
        name="membership-end",
    ),
    path("account/", manage_views.account_profile, name="account-profile"),
    path("teams/<uuid:public_id>/withdraw/", manage_views.team_withdraw, name="team-withdraw"),
    path(
        "manage/invitations/<uuid:public_id>/resend/",
        manage_views.invitation_resend,
        name="invitation-resend",
    ),
    path(
        "manage/invitations/<uuid:public_id>/revoke/",
        manage_views.invitation_revoke,
        name="invitation-revoke",
    ),
]
