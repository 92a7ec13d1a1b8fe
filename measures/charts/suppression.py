"""The disclosure rule for sensitive measures (small-cell suppression; docs/security.md states it).

For a measure flagged `sensitive` (e.g. IPV disclosures), with its collaborative's threshold
(`suppression_threshold`, default 10; 0 turns it off), nothing a viewer receives may determine a
numerator, denominator or rate of a month hidden from them:

- A team's own series is shown exactly to whoever sees the team (its LIA's members and CQI leads, its
  advisor, its awardee lead, its collaborative's admins): they hold the numbers already.
- Elsewhere (a peer's chart, the awardee and collaborative aggregates) a month is hidden when its
  numerator or denominator is a count from 1 to the threshold (primary suppression). Zero is shown.
- Complementary suppression: an aggregate month is the sum of its teams' months, so each (month,
  aggregate) is a line of cells with one linear relation. `hidden_cells` hides more cells until no
  line keeps one hidden cell, no small cell follows by linear algebra from the overlapping lines, and
  no hidden cells are pinned by their sum under the bounds 0 ≤ numerator ≤ ratio × denominator. The
  viewer's own teams' months are known to them: never hidden, never a complement.
- Derived statistics that a hidden month feeds are withheld (`suppress_for_viewer`): the analysis of
  any series with a hidden month (median, exact median, on-median months, phases, signals, latest
  value), the median of team rates of an aggregate month whose sum has a hidden team month, and an
  aggregate's figures made of its teams' series when any of them has a hidden month.

`hidden_cells` is the pure core. `suppress_for_viewer` applies it to stored charts; only the viewer
read (`measures.charts.read`) calls it, so every page, export, API response and PDF gets the same.
Viewers who pool what they see are out of scope.
"""

import copy
from collections.abc import Callable, Collection, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, TypeVar

import numpy as np

from collaboratives import access


@dataclass(frozen=True)
class Cell:
    """One month of one series: its counts. `denominator` is None for count measures."""

    numerator: int | None
    denominator: int | None = None

    @property
    def reported(self) -> bool:
        return self.numerator is not None

    @property
    def size(self) -> int:
        return max(self.numerator or 0, self.denominator or 0)


def is_small(cell: Cell, threshold: int) -> bool:
    """Primary suppression: a count from 1 to `threshold` (0 is shown, and threshold 0 hides nothing)."""
    return any(c is not None and 1 <= c <= threshold for c in (cell.numerator, cell.denominator))


K = TypeVar("K", bound=Hashable)


def hidden_cells(
    cells: Mapping[K, Cell],
    lines: Iterable[Sequence[K]],
    threshold: int,
    known: Collection[K] = (),
    ratio_max: Fraction | None = None,
) -> frozenset[K]:
    """The keys to hide from one viewer: small cells, then complements until no hidden cell can be solved for.

    A line lists the keys bound by one sum, its total last (the teams of a month, then their
    aggregate). `known` are cells the viewer holds exactly (their own teams', and a total whose
    reported parts are all theirs): never hidden, and no use as a complement, since the viewer can
    subtract them.
    `ratio_max` bounds a cell's numerator by its denominator (1 for a proportion, the top of the scale
    for a mean; None for a count, which has no denominator).

    Complements are added until, in every group of linked lines (in practice, one month):
    - no line keeps exactly one hidden cell;
    - no small cell follows from the line sums by linear algebra (lines overlap: a team is in its
      awardee's line and the collaborative's);
    - no line, nor a line less the shown lines it contains (the collaborative less the awardees whose
      totals are shown), leaves hidden cells whose sum pins each of them: a sum of 0 (every hidden
      count is 0) or, with a denominator, numerators summing to `ratio_max` × denominators (every
      hidden rate is at its ceiling).
    A complement is the smallest reported cell still shown (ties: the first listed) of the line at
    fault that cures it; when no such cell exists, the line's total is hidden instead.
    """
    bound = [[k for k in line if k in cells] for line in lines]
    known = set(known) | {
        line[-1] for line in bound if all(k in known for k in line[:-1] if cells[k].reported)
    }  # a total of the viewer's own months only is theirs too
    small = {key for key, cell in cells.items() if is_small(cell, threshold) and key not in known}
    hidden = set(small)
    for component in _components([line for line in bound if line]):
        _complete(component, cells, small, hidden, known, ratio_max)
    return frozenset(hidden)


