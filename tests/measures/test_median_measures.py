"""Median measures: a team's month is its cases, its point their middle value, and an aggregate's point
the middle of every cohort team's cases together (measures/medians.py, docs/measures.md)."""

import csv
import datetime as dt
import io
import statistics
from fractions import Fraction

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st
from rest_framework.test import APIClient

from collaboratives.services import api_token_create
from measures import medians
from measures.models import Measure, Observation, RunChartAnalysis
from measures.services import MEDIAN_TAKES_CASES, ObservationInput, measure_create, observations_record
from tests.factories import MeasureFactory

MARCH = dt.date(2025, 3, 1)


@pytest.fixture
def token_for():
    return lambda user, scope: api_token_create(actor=user, name=scope, scope=scope, lifetime_days=30)[1]


@given(st.lists(st.integers(min_value=0, max_value=400), max_size=60))
def test_the_median_of_a_histogram_is_the_median_of_its_cases(values):
    histogram = medians.parse(", ".join(map(str, values)))
    assert medians.size(histogram) == len(values)
    expected = None if not values else Fraction(statistics.median(values)).limit_denominator(2)
    assert medians.median(histogram) == expected
    assert medians.expanded(histogram) == ", ".join(map(str, sorted(values)))


def test_merged_cases_give_the_median_of_all_of_them_not_of_the_medians():
    a, b = medians.parse("1 2 3"), medians.parse("10, 20")
    assert (medians.median(a), medians.median(b)) == (2, 15)
    assert medians.median_pair(medians.merge([a, None, b])) == (3, 1)  # 1 2 3 10 20
    assert medians.median_pair(medians.merge([a, medians.parse("4")])) == (5, 2)  # 1 2 3 4: 2½


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2, 3.5", "Each case's value must be a whole number, 0 or more; “3.5” is not."),
        ("-1", "Each case's value must be a whole number, 0 or more; “-1” is not."),
        ("２", "Each case's value must be a whole number, 0 or more; “２” is not."),
        ("2147483648", "A case's value can be at most 2,147,483,647."),
        ("0 " * 100_001, "Give at most 100,000 cases for one month."),
    ],
    ids=["decimal", "negative", "full-width", "too-large", "too-many"],
)
def test_bad_case_values_are_refused_with_a_sentence(text, message):
    with pytest.raises(ValueError, match="^" + message.replace(".", r"\.").replace("(", r"\(")):
        medians.parse(text)


@pytest.fixture
def median(world):
    return MeasureFactory(
        collaborative=world.one,
        code="days",
        name="Median days to first visit",
        kind="median",
        direction="down",
    )


def _record(team, actor, measure, cases, month=MARCH):
    observations_record(
        actor=actor,
        team=team,
        month=month,
        cells=[ObservationInput(measure=measure, numerator=None, denominator=None, cases=cases)],
    )


def test_the_entry_page_takes_each_cases_value_and_stores_how_many_took_each(client, world, median):
    client.force_login(world.alice)
    url = f"/teams/{world.team_a1.public_id}/data/2025-03/"
    page = client.get(url).content.decode()
    assert "Each case&#x27;s value" in page and 'name="days-cases"' in page and "days-numerator" not in page
    response = client.post(url, {"action": "save", "days-cases": "5, 0 2\n2"})
    assert response.status_code == 302
    obs = Observation.objects.get(team=world.team_a1, measure=median, month=MARCH)
    assert (obs.numerator, obs.denominator, obs.cases) == (4, None, {"0": 1, "2": 2, "5": 1})
    page = client.get(url).content.decode()
    assert "\n0, 2, 2, 5</textarea>" in page
    assert "Saved for March 2025: median 2 of 4 cases." in page
    history = client.get(f"/teams/{world.team_a1.public_id}/data/2025-03/history/").content.decode()
    assert "Cases&#x27; values" in history and "0, 2, 2, 5" in history


