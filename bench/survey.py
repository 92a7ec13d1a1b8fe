"""Staff survey under load: `python bench/survey.py [--small]` from the repository root.

Seeds one collaborative (50 teams × 4 survey-fed measures × 24 months, every chart computed) into a
PostgreSQL bench database (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/coiin_bench;
erased first), opens this month's survey for one team and issues 2,000 single-use links (200 with
--small). Starts gunicorn with production's settings (coiin/gunicorn.conf.py: 3 workers) on 127.0.0.1,
behind TLS as in production (X-Forwarded-Proto), and has 2,000 respondents answer within the window:
the first half 10 at a time, the second 3 at a time (one per worker: the page's own time, without
waiting for a worker). Each opens its link (GET) and submits its answers (POST). The gunicorn workers'
CPU time per respondent is printed too: unlike latency, it hardly depends on what else the machine runs.
The per-address request limit is lifted, since every respondent comes from 127.0.0.1.

Then closes the window (the beat task's service) with two Celery workers on a private Redis and times
it until every chart of the team's measures (the team's, its state's and the collaborative's, over all
50 teams, since the month is new) is recomputed. Prints p50/p95 per submission against the 200 ms
target, the close-to-fresh time against 5 s, and the load average (the machine may be shared).
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from urllib.parse import urlencode

import stack

SUBMIT_P95_TARGET_MS = 200.0
CLOSE_TARGET_S = 5.0
CONCURRENCY = 10
CODES = ("supported", "reflective-supervision", "work-life-balance", "wellbeing")
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def respond(port: int, token: str, i: int) -> tuple[float, float, int]:
    """One respondent: open the link, answer. (GET ms, POST ms, POST status).

    The page has no CSRF token or cookie; should a version of it have them, they are sent back, so the
    same bench measures both.
    """
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"X-Forwarded-Proto": "https", "Host": f"127.0.0.1:{port}"}
    start = time.perf_counter()
    conn.request("GET", f"/s/{token}/", headers=headers)
    page = conn.getresponse()
    body = page.read().decode()
    got = time.perf_counter()
    answers = {
        "q_supported": "always" if i % 3 else "often",
        "q_reflective-supervision": "always" if i % 2 else "sometimes",
        "q_work-life-balance": "never" if i % 4 else "always",
        "q_wellbeing": "better" if i % 5 else "worse",
        "role": ("home_visitor", "supervisor", "")[i % 3],
    }
    post_headers = headers | {
        "Content-Type": "application/x-www-form-urlencoded",
        "Origin": f"https://127.0.0.1:{port}",
        "Referer": f"https://127.0.0.1:{port}/s/{token}/",
    }
    if csrf := CSRF.search(body):
        answers["csrfmiddlewaretoken"] = csrf.group(1)
        post_headers["Cookie"] = next(
            v.split(";")[0] for k, v in page.getheaders() if k.lower() == "set-cookie" and "csrftoken" in v
        )
    sent = time.perf_counter()
    conn.request("POST", f"/s/{token}/", body=urlencode(answers), headers=post_headers)
    answer = conn.getresponse()
    answer.read()
    done = time.perf_counter()
    conn.close()
    return (got - start) * 1000, (done - sent) * 1000, answer.status


def workers_cpu_seconds(master: int) -> float:
    """User + system CPU time used so far by the gunicorn master's workers (Linux /proc)."""
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    ticks = 0
    for pid in children:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def step(what: str) -> None:
    print(f"… {what}", file=sys.stderr, flush=True)


