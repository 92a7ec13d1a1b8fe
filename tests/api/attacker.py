"""The attacker of the disclosure rule (issue 19): a signed-in user who does arithmetic.

`received(...)` collects everything one person receives for one sensitive measure: through the API
(run charts, their details, the aggregates, the control-chart API), the pages (chart pages with their
figures and control charts, fragments, dashboards and state dashboards with their table, small
multiples, the funnel, the team list, team pages and storyboards, the phase queue, closing planners)
and the downloads (chart CSVs, the dashboard table as CSV and XLSX, the collaborative workbook, the
closing planner's and the storyboards' PDFs, read as text by `tests.api.pdf_text`). `determined(...)`
turns it into constraints on the unknown integer cells and searches them:

- a team month is (n, d) with 0 ≤ n ≤ ratio·d; unknown unless received with its counts;
- an aggregate month received with its counts is the sum of its teams' months (a team with d = 0
  adds nothing), and its `n_teams_reporting` counts the teams with d > 0;
- a median of team rates received for an aggregate month is the median of those teams' rates;
- a series' `on_median_indices` with its exact median, a phase's, and the summary's latest value
  each fix the rate of a month; a value shown rounded (a figure's point, a workbook cell) bounds it;
- a figure made of several months (a series' median, limits, signals or aim verdict, a funnel
  period's total or pooled rate) counts each withheld cell under it as determined: the rule withholds
  such figures, and the test errs towards failing. A period total over months all known must be their sum.

A withheld cell is a month received as `suppressed` (team or aggregate). It is determined when all
solutions agree on its numerator, its denominator or its rate. Months are solved one at a time (they
are linked only through one month's rate, a unary constraint): a depth-first search, exhaustive
unless it finds what it looks for, first finds one solution, then for each withheld cell and each of
numerator, denominator and rate a second solution that differs there. A search that runs past
`NODE_LIMIT` counts its month's cells as determined, so the test errs towards failing. Counts are
searched up to the largest count received (at least 30).
"""

import csv
import html
import io
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from statistics import median
from typing import Any

from openpyxl import load_workbook

from measures.models import Measure, RunChartAnalysis
from tests.api.pdf_text import pdf_text

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
    # a month's rate: exact (low == high, fixed by an analysis) or between bounds (a value shown rounded)
    rates: dict[Cell, tuple[Fraction, Fraction]] = field(default_factory=dict)
    # series key → where a statistic of the whole series (median, phases, signals, aim verdict) was shown
    statistics: dict[tuple[Any, ...], set[str]] = field(default_factory=dict)
    # a figure over several months of one series: (series key, months, (n, d) or None for a rate, where)
    periods: list[tuple[tuple[Any, ...], tuple[str, ...], tuple[int, int] | None, str]] = field(
        default_factory=list
    )
    read: set[str] = field(default_factory=set)  # the interfaces read (URL names)
    requests: int = 0

    def rate(self, cell: Cell, low: Fraction, high: Fraction) -> None:
        """A month's rate lies in [low, high]: narrowed by what else fixed it."""
        old_low, old_high = self.rates.get(cell, (low, high))
        self.rates[cell] = (max(low, old_low), min(high, old_high))

    def statistic(self, key: tuple[Any, ...], where: str) -> None:
        self.statistics.setdefault(key, set()).add(where)


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
                got.rate(
                    (key, months[i]), Fraction(stretch["median_exact"]), Fraction(stretch["median_exact"])
                )
    if result.get("median") is not None:
        got.statistic(key, "API run chart")
    latest = summary.get("latest")
    if latest and latest.get("value") is not None:
        got.rate((key, latest["month"][:7]), _exact(latest["value"]), _exact(latest["value"]))


def received(*, api: Any, web: Any, user: Any, measure: Measure) -> Received:
    """Everything `api` (a token client) and `web` (a logged-in client) of `user` get for `measure`."""
    got = Received()
    series = Series(user, measure)
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
        hidden = any(p.get("suppressed") for p in body["points"]) or "withheld" in (body.get("result") or {})
        _take_pages(got, web, series, chart, key, every=hidden)
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
    _take_collaborative(got, web, series)
    return got


def _awardee_id(public_id: str) -> int:
    from collaboratives.models import Awardee

    return Awardee.objects.get(public_id=public_id).id