def _components(lines: list[list[K]]) -> list[list[list[K]]]:
    """Lines grouped by shared cells (in practice, one group per month), each solved on its own."""
    by_key: dict[K, list[int]] = {}
    for i, line in enumerate(lines):
        for k in line:
            by_key.setdefault(k, []).append(i)
    seen: set[int] = set()
    groups = []
    for start in range(len(lines)):
        if start in seen:
            continue
        seen.add(start)
        stack, group = [start], []
        while stack:
            i = stack.pop()
            group.append(lines[i])
            for k in lines[i]:
                for j in by_key[k]:
                    if j not in seen:
                        seen.add(j)
                        stack.append(j)
        groups.append(group)
    return groups


def _complete(
    lines: list[list[K]],
    cells: Mapping[K, Cell],
    small: set[K],
    hidden: set[K],
    known: Collection[K],
    ratio_max: Fraction | None,
) -> None:
    """Add complements to `hidden` within one group of lines until no hidden cell there is exposed."""

    def shown(parts: Iterable[K]) -> list[K]:
        return sorted(
            (k for k in parts if k not in hidden and k not in known and cells[k].reported),
            key=lambda k: cells[k].size,
        )

    def cure(parts: list[K], total: K, curing: Callable[[K], bool] = lambda _: True) -> K | None:
        """The smallest shown part that cures the line, else its total if shown, else None."""
        return next((k for k in shown(parts) if curing(k)), None) or (
            total if total not in hidden and total not in known else None
        )

    if not any(k in hidden for line in lines for k in line):
        return
    while True:
        added = next(
            (
                c
                for line in lines
                if sum(k in hidden for k in line) == 1 and (c := cure(line[:-1], line[-1])) is not None
            ),
            None,
        )
        if added is None:
            exposed = [k for k in _determined(lines, hidden) if k in small]
            near = sorted(
                (line for line in lines if any(k in hidden for k in line)),
                key=lambda line: not any(k in exposed for k in line),
            )
            if exposed:
                added = next((c for line in near if (c := cure(line[:-1], line[-1])) is not None), None)
        if added is None:
            added = _degenerate_cure(lines, cells, hidden, known, ratio_max, cure)
        if added is None:
            return
        hidden.add(added)


def _degenerate_cure(
    lines: list[list[K]],
    cells: Mapping[K, Cell],
    hidden: set[K],
    known: Collection[K],
    ratio_max: Fraction | None,
    cure: Callable[..., K | None],
) -> K | None:
    """A cell to hide so that no (reduced) line's hidden cells are pinned by their sum, or None."""
    totals = {line[-1]: line[:-1] for line in lines}
    for line in lines:
        total, parts = line[-1], set(line[:-1])
        if total in hidden:
            continue
        for sub in sorted(lines, key=len, reverse=True):  # shown lines inside this one are subtracted
            inner = set(sub[:-1])
            if sub is not line and sub[-1] not in hidden and inner < parts and inner <= set(totals[total]):
                parts -= inner
        unknown = [k for k in parts if k in hidden]
        if unknown and _pinned([cells[k] for k in unknown], ratio_max):
            pinned = [cells[k] for k in unknown]
            ordered = [k for k in line[:-1] if k in parts]
            found = cure(ordered, total, lambda c, pinned=pinned: not _pinned([*pinned, cells[c]], ratio_max))
            if found is not None:
                return found
    return None


def _pinned(hidden: list[Cell], ratio_max: Fraction | None) -> bool:
    """Whether cells whose sums are known are each determined by them (counts ≥ 0, numerator ≤
    ratio_max × denominator): a sum of 0, or numerators at the ceiling of the denominators."""
    numerator = sum(c.numerator or 0 for c in hidden)
    if ratio_max is None:
        return numerator == 0
    denominator = sum(c.denominator or 0 for c in hidden)
    return numerator == 0 or denominator == 0 or numerator == ratio_max * denominator


