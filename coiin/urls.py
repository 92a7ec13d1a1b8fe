from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("", include("measures.urls")),
    path("", include("collaboratives.urls")),
    path("", include("pdsa.urls")),
]
