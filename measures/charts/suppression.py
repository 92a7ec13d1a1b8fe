"""Small-cell suppression for sensitive measures (docs/disclosure.md §2; the CMS cell-size rule).

The rule:
- It applies only to a measure flagged `sensitive` (e.g. IPV disclosures), with the threshold of its
  collaborative (`suppression_threshold`, default 10; 0 turns it off).
- A team's own series is shown exactly to whoever sees the team: its LIA's members and CQI leads, its
  advisor, its awardee lead and its collaborative's admins. They hold the numbers already (docs/disclosure.md §1).
- Everywhere else (a peer's run chart, the collaborative and awardee aggregates, for anyone, and the
  same charts' CSV exports and API reads) a month is hidden when its numerator or denominator is a
  count from 1 to the threshold. Zero is shown.
- Complementary suppression: a month of the aggregate equals the sum of the teams' months, so each
  (month, aggregate with its teams) is a line of cells with one linear relation. No line may have
  exactly one hidden cell, or that cell could be solved for; the next smallest reported cell of such a
  line is hidden too, until no line has exactly one (WA DOH secondary suppression, CMS's "derived"
  clause). The hidden set is computed over every series of the measure, per viewer: the months of the
  viewer's own teams are known to them, so they never count as a complement (a peer who is also an
  advisor of another team could otherwise subtract that team). Viewers who pool what they see are
  out of scope.

- A peer's median and signals of a sensitive series are not shown when a third or more of its
  reported months are hidden from that peer (`withheld_teams`); they are computed from the true data.

`hidden_cells` is the pure core. `suppress_for_viewer(user=..., charts=...)` is the one entry point for
pages, exports and the API: it returns the charts with the points this viewer may not see blanked.
"""

import copy
from collections import Counter
from collections.abc import Collection, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np

from collaboratives import access
from collaboratives.models import Team


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
    cells: Mapping[K, Cell], lines: Iterable[Sequence[K]], threshold: int, known: Collection[K] = ()
) -> frozenset[K]:
    """The keys to hide from one viewer: small cells, then complements until no small cell can be solved for.

    A line lists the keys bound by one sum, its total last (the teams of a month, then their
    aggregate). `known` are cells the viewer holds exactly (their own teams'): never hidden, and no
    use as a complement, since the viewer can subtract them. First, no line may keep exactly one
    hidden cell; then, because lines overlap (a team is in its awardee's line and the
    collaborative's), any small cell the line sums still determine is found by linear algebra and
    another complement hidden. A complement is the smallest reported cell still shown (ties: the
    first listed) of a line holding an exposed cell, or failing that of another line with a hidden cell.
    """
    small = {key for key, cell in cells.items() if is_small(cell, threshold) and key not in known}
    hidden = set(small)
    bound = [[k for k in line if k in cells] for line in lines]
    for component in _components([line for line in bound if line]):
        _complete(component, cells, small, hidden, known)
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
    lines: list[list[K]], cells: Mapping[K, Cell], small: set[K], hidden: set[K], known: Collection[K]
) -> None:
    """Add complements to `hidden` within one group of lines until no small cell there is exposed."""

    def complement(line: list[K]) -> K | None:
        shown = [k for k in line if k not in hidden and k not in known and cells[k].reported]
        return min(shown, key=lambda k: cells[k].size) if shown else None

    if not any(k in hidden for line in lines for k in line):
        return
    while True:
        lone = [line for line in lines if sum(k in hidden for k in line) == 1]
        added = next((c for line in lone if (c := complement(line)) is not None), None)
        if added is None:
            exposed = [k for k in _determined(lines, hidden) if k in small]
            if not exposed:
                return
            near = sorted(
                (line for line in lines if any(k in hidden for k in line)),
                key=lambda line: not any(k in exposed for k in line),
            )
            added = next((c for line in near if (c := complement(line)) is not None), None)
            if added is None:
                return
        hidden.add(added)


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


