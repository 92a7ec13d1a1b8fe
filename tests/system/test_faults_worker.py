"""F5–F10 and F12 of docs/testing.md §3: workers killed, tasks duplicated or failing, a save racing a
recompute, PostgreSQL restarted under a task. The fault points are in coiin/faults.py."""

import os
import signal
import time

import pytest

from tests.system.processes import alive, children, wait_until

pytestmark = pytest.mark.system
POINT = "runchart_analyse"
VISIBILITY_TIMEOUT = 10  # seconds; production waits 600 before handing a dead worker's task to another


def _one_row_per_series(stack) -> None:
    duplicates = stack.sql(
        "SELECT kind, measure_id, team_id, awardee_id, count(*) FROM measures_runchartanalysis "
        "GROUP BY kind, measure_id, team_id, awardee_id HAVING count(*) > 1"
    )
    assert duplicates == []
    assert stack.sql("SELECT count(*) FROM measures_runchartanalysis")[0][0] == 12


def _observations(stack) -> list[tuple]:
    return stack.sql(
        "SELECT team_id, measure_id, month, numerator, denominator FROM measures_observation ORDER BY 1, 2, 3"
    )


def _started(stack, count: int = 1) -> list[tuple[int, str]]:
    return wait_until(
        lambda: len(hits := stack.events(POINT)) >= count and hits, timeout=60, what=f"{count} task start(s)"
    )


def test_f5_a_worker_child_killed_mid_task_is_redelivered_and_gives_the_clean_result(stack):
    before = _observations(stack)
    worker = stack.worker(COIIN_FAULT_RUNCHART_ANALYSE_SLEEP="3")
    stack.enqueue()
    pid = _started(stack)[0][0]
    assert pid in children(worker.pid)  # the prefork child, not the main process
    started = time.monotonic()
    os.kill(pid, signal.SIGKILL)
    stack.wait_fresh(timeout=60)
    print(
        f"\nF5: worker child SIGKILLed mid-task; requeued, run again and fresh {time.monotonic() - started:.1f} s later"
    )
    assert len(stack.events(POINT)) == 2  # the killed run and the redelivered one
    assert alive(worker.pid)
    _one_row_per_series(stack)
    assert _observations(stack) == before
    assert stack.analyses() == stack.clean_recompute()


def test_f6_a_whole_worker_killed_mid_task_hands_the_task_to_a_new_worker(stack):
    before = _observations(stack)
    worker = stack.worker(
        COIIN_FAULT_RUNCHART_ANALYSE_SLEEP="3", CELERY_VISIBILITY_TIMEOUT=str(VISIBILITY_TIMEOUT)
    )
    stack.enqueue()
    _started(stack)
    worker.kill()  # SIGKILL to the main process and its child: nothing acknowledges or requeues
    killed_at = time.monotonic()
    stack.worker(COIIN_FAULT_RUNCHART_ANALYSE_SLEEP="3", CELERY_VISIBILITY_TIMEOUT=str(VISIBILITY_TIMEOUT))
    try:  # kombu hands the unacknowledged message on once it is older than the visibility timeout...
        stack.wait_fresh(timeout=VISIBILITY_TIMEOUT)
        path = "redelivered by Redis"
    except TimeoutError:  # ...on a scan it throttles (every 10th tick), so the sweep may come first
        assert stack.sweep() != []
        stack.wait_fresh(timeout=15)
        path = "re-sent by the sweep"
    elapsed = time.monotonic() - killed_at
    print(f"\nF6: whole worker SIGKILLed; {path}, a new worker finished the task {elapsed:.1f} s later "
          f"(G10 ≤ visibility_timeout {VISIBILITY_TIMEOUT} s + 30 s)")  # fmt: skip
    assert elapsed <= VISIBILITY_TIMEOUT + 30
    assert len(stack.events(POINT)) >= 2  # the killed run, then one or more complete ones
    _one_row_per_series(stack)
    assert _observations(stack) == before
    assert stack.analyses() == stack.clean_recompute()


def test_f7_the_same_recompute_delivered_twice_at_once_leaves_one_correct_row(stack):
    stack.worker(concurrency=2, COIIN_FAULT_RUNCHART_ANALYSE_SLEEP="4")
    stack.django(  # two deliveries of one series, published a moment apart: a save's, and a duplicate
        "from django.db import transaction\nfrom measures.models import RunChartAnalysis\n"
        "from measures.charts.recompute import analyses_mark_stale\nfrom measures.tasks import runchart_refresh\n"
        "a = RunChartAnalysis.objects.get(kind='team', measure__code='m1', team__code='A1')\n"
        "with transaction.atomic(): analyses_mark_stale(analysis_ids=[a.id])\n"
        "runchart_refresh.delay(a.id)"
    )
    hits = _started(stack, 2)
    assert len({pid for pid, _ in hits}) == 2  # two processes ran it concurrently
    stack.wait_fresh(timeout=60)
    time.sleep(5)  # the slower of the two finishes its sleep and its (refused or identical) store
    print(f"\nF7: one series recomputed by {len(stack.events(POINT))} concurrent deliveries in 2 processes")
    _one_row_per_series(stack)
    assert "IntegrityError" not in stack.services[0].log()
    assert stack.analyses() == stack.clean_recompute()


