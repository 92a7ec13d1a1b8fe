"""HTTP under gunicorn: `python bench/http_load.py [--small]` from the repository root.

Seeds 175 LIAs × 10 measures × 24 months into a PostgreSQL bench database (BENCH_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/coiin_bench; erased first) and computes every chart. Starts gunicorn
with production's settings (coiin/gunicorn.conf.py: 3 workers, app preloaded) on 127.0.0.1 and loads
each page with wrk (bounded: 2 threads, 10 connections, 10 s; 3 s with --small) as a signed-in
collaborative admin, behind TLS as in production (X-Forwarded-Proto), after 10 s of warm-up load.
Prints throughput and p95 of each page and its ratio to the trivial JSON views served by the same
gunicorn, the SQL queries per page (Django test client), and the page's first request.

Two trivial JSON views: /healthz, answered by the first middleware (no session, user or routing),
and /api/v1/me/, a view behind the whole stack every signed-in request pays for (session, user, MFA
check, CSP, audit, DRF). The aggregate API's target is read against the second; both ratios print.
The dashboard is also loaded with 3 connections, one per gunicorn worker: its p95 there is the
page's own time, while with 10 connections on 2 cores it includes waiting for a worker.

The dashboard's body and the aggregate API's pages are kept per viewer until their data changes
(measures/page_cache.py), in each worker's memory: after each worker's first, this one viewer's
requests are served them kept. A second gunicorn with PAGE_CACHE_SECONDS=0 builds them on every
request, as for the first request after any change of the data; both are measured, all verdicts print.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import ExitStack
from pathlib import Path

import stack

AGGREGATE_TARGET = 0.5  # of the trivial view's throughput
DASHBOARD_P95_TARGET_MS = 150.0
P95_SCRIPT = """
done = function(summary, latency, requests)
  io.write(string.format("p95_us %d\\n", latency:percentile(95)))
  io.write(string.format("errors %d\\n", summary.errors.status + summary.errors.connect + summary.errors.timeout))
end
"""


def wait_until_serving(url: str, timeout: float = 60) -> None:
    """Every gunicorn worker boots Django after the port opens; wait for real answers."""
    deadline = time.monotonic() + timeout
    answered = 0
    while answered < 10:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                answered += response.status == 200
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def first_request_ms(url: str, cookie: str) -> float:
    """The page's first request to the freshly started gunicorn: what the first user after a deploy waits."""
    request = urllib.request.Request(url, headers={"Cookie": cookie, "X-Forwarded-Proto": "https"})
    start = time.perf_counter()
    with urllib.request.urlopen(request, timeout=60) as response:
        response.read()
    return (time.perf_counter() - start) * 1000


def _figure(pattern: str, out: str) -> str:
    """The first group of `pattern` in wrk's output; a missing figure stops the benchmark, showing the output."""
    found = re.search(pattern, out)
    if found is None:
        raise SystemExit(f"wrk printed no {pattern!r}:\n{out}")
    return found.group(1)


