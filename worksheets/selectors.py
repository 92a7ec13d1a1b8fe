import datetime as dt
from collections import Counter
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from collaboratives import access, enrolment, months
from collaboratives.learning.signals import ENGAGEMENT_CODE
from collaboratives.models import LIA, Awardee, Collaborative, Team
from collaboratives.selectors import awardee_list, collaborative_list, team_list
from measures.charts import format_value
from measures.charts.read import chart_choices, charts_read
from measures.models import Measure, MonthlyReport, Observation, RunChartAnalysis
from measures.selectors import monthly_report_due_date
from pdsa.selectors import pdsa_submission_by_month
from worksheets.definitions import CLOSING_PLANNER, JOY_COMPONENTS, JOY_IN_WORK, RATINGS
from worksheets.models import Worksheet

ROLLUP_MIN_RESPONDENTS = 5  # fewer respondents could be told apart: no counts below this
CLOSE_TO_AIM = Fraction(1, 10)  # "close to meeting the aim": within 10% of the target, not yet meeting it


def worksheet_list(*, user: Any, team: Team | None = None) -> QuerySet[Worksheet]:
    """Worksheets the user may read: their own, shared and team ones of teams they see, planners they hold."""
    qs = Worksheet.objects.visible_to(user).select_related(
        "template", "team__lia", "team__collaborative", "awardee", "collaborative", "respondent", "pdsa_cycle"
    )
    return qs.filter(team=team) if team is not None else qs


def joy_worksheet_mine(*, user: Any, team: Team) -> Worksheet | None:
    return worksheet_list(user=user, team=team).filter(template__slug=JOY_IN_WORK, respondent=user).first()


def joy_worksheet_of_team(*, user: Any, team: Team) -> Worksheet | None:
    return worksheet_list(user=user, team=team).filter(template__slug=JOY_IN_WORK, respondent=None).first()


@dataclass(frozen=True)
class RollupRow:
    component: str
    counts: list[int]  # per rating, in RATINGS order


@dataclass(frozen=True)
class JoyRollup:
    """The team's Joy in Work integration ratings across respondents: counts only, never who said what."""

    respondents: int
    rows: list[RollupRow]  # empty below ROLLUP_MIN_RESPONDENTS
    top_ideas: list[tuple[str, int]]

    @property
    def shown(self) -> bool:
        return self.respondents >= ROLLUP_MIN_RESPONDENTS

    @property
    def needed(self) -> int:
        return max(ROLLUP_MIN_RESPONDENTS - self.respondents, 0)

    @property
    def ratings(self) -> list[str]:
        return RATINGS


def joy_rollup(*, user: Any, team: Team) -> JoyRollup:
    """Counts per rating of the nine components over the team's personal worksheets, shared or not.

    A respondent is a person who rated at least one component. Private worksheets count, anonymously:
    the roll-up is how a team learns what its people think without anyone being named. The rows are
    read directly (not through `visible_to`, which would hide private answers) and only counts leave
    this function, and none below ROLLUP_MIN_RESPONDENTS. Others than `Action.READ_JOY_ROLLUP` allows get PermissionDenied.
    """
    if not access.can(user, access.Action.READ_JOY_ROLLUP, team):
        raise PermissionDenied("Only the team's lead, advisors, awardee lead and admins see the roll-up.")
    answers = [
        a
        for a in Worksheet.objects.unscoped(reason="anonymous roll-up: counts only, see the docstring")
        .filter(team=team, template__slug=JOY_IN_WORK, respondent__isnull=False)
        .values_list("answers", flat=True)
        if any(f"rating_{key}" in a for key, _, _ in JOY_COMPONENTS)
    ]
    if len(answers) < ROLLUP_MIN_RESPONDENTS:
        return JoyRollup(respondents=len(answers), rows=[], top_ideas=[])
    rows = [
        RollupRow(
            component=name,
            counts=[sum(1 for a in answers if a.get(f"rating_{key}") == rating) for rating in RATINGS],
        )
        for key, name, _ in JOY_COMPONENTS
    ]
    ideas: Counter[str] = Counter(
        idea for a in answers for key, _, _ in JOY_COMPONENTS for idea in a.get(f"changes_{key}", [])
    )
    return JoyRollup(
        respondents=len(answers), rows=rows, top_ideas=sorted(ideas.items(), key=lambda i: (-i[1], i[0]))[:5]
    )


