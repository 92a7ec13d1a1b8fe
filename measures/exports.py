"""Downloads of a collaborative's data: the dashboard's teams × measures table (CSV or XLSX) and the whole
collaborative as one workbook with a sheet per measure.

Both read what the viewer's dashboard reads, with the same privacy rules applied once here: a peer team's
median withheld for a sensitive measure (`suppression.withheld_teams`), small counts blanked
(`suppression.suppress_for_viewer`), peers named or coded as the collaborative's setting says. The tables
are built with pandas and every text cell is made spreadsheet-safe (`collaboratives.exports.csv_safe`).
"""

import datetime as dt
import io
from typing import Any

import pandas as pd

from collaboratives.exports import csv_safe
from measures import selectors, suppression
from measures.models import Measure, RunChartAnalysis

SHEET_NAME_LIMIT = 31  # Excel's


def dashboard_table(
    *, user: Any, collaborative: Any, measures: list[Measure], awardee: Any | None, today: dt.date
) -> tuple[list[selectors.DashboardRow], int]:
    """The dashboard's rows as `user` may see them, and how many cells were withheld.

    A peer's current median of a mostly suppressed sensitive series is withheld (docs/disclosure.md §2).
    """
    rows = selectors.dashboard_rows(
        user=user, collaborative=collaborative, measures=measures, awardee=awardee, today=today
    )
    withheld = 0
    for i, measure in enumerate(measures):
        teams = suppression.withheld_teams(user=user, measure=measure)
        for row in rows:
            if row.team_public_id in teams and not row.linked and row.cells[i] is not None:
                row.cells[i] = None
                withheld += 1
    return rows, withheld


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


def _series_label(chart: RunChartAnalysis, *, user: Any) -> str:
    if chart.team is None:
        return "All teams"
    return selectors.team_label(user=user, team=chart.team, collaborative=chart.collaborative)


def collaborative_frames(*, user: Any, collaborative: Any) -> dict[str, pd.DataFrame]:
    """A frame per measure: a row per month, a column per team the viewer may see the chart of and one for
    all teams, holding the monthly value as people read it (72 for 72%); blank where nothing was reported
    or the count is suppressed for this viewer."""
    measures = list(selectors.measure_list(user=user, collaborative=collaborative))
    charts = list(
        RunChartAnalysis.objects.visible_to(user)
        .filter(
            collaborative=collaborative,
            kind__in=[RunChartAnalysis.Kind.TEAM, RunChartAnalysis.Kind.COLLABORATIVE],
        )
        .select_related("team__lia", "measure__collaborative", "collaborative")
        .order_by("kind", "team__lia__name")
    )
    charts = suppression.suppress_for_viewer(user=user, charts=charts)
    frames = {
        "Measures": _safe(
            pd.DataFrame.from_records(
                [
                    {
                        "Sheet": m.code,
                        "Measure": m.name,
                        "Kind": m.get_kind_display(),
                        "Values": "percent" if m.kind == Measure.Kind.PROPORTION else "as reported",
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
        for chart in (c for c in charts if c.measure_id == measure.id):
            label = _series_label(chart, user=user)
            columns[label] = {
                p["month"][:7]: None if p.get("value") is None else round(p["value"] * scale, 4)
                for p in chart.points or []
            }
        frame = pd.DataFrame(columns).sort_index()
        frame.index.name = "Month"
        frames[f"{measure.code}"] = _safe(frame.reset_index())
    return frames
