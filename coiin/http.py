"""Requests whose user is known to be signed in, for type checking (django-stubs' pattern).

A view behind `@login_required`, or an API view behind DRF's `IsAuthenticated` (the default permission),
only ever sees a signed-in user; annotating its request with these types says so to mypy, which
otherwise reads `request.user` as "a user or AnonymousUser". At run time the request is Django's or
DRF's own: these classes are never instantiated.
"""

from django.contrib.auth.models import User
from django.http import HttpRequest
from rest_framework.request import Request


class AuthenticatedHttpRequest(HttpRequest):
    user: User


class AuthenticatedRequest(Request):
    user: User
