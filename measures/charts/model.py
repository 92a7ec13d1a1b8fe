"""The stored run chart as typed objects: what a viewer may see of one series, parsed once.

A `Chart` is built only by `measures.charts.read` (which has applied visibility, naming, suppression
and withholding by then), so code that draws or exports a chart never reads the stored JSON itself.
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from measures.models import Measure, RunChartAnalysis


@dataclass(frozen=True)
class Point:
    """One month of the series. `suppressed`: its counts are hidden from this viewer (all three None)."""

    month: dt.date
    numerator: int | None
    denominator: int | None
    value: float | None  # unscaled: a proportion as a fraction of 1
    n_teams_reporting: int | None = None  # aggregates only
    median_of_team_rates: float | None = None  # aggregates only; None when withheld
    below_reporting_floor: bool = False
    suppressed: bool = False

    @classmethod
    def parse(cls, point: dict[str, Any]) -> "Point":
        return cls(
            month=dt.date.fromisoformat(point["month"]),
            numerator=point.get("numerator"),
            denominator=point.get("denominator"),
            value=point.get("value"),
            n_teams_reporting=point.get("n_teams_reporting"),
            median_of_team_rates=(point.get("median_of_team_rates") or {}).get("value"),
            below_reporting_floor=bool(point.get("below_reporting_floor", False)),
            suppressed=bool(point.get("suppressed", False)),
        )


@dataclass(frozen=True)
class Phase:
    """A stretch of months with one centre line: the whole series when the engine found no shift."""

    start_index: int
    end_index: int
    start_month: dt.date
    end_month: dt.date
    median: float | None
    median_exact: str | None  # the median as an exact fraction, "p/q"
    provisional: bool


def _phases(result: dict[str, Any], points: tuple[Point, ...]) -> tuple[Phase, ...]:
    if not points:
        return ()
    phases = result.get("phases") or [
        {
            "start_index": 0,
            "end_index": len(points) - 1,
            "median": result.get("median"),
            "median_exact": result.get("median_exact"),
            "provisional": (result.get("baseline") or {}).get("provisional", False),
        }
    ]
    return tuple(
        Phase(
            start_index=p["start_index"],
            end_index=p["end_index"],
            start_month=points[p["start_index"]].month,
            end_month=points[p["end_index"]].month,
            median=p.get("median"),
            median_exact=p.get("median_exact"),
            provisional=bool(p.get("provisional")),
        )
        for p in phases
    )


@dataclass(frozen=True)
class Chart:
    """One stored series as one viewer may see it.

    - `label`: the team as the viewer may see it named (its LIA, or "Team <code>"), or the aggregate's
      scope ("Ohio, all teams").
    - `team_public_id`: only when the viewer may open the team's own pages.
    - `withheld`: the analysis (medians, phases, signals, summary figures) is not shown to this viewer;
      `result` is then `{"withheld": True}`, the one phase's median and the summary's figures None.
    - `stored`: the viewer's copy of the stored row (counts of hidden months blanked), for code that
      draws it (`runchart_figure`) or writes it out (`chart_rows`). Never the stored row itself.
    """

    stored: RunChartAnalysis
    label: str
    team_public_id: str | None
    points: tuple[Point, ...]
    phases: tuple[Phase, ...]
    withheld: bool

    @classmethod
    def of(cls, stored: RunChartAnalysis, *, label: str, team_public_id: str | None) -> "Chart":
        points = tuple(Point.parse(p) for p in stored.points or [])
        result = stored.result or {}
        return cls(
            stored=stored,
            label=label,
            team_public_id=team_public_id,
            points=points,
            phases=_phases(result, points),
            withheld=bool(result.get("withheld")),
        )

    @property
    def public_id(self) -> Any:
        return self.stored.public_id

    @property
    def kind(self) -> str:
        return self.stored.kind

    @property
    def measure(self) -> Measure:
        return self.stored.measure

    @property
    def result(self) -> dict[str, Any]:
        return self.stored.result or {}

    @property
    def summary(self) -> dict[str, Any]:
        return self.stored.summary or {}

    @property
    def suppressed_months(self) -> int:
        return sum(p.suppressed for p in self.points)
