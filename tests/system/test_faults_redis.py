"""F1–F4 and F14 of docs/testing.md §3: Redis down or emptied while people save data and log in."""

import time

import pytest
import requests

from tests.system.conftest import csrf, entry_form

pytestmark = pytest.mark.system
TRIES = 20
HEADER = "team_code,month,measure_code,numerator,denominator\n"


def _month_values(stack, month: str) -> list[tuple[str, str, int]]:
    return stack.sql(
        "SELECT t.code, m.code, o.numerator FROM measures_observation o "
        "JOIN measures_measure m ON m.id = o.measure_id JOIN collaboratives_team t ON t.id = o.team_id "
        "WHERE o.month = %s ORDER BY t.code, m.code",
        month,
    )


def test_f1_f2_f3_saves_and_imports_with_redis_down_answer_quickly_and_the_sweep_catches_up(stack):
    stack.web()
    stack.worker()
    session = stack.login()
    entry = stack.url(f"/teams/{stack.seed['teams']['A1']}/data/2025-06/")
    session.get(entry, timeout=10)
    history_before = stack.sql("SELECT count(*) FROM measures_historicalobservation")[0][0]
    stack.redis.stop()

    timings = []
    for n in range(TRIES):  # every save changes all three measures: 9 series to enqueue each time
        values = {"m1": (n % 5, 10), "m2": (n % 5 + 1, 10), "m3": (n % 5 + 2, 10)}
        started = time.monotonic()
        response = session.post(
            entry, data=entry_form(values, csrf(session)), allow_redirects=False, timeout=30
        )
        timings.append(time.monotonic() - started)
        assert response.status_code == 302, response.text[:2000]
    print(f"\nF1: save with Redis down answered in {max(timings):.2f} s (max of {TRIES}; G9 ≤ 3 s)")
    assert max(timings) <= 3.0
    last = (TRIES - 1) % 5
    assert [row for row in _month_values(stack, "2025-06-01") if row[0] == "A1"] == [
        ("A1", "m1", last), ("A1", "m2", last + 1), ("A1", "m3", last + 2)
    ]  # fmt: skip
    history = stack.sql("SELECT count(*) FROM measures_historicalobservation")[0][0]
    assert history - history_before == 3 * TRIES
    assert stack.stale_count() == 9  # m1..m3 × (team A1, the collaborative, the awardee)
    assert "broker unavailable: run chart" in stack.services[0].log()
    assert "Error calling" not in stack.services[0].log()  # no on_commit callback blew up

    csv_file = HEADER + "".join(f"{team},2025-07,m{n},{n},10\n" for team in ("A1", "B1") for n in (1, 2, 3))
    started = time.monotonic()
    upload = session.post(
        stack.url(f"/collaboratives/{stack.seed['collaborative']}/import/"),
        data={"csrfmiddlewaretoken": csrf(session)},
        files={"file": ("july.csv", csv_file.encode(), "text/csv")},
        allow_redirects=False,
        timeout=30,
    )
    assert upload.status_code == 302, upload.text[:2000]
    commit = session.post(
        stack.url(upload.headers["Location"] + "commit/"),
        data={"csrfmiddlewaretoken": csrf(session)},
        allow_redirects=False,
        timeout=30,
    )
    elapsed = time.monotonic() - started
    assert commit.status_code == 302, commit.text[:2000]
    print(f"F2: CSV upload and commit with Redis down answered in {elapsed:.2f} s (G9 ≤ 3 s)")
    assert elapsed <= 3.0
    assert _month_values(stack, "2025-07-01") == [
        (team, f"m{n}", n) for team in ("A1", "B1") for n in (1, 2, 3)
    ]  # fmt: skip
    stale = stack.stale_count()
    assert stale == 12  # B1's three team series too

    stack.redis.start()
    started = time.monotonic()
    assert len(stack.sweep()) == stale
    stack.wait_fresh(timeout=60)
    print(
        f"F3: {stale} stale series recomputed {time.monotonic() - started:.1f} s after Redis returned (1 sweep)"
    )
    assert stack.analyses() == stack.clean_recompute()


def test_f4_queued_recomputes_lost_with_a_redis_restart_are_recovered_by_the_sweep(stack):
    enqueued = stack.django(
        "from measures.charts.recompute import recompute_all\nprint(json.dumps(len(recompute_all())))"
    )
    assert (
        enqueued == 12
    )  # 2 teams × 3 measures, plus the collaborative and awardee aggregate of each measure
    assert stack.stale_count() == 12
    stack.redis.kill()  # no persistence: the 12 queued messages are gone
    stack.redis.start()
    stack.worker()
    started = time.monotonic()
    assert len(stack.sweep()) == 12
    stack.wait_fresh(timeout=90)
    print(f"\nF4: 12 lost recomputes recovered by 1 sweep in {time.monotonic() - started:.1f} s")
    assert stack.analyses() == stack.clean_recompute()


def _failed_login(stack) -> requests.Response:
    with requests.Session() as session:  # a fresh client each time, as a password-guessing script would be
        session.get(stack.url("/accounts/login/"), timeout=10)
        return session.post(
            stack.url("/accounts/login/"),
            data={
                "login": stack.seed["email"],
                "password": "wrong-password-1",
                "csrfmiddlewaretoken": csrf(session),
            },
            allow_redirects=False,
            timeout=10,
        )


def test_f14_with_redis_down_login_works_and_the_sixth_failed_login_is_refused(stack):
    stack.web(workers=2)
    stack.redis.stop()
    session = stack.login()
    assert session.get(stack.url("/"), timeout=10).status_code == 200

    responses = [_failed_login(stack) for _ in range(6)]
    statuses = [r.status_code for r in responses]
    refused = ["Too many failed login attempts" in r.text for r in responses]
    print(f"\nF14: with Redis down, 6 failed logins answered {statuses}; refused by the limit: {refused}")
    assert max(statuses) < 500
    assert refused == [False] * 5 + [True]
