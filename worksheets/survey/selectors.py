"""Reads of the staff well-being pulse survey. The disclosure rules are applied here, once, for every page.

No result is ever computed for an open window: a figure that moved with each new response would tell
whoever watched it what that response said. A closed window's results are shown only from its
threshold up, to everyone who sees the team (leads and admins included); comments likewise. The
collaborative's monthly total counts only windows that are shown, so it minus the teams shown is
always a sum of shown teams, never a hidden one. A breakdown by role, of a team's month (on the team's
page, away from its comments) or of the collaborative's month, appears only where every role group and
its complement reach the threshold; the collaborative's, once the month can no longer change, and only
if what is left of it once the teams' own breakdowns are taken away passes the same rule.
"""

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, QuerySet
from django.utils import translation

from collaboratives import months
from collaboratives.models import Collaborative, Team
from worksheets.models import SurveyResponse, SurveySchedule, SurveyWindow
from worksheets.survey import dates, disclosure
from worksheets.survey.dates import latest_close_day


@dataclass(frozen=True)
class ItemResult:
    """One question's top-box count among `n` responses."""

    code: str
    text: str
    counted: str
    top: int
    n: int

    @property
    def percent(self) -> float:
        return 100 * disclosure.share(self.top, self.n)


@dataclass(frozen=True)
class WindowView:
    """A team's survey month as any viewer may see it: the response rate always, results only when allowed."""

    window: SurveyWindow
    responses: int
    shown: bool
    reason: str
    items: list[ItemResult] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return 100 * self.responses / self.window.staff_count

    @property
    def is_open(self) -> bool:
        return self.window.status == SurveyWindow.Status.OPEN


@dataclass(frozen=True)
class TeamRow:
    team: Team
    items: list[ItemResult]


@dataclass(frozen=True)
class MonthResult:
    """The collaborative's results of one month, over the teams whose results are shown."""

    month: dt.date
    teams: int
    n: int
    items: list[ItemResult]
    rows: list[TeamRow]
    breakdown: dict[str, list[ItemResult]] | None
    breakdown_reason: str


@dataclass(frozen=True)
class WindowBreakdown:
    """A team's closed month by role, where the rules allow it (`groups` None and a reason otherwise)."""

    window: SurveyWindow
    groups: dict[str, list[ItemResult]] | None
    reason: str


def _label(choices: list[dict[str, str]], values: list[str]) -> str:
    language = "es" if (translation.get_language() or "").startswith("es") else "en"
    return " or ".join(c[language] for c in choices if c["value"] in values)


def _item_results(items: list[dict[str, Any]], answers: list[dict[str, str]]) -> list[ItemResult]:
    """Each item's top-box count among the responses that were asked it (windows of one month may differ)."""
    results = []
    for item in items:
        asked = [a[item["code"]] for a in answers if item["code"] in a]
        results.append(
            ItemResult(
                code=item["code"],
                text=item["text_en"],
                counted=_label(item["choices"], item["top_box"]),
                top=sum(1 for value in asked if value in item["top_box"]),
                n=len(asked),
            )
        )
    return results


def _by_role(
    items: list[dict[str, Any]], rows: list[tuple[str, dict[str, str]]]
) -> dict[str, list[ItemResult]]:
    roles = sorted({role for role, _ in rows})
    return {
        str(SurveyResponse.Role(role).label): _item_results(items, [a for r, a in rows if r == role])
        for role in roles
    }


def _team_breakdown_shown(window: SurveyWindow, roles: Counter[str]) -> bool:
    """Whether a closed team month shows its own breakdown by role (the same rule for every viewer)."""
    n = sum(roles.values())
    return disclosure.group_shown(n, window.min_responses) and disclosure.breakdown_shown(
        roles, window.min_responses
    )


def survey_window_list(*, user: Any, team: Team | None = None) -> QuerySet[SurveyWindow]:
    qs = SurveyWindow.objects.visible_to(user).select_related("team__lia", "team__collaborative")
    # Ordered here: a grouped query (the count) leaves the model's default ordering out.
    qs = qs.annotate(response_count=Count("responses")).order_by("-month", "team__lia__name")
    return qs.filter(team=team) if team else qs


def survey_window_view(*, window: SurveyWindow) -> WindowView:
    """`window` came from `survey_window_list` (so the viewer sees its team and it carries its count)."""
    n = window.response_count  # type: ignore[attr-defined]
    k = window.min_responses
    if window.status == SurveyWindow.Status.OPEN:
        return WindowView(window, n, False, "Results appear when the survey month closes.")
    if not disclosure.group_shown(n, k):
        return WindowView(
            window,
            n,
            False,
            f"Fewer than {k} responses: results are not shown, so no one's answers can be worked out.",
        )
    answers = list(window.responses.values_list("answers", flat=True))
    comments = sorted(window.comments.values_list("text", flat=True))  # sorted: the order says nothing
    return WindowView(window, n, True, "", _item_results(window.items, answers), comments)


