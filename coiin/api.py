"""Shared REST API plumbing: bearer tokens, one error format, capped pages, throttles, CSV and strict JSON.

Every endpoint lives in its app's `api.py`; this module holds only what they all share.
"""

import csv
import io
import json
from collections import Counter
from collections.abc import Iterator, Mapping
from typing import Any

import orjson
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.cache import caches
from django.core.exceptions import ImproperlyConfigured, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_GET
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions, renderers, status
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import JSONParser
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from coiin import audit
from coiin.middleware import MFA_REQUIRED_MESSAGE, mfa_missing
from collaboratives.exports import csv_safe
from collaboratives.models import ApiToken
from collaboratives.services import API_TOKEN_PREFIX, api_token_authenticate

# Names clients commonly use to put a credential in a URL, where proxies and logs would keep it.
QUERY_TOKEN_NAMES = frozenset({"token", "access_token", "api_key", "apikey", "key", "auth", "bearer"})
# A message about tokens, not a password.
QUERY_TOKEN_REFUSED = (
    "Send the token in the Authorization header (Authorization: Bearer <token>), never in the URL."  # noqa: S105
)


class MFARequired(exceptions.PermissionDenied):
    default_detail = MFA_REQUIRED_MESSAGE
    default_code = "mfa_required"


class FailedSignInBudget:
    """Per client address, the API calls that ended 401 (no credentials, or a token that is not valid)
    in the current window (`API_FAILED_AUTH_RATE`, default 60 a minute). Once it is spent, every call
    from that address that is not already signed in by its session answers 429 with `Retry-After`,
    before any token is looked at: guessing tokens, or probing the API anonymously, is slowed to the
    budget. A call that succeeds spends nothing. Kept beside the other API budgets (`caches["throttle"]`)."""

    cache = caches["throttle"]

    @staticmethod
    def _key(request: Request) -> str:
        return f"failed-auth-{ClientRateThrottle().get_ident(request)}"

    @staticmethod
    def _rate() -> tuple[int, int]:
        limit, seconds = ClientRateThrottle().parse_rate(settings.API_FAILED_AUTH_RATE)
        if limit is None or seconds is None:
            raise ImproperlyConfigured("API_FAILED_AUTH_RATE must be a rate such as 60/minute.")
        return limit, seconds

    @classmethod
    def spent(cls, request: Request) -> bool:
        limit, _ = cls._rate()
        return int(cls.cache.get(cls._key(request), 0)) >= limit

    @classmethod
    def record_failure(cls, request: Request) -> None:
        _, seconds = cls._rate()
        key = cls._key(request)
        if not cls.cache.add(key, 1, timeout=seconds):
            try:
                cls.cache.incr(key)
            except ValueError:  # expired between add and incr: this failure opens a new window
                cls.cache.add(key, 1, timeout=seconds)

    @classmethod
    def retry_after(cls) -> int:
        return cls._rate()[1]


class BearerTokenAuthentication(BaseAuthentication):
    """`Authorization: Bearer <token>` with a personal API token; a token anywhere in the query string is refused."""

    def authenticate(self, request: Request) -> tuple[Any, ApiToken] | None:
        session_user = getattr(request._request, "user", None)
        if not (session_user and session_user.is_authenticated) and FailedSignInBudget.spent(request):
            raise exceptions.Throttled(wait=FailedSignInBudget.retry_after())
        params = request.query_params
        if QUERY_TOKEN_NAMES & {name.lower() for name in params} or any(
            value.startswith(API_TOKEN_PREFIX) for values in params.lists() for value in values[1]
        ):
            raise exceptions.AuthenticationFailed(QUERY_TOKEN_REFUSED)
        header = get_authorization_header(request).split()
        if not header or header[0].lower() != b"bearer":
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Send exactly one token: Authorization: Bearer <token>.")
        try:
            key = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("The token is not valid.") from None
        token = api_token_authenticate(key=key)
        if token is None:
            raise exceptions.AuthenticationFailed("The token is not valid, has expired or was revoked.")
        if mfa_missing(token.user):  # the owner's session would be sent to MFA setup: so is the token
            audit.audit_event("mfa.required", request=request._request, outcome="refused", user=token.user)
            raise MFARequired
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "coiin.api.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal API token, created on the API tokens page. Never in the query string.",
        }


class TokenScopePermission(BasePermission):
    """A read-scope token may only read; writes need a token with the push scope (sessions are unaffected)."""

    message = "This token may only read. Create a token with read and push access to send data."

    def has_permission(self, request: Request, view: Any) -> bool:
        token = request.auth
        if isinstance(token, ApiToken) and request.method not in SAFE_METHODS:
            return token.scope == ApiToken.Scope.PUSH
        return True