def _determined(lines: list[list[K]], hidden: set[K]) -> list[K]:
    """Hidden keys whose value follows from the line sums: each line is parts − total = (known)."""
    unknowns = sorted({k for line in lines for k in line if k in hidden}, key=repr)
    if not unknowns:
        return []
    column = {k: i for i, k in enumerate(unknowns)}
    matrix = np.zeros((len(lines), len(unknowns)))
    for row, line in enumerate(lines):
        for position, k in enumerate(line):
            if k in column:
                matrix[row, column[k]] = -1.0 if position == len(line) - 1 else 1.0
    # x_i is determined iff the unit vector e_i lies in the row space: its projection there has length 1.
    _, singular, vt = np.linalg.svd(matrix, full_matrices=False)
    basis = vt[: int((singular > 1e-9).sum())]
    projected = (basis**2).sum(axis=0)
    return [k for k, i in column.items() if projected[i] > 1 - 1e-9]


def _cell(point: Mapping[str, Any], count_kind: bool) -> Cell:
    return Cell(point.get("numerator"), None if count_kind else point.get("denominator"))


Cells = dict[tuple[Any, ...], Cell]


def ratio_max(measure: Any) -> Fraction | None:
    """How large a numerator may be against its denominator: 1 for a proportion, the top of the scale
    for a mean, None for a count (no denominator)."""
    from measures.models import Measure

    if measure.kind == Measure.Kind.COUNT:
        return None
    if measure.kind == Measure.Kind.MEAN and measure.scale_max is not None:
        return Fraction(measure.scale_max)
    return Fraction(1)


def _measure_hidden(measure: Any, user: Any, cells: Cells | None = None) -> frozenset[tuple[Any, ...]]:
    """Hidden (series key, month) pairs, for `user`, over every stored series of one sensitive measure.

    The months of teams the user sees are known to them, so they are shown and never serve as
    complements.
    """
    if cells is None:
        cells = _measure_cells(measure)
    own = access.visible_ids(user, "team")
    known = {key for key in cells if key[0][0] == "team" and key[0][1] in own}
    return hidden_cells(
        cells, _lines(cells), measure.collaborative.suppression_threshold, known, ratio_max(measure)
    )


def _measure_cells(measure: Any) -> Cells:
    """Every stored series' months of one measure, keyed ((series key), month). Series keys:
    ("team", team id, awardee id), ("collaborative",), ("awardee", awardee id)."""
    from measures.models import Measure, RunChartAnalysis

    series = RunChartAnalysis.objects.unscoped(
        reason="complementary suppression weighs every series of the measure; none of them is returned"
    ).filter(measure=measure)
    count_kind = measure.kind == Measure.Kind.COUNT
    cells: Cells = {}
    for kind, team_id, awardee_id, team_awardee_id, points in series.values_list(
        "kind", "team_id", "awardee_id", "team__lia__awardee_id", "points"
    ):
        if kind == RunChartAnalysis.Kind.TEAM:
            key: tuple[Any, ...] = ("team", team_id, team_awardee_id)
        elif kind == RunChartAnalysis.Kind.AWARDEE:
            key = ("awardee", awardee_id)
        else:
            key = ("collaborative",)
        for point in points or []:
            cells[key, point["month"]] = _cell(point, count_kind)
    return cells


def _lines(cells: Cells) -> list[list[tuple[Any, ...]]]:
    """Each published total with the team months it sums, the total last."""
    parts: dict[tuple[Any, ...], list[tuple[Any, ...]]] = {}
    for key, month in cells:
        if key[0] == "team":
            for total in (("collaborative",), ("awardee", key[2])):
                parts.setdefault((total, month), []).append((key, month))
    return [members + [total] for total, members in parts.items() if total in cells]


def _exempt(user: Any, chart: Any) -> bool:
    measure = chart.measure
    if (
        not measure.sensitive
        or measure.collaborative.suppression_threshold == 0
        or access.sees_everything(user)
    ):
        return True
    return chart.team is not None and access.can(user, access.Action.VIEW, chart.team)


def _series_key(chart: Any) -> tuple[Any, ...]:
    if chart.team is not None:
        return ("team", chart.team_id, chart.team.lia.awardee_id)
    if chart.awardee_id is not None:
        return ("awardee", chart.awardee_id)
    return ("collaborative",)


def _in_scope(team_key: tuple[Any, ...], total: tuple[Any, ...]) -> bool:
    return total == ("collaborative",) or (total[0] == "awardee" and team_key[2] == total[1])


