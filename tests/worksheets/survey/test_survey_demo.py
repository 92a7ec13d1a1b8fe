"""The demo's SRR observations come from seeded survey answers and still reproduce the seed's outcomes."""

import datetime as dt
import statistics

import pytest
from django.db.models import Sum

from measures.demo import load_demo
from measures.models import Measure, Observation
from worksheets.models import SurveyResponse, SurveyWindow
from worksheets.survey.demo import OPEN_ANSWERS, load_survey_demo

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 25)
DUE = dt.date(2026, 10, 1)


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        from django.db import transaction

        with transaction.atomic():
            load_demo(today=TODAY)
            built = load_survey_demo(today=TODAY)
            yield built
            transaction.set_rollback(True)


def _pooled(code: str) -> list[float]:
    measure = Measure.objects.get(collaborative__short_name="SRR CoIIN", code=code)
    rows = (
        Observation.objects.filter(measure=measure)
        .values("month")
        .annotate(num=Sum("numerator"), den=Sum("denominator"))
        .order_by("month")
    )
    return [100 * r["num"] / r["den"] for r in rows]


@pytest.mark.parametrize(
    ("code", "baseline", "final"),
    [("supported", 40, 62), ("reflective-supervision", 44, 65), ("work-life-balance", 35, 62)],
)
def test_survey_fed_srr_series_reproduce_the_seed_outcomes_within_3_points(demo, code, baseline, final):
    series = _pooled(code)
    assert len(series) == 24
    assert statistics.median(series[:12]) == pytest.approx(baseline, abs=3)
    assert statistics.median(series[-6:]) == pytest.approx(final, abs=3)


def test_every_srr_observation_but_the_open_month_was_recorded_from_its_survey_answers(demo):
    windows = SurveyWindow.objects.filter(team__collaborative__short_name="SRR CoIIN")
    closed = windows.filter(status="closed")
    assert demo == windows.count() and closed.count() == windows.count() - 1
    observations = Observation.objects.filter(team__collaborative__short_name="SRR CoIIN")
    for window in closed:
        n = SurveyResponse.objects.filter(window=window).count()
        cells = observations.filter(team=window.team, month=window.month)
        assert cells.count() == 4 and {c.denominator for c in cells} == {n}
        for cell in cells:
            assert cell.note.startswith("From the staff well-being survey:")
            assert cell.history.first().note == cell.note
    (open_window,) = windows.filter(status="open")
    assert open_window.month == DUE and open_window.team.lia.name == "Miami Valley Family Connections"
    assert SurveyResponse.objects.filter(window=open_window).count() == OPEN_ANSWERS


def test_running_it_again_builds_nothing(demo):
    assert load_survey_demo(today=TODAY) == 0
