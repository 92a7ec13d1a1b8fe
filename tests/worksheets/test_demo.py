"""The demo worksheets: enough Joy in Work answers for one roll-up, Ohio's planner, and a rerun changes nothing."""

import datetime as dt

import pytest

from collaboratives.models import Awardee, Team
from measures.demo import DEMO_EMAIL_DOMAIN, load_demo
from worksheets import demo
from worksheets.definitions import CLOSING_PLANNER, JOY_IN_WORK
from worksheets.models import Worksheet
from worksheets.selectors import joy_rollup

TODAY = dt.date(2026, 3, 20)
pytestmark = pytest.mark.django_db


def _state() -> list[tuple]:
    rows = list(Worksheet.objects.order_by("id").values_list("id", "answers", "shared", "updated_at"))
    return [*rows, Worksheet.history.count()]


def test_demo_worksheets_show_a_rollup_and_a_partly_filled_ohio_planner_and_rerun_changes_nothing(
    django_user_model,
):
    load_demo(today=TODAY)
    demo.load(today=TODAY)
    before = _state()
    demo.load(today=TODAY)
    assert _state() == before

    miami, summit = (
        Team.objects.get(collaborative__short_name="SRR CoIIN", lia__name=name)
        for name in ("Miami Valley Family Connections", "Summit County Home Visiting Partnership")
    )
    lead = django_user_model.objects.get(username=f"lead@{DEMO_EMAIL_DOMAIN}")
    assert joy_rollup(user=lead, team=miami).respondents == 6 and joy_rollup(user=lead, team=miami).shown
    advisor = django_user_model.objects.get(username=f"advisor@{DEMO_EMAIL_DOMAIN}")
    assert joy_rollup(user=advisor, team=summit).needed == 3
    team_sheet = Worksheet.objects.get(template__slug=JOY_IN_WORK, team=miami, respondent=None)
    assert team_sheet.answers["plan_change"] in team_sheet.answers["changes_safety"] + team_sheet.answers.get(
        "changes_measurement", []
    ) + team_sheet.answers.get("changes_wellness", [])
    planner = Worksheet.objects.get(template__slug=CLOSING_PLANNER, awardee=Awardee.objects.get(code="oh"))
    assert planner.answers["p3_new_sites"] == 5 and planner.collaborative.short_name == "SRR CoIIN"


def test_ohios_srr_planner_speaks_of_the_srr_topic_not_another_collaboratives():
    load_demo(today=TODAY)
    demo.load(today=TODAY)
    planner = Worksheet.objects.get(template__slug=CLOSING_PLANNER, awardee=Awardee.objects.get(code="oh"))
    text = " ".join(v for v in planner.answers.values() if isinstance(v, str)).lower()
    assert "depression" not in text and "screening" not in text and "mental health" not in text
    assert "supported" in text and "reflective supervision" in text
