"""gunicorn's access log, without secrets (docs/security.md) and without the public staff survey page
(docs/survey.md, "Anonymity by construction").

- An access log line holds the address, the time to the second, the user agent and the path, which
  for the survey is the single-use link. With a response's day, a team with one answer that day could
  be matched to the line, and through the link to whoever was handed it. Those requests are not logged.
- A secret in a URL is replaced by `[redacted]` before the line is written: the token of an invitation
  link and of a personal calendar feed (paths), and any query-string value whose name says it is a
  secret (`token`, `access_token`, `key`, `secret`, `password`, `code`). The API refuses tokens in
  query strings, but the request that was refused is still logged.
"""

import re
from typing import Any
from urllib.parse import parse_qsl, urlencode

from gunicorn.glogging import Logger

UNLOGGED_PREFIXES = ("/s/",)
REDACTED = "[redacted]"
SECRET_PATHS = (
    re.compile(r"^(/invitations/)[^/?]+"),
    re.compile(r"^(/calendar/feed/)[^/?]+?(?=\.ics|$)"),
)
SECRET_QUERY_NAME = re.compile(r"token|key|secret|password|code", re.IGNORECASE)


def redact_path(path: str) -> str:
    for pattern in SECRET_PATHS:
        path = pattern.sub(lambda m: m.group(1) + REDACTED, path)
    return path


def redact_query(query: str) -> str:
    if not query:
        return query
    pairs = parse_qsl(query, keep_blank_values=True)
    return urlencode([(k, REDACTED if SECRET_QUERY_NAME.search(k) else v) for k, v in pairs], safe="[]")


class AccessLogger(Logger):
    def access(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> None:
        if environ.get("PATH_INFO", "").startswith(UNLOGGED_PREFIXES):
            return
        path, _, query = environ.get("RAW_URI", "").partition("?")
        clean = dict(environ)
        clean["PATH_INFO"] = redact_path(environ.get("PATH_INFO", ""))
        clean["QUERY_STRING"] = redact_query(environ.get("QUERY_STRING", ""))
        clean["RAW_URI"] = redact_path(path) + (f"?{redact_query(query)}" if query else "")
        super().access(resp, req, clean, request_time)