def _measure_hidden(measure: Any, user: Any, cells: Cells | None = None) -> frozenset[tuple[Any, ...]]:
    """Hidden (series key, month) pairs, for `user`, over every stored series of one sensitive measure.

    The months of teams the user sees are known to them, so they are shown and never serve as
    complements.
    """
    if cells is None:
        cells = _measure_cells(measure)
    own = access.visible_ids(user, "team")
    known = {key for key in cells if key[0][0] == "team" and key[0][1] in own}
    return hidden_cells(cells, _lines(cells), measure.collaborative.suppression_threshold, known)


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
    if not measure.sensitive or measure.collaborative.suppression_threshold == 0:
        return True
    return chart.team is not None and access.can(user, access.Action.VIEW, chart.team)


def _series_key(chart: Any) -> tuple[Any, ...]:
    if chart.team is not None:
        return ("team", chart.team_id, chart.team.lia.awardee_id)
    if chart.awardee_id is not None:
        return ("awardee", chart.awardee_id)
    return ("collaborative",)


SUPPRESSED = {"numerator": None, "denominator": None, "value": None, "suppressed": True}
WITHHELD = {"withheld": True}  # what a peer gets of a withheld team's engine result: no medians, no signals


def withhold(chart: Any) -> Any:
    """A copy of a peer team's chart without its analysis: result `WITHHELD`, the summary's figures null.

    For a team in `withheld_teams` of the viewer (docs/disclosure.md §2); the stored row is not changed.
    """
    shown = copy.copy(chart)
    shown.result = dict(WITHHELD)
    shown.summary = dict.fromkeys(chart.summary or {}) | WITHHELD
    return shown


def suppress_for_viewer(*, user: Any, charts: Iterable[Any]) -> list[Any]:
    """The charts as `user` may see them: copies whose hidden months have no counts and no value.

    The stored rows are never changed. A blanked point keeps its month and gains `"suppressed": True`,
    so a chart shows a gap with a note, a CSV an empty cell, and the API the flag. A peer team's chart
    whose medians are withheld from `user` (`withheld_teams`) keeps its points but not its analysis:
    its analysis is withheld (`withhold`), as on the dashboard.
    """
    out = []
    by_measure: dict[int, tuple[frozenset[tuple[Any, ...]], set[int]]] = {}
    for chart in charts:
        if _exempt(user, chart):
            out.append(chart)
            continue
        if chart.measure_id not in by_measure:
            cells = _measure_cells(chart.measure)
            hidden = _measure_hidden(chart.measure, user, cells)
            by_measure[chart.measure_id] = hidden, _withheld_ids(cells, hidden)
        (hidden, withheld), key = by_measure[chart.measure_id], _series_key(chart)
        shown = (
            withhold(chart) if chart.team_id is not None and chart.team_id in withheld else copy.copy(chart)
        )
        shown.points = [p | SUPPRESSED if (key, p["month"]) in hidden else p for p in chart.points or []]
        out.append(shown)
    return out


def _withheld_ids(cells: Cells, hidden: frozenset[tuple[Any, ...]]) -> set[int]:
    """Ids of the teams a third or more of whose reported months are hidden."""
    reported: Counter[int] = Counter()
    withheld: Counter[int] = Counter()
    for key, cell in cells.items():
        if key[0][0] == "team" and cell.reported:
            reported[key[0][1]] += 1
            withheld[key[0][1]] += key in hidden
    return {team for team, n in reported.items() if withheld[team] and 3 * withheld[team] >= n}


def withheld_teams(*, user: Any, measure: Any) -> frozenset[str]:
    """Public ids of teams whose medians and signals `user` may not see for this measure (docs/disclosure.md
    §2.3): a third or more of their reported months are hidden from this viewer."""
    if (
        not measure.sensitive
        or measure.collaborative.suppression_threshold == 0
        or access.sees_everything(user)
    ):
        return frozenset()
    cells = _measure_cells(measure)
    ids = _withheld_ids(cells, _measure_hidden(measure, user, cells))
    teams = Team.objects.unscoped(reason="the ids come from series the viewer's dashboard lists")
    return frozenset(str(p) for p in teams.filter(id__in=ids).values_list("public_id", flat=True))


def suppressed_months(chart: Any) -> int:
    """How many months of this (viewer's copy of the) chart are hidden."""
    return sum(1 for p in chart.points or [] if p.get("suppressed"))
