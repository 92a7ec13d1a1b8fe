"""F11 and F13 of docs/testing.md §3: PostgreSQL restarted under web traffic, and a gunicorn worker
killed in the middle of saving an upload."""

import os
import signal
import threading
import time

import pytest
import requests

from tests.system.conftest import TRACEBACK, csrf, entry_form
from tests.system.processes import children, wait_until

pytestmark = pytest.mark.system
REQUESTS = 200
RECOVERY_SECONDS = 5  # G11: no errors for requests starting this long after PostgreSQL is back


def test_f11_a_postgresql_restart_under_traffic_answers_503_then_recovers_with_nothing_half_saved(stack):
    stack.web(workers=2)
    session = stack.login()
    team = stack.seed["teams"]["A1"]
    entry = stack.url(f"/teams/{team}/data/2025-05/")
    session.get(entry, timeout=10)
    token = csrf(session)
    outcomes: list[tuple[float, int, str]] = []  # (start time, status, body)
    back_at: list[float] = []

    def restart() -> None:
        stack.pg.stop()
        time.sleep(2)
        stack.pg.start()
        back_at.append(time.monotonic())

    restarter = threading.Timer(3.0, restart)
    restarter.start()
    try:
        for n in range(REQUESTS):
            started = time.monotonic()
            if n % 2:
                response = session.get(stack.url(f"/teams/{team}/"), timeout=15)
            else:  # every save writes the same number into all three measures of the month
                values = {code: (n % 10, 10) for code in ("m1", "m2", "m3")}
                response = session.post(
                    entry, data=entry_form(values, token), allow_redirects=False, timeout=15
                )
            outcomes.append((started, response.status_code, response.text))
            time.sleep(0.05)
    finally:
        restarter.join(timeout=60)
    statuses = [status for _, status, _ in outcomes]
    unavailable = [(status, body) for _, status, body in outcomes if status == 503]
    after_recovery = [
        status for started, status, _ in outcomes if back_at and started >= back_at[0] + RECOVERY_SECONDS
    ]
    print(
        f"\nF11: {len(outcomes)} requests across a PostgreSQL restart: {statuses.count(503)} × 503 during the "
        f"outage, {sum(s >= 500 and s != 503 for s in statuses)} other 5xx, "
        f"{sum(s >= 400 for s in after_recovery)} errors among {len(after_recovery)} requests ≥ {RECOVERY_SECONDS} s after recovery"
    )  # fmt: skip
    assert back_at, "PostgreSQL did not come back"
    assert set(statuses) <= {200, 302, 503}
    assert unavailable, "no request hit the outage: the test proved nothing"
    for _, body in unavailable:
        assert "briefly unavailable" in body
        assert TRACEBACK.search(body) is None
    assert after_recovery and set(after_recovery) <= {200, 302}
    month = stack.sql(
        "SELECT numerator FROM measures_observation o JOIN collaboratives_team t ON t.id = o.team_id "
        "WHERE t.code = 'A1' AND o.month = '2025-05-01'"
    )
    assert len(month) == 3 and len({value for (value,) in month}) == 1  # every save all or nothing


def test_f13_a_gunicorn_worker_killed_mid_upload_saves_nothing_and_is_replaced(stack):
    web = stack.web(workers=2, COIIN_FAULT_IMPORT_COMMIT_SLEEP="2")
    session = stack.login()
    rows = "".join(f"{team},{month},m{n},{n},10\n" for team in ("A1", "B1") for month in ("2026-01", "2026-02")
                   for n in (1, 2, 3))  # fmt: skip
    upload = session.post(
        stack.url(f"/collaboratives/{stack.seed['collaborative']}/import/"),
        data={"csrfmiddlewaretoken": csrf(session)},
        files={
            "file": ("jan-feb.csv", b"team_code,month,measure_code,numerator,denominator\n" + rows.encode())
        },
        allow_redirects=False,
        timeout=30,
    )
    assert upload.status_code == 302, upload.text[:2000]
    commit_url = stack.url(upload.headers["Location"] + "commit/")
    new_rows = "SELECT count(*) FROM measures_observation WHERE month >= '2026-01-01'"
    failures: list[BaseException] = []

    def commit() -> None:
        try:
            session.post(
                commit_url, data={"csrfmiddlewaretoken": csrf(session)}, allow_redirects=False, timeout=60
            )
        except requests.RequestException as exc:
            failures.append(exc)

    committing = threading.Thread(target=commit)
    committing.start()
    pid = wait_until(lambda: stack.events("import_commit"), timeout=30, what="commit under way")[0][0]
    assert pid in children(web.pid)
    os.kill(pid, signal.SIGKILL)  # one team-month is written, inside the file's open transaction
    committing.join(timeout=60)
    assert failures, "the killed worker still answered"
    assert stack.sql(new_rows)[0][0] == 0
    assert stack.sql("SELECT count(*) FROM measures_dataimport WHERE committed_at IS NOT NULL")[0][0] == 0
    wait_until(
        lambda: len(set(children(web.pid)) - {pid}) == 2, timeout=30, what="gunicorn replacing the worker"
    )

    again = session.post(
        commit_url, data={"csrfmiddlewaretoken": csrf(session)}, allow_redirects=False, timeout=60
    )
    saved = stack.sql(new_rows)[0][0]
    print(
        f"\nF13: gunicorn worker SIGKILLed mid-commit: 0 of 12 rows saved; replaced; the retried commit saved {saved}"
    )
    assert again.status_code == 302
    assert saved == 12
