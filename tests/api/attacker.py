"""The attacker of the disclosure rule (issue 19): a signed-in user who does arithmetic.

`received(...)` collects everything one person receives for one sensitive measure, through the API
(run charts, their details, the aggregates) and the pages (each chart's page figure and CSV export).
`determined(...)` turns it into constraints on the unknown integer cells and searches them:

- a team month is (n, d) with 0 ≤ n ≤ ratio·d; unknown unless received with its counts;
- an aggregate month received with its counts is the sum of its teams' months (a team with d = 0
  adds nothing), and its `n_teams_reporting` counts the teams with d > 0;
- a median of team rates received for an aggregate month is the median of those teams' rates;
- a series' `on_median_indices` with its exact median, a phase's, and the summary's latest value
  each fix the rate of a month.

A withheld cell is a month received as `suppressed` (team or aggregate). It is determined when all
solutions agree on its numerator, its denominator or its rate. Months are solved one at a time (they
are linked only through one month's rate, a unary constraint): a depth-first search, exhaustive
unless it finds what it looks for, first finds one solution, then for each withheld cell and each of
numerator, denominator and rate a second solution that differs there. A search that runs past
`NODE_LIMIT` counts its month's cells as determined, so the test errs towards failing. Counts are
searched up to the largest count received (at least 30).
"""

import csv
import io
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from statistics import median
from typing import Any

from measures.models import Measure, RunChartAnalysis

NODE_LIMIT = 50_000  # per search
AIM_NODE_LIMIT = 2_000  # per search for a solution with one value bound near the first solution's
# (series key, "YYYY-MM"); series key ("team", id), ("collaborative",) or ("awardee", id)
Cell = tuple[Any, str]
# Teams' months and the sums of their numerators and denominators (None: not bound)
Line = tuple[list[Any], int | None, int | None]


@dataclass
class Received:
    """What one viewer received for one measure, keyed by the true series (the attacker is assumed to
    know which team is which, and which state each belongs to: the worst case)."""

    counts: dict[Cell, tuple[int, int]] = field(default_factory=dict)  # months received with counts
    absent: set[Cell] = field(default_factory=set)  # team months received as not reported
    withheld: set[Cell] = field(default_factory=set)  # months received as suppressed
    reporting: dict[Cell, int] = field(default_factory=dict)  # aggregate month → n_teams_reporting
    team_rate_medians: dict[Cell, float] = field(default_factory=dict)  # aggregate month → median
    rates: dict[Cell, Fraction] = field(default_factory=dict)  # a month's rate fixed by an analysis
    requests: int = 0


def _series_key(chart: RunChartAnalysis) -> tuple[Any, ...]:
    if chart.team_id is not None:
        return ("team", chart.team_id)
    if chart.awardee_id is not None:
        return ("awardee", chart.awardee_id)
    return ("collaborative",)


def _take_point(got: Received, key: tuple[Any, ...], month: str, point: dict[str, Any]) -> None:
    cell = (key, month[:7])
    if point.get("suppressed"):
        got.withheld.add(cell)
    elif point.get("numerator") is not None and point.get("denominator") is not None:
        got.counts[cell] = (point["numerator"], point["denominator"])
    elif key[0] == "team":
        got.absent.add(cell)


def _exact(value: float) -> Fraction:
    return Fraction(value).limit_denominator(10**6)


def _take_analysis(got: Received, key: tuple[Any, ...], body: dict[str, Any]) -> None:
    points, result, summary = body["points"], body.get("result") or {}, body.get("summary") or {}
    months = [p["month"][:7] for p in points]
    for stretch in [result, *(result.get("phases") or [])]:
        if stretch.get("median_exact") and stretch.get("on_median_indices"):
            for i in stretch["on_median_indices"]:
                got.rates[key, months[i]] = Fraction(stretch["median_exact"])
    latest = summary.get("latest")
    if latest and latest.get("value") is not None:
        got.rates[key, latest["month"][:7]] = _exact(latest["value"])