FIGURE = re.compile(
    r'<script id="(runchart|control|funnel)-([0-9a-f-]{36})" type="application/json">(.*?)</script>', re.S
)
ROW = re.compile(r"<tr>\s*<th scope=\"row\">(.*?)</th>(.*?)</tr>", re.S)
CELL = re.compile(r"<td[^>]*>(.*?)</td>", re.S)
TAG = re.compile(r"<[^>]+>")
NUMBER = re.compile(r"\d")


def _text(markup: str) -> str:
    return " ".join(html.unescape(TAG.sub(" ", markup)).split())


def _shown(value: float, scale: int, decimals: int) -> tuple[Fraction, Fraction]:
    """The rates a value shown as `value` (rate × scale, rounded to `decimals`) may stand for."""
    half = Fraction(1, 2 * 10**decimals) + Fraction(1, 10**9)
    return (Fraction(value) - half) / scale, (Fraction(value) + half) / scale


class Series:
    """How the attacker names what a page shows: a chart by its public id, a team by its label as this
    viewer sees it (the attacker knows which team is which: the worst case), a state by its public id."""

    def __init__(self, user: Any, measure: Measure) -> None:
        from collaboratives.models import Team
        from measures import selectors

        self.measure = measure
        self.scale = measure.display_multiplier
        self.charts = {str(c.public_id): c for c in RunChartAnalysis.objects.filter(measure=measure)}
        collaborative = measure.collaborative
        teams = Team.objects.filter(collaborative=collaborative).select_related("lia__awardee")
        self.teams = list(teams)
        self.label = {
            selectors.team_label(user=user, team=t, collaborative=collaborative): ("team", t.id)
            for t in teams
        }
        self.awardees = sorted({t.lia.awardee for t in teams}, key=lambda a: a.id)

    def of_chart(self, public_id: str) -> tuple[Any, ...] | None:
        chart = self.charts.get(public_id)
        return None if chart is None else _series_key(chart)

    def of_awardee(self, awardee: Any) -> list[tuple[Any, ...]]:
        return [("team", t.id) for t in self.teams if t.lia.awardee_id == awardee.id]


def _get(got: Received, web: Any, url: str, where: str) -> Any:
    got.requests += 1
    response = web.get(url)
    if response.status_code == 200:
        got.read.add(where)
    else:
        assert response.status_code in (403, 404), (url, response.status_code)
    return response


def _take_figures(got: Received, series: Series, page: str, where: str) -> None:
    """Every run chart and control chart figure embedded in a page: each month's counts (hover) and
    value, and whether any line made of the whole series (median, limits, signals) is drawn."""
    for kind, public_id, blob in FIGURE.findall(page):
        if kind == "funnel":
            continue  # the funnel's points are its table's rows (`_take_funnel`)
        key = series.of_chart(public_id)
        if key is None:
            continue  # another measure's chart
        for trace in json.loads(blob)["data"]:
            name = trace.get("name", "")
            if name.startswith(("Monthly value", "Monthly pooled value")) or (
                kind == "control" and "customdata" in trace
            ):
                for i, month in enumerate(trace["x"]):
                    cell, value = (key, month[:7]), trace["y"][i]
                    custom = (trace.get("customdata") or [[None, None]] * len(trace["x"]))[i]
                    if custom[0] is not None and custom[1] is not None:
                        assert cell not in got.withheld, f"{where} shows {cell}, which the API withholds"
                        got.counts[cell] = (custom[0], custom[1])
                    if value is not None:
                        got.rate(cell, *_shown(value, series.scale, 6))
            elif trace.get("yaxis") == "y2" or name.startswith("Goal"):
                continue  # the notes' band (people's notes, placed in rows) and the measure's goal
            elif any(y is not None for y in trace.get("y") or []):
                got.statistic(key, f"{where}: {name}")


def _take_table_csv(got: Received, series: Series, rows: Iterable[dict[str, Any]], where: str) -> None:
    """The dashboard table as exported: a team's current median and verdict are statistics of its series."""
    for row in rows:
        for column in (f"{series.measure.name}: current median", f"{series.measure.name}: meets goal"):
            if str(row.get(column) or "").strip():
                got.statistic(series.label[row["Team"]], f"{where}: {column}")


