"""With the broker down, a save publishes once, not once per affected series, and the sweep reopens it.

Each failed publish costs the broker timeouts; the system test F1 measures the whole save against a
stopped Redis. Here the publish failure is what kombu raises when Redis refuses the connection.
"""

import contextlib
import datetime as dt
import logging
from collections.abc import Iterator
from unittest import mock

import kombu.exceptions
import pytest
from django.utils import timezone

from measures import tasks
from measures.charts import recompute
from measures.charts.recompute import runchart_sweep
from measures.models import Observation, RunChartAnalysis
from measures.services import ObservationInput, observations_record
from tests.factories import MeasureFactory

MONTH = dt.date(2025, 3, 1)
REFUSED = kombu.exceptions.OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")


@pytest.fixture(autouse=True)
def closed_breaker():
    recompute._BrokerBreaker.open_until = 0.0
    yield
    recompute._BrokerBreaker.open_until = 0.0


@contextlib.contextmanager
def broker_down() -> Iterator[tuple[mock.Mock, mock.Mock]]:
    """Every publish refused: one series at a time, and the batches a save moving the latest month sends."""
    with (
        mock.patch.object(tasks.runchart_refresh, "delay", side_effect=REFUSED) as publish,
        mock.patch.object(tasks.runchart_refresh_many, "delay", side_effect=REFUSED) as publish_batch,
    ):
        yield publish, publish_batch


def _save(world, measures, value: int, callbacks_capture):
    with callbacks_capture(execute=True):
        observations_record(
            actor=world.alice,
            team=world.team_a1,
            month=MONTH,
            cells=[ObservationInput(m, value, 10) for m in measures],
        )


def test_a_save_with_the_broker_down_tries_one_publish_keeps_the_data_and_leaves_the_series_stale(
    world, django_capture_on_commit_callbacks, caplog
):
    measures = [MeasureFactory(collaborative=world.one, code=f"m{n}") for n in range(3)]
    with broker_down() as (publish, publish_batch):
        _save(world, measures, 4, django_capture_on_commit_callbacks)

    # Not 3 (a first month of each measure: its series in one batch task each):
    # the other series wait for the sweep.
    assert (publish.call_count, publish_batch.call_count) == (0, 1)
    assert sorted(Observation.objects.values_list("numerator", flat=True)) == [4, 4, 4]
    assert RunChartAnalysis.objects.count() == 9
    assert set(RunChartAnalysis.objects.values_list("stale", flat=True)) == {True}
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and warnings[0].startswith("broker unavailable: run chart")


def test_once_the_sweep_reaches_the_broker_saves_publish_again(world, django_capture_on_commit_callbacks):
    measures = [MeasureFactory(collaborative=world.one, code="m0")]
    with broker_down():
        _save(world, measures, 4, django_capture_on_commit_callbacks)
    with (
        mock.patch.object(tasks.runchart_refresh, "delay") as publish,
        mock.patch.object(tasks.runchart_refresh_many, "delay") as publish_batch,
    ):
        _save(world, measures, 5, django_capture_on_commit_callbacks)
        assert publish.call_count == 0  # still within the pause after the failure

        swept = runchart_sweep(now=timezone.now() + dt.timedelta(minutes=1))
        assert sorted(i for c in publish_batch.call_args_list for i in c.args[0]) == swept and len(swept) == 3

        _save(world, measures, 6, django_capture_on_commit_callbacks)
        assert publish.call_count == 3
