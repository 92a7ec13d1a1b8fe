from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

# The admin signs in through allauth's login, so its rate limits and MFA apply there too.
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("", include("measures.urls")),
    path("", include("collaboratives.urls")),
    path("", include("worksheets.urls")),
]
