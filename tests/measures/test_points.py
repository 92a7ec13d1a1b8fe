"""Stored chart points: columns in the database, one dict per period to every reader (measures.points)."""

import datetime as dt
import json

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from measures.models import RunChartAnalysis
from tests.factories import MeasureFactory

ROWS = [
    {"month": "2025-11-01", "numerator": 3, "denominator": 4, "value": 0.75},
    {"month": "2025-12-01", "numerator": None, "denominator": None, "value": None},
    {"month": "2026-01-01", "numerator": 1, "denominator": 3, "value": 0.333333333333},
]
COLUMNS = {"first_month": "2025-11-01", "numerator": [3, None, 1], "denominator": [4, None, 3]}


def stored_json(analysis_id: int):
    with connection.cursor() as cursor:
        cursor.execute("SELECT points FROM measures_runchartanalysis WHERE id = %s", [analysis_id])
        value = cursor.fetchone()[0]
    return json.loads(value) if isinstance(value, str) else value  # SQLite hands back the text


@pytest.fixture
def chart(world):
    return RunChartAnalysis.objects.create(
        kind="team",
        measure=MeasureFactory(collaborative=world.one),
        collaborative=world.one,
        team=world.team_a1,
        points=ROWS,
    )


def test_points_saved_as_rows_are_stored_as_columns_and_read_back_as_the_same_rows(chart):
    assert stored_json(chart.id) == COLUMNS
    assert RunChartAnalysis.objects.get(id=chart.id).points == ROWS
    assert list(RunChartAnalysis.objects.filter(id=chart.id).values_list("points", flat=True)) == [ROWS]


def test_an_aggregates_extra_figures_survive_the_round_trip(chart):
    rows = [p | {"n_teams_reporting": i, "below_reporting_floor": i == 0} for i, p in enumerate(ROWS)]
    chart.points = rows
    chart.save()
    assert stored_json(chart.id)["n_teams_reporting"] == [0, 1, 2]
    assert RunChartAnalysis.objects.get(id=chart.id).points == rows


def test_no_periods_is_an_empty_list(chart):
    chart.points = []
    chart.save()
    assert stored_json(chart.id) == []
    assert RunChartAnalysis.objects.get(id=chart.id).points == []


@pytest.mark.django_db(transaction=True)
def test_the_migration_turns_stored_rows_into_columns(world):
    measure = MeasureFactory(collaborative=world.one)  # with today's models, before the schema goes back
    executor = MigrationExecutor(connection)
    before, after = [("measures", "0006_observation_measure_month")], [("measures", "0007_points_as_columns")]
    executor.migrate(before)
    old = executor.loader.project_state(before).apps.get_model("measures", "RunChartAnalysis")
    legacy = old.objects.create(
        kind="team", measure_id=measure.id, collaborative_id=world.one.id, team_id=world.team_a1.id,
        points=ROWS, first_month=dt.date(2025, 11, 1),
    )  # fmt: skip
    assert stored_json(legacy.id) == ROWS
    executor = MigrationExecutor(connection)
    executor.migrate(after)
    assert stored_json(legacy.id) == COLUMNS
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert RunChartAnalysis.objects.get(id=legacy.id).points == ROWS
