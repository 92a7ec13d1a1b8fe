"""Downloads of a collaborative's data: the dashboard's teams × measures table (CSV or XLSX) and the whole
collaborative as one workbook with a sheet per measure.

Both read what the viewer's dashboard reads, through the one viewer read (measures/charts/read.py), so the
privacy rules apply as everywhere else: a peer team's figures withheld for a sensitive measure, small counts
blanked, peers named or coded as the collaborative's setting says. The tables
are built with pandas and every text cell is made spreadsheet-safe (`collaboratives.exports.csv_safe`).
"""

import datetime as dt
import io
from typing import Any

import pandas as pd

from collaboratives.exports import csv_safe
from measures import selectors
from measures.charts.model import Chart
from measures.charts.read import chart_choices, charts_read
from measures.models import Measure, RunChartAnalysis

SHEET_NAME_LIMIT = 31  # Excel's


def dashboard_table(
    *, user: Any, collaborative: Any, measures: list[Measure], awardee: Any | None, today: dt.date
) -> tuple[list[selectors.DashboardRow], int]:
    """The dashboard's rows as `user` may see them, and how many cells were withheld.

    A team's figures of a sensitive series with a month hidden from the viewer are withheld
    (`selectors.dashboard_rows`, by the rule of measures/charts/suppression.py).
    """
    rows = selectors.dashboard_rows(
        user=user, collaborative=collaborative, measures=measures, awardee=awardee, today=today
    )
    return rows, sum(row.withheld for row in rows)


def _safe(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.map(csv_safe)


def table_frame(rows: list[selectors.DashboardRow], measures: list[Measure]) -> pd.DataFrame:
    """One line per team: its name (or code), this month's report status, and per measure the current
    median as the dashboard shows it (empty: no median yet, or withheld) and whether it meets the goal."""
    records = []
    for row in rows:
        record: dict[str, Any] = {"Team": row.label, "This month's report": row.report_status or ""}
        for measure, cell in zip(measures, row.cells, strict=True):
            record[f"{measure.name}: current median"] = (
                "" if cell is None else cell.median + (" (provisional)" if cell.provisional else "")
            )
            record[f"{measure.name}: meets goal"] = (
                "" if cell is None or cell.meets_aim is None else ("yes" if cell.meets_aim else "no")
            )
        records.append(record)
    columns = ["Team", "This month's report"] + [
        f"{m.name}: {what}" for m in measures for what in ("current median", "meets goal")
    ]
    return _safe(pd.DataFrame.from_records(records, columns=columns))


def to_csv(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False).encode("utf-8")


def to_xlsx(sheets: dict[str, pd.DataFrame]) -> bytes:
    """One workbook, a sheet per entry (names cut to Excel's 31 characters)."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            frame.to_excel(writer, sheet_name=name[:SHEET_NAME_LIMIT], index=False)
    return buffer.getvalue()


def _series_label(chart: Chart) -> str:
    return "All teams" if chart.stored.team is None else chart.label


VALUES_READ_AS: dict[str, str] = {
    Measure.Kind.PROPORTION: "percent",
    Measure.Kind.MEDIAN: "median of the month's cases (All teams: of every team's cases together)",
}


def collaborative_frames(*, user: Any, collaborative: Any) -> dict[str, pd.DataFrame]:
    """A frame per measure: a row per month, a column per team the viewer may see the chart of and one for
    all teams, holding the monthly value as people read it (72 for 72%); blank where nothing was reported
    or the count is suppressed for this viewer."""
    measures = list(selectors.measure_list(user=user, collaborative=collaborative))
    charts = charts_read(
        user=user,
        charts=chart_choices(user=user, collaborative=collaborative)
        .filter(kind__in=[RunChartAnalysis.Kind.TEAM, RunChartAnalysis.Kind.COLLABORATIVE])
        .select_related("team__lia", "measure__collaborative", "collaborative")
        .order_by("kind", "team__lia__name"),
    )
    frames = {
        "Measures": _safe(
            pd.DataFrame.from_records(
                [
                    {
                        "Sheet": m.code,
                        "Measure": m.name,
                        "Kind": m.get_kind_display(),
                        "Values": VALUES_READ_AS.get(m.kind, "as reported"),
                        "Numerator": m.numerator_definition,
                        "Denominator": m.denominator_definition,
                    }
                    for m in measures
                ],
                columns=["Sheet", "Measure", "Kind", "Values", "Numerator", "Denominator"],
            )
        )
    }
    for measure in measures:
        scale = measure.display_multiplier
        columns: dict[str, dict[str, float | None]] = {}
        for chart in (c for c in charts if c.stored.measure_id == measure.id):
            columns[_series_label(chart)] = {
                f"{p.month:%Y-%m}": None if p.value is None else round(p.value * scale, 4)
                for p in chart.points
            }
        frame = pd.DataFrame(columns).sort_index()
        frame.index.name = "Month"
        frames[f"{measure.code}"] = _safe(frame.reset_index())
    return frames
