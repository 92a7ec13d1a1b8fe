"""What run charts share across apps: their notes (sources other apps register) and how values read.

How a chart is drawn is `measures.figures`, what it means `measures.interpretation`, and the bridge from
a stored `RunChartAnalysis` to both is `measures.rendering` (docs/charts.md).
"""

from collections.abc import Callable
from typing import Any

from measures.figures import Note as ChartNote
from measures.interpretation import value_formatter
from measures.models import Measure

__all__ = ["ChartNote", "register_note_source", "team_chart_notes"]

# Later apps (pdsa) add labelled months to a team's charts without measures importing them (issue 6).
NoteSource = Callable[..., list[ChartNote]]
_NOTE_SOURCES: list[NoteSource] = []


def register_note_source(source: NoteSource) -> None:
    """Add `source(*, user, team, measure) -> [ChartNote]`; it must return only what `user` may see."""
    if source not in _NOTE_SOURCES:
        _NOTE_SOURCES.append(source)


def team_chart_notes(*, user: Any, team: Any, measure: Measure) -> list[ChartNote]:
    """The registered sources' notes for one team's chart of one measure, as `user` may see them."""
    return [note for source in _NOTE_SOURCES for note in source(user=user, team=team, measure=measure)]


def value_format(measure: Measure) -> Callable[[float], str]:
    """format_value for one measure's values, its scale and unit looked up once (a dashboard formats 1,750)."""
    return value_formatter(measure.kind)


def format_value(value: float | None, measure: Measure) -> str:
    """A stored (unscaled) value as people read it: 72% for proportions, 4.13 for mean scores."""
    return "no median" if value is None else value_format(measure)(value)
