from html import escape
from typing import Any

import orjson
from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from measures.charts import ChartNote, format_value, runchart_figure
from measures.charts.suppression import suppressed_months
from measures.models import Measure, RunChartAnalysis

register = template.Library()


def runchart_context(
    analysis: RunChartAnalysis | None, *, height: int, notes: list[ChartNote] | None, compact: bool
) -> dict[str, Any]:
    """What templates/measures/_runchart.html needs: the figure, its element id and freshness."""
    if analysis is None or analysis.result is None:
        return {"analysis": analysis, "figure": None, "height": height, "compact": compact}
    return {
        "analysis": analysis,
        "figure": runchart_figure(analysis=analysis, notes=notes),
        "element_id": f"runchart-{analysis.public_id}",
        "suppressed": suppressed_months(analysis),
        "height": height,
        "compact": compact,
    }


@register.inclusion_tag("measures/_runchart.html")
def runchart(
    analysis: RunChartAnalysis | None,
    height: int = 320,
    notes: list[ChartNote] | None = None,
    compact: bool = False,
) -> dict[str, Any]:
    """`{% runchart analysis %}`: the one run-chart component, with its legend, summary and freshness."""
    return runchart_context(analysis, height=height, notes=notes, compact=compact)


@register.filter
def figure_json_script(figure: dict[str, Any], element_id: str) -> SafeString:
    """`{{ figure|figure_json_script:element_id }}`: Django's `json_script`, encoded by orjson.

    A collaborative dashboard embeds ten figures; the standard encoder was a visible part of the page
    (bench/README.md, "Figures behind design decisions").
    Same escaping of <, > and & (nothing in the JSON can close the script element); what orjson
    does not encode itself goes to DjangoJSONEncoder, as json_script would.
    """
    data = orjson.dumps(figure, default=DjangoJSONEncoder().default, option=orjson.OPT_PASSTHROUGH_DATETIME)
    return format_html(
        '<script id="{}" type="application/json">{}</script>',
        element_id,
        # As json_script escapes them; chained str.replace is faster than its str.translate.
        mark_safe(data.decode().replace("&", "\\u0026").replace("<", "\\u003C").replace(">", "\\u003E")),  # noqa: S308
    )


@register.filter
def display_value(value: float | None, measure: Measure) -> str:
    """`{{ median|display_value:measure }}`: 72% for proportions, 4.13 for mean scores."""
    return format_value(value, measure)


_AIM_MARK = {
    True: '<span class="aim-met"><span aria-hidden="true">✓</span><span class="visually-hidden">meets the aim</span></span>',
    False: '<span class="aim-not-met"><span aria-hidden="true">✗</span>'
    '<span class="visually-hidden">does not meet the aim</span></span>',
    None: "",
}
_PROVISIONAL = '<span class="text-body-secondary">*</span>'
_ANY_UUID = "00000000-0000-0000-0000-000000000000"
_NO_VALUE = '<td><span class="text-body-secondary">–</span></td>'


def dashboard_cells(cells: list[Any]) -> SafeString:
    """The `<td>`s of one dashboard row: current median, * if provisional, aim mark and latest signal.

    Plain string building, not template markup nor format_html: a 175-team dashboard has 1,750 cells,
    and the per-node cost of either was most of the page's server time. Every value is escaped.
    """
    out = []
    for cell in cells:
        if cell is None or not cell.median:
            out.append(_NO_VALUE)
            continue
        signal = f'<div class="small text-body-secondary">{escape(cell.signal)}</div>' if cell.signal else ""
        provisional = _PROVISIONAL if cell.provisional else ""
        out.append(f"<td>{escape(cell.median)}{provisional}{_AIM_MARK[cell.meets_aim]}{signal}</td>")
    return mark_safe("".join(out))  # noqa: S308 - constant markup and escaped values only


@register.simple_tag
def dashboard_table_rows(rows: list[Any]) -> SafeString:
    """The `<tr>`s of the dashboard table: the team (linked to its page when the viewer may open it),
    its cells and this month's report. One tag for the whole body, for the reason dashboard_cells gives:
    at 175 teams the template loop cost several times this tag's CPU (bench/README.md)."""
    # Reversed once: the team's id is the only part that changes, and a reverse() per team adds up.
    before, after = reverse("team-detail", args=[_ANY_UUID]).split(_ANY_UUID)
    out = []
    for row in rows:
        label = escape(row.label)
        if row.linked:
            label = f'<a href="{escape(before + row.team_public_id + after)}">{label}</a>'
        out.append(
            f'\n    <tr>\n      <th scope="row">{label}</th>\n      {dashboard_cells(row.cells)}\n'
            f"      <td>{escape(row.report_status or '–')}</td>\n    </tr>\n    "
        )
    return mark_safe("".join(out))  # noqa: S308 - constant markup and escaped values only
