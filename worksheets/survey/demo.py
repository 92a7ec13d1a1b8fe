"""Demo staff well-being survey of the SRR CoIIN: every team-month's SRR observations come from survey answers.

Run after `measures.demo.load_demo`, whose plan draws each team-month's staff count and "always" counts so
the pooled series reproduce the seed's outcomes (40% → 62%, 44% → 65%, 35% → 62%). Here each team-month
becomes a survey month: that many invented responses whose top-box counts are those numbers, closed
through `survey_window_close`, so the observations are recorded from the answers by the same service as
hand entry and their history says so. The demo CQI lead's team has the month now due still open, with a
few answers in, so its response rate shows. Answers are invented from a fixed seed.
"""

import datetime as dt
import random
from collections import defaultdict
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction

from collaboratives.models import Collaborative, Team
from measures.demo import LEAD_LIA, LIAS, SRR, demo_months
from measures.models import MonthlyReport, Observation
from worksheets.models import SurveyResponse, SurveyWindow
from worksheets.survey import dates, services

RANDOM_SEED = "coiin-demo-survey"
OPEN_ANSWERS = 4  # answers already in for the lead's open month
ROLES = ("home_visitor",) * 16 + ("supervisor",) * 3 + ("",)
COMMENTS = (
    "Starting team meetings with wins has made a real difference.",
    "Reflective supervision every two weeks would help more than monthly.",
    "Evening visits make it hard to switch off.",
    "Peer shadowing helped me settle in.",
)


def _answer_sets(
    rng: random.Random, items: list[dict[str, Any]], n: int, tops: dict[str, int]
) -> list[dict[str, str]]:
    """`n` responses in which exactly `tops[code]` give a counted answer to each item."""
    answers: list[dict[str, str]] = [{} for _ in range(n)]
    for item in items:
        counted = set(rng.sample(range(n), tops[item["code"]]))
        top_values = item["top_box"]
        other_values = [c["value"] for c in item["choices"] if c["value"] not in top_values]
        for i in range(n):
            pool = top_values if i in counted else other_values
            answers[i][item["code"]] = rng.choice(pool[-2:]) if pool is other_values else rng.choice(pool)
    return answers


def _tallies(window: SurveyWindow) -> tuple[int, dict[str, int]]:
    answers = list(window.responses.values_list("answers", flat=True))
    return len(answers), {
        item["code"]: sum(1 for a in answers if a.get(item["code"]) in item["top_box"])
        for item in window.items
    }


def _close_as_before_submission(window: SurveyWindow, today: dt.date) -> None:
    """Close a past month's window as it happened: before the lead submitted the month.

    The survey closes first and the lead submits afterwards; replaying months later, the demo sets the
    month back to draft for the close and then restores its submission (rows only, no history).
    """
    reports = MonthlyReport.objects.filter(team=window.team, month=window.month)
    submitted = list(reports.filter(status=MonthlyReport.Status.SUBMITTED).values_list("id", flat=True))
    reports.filter(id__in=submitted).update(status=MonthlyReport.Status.DRAFT)
    services.survey_window_close(
        window_id=window.id, today=min(window.closes_on + dt.timedelta(days=1), today)
    )
    reports.filter(id__in=submitted).update(status=MonthlyReport.Status.SUBMITTED)


@transaction.atomic
def load_survey_demo(*, today: dt.date) -> int:
    """Create or refresh the SRR survey months; returns how many were (re)built. Idempotent for one `today`."""
    srr = Collaborative.objects.get(short_name=SRR.short_name)
    instrument = services.survey_instrument_ensure(collaborative=srr)
    by_code = {item.code: item for item in instrument.items.select_related("measure")}
    measure_codes = {item.measure_id: code for code, item in by_code.items() if item.measure_id}
    months = demo_months(today)
    due = months[-1]
    SurveyWindow.objects.filter(team__collaborative=srr).exclude(month__in=months).delete()

    cells: dict[tuple[int, dt.date], dict[str, tuple[int, int]]] = defaultdict(dict)
    for team_id, measure_id, month, num, den in Observation.objects.filter(
        team__collaborative=srr, measure_id__in=list(measure_codes), numerator__isnull=False
    ).values_list("team_id", "measure_id", "month", "numerator", "denominator"):
        if num is not None and den is not None:  # a proportion's filled cell has both
            cells[team_id, month][measure_codes[measure_id]] = (num, den)

    teams = {t.id: t for t in Team.objects.filter(collaborative=srr).select_related("lia", "collaborative")}
    User = get_user_model()
    leads = {spec.name: User.objects.get(username=spec.lead_email) for spec in LIAS}
    lead_team = next(
        t for t in teams.values() if t.lia.name == next(s.name for s in LIAS if s.slug == LEAD_LIA)
    )
    existing = {(w.team_id, w.month): w for w in SurveyWindow.objects.filter(team__collaborative=srr)}
    built = 0
    for (team_id, month), by_measure in sorted(cells.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        team = teams[team_id]
        is_open = team_id == lead_team.id and month == due
        (den,) = {d for _, d in by_measure.values()}
        tops = {code: num for code, (num, _) in by_measure.items()}
        window = existing.get((team_id, month))
        if window is not None:
            if is_open or _tallies(window) == (den, tops):
                continue
            window.delete()  # the plan changed (another `today`): rebuild the month
        rng = random.Random(f"{RANDOM_SEED}:{team.lia.name}:{month:%Y-%m}")
        window = services.survey_window_open(
            actor=leads[team.lia.name],
            team=team,
            month=month,
            opens_on=month + dt.timedelta(days=14),
            closes_on=dates.latest_close_day(month) if is_open else month + dt.timedelta(days=37),
            staff_count=den + rng.randint(0, 2),
        )
        built += 1
        if is_open:
            tokens = services.survey_links_issue(
                actor=leads[team.lia.name], window=window, count=window.staff_count
            )
            for token, answers in zip(
                tokens, _answer_sets(rng, window.items, den, tops)[:OPEN_ANSWERS], strict=False
            ):
                services.survey_response_submit(
                    token=token, answers=answers, role=rng.choice(ROLES), comment="", today=today
                )
            continue
        answer_sets = _answer_sets(rng, window.items, den, tops)
        SurveyResponse.objects.bulk_create(
            SurveyResponse(
                window=window,
                team=team,
                role=rng.choice(ROLES),
                answers=answers,
                submitted_on=window.opens_on + dt.timedelta(days=rng.randint(0, 20)),
            )
            for answers in answer_sets
        )
        if rng.random() < 0.4:
            window.comments.create(team=team, text=rng.choice(COMMENTS))
        _close_as_before_submission(window, today)
    return built
