"""Builds the engine's input for one stored series from the database, and the figures of docs/runchart.md §8.

Trusted code for services and tasks: it reads with `Model.objects` and takes its scope from the
analysis row it is given. Nothing here is reachable from a request without a service in between.
"""

import datetime as dt
import hashlib
import statistics
from dataclasses import dataclass
from fractions import Fraction
from operator import attrgetter
from typing import Any, Literal, cast

import orjson
from django.db import connection
from django.db.models import Max

from collaboratives import enrolment
from collaboratives.models import Team
from collaboratives.months import add as month_add
from collaboratives.months import between as months_between
from collaboratives.months import first_of, span
from measures import interpretation, medians, runchart
from measures import points as stored_points
from measures.models import Measure, Observation, PhaseDecision, RunChartAnalysis
from measures.rendering import measure_facts

# Bump when the engine's rules or this module's inputs change meaning: every stored result then recomputes.
PARAMS_VERSION = (
    f"coiin-2/{runchart.RUNS_TABLE_VERSION}"  # 2: summaries read signals in the measure's direction
)
COHORT_REPORTING_FLOOR = interpretation.COHORT_REPORTING_FLOOR  # docs/runchart.md §8.2, stated once
# docs/runchart.md §8.5, stated once (measures/interpretation.py)
AIM_WINDOW, AIM_MIN_POINTS = interpretation.AIM_WINDOW, interpretation.AIM_MIN_POINTS

Pair = tuple[int, int]


def series_months(measure: Measure) -> list[dt.date]:
    """Period 0 is the collaborative's first month; the last is the latest month any team reported."""
    collaborative = measure.collaborative
    first = first_of(collaborative.start_date)
    reported = Observation.objects.unscoped(
        reason="a series spans the months any team reported; only a month is read"
    )
    latest = reported.filter(measure=measure).aggregate(m=Max("month"))["m"]
    last = max(min(latest or first, first_of(collaborative.end_date)), first)
    return span(first, last)


def team_pairs(measure: Measure, teams: list[Team], months: list[dt.date]) -> dict[int, list[Pair | None]]:
    """Each team's (numerator, denominator) per period, None where missing. One query for all teams.

    The ORM builds the query; its rows are fetched plainly, since a national batch reads 100,000 of
    them and Django's per-row conversion would cost more than the analysis.
    """
    if measure.kind == Measure.Kind.MEDIAN:
        return {
            team_id: [medians.median_pair(h) for h in series]
            for team_id, series in team_cases(measure, teams, months).items()
        }
    index = {m: i for i, m in enumerate(months)}
    out: dict[int, list[Pair | None]] = {t.id: [None] * len(months) for t in teams}
    query = (
        Observation.objects.filter(
            measure=measure, team__in=teams, month__gte=months[0], month__lte=months[-1]
        )
        .order_by()
        .values_list("team_id", "month", "numerator", "denominator")
    )
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    # One loop per kind, without a call per row: a national measure has 115,000 rows.
    if measure.kind == Measure.Kind.COUNT:
        for team_id, month, numerator, _ in rows:
            if numerator is not None:
                # A count is its own value; pooled, it becomes the mean count per team.
                out[team_id][index[month]] = (numerator, 1)
    else:
        for team_id, month, numerator, denominator in rows:
            if numerator is not None and denominator is not None:
                out[team_id][index[month]] = (numerator, denominator)
    return out


def team_cases(
    measure: Measure, teams: list[Team], months: list[dt.date]
) -> dict[int, list[medians.Histogram | None]]:
    """A median measure's cases per team and period (`measures.medians`), None where missing."""
    index = {m: i for i, m in enumerate(months)}
    out: dict[int, list[medians.Histogram | None]] = {t.id: [None] * len(months) for t in teams}
    if not months:
        return out
    rows = Observation.objects.filter(
        measure=measure, team__in=teams, month__gte=months[0], month__lte=months[-1], cases__isnull=False
    ).values_list("team_id", "month", "cases")
    for team_id, month, cases in rows:
        out[team_id][index[month]] = medians.from_stored(cases)
    return out


