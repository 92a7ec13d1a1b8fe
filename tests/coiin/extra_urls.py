"""The site's URLs plus two test-only views (pytest.mark.urls): one that crashes, to see the 500 page,
and a JSON endpoint under /api/, to see how the MFA requirement answers API clients."""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path

from coiin.urls import urlpatterns as site_urlpatterns


def fail(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("SELECT password FROM auth_user WHERE id = 1 -- boom")


def ping(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"pong": True})


urlpatterns = [path("fail/", fail), path("api/ping/", ping), *site_urlpatterns]