# --- Closing planner ---


@dataclass(frozen=True)
class PlannerScope:
    collaborative: Collaborative
    awardee: Awardee
    teams: int


def planner_scope_list(*, user: Any) -> list[PlannerScope]:
    """The (collaborative, awardee) pairs with teams whose closing planner the user may open."""
    collaboratives = {c.id: c for c in collaborative_list(user=user)}
    awardees = {a.id: a for a in awardee_list(user=user)}
    pairs = Counter(team_list(user=user).values_list("collaborative_id", "lia__awardee_id"))
    scopes = [
        PlannerScope(collaboratives[c], awardees[a], n)
        for (c, a), n in pairs.items()
        if c in collaboratives
        and a in awardees
        and access.may_read_closing_plan(user, collaboratives[c], awardees[a])
    ]
    return sorted(scopes, key=lambda s: (s.collaborative.short_name, s.awardee.name))


def closing_planner_get(*, user: Any, collaborative: Collaborative, awardee: Awardee) -> Worksheet | None:
    return (
        worksheet_list(user=user)
        .filter(template__slug=CLOSING_PLANNER, collaborative=collaborative, awardee=awardee)
        .first()
    )


@dataclass(frozen=True)
class Rate:
    """An average count of teams per month and the percent it is of the teams that could have."""

    average: float
    percent: int | None  # rounded half up; None when there were no team-months

    @property
    def label(self) -> str:
        if self.percent is None:
            return "no months yet"
        return f"{self.average:.1f} teams ({self.percent}%)"


def _rate(counted: list[int], possible: list[int]) -> Rate:
    total = sum(possible)
    percent = (200 * sum(counted) + total) // (2 * total) if total else None
    return Rate(average=sum(counted) / len(counted) if counted else 0.0, percent=percent)


@dataclass(frozen=True)
class MeasureResult:
    """One row of Part 1's data results, from the stored awardee aggregate of one measure."""

    measure: Measure
    analysis: RunChartAnalysis | None
    baseline: str
    shifted: str
    meeting: str


@dataclass(frozen=True)
class PlannerFigures:
    """Part 1, Section A of the closing planner, computed from stored data on `computed_on`."""

    computed_on: dt.date
    months: list[dt.date]
    teams_engaged: int
    total_lias: int
    reporting: Rate
    pdsa: Rate
    attending: Rate
    attended_recently: int | None
    measures: list[MeasureResult]
    analyses_computed_at: dt.datetime | None


def _measure_result(measure: Measure, analysis: RunChartAnalysis | None) -> MeasureResult:
    summary = analysis.summary if analysis is not None else {}
    if not summary:
        return MeasureResult(measure, analysis, "not computed yet", "not computed yet", "not computed yet")
    base = summary.get("aggregate_baseline_median")
    baseline = "no baseline yet" if not base else format_value(base["median"], measure)
    if base and base.get("provisional"):
        baseline += " (provisional)"
    shifted_data = summary.get("shifted_median")
    if not shifted_data:
        shifted = "no shift"
    else:
        start = dt.date.fromisoformat(shifted_data["start_month"])
        shifted = f"{format_value(shifted_data['median'], measure)} since {start:%b %Y}"
        if shifted_data.get("provisional"):
            shifted += " (provisional)"
    aim = summary.get("teams_meeting_aim") or {}
    if aim.get("target") is None:
        meeting = "no aim target set"
    elif not aim.get("n_assessed"):
        meeting = "no team has enough recent data"
    else:
        meeting = f"{aim['n_meeting']} of {aim['n_assessed']} ({aim['pct_meeting']:g}%)"
        if aim.get("n_insufficient_data"):
            meeting += f"; {aim['n_insufficient_data']} with too little recent data"
    return MeasureResult(measure, analysis, baseline, shifted, meeting)


