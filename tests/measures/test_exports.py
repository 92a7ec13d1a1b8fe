"""Downloads (issue 21): the dashboard's teams × measures table as CSV and XLSX, and a collaborative's data
as one workbook with a sheet per measure, each as the viewer may see it."""

import csv
import io

import openpyxl

from collaboratives.models import Collaborative
from tests.measures.dashboard_world import set_peers

HEADER = ["Team", "This month's report", "Follow-up: current median", "Follow-up: meets goal"]


def _csv(response):
    return list(csv.reader(io.StringIO(response.content.decode())))


def _xlsx(response):
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    return {sheet.title: [list(row) for row in sheet.iter_rows(values_only=True)] for sheet in book}


def test_the_table_as_csv_holds_the_dashboards_rows(world, charts, client):
    client.force_login(world.frank)
    response = client.get(f"/collaboratives/{world.one.public_id}/dashboard/table.csv")
    assert response.status_code == 200 and response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'attachment; filename="ONE teams by measures' in response["Content-Disposition"]
    assert _csv(response) == [
        HEADER,
        ["Agency A", "Not started", "70%", "yes"],
        ["Agency B", "Not started", "70%", "yes"],
        ["Agency C", "Not started", "70%", "yes"],
    ]


def test_the_table_as_xlsx_names_peers_as_the_dashboard_does(world, charts, client):
    set_peers(world, Collaborative.PeerVisibility.ANONYMISED)
    client.force_login(world.bob)
    sheets = _xlsx(client.get(f"/collaboratives/{world.one.public_id}/dashboard/table.xlsx"))
    assert list(sheets) == ["Teams by measures"]
    rows = sheets["Teams by measures"]
    assert rows[0] == HEADER
    assert sorted(r[0] for r in rows[1:]) == ["Agency A", "Team B1", "Team C1"]
    page = client.get(f"/collaboratives/{world.one.public_id}/dashboard/").content.decode()
    assert f'href="/collaboratives/{world.one.public_id}/dashboard/table.xlsx"' in page


def test_the_workbook_has_a_sheet_per_measure_with_a_column_per_team(world, charts, client):
    client.force_login(world.frank)
    sheets = _xlsx(client.get(f"/collaboratives/{world.one.public_id}/data.xlsx"))
    assert list(sheets) == ["Measures", "fu"]
    assert sheets["Measures"][1][:4] == [
        "fu",
        "Follow-up",
        "Proportion (numerator / denominator, shown as %)",
        "percent",
    ]
    fu = sheets["fu"]
    assert fu[0] == ["Month", "All teams", "Agency A", "Agency B", "Agency C"]
    assert fu[1] == ["2025-01", 40, 40, 40, 40]
    assert fu[13] == ["2026-01", 70, 70, 70, 70]
    assert len(fu) == 25  # 24 months and the header


def test_hidden_peers_leave_only_the_viewers_own_team_and_the_aggregate_in_the_workbook(
    world, charts, client
):
    set_peers(world, Collaborative.PeerVisibility.HIDDEN)
    client.force_login(world.bob)
    fu = _xlsx(client.get(f"/collaboratives/{world.one.public_id}/data.xlsx"))["fu"]
    assert fu[0] == ["Month", "All teams", "Agency A"]


def test_another_collaboratives_downloads_answer_404(world, charts, client):
    client.force_login(world.olga)
    for path in ("dashboard/table.csv", "dashboard/table.xlsx", "data.xlsx"):
        assert client.get(f"/collaboratives/{world.one.public_id}/{path}").status_code == 404