def warm_up(port: int) -> None:
    """Every worker boots Django after the port opens: wait for 30 real answers of the refusal page."""
    answered = 0
    deadline = time.monotonic() + 60
    while answered < 30:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        try:
            conn.request("GET", "/s/warm-up/", headers={"X-Forwarded-Proto": "https"})
            answered += conn.getresponse().status == 404
        except OSError:
            time.sleep(0.2)
        finally:
            conn.close()
        if time.monotonic() > deadline:
            raise SystemExit(f"gunicorn gave {answered} good answers in 60 s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="200 respondents (smoke test)")
    args = parser.parse_args()
    respondents = 200 if args.small else 2000
    # A `timeout` or Ctrl-C still stops gunicorn, the workers and Redis (ExitStack) by their process ids.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("stopped"))
    with ExitStack() as stage:
        redis_url = stage.enter_context(stack.private_redis())
        stack.configure(redis_url=redis_url)
        from django.contrib.auth import get_user_model
        from django.core.management import call_command
        from django.utils import timezone

        from collaboratives.models import Membership, Role
        from measures.charts.recompute import runchart_analyse_many
        from measures.models import RunChartAnalysis
        from worksheets.models import SurveyResponse
        from worksheets.survey import dates, services

        manifest = stack.ROOT / "var" / "staticfiles" / "staticfiles.json"
        newest = max(f.stat().st_mtime for f in (stack.ROOT / "static").rglob("*") if f.is_file())
        if not manifest.exists() or manifest.stat().st_mtime < newest:
            step("collectstatic (production static files, hashed names; slow the first time)")
            call_command("collectstatic", "--noinput", verbosity=0)
        step("seeding")
        seeded = stack.seed(lias=50, measures=4, months=24, awardees=5)
        for measure, code in zip(seeded.measures, CODES, strict=True):
            measure.code = code
            measure.save(update_fields=["code"])
        runchart_analyse_many(analysis_ids=list(RunChartAnalysis.objects.values_list("id", flat=True)))
        team = seeded.teams[0]
        lead = get_user_model().objects.create_user(username="lead@bench", password="x" * 16)
        Membership.objects.create(user=lead, role=Role.CQI_LEAD, lia=team.lia)
        today = timezone.localdate()
        window = services.survey_window_open(
            actor=lead,
            team=team,
            month=today.replace(day=1),
            opens_on=today,
            closes_on=dates.month_last_day(today),
            staff_count=respondents,
        )
        step("issuing links")
        tokens: list[str] = []
        while len(tokens) < respondents:
            count = min(services.MAX_LINKS_PER_REQUEST, respondents - len(tokens))
            tokens += services.survey_links_issue(actor=lead, window=window, count=count)

        port = stack.free_port()
        env = {**stack.service_env(redis_url), "SURVEY_REQUESTS_PER_ADDRESS": "1000000"}
        server = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "-c", "coiin/gunicorn.conf.py", "coiin.wsgi:application",
             "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "--no-control-socket"],
            cwd=stack.ROOT, env=env, stdout=subprocess.DEVNULL,
        )  # fmt: skip
        stage.callback(server.wait, timeout=20)
        stage.callback(server.terminate)
        stack.wait_for_port(port)
        warm_up(port)
        step("answering")
        load_before = os.getloadavg()
        half = respondents // 2
        phases = {}
        cpu: dict[str, float] = {}  # gunicorn workers' CPU ms per respondent (GET + POST)
        started = time.perf_counter()
        for label, concurrency, batch in (
            (f"{CONCURRENCY} at a time", CONCURRENCY, list(enumerate(tokens))[:half]),
            ("3 at a time, one per gunicorn worker (the page's own time)", 3, list(enumerate(tokens))[half:]),
        ):
            cpu_before = workers_cpu_seconds(server.pid)
            with ThreadPoolExecutor(concurrency) as pool:
                phases[label] = list(pool.map(lambda it: respond(port, it[1], it[0]), batch))
            cpu[label] = (workers_cpu_seconds(server.pid) - cpu_before) * 1000 / len(batch)
        wall = time.perf_counter() - started
        load_during = os.getloadavg()
        results = [r for rs in phases.values() for r in rs]
        statuses = {status for _, _, status in results}
        saved = SurveyResponse.objects.filter(window=window).count()

        step("closing")
        workers = stage.enter_context(stack.celery_workers(2, redis_url))
        assert workers
        charts = RunChartAnalysis.objects.filter(measure__in=seeded.measures)
        closed_at = time.perf_counter()
        closed = services.survey_window_close(window_id=window.id, today=today)
        recorded = time.perf_counter()
        while charts.filter(stale=True).exists():
            if time.perf_counter() - closed_at > 120:
                raise SystemExit("charts still stale 120 s after closing")
            time.sleep(0.02)
        fresh = time.perf_counter()

    p = stack.percentile
    print(f"{respondents} respondents, one window; gunicorn (3 workers) on 127.0.0.1, "
          f"PostgreSQL; 50 teams × 4 measures × 24 months\n")  # fmt: skip
    print(f"  responses saved: {saved} of {respondents}; POST statuses {sorted(statuses)}")
    for label, rs in phases.items():
        posts, gets = [post for _, post, _ in rs], [get for get, _, _ in rs]
        p95 = p(posts, 0.95)
        verdict = "met" if p95 <= SUBMIT_P95_TARGET_MS else "NOT met"
        print(f"  {len(rs)} respondents, {label}:")
        print(f"    submission (POST) p50 {p(posts, 0.5):6.1f} ms  p95 {p95:6.1f} ms  max {max(posts):6.1f} ms"
              f"   target p95 ≤ {SUBMIT_P95_TARGET_MS:.0f} ms: {verdict}")  # fmt: skip
        print(f"    opening the link (GET) p50 {p(gets, 0.5):6.1f} ms  p95 {p(gets, 0.95):6.1f} ms")
        print(f"    CPU of the gunicorn workers per respondent (GET + POST): {cpu[label]:5.1f} ms")
    print(f"  {respondents} respondents in {wall:.1f} s ({2 * respondents / wall:.0f} requests/s)")
    print(f"  close: {closed.outcome if closed else 'already closed'}")
    total = fresh - closed_at
    print(f"  close → observations recorded {recorded - closed_at:5.2f} s; → all {charts.count()} charts of the "
          f"4 measures fresh {total:5.2f} s   target ≤ {CLOSE_TARGET_S:.0f} s: "
          f"{'met' if total <= CLOSE_TARGET_S else 'NOT met'}")  # fmt: skip
    print(f"  load average before {load_before[0]:.2f}, during {load_during[0]:.2f}, after {os.getloadavg()[0]:.2f} "
          f"(2 cores, shared: figures are noisy)")  # fmt: skip
    if saved != respondents or statuses != {200}:
        raise SystemExit("not every submission was saved")


if __name__ == "__main__":
    main()
