"""docs/testing.md §4.2: hostile or malformed API requests get a 4xx in the one error format, never a 500,
and nothing of them is saved."""

import json

import pytest
from rest_framework.test import APIClient

from measures.models import MonthlyReport, Observation


@pytest.fixture
def push(world, charted, token_for):
    """POST raw bytes to A1's July 2025 push endpoint with alice's push token; returns the response."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_for(world.alice, 'push')}")
    url = f"/api/v1/teams/{world.team_a1.public_id}/months/2025-07/observations/"

    def send(body: bytes | str, content_type: str = "application/json", method: str = "post"):
        return client.generic(method.upper(), url, body, content_type=content_type)

    send.measure = str(charted.measure.public_id)
    return send


def _nothing_saved() -> bool:
    return not Observation.objects.filter(month__month=7).exists() and not MonthlyReport.objects.exists()


def _assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert (body["status"], body["code"]) == (status, code)
    assert set(body) == {"status", "code", "detail", "errors"}
    assert _nothing_saved()
    return body


@pytest.mark.parametrize("content_type", ["application/x-www-form-urlencoded", "text/plain", ""])
def test_a_body_that_is_not_json_gets_415(push, content_type):
    _assert_error(push("observations=1", content_type=content_type), 415, "unsupported_media_type")


@pytest.mark.parametrize(
    ("body", "detail_start"),
    [
        ('{"observations": [', "JSON parse error"),
        ("[" * 10_000 + "]" * 10_000, "JSON is nested too deeply."),
        ('{"observations": [], "observations": []}', "JSON object has a duplicate key: observations."),
        (b'{"observations": "\xff"}', "JSON parse error"),
    ],
    ids=["malformed", "nested-10k", "duplicate-keys", "not-utf8"],
)
def test_broken_json_gets_400(push, body, detail_start):
    assert _assert_error(push(body), 400, "parse_error")["detail"].startswith(detail_start)


def test_a_top_level_array_gets_400_naming_no_field(push):
    body = _assert_error(push(json.dumps([{"measure": push.measure}])), 400, "invalid")
    assert body["errors"] == [
        {"field": None, "index": None, "message": "Invalid data. Expected a dictionary, but got list."}
    ]


def test_a_body_over_the_upload_limit_gets_413(push, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = json.dumps({"observations": [{"measure": push.measure, "note": "x" * 2000}]})
    _assert_error(push(body), 413, "too_large")


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "observations"),
        ({"observations": []}, "observations"),
        ({"observations": "all"}, "observations"),
        ({"observations": [{"numerator": 1}]}, "measure"),
        ({"observations": [{"measure": None}]}, "measure"),
        ({"observations": [{"measure": 1, "numerator": 1}]}, "measure"),
        ({"observations": [{"measure": "m", "not_applicable": "perhaps"}]}, "not_applicable"),
    ],
)
def test_wrong_shapes_get_400_naming_the_field(push, payload, field):
    body = _assert_error(push(json.dumps(payload)), 400, "invalid")
    assert field in {e["field"] for e in body["errors"]}


def test_a_batch_over_the_cap_gets_400(push):
    items = [{"measure": push.measure, "numerator": 1, "denominator": 2}] * 201
    body = _assert_error(push(json.dumps({"observations": items})), 400, "invalid")
    assert body["errors"][0]["field"] == "observations"


def test_unknown_fields_are_ignored_and_never_stored(push):
    payload = {"observations": [{"measure": push.measure, "numerator": 1, "denominator": 2, "colour": "red"}]}
    assert push(json.dumps(payload)).status_code == 200
    assert not hasattr(Observation.objects.get(month__month=7), "colour")


@pytest.mark.parametrize("method", ["put", "patch", "delete", "get"])
def test_unsupported_methods_get_405_with_allow(push, method):
    response = push("{}", method=method)
    _assert_error(response, 405, "method_not_allowed")
    assert response["Allow"] == "POST, OPTIONS"


def test_put_on_a_list_and_trace_get_405(world, api_as):
    client = api_as(world.alice, "push")
    for method in ("PUT", "TRACE"):
        response = client.generic(method, "/api/v1/measures/", "{}", content_type="application/json")
        assert response.status_code == 405 and response["Allow"] == "GET, HEAD, OPTIONS"


@pytest.mark.parametrize(
    "path",
    [
        "teams/-1/",
        "teams/abc/",
        "teams/1234567890123456789012345678901234567890/",
        "teams/12345678-1234-1234-1234-1234567890zz/",
        "nothing-here/",
    ],
)
def test_malformed_ids_get_the_json_404(world, api_as, path):
    response = api_as(world.alice).get(f"/api/v1/{path}")
    assert (response.status_code, response.json()) == (
        404,
        {"status": 404, "code": "not_found", "detail": "Not found.", "errors": []},
    )


@pytest.mark.parametrize(
    "query",
    [
        "team=1",
        "team=not-a-uuid&team=also-not",
        "collaborative=12345678-1234-1234-1234-1234567890zz",
        "kind=nope",
    ],
)
def test_malformed_filters_get_400_naming_the_filter(world, api_as, query):
    response = api_as(world.alice).get(f"/api/v1/runcharts/?{query}")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == query.split("=")[0]


def test_a_foreign_filter_behaves_like_a_nonexistent_one(world, charted, api_as):
    client = api_as(world.olga)
    foreign = client.get(f"/api/v1/observations/?team={world.team_a1.public_id}").json()
    missing = client.get("/api/v1/observations/?team=00000000-0000-0000-0000-000000000000").json()
    assert foreign == missing == {"count": 0, "next": None, "previous": None, "results": []}