def survey_team_breakdowns(*, windows: list[SurveyWindow]) -> list[WindowBreakdown]:
    """The breakdown by role of each closed month in `windows` (from `survey_window_list`, so the viewer
    sees their team) that reaches the threshold; a month under it is left out, as its results are."""
    closed = [
        w
        for w in windows
        if w.status == SurveyWindow.Status.CLOSED
        and disclosure.group_shown(w.response_count, w.min_responses)  # type: ignore[attr-defined]
    ]
    rows: dict[int, list[tuple[str, dict[str, str]]]] = defaultdict(list)
    for window_id, role, answers in (
        SurveyResponse.objects.unscoped(reason="the windows' team is visible to the viewer")
        .filter(window__in=[w.id for w in closed])
        .values_list("window_id", "role", "answers")
    ):
        rows[window_id].append((role, answers))
    result = []
    for window in closed:
        window_rows = rows[window.id]
        if _team_breakdown_shown(window, Counter(role for role, _ in window_rows)):
            result.append(WindowBreakdown(window, _by_role(window.items, window_rows), ""))
        else:
            reason = (
                f"No breakdown by role: each role, and everyone else, must have at least "
                f"{window.min_responses} responses."
            )
            result.append(WindowBreakdown(window, None, reason))
    return result


def survey_collaborative_results(
    *, user: Any, collaborative: Collaborative, today: dt.date
) -> list[MonthResult]:
    """Each month's results over the windows shown; team rows only for the teams `user` sees.

    Trusted reads of every team's closed windows: their responses are only ever summed into figures the
    rules allow (a total over shown windows, a breakdown that passes
    `disclosure.pooled_breakdown_shown`).
    """
    windows = (
        SurveyWindow.objects.unscoped(reason="a collaborative total sums every shown team's window")
        .filter(team__collaborative=collaborative, status=SurveyWindow.Status.CLOSED)
        .select_related("team__lia")
        .annotate(response_count=Count("responses"))
        .order_by("-month", "team__lia__name")
    )
    visible_teams = set(
        Team.objects.visible_to(user).filter(collaborative=collaborative).values_list("id", flat=True)
    )
    shown = [w for w in windows if disclosure.group_shown(w.response_count, w.min_responses)]
    unsettled = set(
        SurveyWindow.objects.unscoped(reason="whether a month can still change")
        .filter(team__collaborative=collaborative, status=SurveyWindow.Status.OPEN)
        .values_list("month", flat=True)
    )
    responses = defaultdict(list)
    for window_id, role, answers in (
        SurveyResponse.objects.unscoped(reason="summed into shown totals only")
        .filter(window__in=[w.id for w in shown])
        .values_list("window_id", "role", "answers")
    ):
        responses[window_id].append((role, answers))
    by_month: dict[dt.date, list[SurveyWindow]] = defaultdict(list)
    for window in shown:
        by_month[window.month].append(window)
    results = []
    for month, month_windows in by_month.items():
        items = month_windows[0].items
        k = max(w.min_responses for w in month_windows)
        pooled = [r for w in month_windows for r in responses[w.id]]
        rows = [
            TeamRow(w.team, _item_results(w.items, [a for _, a in responses[w.id]]))
            for w in month_windows
            if w.team_id in visible_teams
        ]
        groups = Counter(role for role, _ in pooled)
        teams_shown = [
            roles
            for w in month_windows
            if _team_breakdown_shown(w, roles := Counter(role for role, _ in responses[w.id]))
        ]
        breakdown, reason = None, ""
        if month in unsettled or today <= latest_close_day(month):
            reason = "The breakdown by role appears once every survey of the month has closed for good."
        elif not disclosure.breakdown_shown(groups, k):
            reason = f"No breakdown by role: each role, and everyone else, must have at least {k} responses."
        elif not disclosure.pooled_breakdown_shown(groups, teams_shown, k):
            reason = (
                "No breakdown by role: taking away the teams' own breakdowns, each role of the other teams, "
                f"and everyone else, must have at least {k} responses."
            )
        else:
            breakdown = _by_role(items, pooled)
        results.append(
            MonthResult(
                month,
                len(month_windows),
                len(pooled),
                _item_results(items, [a for _, a in pooled]),
                rows,
                breakdown,
                reason,
            )
        )
    return results


@dataclass(frozen=True)
class ScheduleView:
    schedule: SurveySchedule
    next_opening: dt.date


def survey_schedule_of(*, team: Team) -> SurveySchedule | None:
    """The team's schedule (the caller loaded `team` through `visible_to`)."""
    return SurveySchedule.objects.unscoped(reason="the caller's team is visible").filter(team=team).first()


def survey_schedule_view(*, team: Team, today: dt.date) -> ScheduleView | None:
    """The team's schedule and the next day it will open a month (a month that has a survey is skipped)."""
    schedule = survey_schedule_of(team=team)
    if schedule is None:
        return None
    taken = set(
        SurveyWindow.objects.unscoped(reason="the caller's team is visible")
        .filter(team=team)
        .values_list("month", flat=True)
    )
    opening = dates.scheduled_next_opening(today, schedule.day)
    while months.first_of(opening) in taken:
        opening = dates.scheduled_next_opening(months.add(months.first_of(opening), 1), schedule.day)
    return ScheduleView(schedule, opening)