def _take_table_page(got: Received, series: Series, page: str, where: str) -> None:
    """The dashboard page's table: the measure's column of each team's row."""
    head = page[page.index("dashboard-table") :]
    keys = re.findall(r"sort=([^&\"]+)", head[: head.index("</thead>")])
    column = keys.index(series.measure.code) - 1  # the first key is the team's
    for label, cells in ROW.findall(head[: head.index("</table>")]):
        cell = CELL.findall(cells)[column]
        if NUMBER.search(_text(cell)):
            got.statistic(series.label[_text(label)], f"{where}: current median")


def _take_workbook(got: Received, series: Series, content: bytes, where: str) -> None:
    """The collaborative workbook's sheet of the measure: a row per month, a column per team (its label)
    and one for all teams, holding each month's value as shown (rate × scale, 4 decimals)."""
    book = load_workbook(io.BytesIO(content), read_only=True)
    sheet = book[series.measure.code[:31]]
    rows = list(sheet.iter_rows(values_only=True))
    for values in rows[1:]:
        for label, value in zip(rows[0][1:], values[1:], strict=True):
            key = ("collaborative",) if label == "All teams" else series.label[label]
            if value is not None and value != "":
                got.rate((key, str(values[0])[:7]), *_shown(float(value), series.scale, 4))