class ClientRateThrottle(SimpleRateThrottle):
    """One budget per token (each token its own), per signed-in user for sessions, per address otherwise."""

    scope = "api"
    cache = caches["throttle"]

    def get_rate(self) -> str | None:
        # Read at call time, not import time, so a settings override (tests, a deploy) takes effect.
        # DRF's stubs type the rates as numbers; DRF's rates are "N/period" strings (parse_rate splits them).
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)  # type: ignore[return-value]

    def get_cache_key(self, request: Request, view: Any) -> str:
        if isinstance(request.auth, ApiToken):
            ident = f"token-{request.auth.public_id}"
        elif request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = f"addr-{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


class PrivateResponses:
    """For API views: every response carries someone's tenant data, so no shared or browser cache keeps it."""

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)  # type: ignore[misc]
        add_never_cache_headers(response)
        return response


class CappedPagination(PageNumberPagination):
    """Pages of 100 by default; `page_size` may ask for up to 500, and a larger request gets 500."""

    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 500

    def get_paginated_response(self, data: Any) -> Response:
        """The page, with the neighbouring pages also in a Link header (RFC 8288): a CSV body cannot say."""
        response = super().get_paginated_response(data)
        links = [(self.get_next_link(), "next"), (self.get_previous_link(), "prev")]
        if header := ", ".join(f'<{url}>; rel="{rel}"' for url, rel in links if url):
            response["Link"] = header
        return response


def _reject_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):  # linear: a hostile object may have many thousands of keys
        duplicated = sorted(k for k, n in Counter(k for k, _ in pairs).items() if n > 1)
        raise exceptions.ParseError(f"JSON object has a duplicate key: {', '.join(duplicated)}.")
    return result


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "too_large"


class StrictJSONParser(JSONParser):
    """JSON only, at most DATA_UPLOAD_MAX_MEMORY_SIZE bytes (DRF reads the stream itself, so Django's own
    check never runs); a duplicate key or absurd nesting is a 400, not a silently chosen value or a crash."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = b"" if stream is None else stream.read() if limit is None else stream.read(limit + 1)
        if limit is not None and len(raw) > limit:
            raise RequestTooLarge()
        try:
            return json.loads(raw.decode("utf-8"), object_pairs_hook=_reject_duplicates)
        except RecursionError:
            raise exceptions.ParseError("JSON is nested too deeply.") from None
        except (ValueError, UnicodeDecodeError) as exc:
            raise exceptions.ParseError(f"JSON parse error: {exc}") from None


def _flatten(value: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _flatten(item, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(value, list) and any(isinstance(item, dict | list) for item in value):
        yield prefix, json.dumps(value, sort_keys=True, default=str)
    elif isinstance(value, list):
        yield prefix, ";".join("" if v is None else str(v) for v in value)
    else:
        yield prefix, value


class JSONRenderer(renderers.JSONRenderer):
    """JSON that names its charset, as every response body of ours does, encoded by orjson.

    The standard encoder was a tenth of an aggregate page's server time (figures: bench/README.md,
    "Figures behind design decisions"). Whatever orjson does not encode itself goes to DRF's encoder: datetimes (so
    UTC keeps DRF's "Z"), Decimals, lazy text. A client asking for an indented body gets DRF's own
    rendering.
    """

    charset = "utf-8"
    _OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_NON_STR_KEYS

    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: Mapping[str, Any] | None = None,
    ) -> bytes:
        if data is None:
            return b""
        if self.get_indent(accepted_media_type or "", renderer_context or {}):
            return super().render(data, accepted_media_type, renderer_context)
        return orjson.dumps(data, default=self.encoder_class().default, option=self._OPTIONS)


class CSVRenderer(BaseRenderer):
    """A page of results (or one object) as CSV: nested fields dotted (`measure.code`), every text cell made
    safe against spreadsheet formula injection."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(
        self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None
    ) -> bytes:
        if isinstance(data, dict) and isinstance(data.get("results"), list):
            data = data["results"]
        rows = [dict(_flatten(item)) for item in (data if isinstance(data, list) else [data])]
        header: dict[str, None] = {}
        for row in rows:
            header.update(dict.fromkeys(row))
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(header)
        for row in rows:
            writer.writerow([csv_safe("" if row.get(name) is None else row.get(name)) for name in header])
        return out.getvalue().encode(self.charset)