def _pooled_medians(
    cohort_cases: dict[int, list[medians.Histogram | None]], n_months: int
) -> tuple[list[Pair | None], list[int]]:
    """Per period, the median of every reporting cohort team's cases together, and each period's cases."""
    pooled: list[Pair | None] = []
    sizes: list[int] = []
    for i in range(n_months):
        together = medians.merge(series[i] for series in cohort_cases.values())
        pooled.append(medians.median_pair(together))
        sizes.append(medians.size(together))
    return pooled, sizes


def rule_params(analysis: RunChartAnalysis, months: list[dt.date]) -> runchart.RuleParams:
    """Automatic ihi_sustained phases, unless people have decided the phases (docs/runchart.md §7.4)."""
    decisions = list(PhaseDecision.objects.filter(analysis=analysis).values_list("start_month", "decision"))
    return params_from_decisions(analysis.measure, months, decisions)


def params_from_decisions(
    measure: Measure, months: list[dt.date], decisions: list[tuple[dt.date, str]]
) -> runchart.RuleParams:
    baseline_k, direction = measure.collaborative.baseline_months, _direction(measure)
    if not decisions:
        return runchart.RuleParams(baseline_k=baseline_k, direction=direction, rebase="ihi_sustained")
    # Period 0 always starts a phase; listing it keeps `phases` in the result when every suggestion was rejected.
    starts = (0,) + tuple(
        months_between(months[0], month)
        for month, decision in decisions
        if decision != PhaseDecision.Decision.REJECTED and months[0] < month <= months[-1]
    )
    return runchart.RuleParams(baseline_k=baseline_k, direction=direction, phase_starts=starts)


def _direction(measure: Measure) -> Literal["up", "down"]:
    """The measure's improving direction, as the engine names it (the model's choices are the same words)."""
    return cast(Literal["up", "down"], str(measure.direction))


def _fraction_json(value: Fraction | None) -> dict[str, Any] | None:
    if value is None:
        return None
    return {"value": round(float(value), 12), "exact": f"{value.numerator}/{value.denominator}"}


@dataclass(frozen=True)
class SeriesInput:
    months: list[dt.date]
    values: list[Pair | None]
    params: runchart.RuleParams
    points: dict[str, Any] | list  # stored columns (measures.points)
    cohort: dict[int, list[Pair | None]]

    def digest(self) -> str:
        payload = orjson.dumps(
            [
                PARAMS_VERSION,
                self.months[0].isoformat() if self.months else None,
                self.values,
                repr(self.params),
            ]
        )
        return hashlib.sha256(payload).hexdigest()


def cohort_teams(analysis: RunChartAnalysis, months: list[dt.date]) -> list[Team]:
    """Teams enrolled for the measure's whole measurement period (docs/runchart.md §8.2), for aggregates."""
    teams = Team.objects.filter(collaborative=analysis.collaborative, joined_on__lt=month_add(months[0], 1))
    if analysis.kind == RunChartAnalysis.Kind.AWARDEE:
        teams = teams.filter(lia__awardee=analysis.awardee)
    return cohort_of(analysis, list(teams.select_related("lia").order_by("id")), months)


def cohort_of(analysis: RunChartAnalysis, teams: list[Team], months: list[dt.date]) -> list[Team]:
    """`cohort_teams` chosen from teams (with their LIA) already loaded, in id order."""
    return [
        t
        for t in sorted(teams, key=attrgetter("id"))
        if t.collaborative_id == analysis.collaborative_id
        and (analysis.kind != RunChartAnalysis.Kind.AWARDEE or t.lia.awardee_id == analysis.awardee_id)
        and enrolment.enrolled_throughout(t, months[0], months[-1])
    ]


def series_input(analysis: RunChartAnalysis) -> SeriesInput:
    months = series_months(analysis.measure)
    params = rule_params(analysis, months)
    teams = [analysis.team] if analysis.team is not None else cohort_teams(analysis, months)
    measure = analysis.measure
    cases = team_cases(measure, teams, months) if measure.kind == Measure.Kind.MEDIAN else None
    return series_input_from(analysis, months, params, team_pairs(measure, teams, months), cases=cases)