def test_f8_a_save_during_a_recompute_is_not_lost(stack):
    stack.worker(COIIN_FAULT_RUNCHART_ANALYSE_SLEEP="3")
    stack.enqueue()
    _started(stack)
    # While the task sleeps between reading the data and storing the result. January 2026 is m1's new
    # latest month: B1's series and the aggregates grow a period too (docs/architecture.md §3.3 rule 5).
    stack.django(
        "from collaboratives.models import Team\nfrom measures.models import Measure\n"
        "from django.contrib.auth import get_user_model\nimport datetime as dt\n"
        "from measures.services import ObservationInput, observations_record\n"
        "team = Team.objects.get(code='A1')\nlead = get_user_model().objects.get(username='lead@example.org')\n"
        "m1 = Measure.objects.get(code='m1')\n"
        "observations_record(actor=lead, team=team, month=dt.date(2026, 1, 1), cells=[ObservationInput(m1, 9, 10)])"
    )
    stack.wait_fresh(timeout=60)
    time.sleep(4)  # the first, outdated run finishes its sleep: its store must not overwrite the new result
    # Stored points are columns (measures.points): the last period's numerator, and the last month.
    last = (
        "SELECT t.code, a.points -> 'numerator' ->> -1, to_char((a.points ->> 'first_month')::date "
        "+ (json_array_length(a.points -> 'numerator') - 1) * interval '1 month', 'YYYY-MM-DD') "
        "FROM measures_runchartanalysis a JOIN collaboratives_team t ON t.id = a.team_id "
        "JOIN measures_measure m ON m.id = a.measure_id WHERE a.kind = 'team' AND m.code = 'm1' ORDER BY t.code"
    )
    print("\nF8: a save during a slow recompute; the stored chart shows the new value (generation guard)")
    last_months = stack.sql(last)
    assert last_months == [("A1", "9", "2026-01-01"), ("B1", None, "2026-01-01")]  # B1's without a value
    assert stack.stale_count() == 0
    assert stack.analyses() == stack.clean_recompute()


def test_f9_a_task_failing_transiently_is_retried_and_succeeds_on_the_third_attempt(stack):
    worker = stack.worker(COIIN_FAULT_RUNCHART_ANALYSE_RAISE="2")
    analysis_id = stack.enqueue()
    started = time.monotonic()
    stack.wait_fresh(timeout=60)
    print(f"\nF9: failed twice (OperationalError), fresh after attempt 3, {time.monotonic() - started:.1f} s")
    assert [detail for _, detail in stack.events(POINT)] == [str(analysis_id)] * 3
    assert worker.log().count(f"run chart analysis {analysis_id} failed") == 2  # logged at ERROR each time
    assert stack.sql("SELECT attempts, failed, last_error FROM measures_runchartanalysis WHERE id = %s", analysis_id) == [
        (0, False, "")
    ]  # fmt: skip


def test_f10_a_task_that_always_fails_stops_marked_failed_with_a_bounded_number_of_runs(stack):
    stack.worker(COIIN_FAULT_RUNCHART_ANALYSE_RAISE="1000")
    analysis_id = stack.enqueue()
    state = "SELECT stale, failed, attempts FROM measures_runchartanalysis WHERE id = %s"
    started = time.monotonic()
    wait_until(lambda: len(stack.events(POINT)) >= 6, timeout=120, interval=0.5, what="1 + max_retries runs")
    wait_until(lambda: stack.sql(state, analysis_id)[0][1], timeout=30, what="marked failed")
    assert stack.sweep() == []  # a failed series is not sent again
    time.sleep(5)  # would be enough for a seventh run, were there one
    runs = len(stack.events(POINT))
    print(f"\nF10: poison task ran {runs} times in {time.monotonic() - started:.0f} s (1 + max_retries 5), "
          "then marked failed; the sweep sent it 0 more times")  # fmt: skip
    assert runs == 6
    stale, failed, attempts = stack.sql(state, analysis_id)[0]
    assert (stale, failed) == (True, True) and attempts >= 5
    assert (
        "fault injected at runchart_analyse"
        in stack.sql("SELECT last_error FROM measures_runchartanalysis WHERE id = %s", analysis_id)[0][0]
    )


def test_f12_a_postgresql_restart_during_a_task_is_retried_and_succeeds(stack):
    worker = stack.worker(COIIN_FAULT_RUNCHART_ANALYSE_SLEEP="3")
    stack.enqueue()
    _started(stack)
    stack.pg.stop()  # fast shutdown cuts the worker's connection while the task sleeps
    stack.pg.start()
    restarted = time.monotonic()
    stack.wait_fresh(timeout=60)
    runs = len(stack.events(POINT))
    print(f"\nF12: PostgreSQL restarted mid-task; the task ran {runs} times and finished "
          f"{time.monotonic() - restarted:.1f} s after PostgreSQL was back")  # fmt: skip
    assert runs == 2  # the run whose connection was cut failed with OperationalError, and was retried
    assert alive(worker.pid)
    assert stack.analyses() == stack.clean_recompute()