def received(*, api: Any, web: Any, measure: Measure) -> Received:
    """Everything `api` (a token client) and `web` (a logged-in client) of one person get for `measure`."""
    got = Received()
    by_id = {str(c.public_id): c for c in RunChartAnalysis.objects.filter(measure=measure)}
    url: str | None = f"/api/v1/runcharts/?measure={measure.public_id}"
    listed = []
    while url:
        page = api.get(url).json()
        got.requests += 1
        listed += page["results"]
        url = page.get("next")
    for entry in listed:
        chart = by_id[entry["id"]]
        key = _series_key(chart)
        body = api.get(f"/api/v1/runcharts/{entry['id']}/").json()
        got.requests += 1
        for point in body["points"]:
            _take_point(got, key, point["month"], point)
        _take_analysis(got, key, body)
        if entry["summary"].get("latest"):  # the list's summary, too
            _take_analysis(got, key, {"points": body["points"], "summary": entry["summary"]})
        _take_pages(got, web, chart, key)
    scopes = [""] + [f"&awardee={c.awardee.public_id}" for c in by_id.values() if c.awardee_id is not None]
    for scope in scopes:
        url = f"/api/v1/aggregates/?collaborative={measure.collaborative.public_id}&measure={measure.public_id}{scope}"
        while url:
            response = api.get(url)
            got.requests += 1
            if response.status_code == 404:
                break
            page = response.json()
            for row in page["results"]:
                key = ("awardee", _awardee_id(row["awardee"])) if row["awardee"] else ("collaborative",)
                point = {"numerator": row["numerator_sum"], "denominator": row["denominator_sum"], **row}
                _take_point(got, key, row["month"], point)
                got.reporting[key, row["month"]] = row["n_teams_reporting"]
                if row["median_of_team_rates"] is not None:
                    got.team_rate_medians[key, row["month"]] = row["median_of_team_rates"]
            url = page.get("next")
    return got


def _awardee_id(public_id: str) -> int:
    from collaboratives.models import Awardee

    return Awardee.objects.get(public_id=public_id).id


FIGURE = re.compile(r'<script id="runchart-[^"]+" type="application/json">(.*?)</script>', re.S)


def _take_pages(got: Received, web: Any, chart: RunChartAnalysis, key: tuple[Any, ...]) -> None:
    """The chart page's figure (hover counts per month) and the CSV export: each month's counts, and
    where the export leaves them empty, nothing. Both must agree with the API."""
    page = web.get(f"/charts/{chart.public_id}/")
    exported = web.get(f"/charts/{chart.public_id}/data.csv")
    got.requests += 2
    if page.status_code != 200:
        return
    for blob in FIGURE.findall(page.content.decode()):
        data = json.loads(blob.replace("\\u003C", "<").replace("\\u003E", ">").replace("\\u0026", "&"))[
            "data"
        ]
        [trace] = [t for t in data if t.get("name", "").startswith("Monthly value")]  # the one with counts
        for month, custom in zip(trace["x"], trace["customdata"], strict=True):
            cell = (key, month[:7])
            if custom[0] is not None and custom[1] is not None:
                assert cell not in got.withheld, f"the chart page shows {cell}, which the API withholds"
                got.counts[cell] = (custom[0], custom[1])
    for row in csv.DictReader(io.StringIO(exported.content.decode())):
        cell = (key, row["month"][:7])
        if row["numerator"] and row["denominator"]:
            assert cell not in got.withheld, f"the CSV export shows {cell}, which the API withholds"
            got.counts[cell] = (int(row["numerator"]), int(row["denominator"]))


def _ceiling(measure: Measure) -> Fraction | None:
    """n ≤ ceiling · d: 1 for a proportion, the top of the scale for a mean; None for a count."""
    if measure.kind == Measure.Kind.COUNT:
        return None
    return Fraction(measure.scale_max) if measure.kind == Measure.Kind.MEAN else Fraction(1)


def _rate_ok(n: int, d: int, rate: Fraction | None) -> bool:
    return rate is None or (d > 0 and Fraction(n, d) == rate)


def determined(*, got: Received, measure: Measure) -> tuple[int, list[Cell]]:
    """(withheld cells, those determined) for one viewer of one measure."""
    from collaboratives.models import Team

    ceiling = _ceiling(measure)
    assert ceiling is not None, "the attacker models rates (a measure with a denominator)"
    teams = dict(
        Team.objects.filter(collaborative=measure.collaborative).values_list("id", "lia__awardee_id")
    )
    months = sorted({month for _, month in got.counts} | {month for _, month in got.withheld})
    out: list[Cell] = []
    for month in months:
        withheld = {cell for cell in got.withheld if cell[1] == month}
        if withheld:
            out += _solve_month(got, month, teams, withheld, ceiling)
    return len(got.withheld), out


