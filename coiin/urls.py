from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView

from coiin.api import api_docs, api_not_found
from collaboratives.urls import api_urlpatterns as collaboratives_api
from measures.urls import api_urlpatterns as measures_api
from pdsa.urls import api_urlpatterns as pdsa_api
from referrals.urls import api_urlpatterns as referrals_api

# The admin signs in through allauth's login, so its rate limits and MFA apply there too.
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("api/v1/", include([*collaboratives_api, *measures_api, *pdsa_api, *referrals_api])),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", api_docs, name="api-docs"),
    re_path(r"^api/(?P<path>.*)$", api_not_found),
    path("", include("measures.urls")),
    path("", include("collaboratives.urls")),
    path("", include("worksheets.urls")),
    path("", include("pdsa.urls")),
    path("", include("referrals.urls")),
]
