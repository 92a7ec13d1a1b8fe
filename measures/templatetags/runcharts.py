import functools
from html import escape
from typing import Any

import orjson
from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.templatetags.static import static
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from measures.charts import ChartNote, format_value
from measures.charts.suppression import suppressed_months
from measures.interpretation import VARIATION_LABELS, variation_icon
from measures.models import Measure, RunChartAnalysis
from measures.rendering import figure_parts, runchart_figure

register = template.Library()


def runchart_context(
    analysis: RunChartAnalysis | None,
    *,
    height: int,
    notes: list[ChartNote] | None,
    compact: bool,
    title: str = "",
) -> dict[str, Any]:
    """What templates/measures/_runchart.html needs: the figure, its key and notes, its element id and freshness."""
    if analysis is None or analysis.result is None:
        return {"analysis": analysis, "figure": None, "height": height, "compact": compact}
    figure = runchart_figure(analysis=analysis, notes=notes, height=height, title=title)
    return {
        "analysis": analysis,
        "figure": figure,
        **figure_parts(figure),
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
    title: str = "",
) -> dict[str, Any]:
    """`{% runchart analysis %}`: the one run-chart component, with its key, notes, summary and freshness.

    `title` names who the chart is about in a downloaded picture (the team as the viewer may see it)."""
    return runchart_context(analysis, height=height, notes=notes, compact=compact, title=title)


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


VARIATION_ICONS = {
    "improvement-high": "Special cause: improvement (higher values)",
    "improvement-low": "Special cause: improvement (lower values)",
    "concern-high": "Special cause: concern (higher values)",
    "concern-low": "Special cause: concern (lower values)",
    "neutral": VARIATION_LABELS["neutral"],
    "common-cause": VARIATION_LABELS["common_cause"],
    "cannot-judge": VARIATION_LABELS["cannot_judge"],
}


def _icon(name: str, alt: str) -> str:
    return (
        f'<img class="variation-icon" src="{escape(static(f"icons/variation/{name}.svg"))}" width="20" '
        f'height="20" alt="{escape(alt)}"{f" title={chr(34)}{escape(alt)}{chr(34)}" if alt else ""}>'
    )


@functools.cache
def _icon_tags() -> dict[str, str]:
    """Each variation icon as an <img> with its words as alt text, built once (a dashboard shows 1,750)."""
    return {name: _icon(name, label) for name, label in VARIATION_ICONS.items()}


@register.simple_tag
def variation_badge(variation: str | None, direction: str) -> SafeString:
    """`{% variation_badge figure.variation measure.direction %}`: the icon and its words side by side (the
    icon is then decorative: its words are on the page)."""
    name = variation_icon(variation, direction)
    if name is None:
        return SafeString("")
    badge = f'<span class="variation-badge">{_icon(name, "")} {escape(VARIATION_ICONS[name])}</span>'
    return mark_safe(badge)  # noqa: S308 - constant markup and escaped values only


def dashboard_cells(cells: list[Any]) -> SafeString:
    """The `<td>`s of one dashboard row: current median, * if provisional, aim mark, variation icon and
    latest signal.

    Plain string building, not template markup nor format_html: a 175-team dashboard has 1,750 cells,
    and the per-node cost of either was most of the page's server time. Every value is escaped.
    """
    out = []
    icons = _icon_tags()
    for cell in cells:
        if cell is None or not cell.median:
            out.append(_NO_VALUE)
            continue
        signal = f'<div class="small text-body-secondary">{escape(cell.signal)}</div>' if cell.signal else ""
        provisional = _PROVISIONAL if cell.provisional else ""
        icon = f" {icons[cell.variation]}" if cell.variation else ""
        if cell.aim:  # the verdict beside the statistic it judges, not beside the current median
            mark = "✓" if cell.meets_aim else "✗"
            aim = (
                f'<div class="small {"aim-met" if cell.meets_aim else "aim-not-met"}" title="{escape(cell.aim)}">'
                f'<span aria-hidden="true">{mark} {escape(cell.aim_value)}</span>'
                f'<span class="visually-hidden">{escape(cell.aim)}</span></div>'
            )
            out.append(f"<td>{escape(cell.median)}{provisional}{icon}{aim}{signal}</td>")
            continue
        out.append(f"<td>{escape(cell.median)}{provisional}{_AIM_MARK[cell.meets_aim]}{icon}{signal}</td>")
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
