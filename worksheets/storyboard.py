"""A team's storyboard: the one page it brings to a learning session, on screen, printed, or as a PDF.

Aim, the key drivers and change ideas the team tested (with its cycles' act decisions), a run chart per
measure with a numbered dashed line where each linked PDSA cycle started, and what the team learned.
Everything is read through the viewer's selectors, so it shows only what the team's own pages show them.
"""

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from collaboratives.models import Aim, Team
from measures.charts import format_value
from measures.charts.read import chart_choices, charts_read
from measures.rendering import runchart_svg
from pdsa.selectors import pdsa_chart_notes, pdsa_cycle_list

if TYPE_CHECKING:
    from weasyprint.document import Document

PRINT_CSS = "css/storyboard-print.css"
LEARNINGS = 6  # the most recent cycles' learnings a one-page storyboard has room for


@dataclass
class IdeaTested:
    """A change idea (or an 'other' change) and the team's cycles of it."""

    driver: str
    idea: str
    cycles: int = 0
    decisions: Counter[str] = field(default_factory=Counter)

    @property
    def decision_counts(self) -> list[tuple[str, int]]:
        """(decision, cycles), alphabetically (a template reads `decisions.items` as the count of "items")."""
        return sorted(self.decisions.items())


@dataclass(frozen=True)
class ChartPanel:
    measure: Any
    svg: SafeString
    current_median: str
    markers: list[tuple[int, str]]  # (number on the chart, cycle title)
    later: list[str]  # linked cycles that started after the chart's last month: no line yet


@dataclass(frozen=True)
class Storyboard:
    team: Team
    aims: list[Aim]
    ideas: list[IdeaTested]
    charts: list[ChartPanel]
    learnings: list[Any]
    prepared_on: Any


def storyboard_build(*, user: Any, team: Team) -> Storyboard:
    """The storyboard of `team` (already loaded through the viewer's `team_list`) as `user` may read it."""
    cycles = list(pdsa_cycle_list(user=user, team=team).select_related("change_idea__driver"))
    ideas: dict[str, IdeaTested] = {}
    for cycle in cycles:
        driver = (
            cycle.change_idea.driver.text
            if cycle.change_idea is not None
            else "Other change (not in the diagram)"
        )
        tested = ideas.setdefault(
            f"{driver}|{cycle.change_idea_text}", IdeaTested(driver=driver, idea=cycle.change_idea_text)
        )
        tested.cycles += 1
        if cycle.decision:
            tested.decisions[cycle.get_decision_display()] += 1
    panels = []
    for chart in (c.stored for c in charts_read(user=user, charts=chart_choices(user=user, team=team))):
        if not chart.points:
            continue
        charted = {p["month"][:7] for p in chart.points}
        notes = pdsa_chart_notes(user=user, team=team, measure=chart.measure)
        # Numbered by month, as the chart numbers its notes, so the caption's numbers are the chart's.
        drawn = sorted((note for note in notes if f"{note.month:%Y-%m}" in charted), key=lambda n: n.month)
        median = (chart.summary or {}).get("current_median") or {}
        panels.append(
            ChartPanel(
                measure=chart.measure,
                # runchart_svg builds the markup from numbers and escaped names only
                svg=mark_safe(  # noqa: S308
                    runchart_svg(chart, title=f"Run chart: {chart.measure.name}", notes=drawn)
                ),
                current_median=format_value(median.get("median"), chart.measure)
                + (" (provisional)" if median.get("provisional") else ""),
                markers=[(n, note.text.removeprefix("PDSA: ")) for n, note in enumerate(drawn, start=1)],
                later=[note.text.removeprefix("PDSA: ") for note in notes if note not in drawn],
            )
        )
    learnings = [c for c in cycles if c.learned.strip()]
    learnings.sort(key=lambda c: c.completed_on or c.started_on or c.created_at.date(), reverse=True)
    return Storyboard(
        team=team,
        aims=list(Aim.objects.visible_to(user).filter(collaborative=team.collaborative_id)),
        ideas=sorted(ideas.values(), key=lambda i: (i.driver, i.idea)),
        charts=panels,
        learnings=learnings[:LEARNINGS],
        prepared_on=timezone.localdate(),
    )


def storyboard_document(storyboard: Storyboard) -> "Document":
    """The storyboard laid out on US Letter pages by weasyprint; tests read its pages' text."""
    import weasyprint  # heavy (Pango, fonts): loaded only when a PDF is asked for

    html = render_to_string("worksheets/storyboard_pdf.html", {"board": storyboard})
    return weasyprint.HTML(string=html).render(stylesheets=[weasyprint.CSS(filename=finders.find(PRINT_CSS))])


def storyboard_pdf(storyboard: Storyboard) -> bytes:
    return storyboard_document(storyboard).write_pdf()
