"""Database outages answer 503 with a generic page, never a traceback (docs/testing.md §3 F11, goal G11).

A PostgreSQL restart breaks every open connection: requests in flight raise `OperationalError` or
`InterfaceError` wherever they touch the database, in a view, in a middleware (the session, the user)
or in a response hook. Django turns those exceptions into a 500 at the layer that raised them, so an
outermost middleware cannot catch them. Instead, the `got_request_exception` receiver below marks the
request when the exception is a database one, and `DatabaseUnavailableMiddleware`, first in
MIDDLEWARE, swaps that response for the 503 page with `Retry-After`. The page is rendered without a
request context: context processors query the database, which is down.

`CONN_HEALTH_CHECKS` then replaces the broken connections on the first request after PostgreSQL is back.
"""

import logging
import sys
from collections.abc import Callable
from typing import Any

from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.template import loader

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 30
_MARK = "_coiin_database_unavailable"
DATABASE_ERRORS = (OperationalError, InterfaceError)


@receiver(got_request_exception)
def _mark_database_outage(sender: Any, request: HttpRequest | None = None, **kwargs: Any) -> None:
    """Called by Django while it handles the uncaught exception, so sys.exc_info() holds it."""
    if request is not None and isinstance(sys.exc_info()[1], DATABASE_ERRORS):
        setattr(request, _MARK, True)


def database_unavailable_response() -> HttpResponse:
    response = HttpResponse(loader.render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    """Answers 503 "try again shortly" for a request that failed because the database is unreachable."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if getattr(request, _MARK, False):
            logger.warning("database unavailable: %s %s answered 503", request.method, request.path)
            return database_unavailable_response()
        return response
