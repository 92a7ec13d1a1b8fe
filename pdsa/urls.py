from django.urls import path
from rest_framework.routers import SimpleRouter

from pdsa import api, views

router = SimpleRouter()
router.register("pdsa-cycles", api.PDSACycleViewSet, basename="api-pdsa-cycle")

api_urlpatterns = router.urls

urlpatterns = [
    path("pdsa/", views.pdsa_home, name="pdsa-home"),
    path("teams/<uuid:public_id>/pdsa/", views.team_pdsa_list, name="team-pdsa-list"),
    path("teams/<uuid:public_id>/pdsa/new/", views.pdsa_cycle_new, name="pdsa-cycle-new"),
    path("pdsa/<uuid:public_id>/", views.pdsa_cycle_detail, name="pdsa-cycle-detail"),
    path("pdsa/<uuid:public_id>/edit/", views.pdsa_cycle_edit, name="pdsa-cycle-edit"),
    path("pdsa/<uuid:public_id>/advance/", views.pdsa_cycle_advance, name="pdsa-cycle-advance"),
    path("pdsa/<uuid:public_id>/submit/", views.pdsa_cycle_submit, name="pdsa-cycle-submit"),
    path("pdsa/<uuid:public_id>/review/", views.pdsa_cycle_review, name="pdsa-cycle-review"),
    path("pdsa/<uuid:public_id>/attachments/", views.pdsa_attachment_add, name="pdsa-attachment-add"),
    path("attachments/<uuid:public_id>/", views.pdsa_attachment, name="pdsa-attachment"),
    path("reviews/", views.pdsa_review_queue, name="pdsa-review-queue"),
    path("collaboratives/<uuid:public_id>/ledger/", views.pdsa_ledger, name="pdsa-ledger"),
    path("search/", views.search_page, name="search"),
    path("pdsa/<uuid:public_id>/reply/", views.pdsa_review_reply, name="pdsa-review-reply"),
]
