"""End to end against PostgreSQL, Redis and a real `celery worker` process.

The test starts its own Redis (own port, own directory) so it can stop and restart it, and its own
worker (tests/worker_stack.py); both are ended by their process ids. The shared services are never touched.
"""

import datetime as dt
import time
from collections.abc import Iterator
from types import SimpleNamespace

import pytest
from django.utils import timezone

from measures.charts.recompute import runchart_sweep
from measures.models import Observation, RunChartAnalysis
from measures.services import ObservationInput, observations_record
from measures.tasks import runchart_refresh
from tests.factories import MeasureFactory
from tests.worker_stack import celery_worker_stack

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
MONTH = dt.date(2025, 2, 1)


@pytest.fixture
def stack(world) -> Iterator[SimpleNamespace]:
    with celery_worker_stack(needs="end-to-end tests") as redis:
        measure = MeasureFactory(collaborative=world.one, code="e2e")
        yield SimpleNamespace(world=world, measure=measure, redis=redis)


def _wait_until_fresh(timeout: float = 60) -> list[RunChartAnalysis]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        analyses = list(RunChartAnalysis.objects.order_by("kind"))
        if analyses and all(not a.stale for a in analyses):
            return analyses
        time.sleep(0.2)
    raise AssertionError(
        f"still stale after {timeout}s: {list(RunChartAnalysis.objects.values('kind', 'stale'))}"
    )


def _save(stack: SimpleNamespace, num: int, den: int, month: dt.date = MONTH) -> None:
    cells = [ObservationInput(stack.measure, num, den)]
    observations_record(actor=stack.world.alice, team=stack.world.team_a1, month=month, cells=cells)


def test_a_saved_month_is_analysed_by_the_worker(stack):
    _save(stack, 6, 8)
    analyses = _wait_until_fresh()
    assert [a.kind for a in analyses] == ["awardee", "collaborative", "team"]
    team_chart = next(a for a in analyses if a.kind == "team")
    assert team_chart.points[-1]["value"] == 0.75
    assert team_chart.result["median_exact"] == "3/4"


def test_with_redis_down_a_save_succeeds_quickly_and_the_sweep_catches_up(stack):
    stack.redis.stop()
    started = time.monotonic()
    _save(stack, 5, 8)
    elapsed = time.monotonic() - started
    assert elapsed <= 3.0, f"save took {elapsed:.1f}s with the broker down"
    assert Observation.objects.get().numerator == 5
    assert set(RunChartAnalysis.objects.values_list("stale", flat=True)) == {True}

    stack.redis.start()
    assert runchart_sweep(now=timezone.now() + dt.timedelta(minutes=1))
    analyses = _wait_until_fresh()
    assert next(a for a in analyses if a.kind == "team").result["median_exact"] == "5/8"


def test_the_same_task_run_twice_leaves_one_identical_result(stack):
    _save(stack, 3, 4)
    team_chart = next(a for a in _wait_until_fresh() if a.kind == "team")
    before = (team_chart.result, team_chart.points, team_chart.input_digest, team_chart.computed_at)
    # Stale again, as a redelivered task finds it; a task for a fresh series has nothing to do.
    RunChartAnalysis.objects.filter(id=team_chart.id).update(stale=True)
    for _ in range(2):
        runchart_refresh.delay(team_chart.id)
    deadline = time.monotonic() + 30
    while (
        RunChartAnalysis.objects.get(id=team_chart.id).computed_at == before[3]
        and time.monotonic() < deadline
    ):
        time.sleep(0.2)
    time.sleep(1)  # let the second delivery finish too
    after = RunChartAnalysis.objects.get(id=team_chart.id)
    assert after.computed_at > before[3] and not after.stale
    assert (after.result, after.points, after.input_digest) == before[:3]
    assert RunChartAnalysis.objects.filter(kind="team").count() == 1
