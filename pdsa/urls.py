from rest_framework.routers import SimpleRouter

from pdsa import api

router = SimpleRouter()
router.register("pdsa-cycles", api.PDSACycleViewSet, basename="api-pdsa-cycle")

api_urlpatterns = router.urls
