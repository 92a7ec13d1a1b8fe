from django.urls import path

from referrals import api, views

urlpatterns = [
    path("refer/", views.self_referral, name="referral-self"),
    path("refer/status/", views.referral_status, name="referral-status"),
    path("referrals/", views.referral_home, name="referral-home"),
    path("referrals/networks/<uuid:public_id>/queue/", views.hub_queue, name="referral-queue"),
    path("referrals/networks/<uuid:public_id>/intake/", views.program_intake, name="referral-intake"),
    path("referrals/networks/<uuid:public_id>/partner/", views.partner_referrals, name="referral-partner"),
    path("referrals/networks/<uuid:public_id>/directory/", views.directory, name="referral-directory"),
    path("referrals/networks/<uuid:public_id>/dashboard/", views.dashboard, name="referral-dashboard"),
    path("referrals/programs/<uuid:public_id>/edit/", views.program_edit, name="referral-program-edit"),
    path("referrals/r/<uuid:public_id>/", views.referral_detail, name="referral-detail"),
    path("referrals/r/<uuid:public_id>/<slug:action>/", views.referral_action, name="referral-action"),
]

api_urlpatterns = [
    path("fhir/referrals/", api.FhirReferralCreate.as_view(), name="api-fhir-referral-create"),
    path("fhir/Task/<uuid:public_id>/", api.FhirTaskDetail.as_view(), name="api-fhir-task"),
    path("hsds/networks/<uuid:public_id>/", api.HsdsDirectory.as_view(), name="api-hsds-directory"),
]