def series_input_from(
    analysis: RunChartAnalysis,
    months: list[dt.date],
    params: runchart.RuleParams,
    cohort: dict[int, list[Pair | None]],
    encoded: runchart.aggregate.Encoded | None = None,
    cases: dict[int, list[medians.Histogram | None]] | None = None,
) -> SeriesInput:
    """The engine's input from data already read: the team's own values, or the aggregate's cohort.

    `encoded` is the cohort's `runchart.encode_teams`, when the caller has it. A median measure's
    `cases` (`team_cases`, for at least the series' teams) make its points carry each period's number
    of cases and its aggregates the median of the cohort's cases together.
    """
    median_kind = analysis.measure.kind == Measure.Kind.MEDIAN
    if median_kind and cases is None:
        raise ValueError("a median measure's series needs its teams' cases")
    if analysis.kind == RunChartAnalysis.Kind.TEAM:
        assert analysis.team_id is not None
        values = cohort[analysis.team_id]
        extra = {"n_cases": [medians.size(h) for h in cases[analysis.team_id]]} if cases is not None else {}
        return SeriesInput(months, values, params, stored_points.columns(months, values, **extra), cohort={})
    series = list(cohort.values())
    if series:
        pooled, reporting, rates = runchart.cohort_figures(series, encoded)
    else:
        pooled, reporting, rates = [None] * len(months), [0] * len(months), [None] * len(months)
    extra = {}
    if cases is not None:
        pooled, sizes = _pooled_medians({t: cases[t] for t in cohort}, len(months))
        extra = {"n_cases": sizes}
    floor = COHORT_REPORTING_FLOOR * len(cohort)
    flagged = [n < floor for n in reporting]
    values = [None if flag else p for p, flag in zip(pooled, flagged, strict=True)]
    points = stored_points.columns(
        months,
        pooled,
        n_teams_reporting=list(reporting),
        median_of_team_rates=[_fraction_json(r) for r in rates],
        below_reporting_floor=flagged,
        **extra,
    )
    return SeriesInput(months, values, params, points, cohort=cohort)


def _quartiles(values: list[Fraction]) -> dict[str, Any]:
    if not values:
        return {"median": None, "q1": None, "q3": None, "n": 0}
    ordered = sorted(values)
    if len(ordered) == 1:
        q1 = q3 = ordered[0]
    else:
        q1, _, q3 = statistics.quantiles(ordered, n=4, method="inclusive")
    return {
        "median": _fraction_json(statistics.median(ordered)),
        "q1": _fraction_json(Fraction(q1)),
        "q3": _fraction_json(Fraction(q3)),
        "n": len(ordered),
    }


def _aim_target(measure: Measure) -> Fraction | None:
    if measure.goal is None:
        return None
    return Fraction(measure.goal) / measure.display_multiplier


@dataclass(frozen=True, slots=True)
class TeamFigures:
    """What an aggregate's summary needs of each cohort team: its baseline median and its aim verdict."""

    baseline_median: Fraction | None
    meets_aim: bool | None


def teams_meet_aim(
    measure: Measure,
    team_values: dict[int, list[Pair | None]],
    encoded: runchart.aggregate.Encoded | None = None,
) -> dict[int, bool | None]:
    """§8.5 per team, in one batch: None where the measure has no aim or a team too few recent points.

    `encoded` is `runchart.encode_teams` of the values in the dict's order, when the caller has it.
    """
    target = _aim_target(measure)
    if target is None:
        return dict.fromkeys(team_values)
    team_ids = list(team_values)
    verdicts = runchart.meets_aim_many(
        [team_values[t] for t in team_ids], target, _direction(measure), AIM_WINDOW, AIM_MIN_POINTS, encoded
    )
    return dict(zip(team_ids, verdicts, strict=True))


def team_figures(
    measure: Measure,
    cohort: dict[int, list[Pair | None]],
    verdicts: dict[int, bool | None] | None = None,
    baselines: dict[int, Fraction | None] | None = None,
) -> dict[int, TeamFigures]:
    """Per team of a cohort, in one batch; a measure's aggregates share their teams' figures.

    `verdicts` are the teams' aim verdicts (`teams_meet_aim`) and `baselines` their baseline medians
    (from the teams' own series, where no one decided their phases), when the caller has them.
    """
    baselines = dict(baselines or {})
    params = runchart.RuleParams(
        baseline_k=measure.collaborative.baseline_months, direction=_direction(measure)
    )
    missing = [t for t in cohort if t not in baselines]
    for team_id, result in zip(
        missing, runchart.analyse_many([cohort[t] for t in missing], params), strict=True
    ):
        baselines[team_id] = None if result.baseline is None else result.baseline.median
    if verdicts is None:
        verdicts = teams_meet_aim(measure, cohort)
    return {t: TeamFigures(baseline_median=baselines[t], meets_aim=verdicts[t]) for t in cohort}