def _attendance_figures(teams: list[Team], counted: list[dt.date], today: dt.date) -> tuple[Rate, int | None]:
    recent = [months.add(today.replace(day=1), -n) for n in range(3)]
    rows = list(
        Observation.objects.unscoped(
            reason="Part 1 counts the awardee's teams; caller checked planner_can_read"
        )
        .filter(
            team__in=teams,
            measure__code=ENGAGEMENT_CODE,
            measure__recorded_by_platform=True,
            month__in=[*counted, *recent],
            denominator__gt=0,
        )
        .values_list("team_id", "month", "numerator")
    )
    invited = {(t, m) for t, m, _ in rows}
    went = {(t, m) for t, m, n in rows if n}
    with_events = [m for m in counted if any(month == m for _, month in invited)]
    attending = _rate(
        [sum((t.id, m) in went for t in teams) for m in with_events],
        [sum((t.id, m) in invited for t in teams) for m in with_events],
    )
    active = [t for t in teams if t.is_active]
    if not any((t.id, m) in invited for t in active for m in recent):
        return attending, None
    return attending, sum(any((t.id, m) in went for m in recent) for t in active)


def closing_planner_figures(
    *, user: Any, collaborative: Collaborative, awardee: Awardee, today: dt.date
) -> PlannerFigures:
    """Part 1's "at a glance" figures for one awardee in one collaborative. The caller checks `access.may_read_closing_plan`.

    - Teams engaged: the awardee's teams in the collaborative that have not withdrawn.
    - Total MIECHV LIAs: every LIA of the awardee, participating or not.
    - The months counted are the collaborative's months from its first to the month now due whose due
      date (the collaborative's reporting day of the following month) has passed by `today`.
    - Average N and % of teams reporting monthly: over those months, N = the mean number of the
      awardee's teams with a submitted monthly report (on time or late) for the month; % = all such
      team-months over the team-months in which a team was enrolled, rounded half up.
    - Average N and % submitting PDSAs monthly: the same over the awardee's enrolled teams, counting a
      team in a month when it sent a PDSA cycle for review in that calendar month
      (`pdsa_submission_by_month`).
    - Average N and % attending learning events monthly, from the engagement measure the learning
      calendar records (docs/learning.md): over those months in which the awardee's teams were invited
      to an event whose attendance was taken, N = the mean number of teams that attended at least one;
      % = those team-months over the team-months with such an event.
    - Attended recently: of the teams engaged, those that attended a learning event in the three
      calendar months up to `today`'s; None when no event of theirs had attendance taken then.
    - Per measure: the awardee aggregate's stored summary (docs/runchart.md §8): baseline median of the
      pooled series, the latest phase's median if it shifted (else "no shift"), N and % of teams
      meeting the aim.
    """
    teams = list(
        Team.objects.unscoped(
            reason="Part 1 counts all the awardee's teams; the caller checked may_read_closing_plan"
        )
        .filter(collaborative=collaborative, lia__awardee=awardee)
        .select_related("collaborative")
    )
    last = min(months.now_due(today), collaborative.end_date)
    counted = [
        m
        for m in months.span(collaborative.start_date, last)
        if monthly_report_due_date(collaborative=collaborative, month=m) < today
    ]
    enrolled = [[t for t in teams if enrolment.enrolled_in(t, m)] for m in counted]
    submitted = set(
        MonthlyReport.objects.unscoped(
            reason="Part 1 counts the awardee's teams; caller checked may_read_closing_plan"
        )
        .filter(team__in=teams, status=MonthlyReport.Status.SUBMITTED, month__in=counted)
        .values_list("team_id", "month")
    )
    reporting = _rate(
        [sum((t.id, m) in submitted for t in ts) for m, ts in zip(counted, enrolled, strict=True)],
        [len(ts) for ts in enrolled],
    )
    pdsa_counts = [
        pdsa_submission_by_month(teams=ts, months=[m])[0].submitting
        for m, ts in zip(counted, enrolled, strict=True)
    ]
    pdsa = _rate(pdsa_counts, [len(ts) for ts in enrolled])
    aggregates = chart_choices(
        user=user, collaborative=collaborative, kind=RunChartAnalysis.Kind.AWARDEE, awardee=awardee
    )
    analyses = {c.stored.measure_id: c.stored for c in charts_read(user=user, charts=aggregates)}
    measures = list(
        Measure.objects.unscoped(reason="the collaborative's measures; caller checked may_read_closing_plan")
        .filter(collaborative=collaborative)
        .order_by("order", "code")
    )
    computed = [a.computed_at for a in analyses.values() if a.computed_at is not None]
    attending, attended_recently = _attendance_figures(teams, counted, today)
    return PlannerFigures(
        computed_on=today,
        months=counted,
        teams_engaged=sum(1 for t in teams if t.is_active),
        total_lias=LIA.objects.unscoped(
            reason="the awardee's LIA count; caller checked may_read_closing_plan"
        )
        .filter(awardee=awardee)
        .count(),
        reporting=reporting,
        pdsa=pdsa,
        attending=attending,
        attended_recently=attended_recently,
        measures=[_measure_result(m, analyses.get(m.id)) for m in measures],
        analyses_computed_at=max(computed) if computed else None,
    )