def wrk(
    url: str, cookie: str, seconds: int, *, warm_up: bool = False, connections: int = 10
) -> tuple[float, float, int]:
    """(requests/s, p95 in ms, non-2xx or socket errors) for one URL."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(P95_SCRIPT)
    out = subprocess.run(
        [shutil.which("wrk") or "wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "20s", "-s", script.name,
         "-H", f"Cookie: {cookie}", "-H", "X-Forwarded-Proto: https", url],
        capture_output=True, text=True, check=True, timeout=seconds + 30,
    ).stdout  # fmt: skip
    Path(script.name).unlink()
    rate = float(_figure(r"Requests/sec:\s+([\d.]+)", out))
    if not rate and not warm_up:
        raise SystemExit(f"no request to {url} completed:\n{out}")
    p95 = int(_figure(r"p95_us (\d+)", out)) / 1000
    errors = int(_figure(r"errors (\d+)", out))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return rate, p95, errors + (int(non_2xx.group(1)) if non_2xx else 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="30 LIAs, 3 s per page (smoke test)")
    args = parser.parse_args()
    lias, seconds = (30, 3) if args.small else (175, 10)
    stack.configure()
    from allauth.mfa.models import Authenticator
    from allauth.mfa.utils import encrypt
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from collaboratives.models import Membership, Role
    from measures.charts.recompute import runchart_analyse_many
    from measures.models import RunChartAnalysis

    call_command("collectstatic", "--noinput", verbosity=0)  # production static files (hashed names)
    seeded = stack.seed(lias=lias, measures=10, months=24, awardees=10)
    runchart_analyse_many(analysis_ids=list(RunChartAnalysis.objects.values_list("id", flat=True)))
    admin = get_user_model().objects.create_user(username="admin@bench", password="x" * 16)
    Membership.objects.create(user=admin, role=Role.COLLABORATIVE_ADMIN, collaborative=seeded.collaborative)
    # Admins must enrol an authenticator app (MFA_REQUIRED); without one every page redirects to enrolment.
    Authenticator.objects.create(user=admin, type=Authenticator.Type.TOTP, data={"secret": encrypt("A" * 32)})
    client = Client(headers={"x-forwarded-proto": "https"})
    client.force_login(admin)
    session = settings.SESSION_COOKIE_NAME  # "__Host-sessionid" in production (secure cookies)
    cookie = f"{session}={client.cookies[session].value}"
    collab = seeded.collaborative.public_id
    trivial, signed_in = "trivial JSON, middleware (/healthz)", "trivial JSON view, signed in (/api/v1/me/)"
    dashboard = f"collaborative dashboard ({lias} teams × 10 measures)"
    aggregates = "aggregate API (a page of 100 rows)"
    pages = {
        trivial: "/healthz",
        signed_in: "/api/v1/me/",
        dashboard: f"/collaboratives/{collab}/dashboard/",
        aggregates: f"/api/v1/aggregates/?collaborative={collab}",
    }
    # Production's settings (workers, preload, access log), bound to 127.0.0.1; the access log goes to stdout.
    # One client sends every request: lift its request budget (600/minute by default), which would
    # otherwise answer 429 and be measured instead of the API. Two servers: production's, where the
    # dashboard's body is kept per viewer, and one that builds it on every request
    # (PAGE_CACHE_SECONDS=0), as every view after a change of the data.
    with ExitStack() as servers:
        ports = {}
        for name, extra in (("kept", {}), ("built", {"PAGE_CACHE_SECONDS": "0"})):
            ports[name] = stack.free_port()
            env = {**stack.service_env(""), "API_THROTTLE_RATE": "1000000/minute", **extra}
            server = subprocess.Popen(
                [str(Path(sys.executable).parent / "gunicorn"), "-c", "coiin/gunicorn.conf.py", "coiin.wsgi:application",
                 "--bind", f"127.0.0.1:{ports[name]}", "--log-level", "warning", "--no-control-socket"],
                cwd=stack.ROOT, env=env, stdout=subprocess.DEVNULL,
            )  # fmt: skip
            servers.callback(server.wait, timeout=20)
            servers.callback(server.terminate)
        for port in ports.values():
            stack.wait_for_port(port)
            wait_until_serving(f"http://127.0.0.1:{port}/healthz")
        print(f"{lias} teams × 10 measures × 24 months; gunicorn (coiin/gunicorn.conf.py: 3 workers, app "
              f"preloaded) on 127.0.0.1, PostgreSQL; wrk 2 threads, 10 connections, {seconds} s per page\n")  # fmt: skip
        baseline = None
        results = {}

        def measure(label: str, url: str, connections: int = 10) -> tuple[float, float]:
            rate, p95, errors = wrk(url, cookie, seconds, connections=connections)
            results[label] = (rate, p95)
            print(f"  {label:<48} {rate:8.1f} req/s  p95 {p95:7.1f} ms  {errors} errors")
            return rate, p95

        for name, path in pages.items():
            with CaptureQueriesContext(connection) as queries:
                status = client.get(path).status_code
            if status != 200:
                raise SystemExit(f"{path} answered {status}")
            with CaptureQueriesContext(connection) as again:
                client.get(path)
            url = f"http://127.0.0.1:{ports['kept']}{path}"
            cold = first_request_ms(url, cookie)
            # Then 10 s of the same load, so that every worker (10 connections, 3 workers) has served the
            # page before it is measured; the first request, above, is reported apart.
            wrk(url, cookie, max(seconds, 10), warm_up=True)
            rate, p95, errors = wrk(url, cookie, seconds)
            baseline = baseline or rate
            results[name] = (rate, p95)
            counts = f"{len(queries)} queries" + (
                f" ({len(again)} kept)" if len(again) != len(queries) else ""
            )
            print(f"  {name:<48} {rate:8.1f} req/s  p95 {p95:7.1f} ms  {rate / baseline:6.1%} of /healthz  "
                  f"{counts}  {errors} errors  (first request {cold:.0f} ms)")  # fmt: skip
            if name == dashboard:
                measure("  … with 3 connections (one per worker)", url, connections=3)
                built = f"http://127.0.0.1:{ports['built']}{path}"
                wrk(built, cookie, max(seconds, 10), warm_up=True)
                measure("  … built on every request (PAGE_CACHE_SECONDS=0)", built)
                measure("  … built on every request, 3 connections", built, connections=3)
            if name == aggregates:
                built = f"http://127.0.0.1:{ports['built']}{path}"
                wrk(built, cookie, max(seconds, 10), warm_up=True)
                measure("  … aggregate API built on every request", built)
        time.sleep(0.1)
    print()
    for label, key in (
        ("kept bodies, 10 connections", dashboard),
        ("kept bodies, 3 connections", "  … with 3 connections (one per worker)"),
        ("built on every request, 10 connections", "  … built on every request (PAGE_CACHE_SECONDS=0)"),
        ("built on every request, 3 connections", "  … built on every request, 3 connections"),
    ):
        p95 = results[key][1]
        verdict = "met" if p95 <= DASHBOARD_P95_TARGET_MS else "MISSED"
        print(f"target dashboard p95 ≤ {DASHBOARD_P95_TARGET_MS:.0f} ms, {label}: {verdict} ({p95:.0f} ms)")
    for pages_are, key in (
        ("kept", aggregates),
        ("built on every request", "  … aggregate API built on every request"),
    ):
        for label, trivial_view in (("the signed-in trivial view", signed_in), ("/healthz", trivial)):
            ratio = results[key][0] / results[trivial_view][0]
            verdict = "met" if ratio >= AGGREGATE_TARGET else "MISSED"
            print(
                f"target aggregate API ≥ {AGGREGATE_TARGET:.0%} of {label}, pages {pages_are}: {verdict} ({ratio:.0%})"
            )


if __name__ == "__main__":
    main()
