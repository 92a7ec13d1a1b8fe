"""The closing planner as a printed document: HTML from a template, laid out and written by weasyprint."""

from typing import TYPE_CHECKING, Any

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from collaboratives.models import Awardee, Collaborative
from measures.rendering import chart_title, runchart_svg
from worksheets.models import Worksheet
from worksheets.selectors import PlannerFigures, worksheet_answered_sections

if TYPE_CHECKING:
    from weasyprint.document import Document

PRINT_CSS = "css/worksheet-print.css"


def closing_planner_html(
    *, collaborative: Collaborative, awardee: Awardee, planner: Worksheet | None, figures: PlannerFigures
) -> str:
    """Part 1's figures with a run chart (inline SVG) per analysed measure, then the answers so far."""
    charts: list[dict[str, Any]] = [
        {
            "result": row,
            # runchart_svg builds the markup from numbers and escaped names only
            "svg": mark_safe(runchart_svg(row.analysis, title=chart_title(row.analysis))),  # noqa: S308
        }
        for row in figures.measures
        if row.analysis is not None and row.analysis.points
    ]
    return render_to_string(
        "worksheets/closing_planner_pdf.html",
        {
            "collaborative": collaborative,
            "awardee": awardee,
            "figures": figures,
            "charts": charts,
            "sections": worksheet_answered_sections(planner) if planner else [],
            "title_level": 3,
            "planner": planner,
        },
    )


def closing_planner_document(html: str) -> "Document":
    """The laid-out document (pages, text boxes) the PDF is written from; tests read its pages."""
    import weasyprint  # heavy (Pango, fonts): loaded only when a PDF is asked for

    stylesheet = weasyprint.CSS(filename=finders.find(PRINT_CSS))
    return weasyprint.HTML(string=html).render(stylesheets=[stylesheet])


def closing_planner_pdf(html: str) -> bytes:
    return closing_planner_document(html).write_pdf()
