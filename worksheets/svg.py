"""A small server-side SVG run chart of a stored analysis, for the printed planner.

Plotly's static export needs kaleido, which we do not ship; weasyprint draws inline SVG, so the PDF
gets the stored points and each phase's centre line drawn here. Pure: a stored analysis in, markup out.
"""

import datetime as dt
from typing import Any
from xml.sax.saxutils import escape

from measures.charts import format_value
from measures.models import RunChartAnalysis

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 16, 40
INK, LINE, GOAL, GRID = "#1f3a5f", "#b3261e", "#2e7d32", "#c8cdd3"


def _phases(result: dict[str, Any], n: int) -> list[dict[str, Any]]:
    phases = result.get("phases")
    if phases:
        return phases
    return [{"start_index": 0, "end_index": n - 1, "median": result.get("median")}]


def runchart_svg(analysis: RunChartAnalysis, *, title: str) -> str:
    """The analysis's points joined by a line, its phase medians in red, the measure's goal in green."""
    measure = analysis.measure
    points = analysis.points or []
    n = len(points)
    values = [p["value"] for p in points]
    result = analysis.result or {}
    goal = None if measure.goal is None else float(measure.goal) / measure.display_multiplier
    known = [v for v in values if v is not None] + ([goal] if goal is not None else [])
    top = max(known, default=1.0) or 1.0
    top = 1.0 if measure.kind == measure.Kind.PROPORTION and top <= 1 else top * 1.1
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(i: float) -> float:
        return LEFT + (plot_w * i / (n - 1) if n > 1 else plot_w / 2)

    def y(v: float) -> float:
        return TOP + plot_h * (1 - v / top)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" '
        f'height="{HEIGHT}" role="img" aria-label="{escape(title, {chr(34): "&quot;"})}">',
        f"<title>{escape(title)}</title>",
    ]
    for fraction in (0, 0.5, 1):
        gy = y(top * fraction)
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{gy:.1f}" y2="{gy:.1f}" stroke="{GRID}"/>')
        parts.append(
            f'<text x="{LEFT - 6}" y="{gy + 4:.1f}" font-size="11" text-anchor="end" fill="{INK}">'
            f"{escape(format_value(top * fraction, measure))}</text>"
        )
    if goal is not None:
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(goal):.1f}" y2="{y(goal):.1f}" stroke="{GOAL}" '
            f'stroke-dasharray="6 4"/>'
        )
    for phase in _phases(result, n):
        if phase.get("median") is None or n == 0:
            continue
        my = y(phase["median"])
        parts.append(
            f'<line x1="{x(phase["start_index"]):.1f}" x2="{x(phase["end_index"]):.1f}" y1="{my:.1f}" '
            f'y2="{my:.1f}" stroke="{LINE}" stroke-width="2"/>'
        )
    segment: list[str] = []
    for i, v in enumerate(values):
        if v is None:
            if len(segment) > 1:
                parts.append(f'<polyline fill="none" stroke="{INK}" points="{" ".join(segment)}"/>')
            segment = []
            continue
        segment.append(f"{x(i):.1f},{y(v):.1f}")
        parts.append(f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="3" fill="{INK}"/>')
    if len(segment) > 1:
        parts.append(f'<polyline fill="none" stroke="{INK}" points="{" ".join(segment)}"/>')
    for i, p in enumerate(points):
        if i % 3 == 0 or i == n - 1:
            month = dt.date.fromisoformat(p["month"])
            parts.append(
                f'<text x="{x(i):.1f}" y="{HEIGHT - BOTTOM + 16}" font-size="10" text-anchor="middle" '
                f'fill="{INK}">{month:%b %y}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)
