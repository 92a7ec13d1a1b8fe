"""The OpenAPI schema: generated without warnings, valid, and honoured by every endpoint for every role.

schemathesis generates requests from the schema for each operation and runs them, in-process through
the WSGI app, with a read-and-push token of each role; any 5xx or any response that does not match the
schema (status, content type, headers, body) fails the test.
"""

import json
from contextlib import contextmanager
from io import StringIO

import pytest
import schemathesis
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from pdsa.models import PDSACycle

ROLES = ["alice", "bob", "diana", "erin", "frank", "root"]
EXAMPLES_PER_OPERATION = 6  # × 16 operations × 6 roles: about a minute on a small CI machine
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


def _schema(client, token: str) -> dict:
    response = client.get("/api/schema/?format=json", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    return json.loads(response.content)


def test_the_schema_generates_and_validates_with_warnings_as_errors(tmp_path):
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out), stdout=StringIO())
    text = out.read_text()
    assert "openapi: 3.0.3" in text
    for path in ("/api/v1/aggregates/", "/api/v1/teams/{team_id}/months/{month}/observations/"):
        assert f"  {path}:" in text


def test_the_schema_and_docs_need_a_login(client):
    assert client.get("/api/schema/").status_code == 401
    response = client.get("/api/docs/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_the_docs_page_serves_swagger_ui_from_our_static_files(client, world):
    client.force_login(world.alice)
    html = client.get("/api/docs/").content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "/static/js/api-docs.js" in html
    assert 'data-schema-url="/api/schema/"' in html
    assert "<script>" not in html and "style=" not in html and "http" not in html.split("<body>")[1]


def _known_cases(world, charted, cycle) -> dict[str, list[dict]]:
    """Requests with real ids, so the schema is checked against full 200 responses, not only 404s."""
    one, a1, m = str(world.one.public_id), str(world.team_a1.public_id), str(charted.measure.public_id)
    push = {"observations": [{"measure": m, "numerator": 3, "denominator": 4, "note": "=HYPERLINK()"}]}
    return {
        "GET /api/v1/aggregates/": [{"query": {"collaborative": one}},
                                    {"query": {"collaborative": one, "awardee": str(world.north.public_id)}}],
        "GET /api/v1/collaboratives/{id}/": [{"path_parameters": {"id": one}}],
        "GET /api/v1/measures/{id}/": [{"path_parameters": {"id": m}}],
        "GET /api/v1/observations/": [{"query": {"team": a1, "month_from": "2025-02"}}],
        "GET /api/v1/pdsa-cycles/{id}/": [{"path_parameters": {"id": str(cycle.public_id)}}],
        "GET /api/v1/reporting-status/": [{"query": {"collaborative": one}}],
        "GET /api/v1/runcharts/{id}/": [{"path_parameters": {"id": str(c.public_id)}}
                                        for c in (charted.team, charted.collaborative, charted.awardee)],
        "GET /api/v1/runcharts/{public_id}/control/": [
            {"path_parameters": {"public_id": str(c.public_id)}, "query": {"chart": chart}}
            for c, chart in ((charted.team, "pp"), (charted.collaborative, "p"), (charted.team, "mr"))],
        "GET /api/v1/teams/{id}/": [{"path_parameters": {"id": a1}}],
        "POST /api/v1/teams/{team_id}/months/{month}/observations/": [
            {"path_parameters": {"team_id": a1, "month": "2025-07"}, "body": push, "media_type": "application/json"}
        ],
        "POST /api/v1/teams/{team_id}/months/{month}/submit/": [
            {"path_parameters": {"team_id": a1, "month": "2025-02"}}
        ],
    }  # fmt: skip


@contextmanager
def _keeping_the_test_connection():
    """schemathesis calls the WSGI app directly, not through Django's test client, so at each request
    Django would close the test's connection and its open transaction. Do what the test client does.
    (The test client reconnects these receivers after each of its own requests, hence a block, not a fixture.)"""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.mark.parametrize("role", ROLES)
def test_every_operation_honours_the_schema_for_every_role(client, settings, world, charted, token_for, role):
    settings.ALLOWED_HOSTS = [
        "testserver",
        "localhost",
    ]  # schemathesis's WSGI transport calls the app as http://localhost
    token = token_for(getattr(world, role), "push")
    schema = schemathesis.openapi.from_dict(_schema(client, token))
    schema.app = get_wsgi_application()
    headers = {"Authorization": f"Bearer {token}"}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 20  # 17, and issue 24's FHIR create, Task read and HSDS directory
    cycle = PDSACycle.objects.create(team=world.team_a1, title="Script", other_change_idea="Script")
    known = _known_cases(world, charted, cycle)
    statuses = []

    with _keeping_the_test_connection():
        for operation in operations:
            for params in known.get(operation.label, []):
                case = operation.Case(**params)
                response = case.call(headers=headers)
                case.validate_response(response, checks=CHECKS)
                statuses.append((operation.label, response.status_code))

            @given(case=operation.as_strategy())
            @hypothesis_settings(
                max_examples=EXAMPLES_PER_OPERATION,
                deadline=None,
                derandomize=True,
                database=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            def run(case: schemathesis.Case) -> None:
                response = case.call(headers=headers)
                case.validate_response(response, checks=CHECKS)

            run()
    # The known requests reach real data exactly where the role may (16 requests; alice may make all).
    # Every role sees the three control charts (charted's team and pooled charts are ONE's, peers named).
    ok = [label for label, status in statuses if status == 200]
    assert len(ok) == {"alice": 16, "bob": 15, "diana": 12, "erin": 14, "frank": 14, "root": 16}[role], (
        statuses
    )
