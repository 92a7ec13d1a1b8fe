"""gunicorn's access log, without the public staff survey page (docs/survey.md, "Anonymity by construction").

An access log line holds the address, the time to the second, the user agent and the path, which for
the survey is the single-use link. With a response's day, a team with one answer that day could be
matched to the line, and through the link to whoever was handed it. Those requests are not logged.
"""

from typing import Any

from gunicorn.glogging import Logger

UNLOGGED_PREFIXES = ("/s/",)


class AccessLogger(Logger):
    def access(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> None:
        if environ.get("PATH_INFO", "").startswith(UNLOGGED_PREFIXES):
            return
        super().access(resp, req, environ, request_time)