def aggregate_summary(
    analysis: RunChartAnalysis,
    data: SeriesInput,
    result: dict[str, Any],
    figures: dict[int, TeamFigures] | None = None,
) -> dict[str, Any]:
    """The closing guide's figures for one aggregate series (docs/runchart.md §8.3 to §8.5).

    `figures` holds the cohort teams' figures when the caller has computed them for several aggregates.
    """
    measure = analysis.measure
    if figures is None:
        figures = team_figures(measure, data.cohort)
    cohort_figures = [figures[team_id] for team_id in data.cohort]
    baseline = result.get("baseline")
    phases = result.get("phases") or []
    shifted = None
    if len(phases) > 1:
        latest = phases[-1]
        shifted = {
            "median": latest["median"],
            "median_exact": latest["median_exact"],
            "provisional": latest["provisional"],
            "start_month": data.months[latest["start_index"]].isoformat(),
        }
    lia_baselines = [f.baseline_median for f in cohort_figures if f.baseline_median is not None]
    target = _aim_target(measure)
    aim: dict[str, Any] = {
        "target": _fraction_json(target),
        "window": AIM_WINDOW,
        "min_points": AIM_MIN_POINTS,
    }
    if target is not None:
        verdicts = [f.meets_aim for f in cohort_figures]
        assessed = [v for v in verdicts if v is not None]
        met = sum(1 for v in assessed if v)
        aim |= {
            "n_meeting": met,
            "n_assessed": len(assessed),
            "n_insufficient_data": len(verdicts) - len(assessed),
            "pct_meeting": round(100 * met / len(assessed), 1) if assessed else None,
        }
    return {
        "cohort_size": len(data.cohort),
        "aggregate_baseline_median": None
        if not baseline or baseline["median"] is None
        else {
            "median": baseline["median"],
            "median_exact": baseline["median_exact"],
            "provisional": baseline["provisional"],
        },
        "median_of_lia_baseline_medians": _quartiles(lia_baselines),
        "shifted_median": shifted,
        "teams_meeting_aim": aim,
    }


def team_summary(
    analysis: RunChartAnalysis,
    data: SeriesInput,
    result: dict[str, Any],
    verdicts: dict[int, bool | None] | None = None,
) -> dict[str, Any]:
    """What a dashboard row shows for one team's series, computed with the series, never in a request.

    `verdicts` holds the teams' aim verdicts when the caller computed them for many series at once.
    """
    measure = analysis.measure
    assert analysis.team_id is not None
    if verdicts is None:
        verdicts = teams_meet_aim(measure, {analysis.team_id: data.values})
    phases = result.get("phases") or []
    current = phases[-1] if phases else result
    observed = [(m, p) for m, p in zip(data.months, data.values, strict=True) if p is not None and p[1] > 0]
    latest = observed[-1] if observed else None
    indices = {i for i, p in enumerate(data.values) if p is not None and p[1] > 0}
    reading = interpretation.read_signals(result, data.months, indices, measure_facts(measure))
    signal = interpretation.latest(reading.signals)
    aim_median = interpretation.recent_median([Fraction(*p) for _, p in observed])
    return {
        "current_median": None
        if current.get("median") is None
        else {
            "median": current["median"],
            "median_exact": current["median_exact"],
            "provisional": bool(
                current.get("provisional", (result.get("baseline") or {}).get("provisional"))
            ),
        },
        "latest": None
        if latest is None
        else {"month": latest[0].isoformat(), "value": round(latest[1][0] / latest[1][1], 12)},
        "meets_aim": verdicts[analysis.team_id],
        # The statistic the verdict is made of, so a page can name it (median of the last 6 reported months).
        "aim_median": _fraction_json(aim_median),
        "aim_points": min(len(observed), AIM_WINDOW),
        "latest_signal": None if signal is None else signal.short,
        "variation": reading.variation,
    }
