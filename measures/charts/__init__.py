"""The stored run chart, in one home.

- `recompute`: marking series stale, analysing them with the engine (`measures.runchart`), storing results.
- `inputs`: what the engine is fed (the series' months, team pairs, parameters, summaries).
- `suppression`: the disclosure rule for sensitive measures (small cells, complements, withholding).
- `figure`: the plotly figure and the one-sentence summary of a chart.
"""

from measures.charts.figure import (
    ChartNote,
    chart_summary,
    format_value,
    register_note_source,
    runchart_figure,
    team_chart_notes,
    value_format,
)

__all__ = [
    "ChartNote",
    "chart_summary",
    "format_value",
    "register_note_source",
    "runchart_figure",
    "team_chart_notes",
    "value_format",
]