def test_a_bad_value_on_the_entry_page_is_named_at_its_field_and_nothing_is_saved(client, world, median):
    client.force_login(world.alice)
    response = client.post(
        f"/teams/{world.team_a1.public_id}/data/2025-03/", {"action": "save", "days-cases": "2, two"}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="id_days-cases_error"' in page
    assert "Each case&#x27;s value must be a whole number, 0 or more; “two” is not." in page
    assert not Observation.objects.exists()


def test_the_service_refuses_a_numerator_for_a_median_and_cases_for_anything_else(world, median):
    proportion = MeasureFactory(collaborative=world.one, code="prop", kind="proportion")
    cells = [
        ObservationInput(measure=median, numerator=3, denominator=None),
        ObservationInput(measure=proportion, numerator=1, denominator=2, cases={1: 1}),
    ]
    with pytest.raises(ValidationError) as raised:
        observations_record(actor=world.alice, team=world.team_a1, month=MARCH, cells=cells)
    assert raised.value.message_dict == {
        "days.numerator": [MEDIAN_TAKES_CASES],
        "prop.cases": ["Only a median measure takes each case's value."],
    }
    assert not Observation.objects.exists()


def test_not_applicable_with_cases_is_a_contradiction(world, median):
    cell = ObservationInput(
        measure=median, numerator=None, denominator=None, not_applicable=True, cases={2: 1}
    )
    with pytest.raises(ValidationError) as raised:
        observations_record(actor=world.alice, team=world.team_a1, month=MARCH, cells=[cell])
    assert list(raised.value.message_dict) == ["days.not_applicable"]


def _points(measure, **where):
    chart = RunChartAnalysis.objects.get(measure=measure, **where)
    assert chart.stale is False
    return {p["month"]: p for p in chart.points}


def test_the_collaborative_point_is_the_middle_of_every_teams_cases(
    world, median, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _record(world.team_a1, world.alice, median, {1: 1, 2: 1, 3: 1})
        _record(world.team_b1, world.root, median, {10: 1, 20: 1})
        _record(world.team_c1, world.root, median, {4: 1})
    team = _points(median, team=world.team_b1, kind="team")["2025-03-01"]
    assert (team["value"], team["n_cases"]) == (15.0, 2)
    pooled = _points(median, kind="collaborative")["2025-03-01"]
    # 1 2 3 4 10 20: 3½. Not the median of the teams' medians (2, 4, 15: 4), nor their mean.
    assert (pooled["value"], pooled["n_cases"], pooled["n_teams_reporting"]) == (3.5, 6, 3)
    assert pooled["median_of_team_rates"]["exact"] == "4/1"
    north = _points(median, kind="awardee", awardee=world.north)["2025-03-01"]
    assert (north["value"], north["n_cases"]) == (3.0, 5)  # A and B: 1 2 3 10 20


def test_the_chart_csv_and_api_give_the_cases_a_median_is_of(
    client, world, median, token_for, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _record(world.team_a1, world.alice, median, {1: 2, 6: 1})
    chart = RunChartAnalysis.objects.get(measure=median, team=world.team_a1, kind="team")
    client.force_login(world.alice)
    rows = list(csv.reader(io.StringIO(client.get(f"/charts/{chart.public_id}/data.csv").content.decode())))
    march = next(r for r in rows if r[0] == "2025-03")
    assert march[1:4] == ["", "", "1.0"] and march[-1] == "3"
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token_for(world.alice, 'read')}")
    points = api.get(f"/api/v1/runcharts/{chart.public_id}/").json()["points"]
    assert [(p["value"], p["n_cases"]) for p in points if p["month"] == "2025-03-01"] == [(1.0, 3)]
    observations = api.get("/api/v1/observations/", {"measure": str(median.public_id)}).json()["results"]
    assert [(o["numerator"], o["denominator"], o["cases"]) for o in observations] == [
        (3, None, {"1": 2, "6": 1})
    ]


def test_the_push_api_takes_a_list_of_case_values(world, median, token_for):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token_for(world.alice, 'push')}")
    url = f"/api/v1/teams/{world.team_a1.public_id}/months/2025-03/observations/"
    bad = api.post(
        url, {"observations": [{"measure": str(median.public_id), "cases": [1, "2"]}]}, format="json"
    )
    assert bad.status_code == 400
    assert bad.json()["errors"] == [
        {
            "field": "cases",
            "index": 0,
            "message": "Each case's value must be a whole number from 0 to 2,147,483,647; '2' is not.",
        }
    ]
    assert not Observation.objects.exists()
    good = api.post(
        url, {"observations": [{"measure": str(median.public_id), "cases": [4, 1, 4]}]}, format="json"
    )
    assert good.status_code == 200, good.content
    assert [(o["numerator"], o["cases"]) for o in good.json()["observations"]] == [(3, {"1": 1, "4": 2})]


def test_a_median_measure_is_neither_sensitive_nor_a_control_chart(world):
    base = {
        "code": "m", "name": "Median days", "kind": Measure.Kind.MEDIAN, "direction": "down",
        "numerator_definition": "Days", "chart_type": "run",
    }  # fmt: skip
    with pytest.raises(ValidationError) as raised:
        measure_create(
            actor=world.frank, collaborative=world.one, **base | {"sensitive": True, "chart_type": "i"}
        )
    assert set(raised.value.message_dict) == {"sensitive", "chart_type"}
    assert not Measure.objects.filter(code="m").exists()


def test_the_funnel_page_says_why_a_median_has_no_funnel(client, world, median):
    client.force_login(world.frank)
    page = client.get(f"/collaboratives/{world.one.public_id}/dashboard/{median.public_id}/funnel/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "A median's limits depend on the shape of the cases' spread" in text
    assert "count per month reported" not in text


def test_a_median_reads_as_a_whole_a_half_or_a_quarter_never_rounded_away():
    from measures.interpretation import value_formatter

    assert [value_formatter("median")(v) for v in (5.0, 3.5, 4.25, 0.0)] == ["5", "3.5", "4.25", "0"]


def test_the_workbook_says_how_a_medians_values_read(
    client, world, median, django_capture_on_commit_callbacks
):
    import openpyxl

    with django_capture_on_commit_callbacks(execute=True):
        _record(world.team_a1, world.alice, median, {1: 1, 2: 1, 9: 1})
        _record(world.team_b1, world.root, median, {3: 1})
    client.force_login(world.frank)
    response = client.get(f"/collaboratives/{world.one.public_id}/data.xlsx")
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    about = {row[0]: row for row in book["Measures"].iter_rows(min_row=2, values_only=True)}
    assert about["days"][3] == "median of the month's cases (All teams: of every team's cases together)"
    march = {row[0]: row for row in book["days"].iter_rows(values_only=True)}
    header = [c.value for c in book["days"][1]]
    assert dict(zip(header, march["2025-03"], strict=True)) == {
        "Month": "2025-03", "All teams": 2.5, "Agency A": 2, "Agency B": 3,
    }  # fmt: skip


def test_a_chart_of_one_month_says_one_month():
    from measures import figures, points
    from measures.interpretation import MeasureFacts
    from measures.runchart import RuleParams, analyse

    facts = MeasureFacts(name="Median days", kind="median", direction="down")
    result = analyse([(3, 1)], RuleParams()).to_dict()
    rows = points.rows(points.columns([MARCH], [(3, 1)], n_cases=[4]))
    model = figures.chart_model(figures.FigureInput(facts, rows, result, "Agency A"))
    assert model.summary.startswith("Median days: 1 month of data, current median 3, latest 3 in March 2025")


def test_a_file_cannot_give_a_median_a_numerator_and_the_template_leaves_it_out(world, median):
    from measures.imports import import_parse, import_template

    MeasureFactory(collaborative=world.one, code="prop", kind="proportion")
    template = import_template(
        user=world.alice, collaborative=world.one, fmt="csv", today=dt.date(2025, 4, 10)
    )
    codes = {row[2] for row in csv.reader(io.StringIO(template.decode("utf-8-sig")))}
    assert codes == {"measure_code", "prop"}
    data = b"team_code,month,measure_code,numerator,denominator\nA1,2025-03,days,4,\n"
    preview = import_parse(
        user=world.alice, collaborative=world.one, filename="march.csv", data=data, today=dt.date(2025, 4, 10)
    )
    assert [(e.row, e.column, e.message) for e in preview.errors] == [(2, "numerator", MEDIAN_TAKES_CASES)]
    assert not Observation.objects.exists()