ERROR_CODES = {
    status.HTTP_400_BAD_REQUEST: "invalid",
    status.HTTP_401_UNAUTHORIZED: "not_authenticated",
    status.HTTP_403_FORBIDDEN: "permission_denied",
    status.HTTP_404_NOT_FOUND: "not_found",
    status.HTTP_413_REQUEST_ENTITY_TOO_LARGE: "too_large",
}


def _error_items(detail: Any, path: tuple[str | int, ...] = ()) -> Iterator[dict[str, Any]]:
    """Each message with the field it belongs to and, inside a batch (`observations`), the item's index."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            yield from _error_items(value, (*path, key))
    elif isinstance(detail, list) and any(isinstance(item, dict | list) for item in detail):
        for index, value in enumerate(detail):
            if value:
                yield from _error_items(value, (*path, index))
    else:
        at = next((i for i, p in enumerate(path) if isinstance(p, int)), None)
        item: str | int | None = None if at is None else path[at]
        names = path if at is None else path[at + 1 :]
        if names and names[-1] == api_settings.NON_FIELD_ERRORS_KEY:  # about the container named before it
            names = names[:-1]
        field = ".".join(str(n) for n in names) or None
        for message in detail if isinstance(detail, list) else [detail]:
            yield {"field": field, "index": item, "message": str(message)}


def error_body(status_code: int, code: str, detail: str, errors: list[dict[str, Any]]) -> dict[str, Any]:
    """The one error format of the API: {status, code, detail, errors: [{field, index, message}]}."""
    return {"status": status_code, "code": code, "detail": detail, "errors": errors}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, with services' Django ValidationError as 400, oversize bodies as 413, and one body shape."""
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(as_serializer_error(exc))
    elif isinstance(exc, RequestDataTooBig):
        exc = RequestTooLarge()
    from rest_framework.views import exception_handler as drf_exception_handler  # views imports this module

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if response.status_code == status.HTTP_401_UNAUTHORIZED and context.get("request") is not None:
        FailedSignInBudget.record_failure(context["request"])
    if isinstance(exc, exceptions.ValidationError):
        errors = list(_error_items(response.data))
        detail = errors[0]["message"] if len(errors) == 1 else f"{len(errors)} problems: see errors."
        code = "invalid"
    elif response.status_code == status.HTTP_404_NOT_FOUND:
        detail, errors, code = "Not found.", [], "not_found"  # one body for missing and for another tenant's
    else:
        detail = str(response.data.get("detail", "")) if isinstance(response.data, dict) else ""
        errors = []
        code = getattr(getattr(exc, "detail", None), "code", None) or ERROR_CODES.get(
            response.status_code, "error"
        )
    response.data = error_body(response.status_code, str(code), detail, errors)
    request = context.get("request")
    if request is not None:  # errors are JSON whatever format was asked for: one format to handle
        request.accepted_renderer, request.accepted_media_type = JSONRenderer(), JSONRenderer.media_type
    return response


def api_not_found(request: HttpRequest, path: str) -> JsonResponse:
    """Any other URL under /api/: the API's 404 body, not the HTML page."""
    return JsonResponse(
        error_body(404, "not_found", "Not found.", []),
        status=404,
        content_type="application/json; charset=utf-8",
    )


@login_required
@require_GET
def api_docs(request: HttpRequest) -> HttpResponse:
    """Swagger UI, served from our static files (works offline); the schema it reads also needs a login."""
    return render(request, "api_docs.html")


ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "status": {"type": "integer"},
        "code": {"type": "string"},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "field": {"type": "string", "nullable": True},
                    "index": {"type": "integer", "nullable": True},
                    "message": {"type": "string"},
                },
                "required": ["field", "index", "message"],
            },
        },
    },
    "required": ["status", "code", "detail", "errors"],
}
ERROR_RESPONSES = {
    "400": "Invalid input: each error names its field (and, in a batch, the item's index).",
    "401": "No valid token or session.",
    "403": "Visible, but not allowed (or a read-scope token on a write).",
    "404": "Not found, or not visible to the caller: the two are indistinguishable.",
    "406": "The Accept header asks for a format the endpoint does not offer.",
    "429": "Too many requests: retry after the number of seconds in Retry-After.",
}
WRITE_ERROR_RESPONSES = {
    "413": "The request body is too large.",
    "415": "The body is not JSON.",
}


def error_responses_hook(
    result: dict[str, Any], generator: Any, request: Any, public: bool
) -> dict[str, Any]:
    """drf-spectacular postprocessing: document the one error format on every operation."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    content = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            errors = ERROR_RESPONSES | (WRITE_ERROR_RESPONSES if method != "get" else {})
            for code, description in errors.items():
                operation["responses"].setdefault(code, {"description": description, "content": content})
    return result