def close_to_aim_suggestions(*, user: Any, collaborative: Collaborative, awardee: Awardee) -> list[str]:
    """Lines "LIA: measure, median of the last 6 reported months x (aim y)" for the awardee's teams not yet
    meeting an aim but whose median of those months (the statistic the verdict judges, from the stored
    team analysis as `user` may read it) is within CLOSE_TO_AIM of the target."""
    lines = []
    teams = chart_choices(
        user=user, collaborative=collaborative, kind=RunChartAnalysis.Kind.TEAM, awardee=awardee
    ).order_by("team__lia__name", "measure__order", "measure__code")
    for analysis in (c.stored for c in charts_read(user=user, charts=teams)):
        measure = analysis.measure
        summary = analysis.summary or {}
        recent = summary.get("aim_median")
        if measure.goal is None or summary.get("meets_aim") is not False or not recent:
            continue
        target = Fraction(measure.goal) / measure.display_multiplier
        median = Fraction(recent["exact"])
        if target and abs(target - median) <= CLOSE_TO_AIM * target:
            assert analysis.team is not None  # a team chart (kind TEAM above)
            lines.append(
                f"{analysis.team.lia.name}: {measure.name}, median of the last {summary['aim_points']} "
                "reported months "
                f"{format_value(float(median), measure)} (aim {format_value(float(target), measure)})"
            )
    return lines


def _shown(question: dict[str, Any], value: Any) -> Any:
    """An answer as a page shows it: stored ISO dates become dates (formatted by the template)."""
    return dt.date.fromisoformat(value) if question["type"] == "date" else value


def _full_label(question: dict[str, Any]) -> str:
    """A question's label with its row (component, condition) in front, unless the label already names it."""
    row = question.get("row")
    return question["label"] if not row or row in question["label"] else f"{row}: {question['label']}"


def worksheet_answered_sections(worksheet: Worksheet) -> list[dict[str, Any]]:
    """The worksheet's sections in template order: answered questions as items, and grid sections
    ("rows" layout) as a table of the answered rows × the section's columns."""
    out = []
    for section in worksheet.template.definition["sections"]:
        answered = [q for q in section["questions"] if q["key"] in worksheet.answers]
        table = None
        if section.get("layout") == "rows":
            columns = list(dict.fromkeys(q["column"] for q in section["questions"]))
            cells: dict[str, dict[str, Any]] = {}
            for q in answered:
                value = _shown(q, worksheet.answers[q["key"]])
                cells.setdefault(q["row"], {})[q["column"]] = {
                    "value": value,
                    "is_list": isinstance(value, list),
                    "is_date": isinstance(value, dt.date),
                }
            table = {
                "row_heading": section.get("row_heading", ""),
                "columns": columns,
                "rows": [(row, [cells[row].get(c) for c in columns]) for row in cells],
            }
        out.append(
            {
                "section": section,
                "items": [
                    {"question": q, "label": _full_label(q), "answer": _shown(q, worksheet.answers[q["key"]])}
                    for q in answered
                ],
                "table": table,
            }
        )
    return out
