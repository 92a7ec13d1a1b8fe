"""gunicorn's access log leaves out the survey page's single-use links and keeps every other request."""

import logging
from types import SimpleNamespace

from gunicorn.config import Config

from coiin.access_log import AccessLogger


def _logged(path: str, caplog) -> list[str]:
    config = Config()
    config.set("accesslog", "-")
    logger = AccessLogger(config)
    logger.access_log.propagate = True
    response = SimpleNamespace(status="200 OK", response_length=10, headers=[], sent=10)
    request = SimpleNamespace(headers=[], method="GET", path=path, query="", version=(1, 1), uri=path)
    environ = {
        "PATH_INFO": path,
        "REQUEST_METHOD": "GET",
        "RAW_URI": path,
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "192.0.2.1",
    }
    with caplog.at_level(logging.INFO, logger="gunicorn.access"):
        caplog.clear()
        logger.access(
            response,
            request,
            environ,
            SimpleNamespace(seconds=0, microseconds=1000, total_seconds=lambda: 0.001),
        )
        return [r.getMessage() for r in caplog.records if r.name == "gunicorn.access"]


def test_a_survey_link_is_not_logged(caplog):
    assert _logged("/s/abcDEF123/", caplog) == []


def test_other_requests_are_logged(caplog):
    (line,) = _logged("/teams/", caplog)
    assert "192.0.2.1" in line and "GET /teams/" in line


def test_an_invitation_token_in_the_path_is_redacted(caplog):
    (line,) = _logged("/invitations/s3cr3t-invite-token/", caplog)
    assert "s3cr3t-invite-token" not in line
    assert "GET /invitations/[redacted]/ HTTP/1.1" in line


def test_a_calendar_feed_token_is_redacted(caplog):
    (line,) = _logged("/calendar/feed/feed-secret-123.ics", caplog)
    assert "feed-secret-123" not in line
    assert "GET /calendar/feed/[redacted].ics HTTP/1.1" in line


def test_secret_query_values_are_redacted_and_others_kept(caplog):
    (line,) = _logged("/api/v1/me/?access_token=abc123&page=2&api_key=zzz", caplog)
    assert "abc123" not in line and "zzz" not in line
    assert "GET /api/v1/me/?access_token=[redacted]&page=2&api_key=[redacted] HTTP/1.1" in line
