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
