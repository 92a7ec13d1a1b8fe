"""The demo (`make run`, DEBUG on) answers a missing page or a server error with the production pages.

With DEBUG on, Django shows its technical 404 and 500 pages (URL patterns, settings, tracebacks). A demo
is shown to people who are not developers, and those pages are not what production shows them, so this
middleware renders `templates/404.html` and `500.html` instead, as Django's own handlers do when DEBUG
is off. With DEBUG off it does nothing. The traceback of a server error still goes to the log.
"""

import logging
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import Resolver404, get_resolver
from django.views import defaults

logger = logging.getLogger("django.request")


class ProductionErrorPagesMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if settings.DEBUG:
            try:
                get_resolver(getattr(request, "urlconf", None)).resolve(request.path_info)
            except Resolver404 as exc:
                # CommonMiddleware (outside this one) still turns this 404 into an APPEND_SLASH redirect.
                return defaults.page_not_found(request, exc)
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not settings.DEBUG:
            return None
        if isinstance(exception, Http404):
            return defaults.page_not_found(request, exception)
        if isinstance(exception, (PermissionDenied, BadRequest, SuspiciousOperation)):
            return None  # Django's own 403 and 400 pages, which are the production ones already
        logger.error("Internal Server Error: %s", request.path, exc_info=exception)
        return defaults.server_error(request)