def _solve_month(
    got: Received, month: str, teams: dict[int, int], withheld: set[Cell], ceiling: Fraction
) -> list[Cell]:
    team_cells = [(("team", t), month) for t in sorted(teams, key=lambda t: (teams[t], t))]  # by state
    known: dict[Cell, tuple[int, int]] = {}
    for cell in team_cells:
        if cell in got.counts:
            known[cell] = got.counts[cell]
        elif cell in got.absent:
            known[cell] = (0, 0)
    unknown = [c for c in team_cells if c not in known]
    scopes = [("collaborative",)] + [("awardee", a) for a in sorted(set(teams.values()))]
    members = {
        scope: [c for c in team_cells if scope == ("collaborative",) or teams[c[0][1]] == scope[1]]
        for scope in scopes
    }
    seen = [v for v in got.counts.values()]
    cap = max([max(n, d) for n, d in seen] + [30])
    # Unknown aggregate months are their teams' sums: the attacker's unknowns are the team months.
    lines: list[Line] = [(members[s], *got.counts[s, month]) for s in scopes if (s, month) in got.counts]

    def reduced(bound: list[Line]) -> list[Line]:
        """The lines, and each over every team less the states whose totals are bound: so the search
        meets a state's last team month with its value forced, not at the end."""
        states = [
            line
            for line in bound
            if any(line[0] == members[s] for s in scopes[1:]) and line[1] is not None and line[2] is not None
        ]
        extra = []
        for parts, n, d in bound:
            if parts == team_cells and states:
                rest = [c for c in parts if not any(c in s[0] for s in states)]
                extra.append(
                    (
                        rest,
                        None if n is None else n - sum(s[1] for s in states),
                        None if d is None else d - sum(s[2] for s in states),
                    )
                )
        return bound + extra

    lines = reduced(lines)
    counts = [(members[s], got.reporting[s, month]) for s in scopes if (s, month) in got.reporting]
    medians = [
        (members[s], got.team_rate_medians[s, month]) for s in scopes if (s, month) in got.team_rate_medians
    ]
    rates = {c: r for c, r in got.rates.items() if c[1] == month}
    aggregate_rates = [(members[c[0]], r) for c, r in rates.items() if c[0][0] != "team"]
    nodes = 0

    def cell_value(cell: Cell, assignment: dict[Cell, tuple[int, int]]) -> tuple[int, int]:
        if cell[0][0] == "team":
            return assignment[cell]
        return _sum(assignment[c] for c in members[cell[0]])

    def consistent(assignment: dict[Cell, tuple[int, int]]) -> bool:
        for parts, value in medians:
            rates_ = [Fraction(*assignment[c]) for c in parts if assignment[c][1] > 0]
            if not rates_ or abs(float(median(rates_)) - value) > 1e-9:
                return False
        return all(_rate_ok(*_sum(assignment[c] for c in parts), rate) for parts, rate in aggregate_rates)

    def solve(
        assignment: dict[Cell, tuple[int, int]],
        todo: list[Cell],
        bound: list[Line],
        skip: Callable[[Cell, tuple[int, int]], bool] = lambda cell, value: False,
    ) -> dict[Cell, tuple[int, int]] | None:
        """A full assignment meeting every constraint and the lines `bound`, with no value `skip`
        refuses, depth first."""
        nonlocal nodes
        nodes += 1
        if nodes > NODE_LIMIT:
            raise _Undecided
        left = []
        for parts, n, d in bound:
            free = [c for c in parts if c not in assignment]
            n_left = None if n is None else n - sum(assignment[c][0] for c in parts if c in assignment)
            d_left = None if d is None else d - sum(assignment[c][1] for c in parts if c in assignment)
            if (n_left or 0) < 0 or (d_left or 0) < 0 or (not free and (n_left or d_left)):
                return None
            left.append((free, n_left, d_left))
        needs = [
            (
                free := [c for c in parts if c not in assignment],
                count - sum(assignment[c][1] > 0 for c in parts if c in assignment),
            )
            for parts, count in counts
        ]
        if any(need < 0 or need > len(free) for free, need in needs):
            return None
        if not todo:
            return dict(assignment) if consistent(assignment) else None
        cell = todo[0]
        mine = [(free, n, d) for free, n, d in left if cell in free]
        forced_n = next((n for free, n, _ in mine if free == [cell] and n is not None), None)
        forced_d = next((d for free, _, d in mine if free == [cell] and d is not None), None)
        top_n = min([n for _, n, _ in mine if n is not None] + [cap])
        top_d = min([d for _, _, d in mine if d is not None] + [cap])
        zero = any(need == 0 for free, need in needs if cell in free)
        positive = any(need == len(free) for free, need in needs if cell in free)
        ds = [forced_d] if forced_d is not None else _spread(top_d, low=1 if positive else 0)
        for d in [0] if zero else ds:
            if (zero and d > 0) or (positive and d == 0):
                continue
            ns = [forced_n] if forced_n is not None else _spread(min(top_n, int(ceiling * d)))
            for n in ns:
                if (
                    n > ceiling * d
                    or (cell in rates and not _rate_ok(n, d, rates[cell]))
                    or skip(cell, (n, d))
                ):
                    continue
                assignment[cell] = (n, d)
                found = solve(assignment, todo[1:], bound, skip)
                del assignment[cell]
                if found is not None:
                    return found
        return None

    def witness(cell: Cell, first: tuple[int, int], project: Any, aims: list[Line]) -> bool:
        """Whether a solution differs from `first` in `project` of `cell`: with the cell (a team's
        month, or an aggregate's teams' sum) bound to each of `aims` in turn; failing those, for a
        team month, any value that differs, that month searched first."""
        nonlocal nodes
        for aim in aims:  # near values first: bound, the search keeps its order by state
            nodes = NODE_LIMIT - AIM_NODE_LIMIT
            try:
                if solve(dict(known), unknown, reduced([*lines, aim])) is not None:
                    return True
            except _Undecided:
                continue
        if cell[0][0] == "team":  # then any value, that month first
            nodes = 0
            state = members[("awardee", teams[cell[0][1]])]
            order = (
                [cell]
                + [c for c in unknown if c in state and c != cell]
                + [c for c in unknown if c not in state]
            )
            refuse = lambda c, v: c == cell and project(v) == project(first)  # noqa: E731
            return solve(dict(known), order, lines, refuse) is not None
        return False

    out = []
    try:
        reference = solve(dict(known), unknown, lines)
    except _Undecided:
        return sorted(withheld, key=str)  # undecided: counted as determined
    assert reference is not None, f"what {month} received has no solution: the attacker's model is wrong"
    for cell in sorted(withheld, key=str):
        n, d = first = cell_value(cell, reference)
        parts = members.get(cell[0], [cell])
        steps = [1, -1, 2, -2, 3, -3]
        projections = [
            (lambda v: v[0], [(parts, n + k, None) for k in steps if n + k >= 0]),
            (lambda v: v[1], [(parts, None, d + k) for k in steps if d + k >= 0]),
            (
                lambda v: Fraction(v[0], v[1]) if v[1] else None,
                [
                    (parts, n + i, d + j)
                    for i in (0, 1, -1, 2)
                    for j in (0, 1, -1, 2)
                    if 0 <= n + i <= ceiling * (d + j) and Fraction(n + i, d + j or 1) != Fraction(n, d or 1)
                ],
            ),
        ]
        try:
            if not all(witness(cell, first, project, aims) for project, aims in projections):
                out.append(cell)
        except _Undecided:
            out.append(cell)  # undecided: counted as determined
    return out


def _sum(pairs: Iterable[tuple[int, int]]) -> tuple[int, int]:
    n = d = 0
    for a, b in pairs:
        n, d = n + a, d + b
    return n, d


class _Undecided(Exception):
    """The search ran past NODE_LIMIT."""


def _spread(top: int, low: int = 0) -> Iterator[int]:
    """low..top, ends first and then inwards: different values turn up in the first few solutions."""
    high = top
    while low <= high:
        yield low
        if high != low:
            yield high
        low, high = low + 1, high - 1
