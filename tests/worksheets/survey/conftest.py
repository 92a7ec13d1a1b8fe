"""A survey of collaborative ONE (tests/conftest.py's world): its measures, and team A1's March 2025 month."""

import datetime as dt
from types import SimpleNamespace

import pytest

from measures.models import Measure
from tests.factories import MeasureFactory
from worksheets.models import SurveyWindow
from worksheets.survey import dates, services

MONTH = dt.date(2025, 3, 1)
DAY = dt.date(2025, 3, 20)  # a day the March window is open
CODES = ("supported", "reflective-supervision", "work-life-balance", "wellbeing")
ALL_TOP = {
    "supported": "always",
    "reflective-supervision": "always",
    "work-life-balance": "always",
    "wellbeing": "better",
}
NONE_TOP = {
    "supported": "often",
    "reflective-supervision": "never",
    "work-life-balance": "sometimes",
    "wellbeing": "worse",
}


@pytest.fixture
def survey(world: SimpleNamespace) -> SimpleNamespace:
    """ONE's proportion measures of the default items' codes, and an open March 2025 window for team A1."""
    measures = {
        code: MeasureFactory(collaborative=world.one, code=code, kind=Measure.Kind.PROPORTION)
        for code in CODES
    }
    window = open_window(world, world.team_a1)
    return SimpleNamespace(world=world, measures=measures, window=window)


def open_window(
    world: SimpleNamespace, team: object, month: dt.date = MONTH, staff: int = 12
) -> SurveyWindow:
    lead = world.alice if team == world.team_a1 else world.root
    return services.survey_window_open(
        actor=lead,
        team=team,
        month=month,
        opens_on=month,
        closes_on=dates.month_last_day(month),
        staff_count=staff,
    )


def answer(
    window: SurveyWindow,
    answers: dict[str, str],
    role: str = "",
    comment: str = "",
    day: dt.date | None = None,
) -> str:
    """Issue one link of `window` (as the superuser) and answer it; returns the token."""
    from django.contrib.auth import get_user_model

    root = get_user_model().objects.get(username="root@example.org")
    (token,) = services.survey_links_issue(actor=root, window=window, count=1)
    services.survey_response_submit(
        token=token, answers=answers, role=role, comment=comment, today=day or window.opens_on.replace(day=20)
    )
    return token
