"""The stored run chart, in one home.

- `recompute`: marking series stale, analysing them with the engine (`measures.runchart`), storing results.
- `inputs`: what the engine is fed (the series' months, team pairs, parameters, summaries).
- `suppression`: the disclosure rule for sensitive measures (small cells, complements, withholding).
- `figure`: what charts share across apps: their notes (sources other apps register) and how values read.
  How a chart is drawn is `measures.figures`, what it means `measures.interpretation`, and the bridge
  from a chart as the viewer reads it (`read`) to both is `measures.rendering`.
"""

from measures.charts.figure import (
    ChartNote,
    format_value,
    register_note_source,
    team_chart_notes,
    value_format,
)

__all__ = [
    "ChartNote",
    "format_value",
    "register_note_source",
    "team_chart_notes",
    "value_format",
]
