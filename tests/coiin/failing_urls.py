"""The site's URLs plus one view that fails, to see the 500 page (pytest.mark.urls)."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from coiin.urls import urlpatterns as site_urlpatterns


def fail(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("SELECT password FROM auth_user WHERE id = 1 -- boom")


urlpatterns = [path("fail/", fail), *site_urlpatterns]