def _take_funnel(got: Received, series: Series, page: str, where: str) -> None:
    """The funnel table: each team's numerator and denominator over the period shown, and the pooled
    rate (the collaborative's over the period when so labelled)."""
    import datetime as dt

    found = re.search(
        r"(\w{3} \d{4}) to (\w{3} \d{4}): \d+ teams? shown; pooled rate [^(]*\((.*?)\)", _text(page)
    )
    if found is None:
        return
    first, last = (dt.datetime.strptime(m, "%b %Y").date() for m in found.groups()[:2])
    months: list[str] = []
    while first <= last:
        months.append(f"{first:%Y-%m}")
        first = dt.date(first.year + first.month // 12, first.month % 12 + 1, 1)
    if found.group(3).startswith("all the collaborative"):
        got.periods.append((("collaborative",), tuple(months), None, f"{where}: pooled rate"))
    body = page[page.index("<tbody", page.index("Against the pool")) :]
    for label, cells in ROW.findall(body[: body.index("</tbody>")]):
        n, d = (int(_text(c)) for c in CELL.findall(cells)[:2])
        got.periods.append((series.label[_text(label)], tuple(months), (n, d), where))


def _take_planner(got: Received, series: Series, awardee: Any, shown: str, where: str) -> None:
    """The closing planner's results for the measure: a baseline or shifted median is a statistic of
    the state's pooled series; "n of m" teams meeting the aim, of each of its teams' series."""
    shown = re.sub(r"\(aim [^)]*\)", "", shown)  # the measure's goal, not a figure of the data
    if NUMBER.search(shown):
        got.statistic(("awardee", awardee.id), f"{where}: {shown}")
    if re.search(r"\d+ of \d+", shown):
        for key in series.of_awardee(awardee):
            got.statistic(key, f"{where}: teams meeting the aim")


def _planner_page(got: Received, series: Series, awardee: Any, page: str) -> None:
    for label, cells in ROW.findall(page):
        if _text(label).startswith(series.measure.name):
            _take_planner(
                got, series, awardee, " ".join(_text(c) for c in CELL.findall(cells)), "closing planner"
            )


def _planner_pdf(got: Received, series: Series, awardee: Any, text: str, names: list[str]) -> None:
    """The PDF's text after each mention of the measure, up to the next measure's name."""
    text = " ".join(text.split())
    others = [re.escape(n) for n in names if n != series.measure.name]
    stop = (
        re.compile("|".join(others) + "|Run charts of|The planner's|Part 2")
        if others
        else re.compile("Part 2|$")
    )
    for found in re.finditer(re.escape(series.measure.name), text):
        rest = text[found.end() :]
        end = stop.search(rest)
        _take_planner(got, series, awardee, rest[: end.start() if end else 300], "closing planner PDF")


def _take_team_page(got: Received, series: Series, key: tuple[Any, ...], page: str, where: str) -> None:
    """A team's page: its run charts, and its data table (numerator/denominator per month)."""
    _take_figures(got, series, page, where)
    table = re.search(r"<thead><tr><th scope=\"col\">Measure</th>(.*?)</thead>(.*?)</table>", page, re.S)
    if table is None:
        return
    import datetime as dt

    months = [
        f"{dt.datetime.strptime(_text(m), '%b %y'):%Y-%m}"
        for m in re.findall(r"<th[^>]*>(.*?)</th>", table.group(1))
    ]
    for label, cells in ROW.findall(table.group(2)):
        if _text(label) != series.measure.name:
            continue
        for month, cell in zip(months, CELL.findall(cells), strict=True):
            counts = re.fullmatch(r"(\d+)/(\d+)", _text(cell))
            if counts:
                assert (key, month) not in got.withheld, (
                    f"{where} shows {(key, month)}, which the API withholds"
                )
                got.counts[key, month] = (int(counts[1]), int(counts[2]))


def _take_pages(
    got: Received, web: Any, series: Series, chart: RunChartAnalysis, key: tuple[Any, ...], every: bool
) -> None:
    """The chart's page and its CSV export: each month's counts, and where the export leaves them empty,
    nothing. For a series with a month or its analysis withheld (`every`), also each control chart the
    page offers, its fragment and the control chart API. (A series shown whole is made of months the
    viewer knows: its other views are functions of them, so they are left unread to save time.)"""
    page = _get(got, web, f"/charts/{chart.public_id}/", "chart-detail")
    if page.status_code != 200:
        return
    text = page.content.decode()
    _take_figures(got, series, text, "chart page")
    exported = _get(got, web, f"/charts/{chart.public_id}/data.csv", "chart-csv")
    for row in csv.DictReader(io.StringIO(exported.content.decode())):
        cell = (key, row["month"][:7])
        if row["numerator"] and row["denominator"]:
            assert cell not in got.withheld, f"the CSV export shows {cell}, which the API withholds"
            got.counts[cell] = (int(row["numerator"]), int(row["denominator"]))
    if not every:
        return
    for kind in sorted(set(re.findall(r"\?chart=(\w+)", text)) - {"run"}):  # "run": this page
        _take_figures(
            got,
            series,
            _get(got, web, f"/charts/{chart.public_id}/?chart={kind}", "chart-detail").content.decode(),
            f"chart page ({kind})",
        )
    fragment = _get(got, web, f"/charts/{chart.public_id}/fragment/", "chart-fragment")
    if fragment.status_code == 200:
        _take_figures(got, series, fragment.content.decode(), "chart fragment")
    control = _get(got, web, f"/api/v1/runcharts/{chart.public_id}/control/", "api-runchart-control")
    if control.status_code == 200 and not control.json()["withheld"] and control.json().get("result"):
        got.statistic(key, "control chart API")


def _take_collaborative(got: Received, web: Any, series: Series) -> None:
    """The pages and downloads about the whole collaborative or a state: dashboards (figures and table),
    the measure's small multiples and funnel, the table as CSV and XLSX, the collaborative workbook, the
    team pages and storyboards (page and PDF), the queue of suggested phases, and each state's closing planner as a page and as a PDF."""
    collaborative, measure = series.measure.collaborative, series.measure
    base = f"/collaboratives/{collaborative.public_id}"
    for scope in [""] + [f"?awardee={a.public_id}" for a in series.awardees]:
        dashboard = _get(got, web, f"{base}/dashboard/{scope}", "collaborative-dashboard")
        if dashboard.status_code == 200:
            page = dashboard.content.decode()
            _take_figures(got, series, page, "dashboard")
            _take_table_page(got, series, page, "dashboard table")
        teams = _get(got, web, f"{base}/dashboard/{measure.public_id}/{scope}", "measure-teams")
        if teams.status_code == 200:
            _take_figures(got, series, teams.content.decode(), "small multiples")
        exported = _get(got, web, f"{base}/dashboard/table.csv{scope}", "dashboard-table-csv")
        if exported.status_code == 200:
            _take_table_csv(got, series, csv.DictReader(io.StringIO(exported.content.decode())), "table CSV")
        exported = _get(got, web, f"{base}/dashboard/table.xlsx{scope}", "dashboard-table-xlsx")
        if exported.status_code == 200:
            rows = list(
                load_workbook(io.BytesIO(exported.content), read_only=True).active.iter_rows(values_only=True)
            )
            _take_table_csv(got, series, (dict(zip(rows[0], r, strict=True)) for r in rows[1:]), "table XLSX")
    funnel = _get(got, web, f"{base}/dashboard/{measure.public_id}/funnel/", "measure-funnel")
    if funnel.status_code == 200:
        _take_funnel(got, series, funnel.content.decode(), "funnel")
    workbook = _get(got, web, f"{base}/data.xlsx", "collaborative-workbook")
    if workbook.status_code == 200:
        _take_workbook(got, series, workbook.content, "workbook")
    listed = set(
        re.findall(r'href="/teams/([0-9a-f-]{36})/"', _get(got, web, "/teams/", "team-list").content.decode())
    )
    for team in (t for t in series.teams if str(t.public_id) in listed):  # the teams the viewer may open
        page = _get(got, web, f"/teams/{team.public_id}/", "team-detail")
        if page.status_code == 200:
            _take_team_page(got, series, ("team", team.id), page.content.decode(), "team page")
        _take_storyboard(got, web, series, team)
    queue = _get(got, web, "/coaching/phases/", "phase-queue").content.decode()
    for row in re.findall(r'<tr data-suggestion="(.*?)</tr>', queue, re.S):
        for team in series.teams:  # a suggested phase is a signal: a statistic of the team's series
            if row.startswith(f'{team.code}-{measure.code}"') and f"({collaborative.short_name})" in row:
                got.statistic(("team", team.id), "phase queue")
    for awardee in series.awardees:
        url = f"{base}/awardees/{awardee.public_id}/closing-planner"
        page = _get(got, web, f"{url}/", "closing-planner")
        if page.status_code == 200:
            _planner_page(got, series, awardee, page.content.decode())
        pdf = _get(got, web, f"{url}.pdf", "closing-planner-pdf")
        if pdf.status_code == 200:
            names = list(collaborative.measures.values_list("name", flat=True))
            _planner_pdf(got, series, awardee, pdf_text(pdf.content), names)


def _take_storyboard(got: Received, web: Any, series: Series, team: Any) -> None:
    """A team's storyboard, as a page and as a PDF: a run chart per measure with its current median, a
    statistic of the team's whole series."""
    measure = series.measure
    page = _get(got, web, f"/teams/{team.public_id}/storyboard/", "team-storyboard")
    if page.status_code == 200 and f'data-chart="{measure.code}"' in page.content.decode():
        got.statistic(("team", team.id), "storyboard")
    pdf = _get(got, web, f"/teams/{team.public_id}/storyboard.pdf", "team-storyboard-pdf")
    if pdf.status_code == 200 and f"Run chart: {measure.name}" in " ".join(pdf_text(pdf.content).split()):
        got.statistic(("team", team.id), "storyboard PDF")


def _ceiling(measure: Measure) -> Fraction | None:
    """n ≤ ceiling · d: 1 for a proportion, the top of the scale for a mean; None for a count."""
    if measure.kind == Measure.Kind.COUNT:
        return None
    return Fraction(measure.scale_max) if measure.kind == Measure.Kind.MEAN else Fraction(1)


def _rate_ok(n: int, d: int, rate: tuple[Fraction, Fraction] | None) -> bool:
    return rate is None or (d > 0 and rate[0] <= Fraction(n, d) <= rate[1])


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
    return len(got.withheld), sorted(set(out) | _over_withheld(got), key=str)


def _over_withheld(got: Received) -> set[Cell]:
    """Withheld cells under a figure made of several months: a statistic of a series with a withheld
    month, or a period's total or rate over one. Counted as determined (the rule withholds such figures;
    the test errs towards failing). A period's counts over months all known must be their sum."""
    out = {cell for cell in got.withheld if cell[0] in got.statistics}
    for key, months, counts, where in got.periods:
        cells = [(key, month) for month in months]
        out |= {cell for cell in cells if cell in got.withheld}
        if counts is not None and all(c in got.counts or c in got.absent for c in cells):
            assert _sum(got.counts.get(c, (0, 0)) for c in cells) == counts, f"{where}: {key} {months}"
    return out


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