SUPPRESSED = {"numerator": None, "denominator": None, "value": None, "suppressed": True}
WITHHELD = {"withheld": True}  # what a viewer gets of a withheld engine result: no medians, no signals
# Figures of an aggregate's summary made of its teams' own series (their baselines, their aim verdicts).
TEAM_FIGURES = ("median_of_lia_baseline_medians", "teams_meeting_aim")


def withhold(chart: Any) -> Any:
    """A copy of a chart without its analysis: result `WITHHELD`, the summary's figures null.

    The stored row is not changed.
    """
    shown = copy.copy(chart)
    shown.result = dict(WITHHELD)
    shown.summary = dict.fromkeys(chart.summary or {}) | WITHHELD
    return shown


@dataclass(frozen=True)
class _Hidden:
    """What of one sensitive measure is hidden from one viewer."""

    cells: frozenset[tuple[Any, ...]]  # (series key, month)
    withheld_teams: frozenset[int]  # team ids with a hidden month: no median, phases or signals
    mixed: frozenset[tuple[Any, ...]]  # (aggregate key, month) whose sum has a hidden team month
    mixed_scopes: frozenset[tuple[Any, ...]]  # aggregate keys with a hidden team month in any month

    @classmethod
    def of(cls, measure: Any, user: Any) -> "_Hidden":
        cells = _measure_cells(measure)
        hidden = _measure_hidden(measure, user, cells)
        teams = {key[1] for key, month in hidden if key[0] == "team" and cells[key, month].reported}
        mixed = {(line[-1][0], line[-1][1]) for line in _lines(cells) if any(k in hidden for k in line[:-1])}
        return cls(hidden, frozenset(teams), frozenset(mixed), frozenset(key for key, _ in mixed))


def suppress_for_viewer(*, user: Any, charts: Iterable[Any]) -> list[Any]:
    """The charts as `user` may see them: copies, the stored rows are never changed. For a sensitive
    measure, outside the teams the viewer sees (the disclosure rule, docs/security.md):

    - a hidden month keeps its month, loses its counts and value and gains `"suppressed": True`;
    - a team chart with any hidden month has its analysis withheld (`withhold`): its median, phases,
      signals and latest value would otherwise tell a hidden month's rate;
    - an aggregate month whose sum includes a hidden team month has no median of team rates, and an
      aggregate with a hidden month has its analysis withheld;
    - an aggregate over teams of which any has a hidden month has no figures made of the teams' own
      series (`TEAM_FIGURES`).
    """
    out = []
    by_measure: dict[int, _Hidden] = {}
    for chart in charts:
        if _exempt(user, chart):
            out.append(chart)
            continue
        if chart.measure_id not in by_measure:
            by_measure[chart.measure_id] = _Hidden.of(chart.measure, user)
        hidden, key = by_measure[chart.measure_id], _series_key(chart)
        points = [_point_as_shown(p, (key, p["month"]), hidden) for p in chart.points or []]
        if any(p.get("suppressed") for p in points) or (
            chart.team_id is not None and chart.team_id in hidden.withheld_teams
        ):
            shown = withhold(chart)
        else:
            shown = copy.copy(chart)
            if key in hidden.mixed_scopes:
                shown.summary = (chart.summary or {}) | dict.fromkeys(TEAM_FIGURES)
        shown.points = points
        out.append(shown)
    return out


def _point_as_shown(point: dict[str, Any], cell: tuple[Any, ...], hidden: _Hidden) -> dict[str, Any]:
    """A month as the viewer may see it: a hidden month has no counts, no value and no median of team
    rates (with one team reporting, that is its rate); nor has a month whose sum has a hidden team month."""
    if cell in hidden.cells:
        point = point | SUPPRESSED
    elif cell not in hidden.mixed:
        return point
    return point | {"median_of_team_rates": None} if "median_of_team_rates" in point else point


def withheld_teams(*, user: Any, measure: Any) -> frozenset[int]:
    """Ids of the teams whose medians and signals `user` may not see for this measure: a month of
    theirs is hidden from this viewer. Empty when the measure is not sensitive or the viewer sees all."""
    if (
        not measure.sensitive
        or measure.collaborative.suppression_threshold == 0
        or access.sees_everything(user)
    ):
        return frozenset()
    return _Hidden.of(measure, user).withheld_teams


def suppressed_months(chart: Any) -> int:
    """How many months of this (viewer's copy of the) chart are hidden."""
    return sum(1 for p in chart.points or [] if p.get("suppressed"))
