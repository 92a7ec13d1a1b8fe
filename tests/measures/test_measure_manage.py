import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from measures.models import Measure, MonthlyReport, RunChartAnalysis
from measures.services import ObservationInput, monthly_report_submit, observations_record
from tests.factories import MeasureFactory, ObservationFactory, TeamFactory

MONTH = dt.date(2025, 3, 1)
FIELDS = (
    "code", "name", "kind", "direction", "goal", "numerator_definition", "denominator_definition",
    "data_source", "scale_max", "active_from", "active_to", "order",
)  # fmt: skip


def _row(measure):
    return {name: getattr(measure, name) for name in FIELDS} | {"collaborative": measure.collaborative}


def _form(**overrides):
    return {
        "code": "dev-screen",
        "name": "Developmental screening",
        "kind": "proportion",
        "direction": "up",
        "goal": "85",
        "numerator_definition": "Children screened with the ASQ-3 on time",
        "denominator_definition": "Children due a screen this month",
        "data_source": "Agency data system",
        "scale_max": "",
        "active_from": "2025-03",
        "active_to": "2026-12",
        "order": "2",
    } | overrides


@pytest.fixture
def measure(world):
    return MeasureFactory(
        collaborative=world.one, code="depr", name="Depression screening", goal=Decimal("80"), order=1
    )


def _list_url(collaborative):
    return f"/collaboratives/{collaborative.public_id}/measures/"


def _new_url(collaborative):
    return f"/collaboratives/{collaborative.public_id}/measures/new/"


def _edit_url(measure):
    return f"/measures/{measure.public_id}/edit/"


def test_the_collaborative_admin_adds_a_measure_with_every_field(client, world):
    client.force_login(world.frank)
    response = client.post(_new_url(world.one), _form())
    assert response.status_code == 302
    assert response.url == _list_url(world.one)
    assert _row(Measure.objects.get()) == {
        "collaborative": world.one,
        "code": "dev-screen",
        "name": "Developmental screening",
        "kind": "proportion",
        "direction": "up",
        "goal": Decimal("85.000"),
        "numerator_definition": "Children screened with the ASQ-3 on time",
        "denominator_definition": "Children due a screen this month",
        "data_source": "Agency data system",
        "scale_max": None,
        "active_from": dt.date(2025, 3, 1),
        "active_to": dt.date(2026, 12, 1),
        "order": 2,
    }


def test_a_mean_score_measure_is_added_with_its_scale_and_a_goal_on_that_scale(client, world):
    client.force_login(world.root)
    form = _form(code="ease", kind="mean", scale_max="6", goal="4.5", active_from="", active_to="")
    assert client.post(_new_url(world.one), form).status_code == 302
    measure = Measure.objects.get(code="ease")
    assert (measure.kind, measure.scale_max, measure.goal, measure.active_from, measure.active_to) == (
        "mean",
        6,
        Decimal("4.500"),
        None,
        None,
    )


def test_the_collaborative_admin_edits_a_measure(client, world, measure):
    client.force_login(world.frank)
    page = client.get(_edit_url(measure)).content.decode()
    assert 'value="depr"' in page and "Depression screening" in page
    response = client.post(_edit_url(measure), _form(code="depr", name="Maternal depression screening"))
    assert response.status_code == 302
    measure.refresh_from_db()
    assert _row(measure) == {
        "collaborative": world.one,
        "code": "depr",
        "name": "Maternal depression screening",
        "kind": "proportion",
        "direction": "up",
        "goal": Decimal("85.000"),
        "numerator_definition": "Children screened with the ASQ-3 on time",
        "denominator_definition": "Children due a screen this month",
        "data_source": "Agency data system",
        "scale_max": None,
        "active_from": dt.date(2025, 3, 1),
        "active_to": dt.date(2026, 12, 1),
        "order": 2,
    }


def test_the_edit_form_shows_months_as_year_and_month(client, world):
    measure = MeasureFactory(collaborative=world.one, active_from=dt.date(2025, 4, 1))
    client.force_login(world.frank)
    assert 'value="2025-04"' in client.get(_edit_url(measure)).content.decode()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"code": "depr"}, "code", "Another measure of this collaborative already has the code “depr”."),
        ({"code": "Not a slug!"}, "code", None),
        ({"kind": "mean", "goal": "3"}, "scale_max", "A mean-score measure needs the highest score one answer can take."),
        ({"scale_max": "6"}, "scale_max", "Leave the scale blank: only mean-score measures have one."),
        ({"goal": "100.5"}, "goal", "Give a proportion's goal as a percentage from 0 to 100."),
        ({"goal": "-1"}, "goal", "Give a proportion's goal as a percentage from 0 to 100."),
        ({"kind": "mean", "scale_max": "6", "goal": "7"}, "goal", "Give a mean score's goal on its scale, from 0 to 6."),
        ({"kind": "count", "goal": "-3"}, "goal", "A count's goal cannot be negative."),
        ({"active_from": "2025-06", "active_to": "2025-05"}, "active_to", "The last month cannot be before the first month."),
        ({"active_from": "2024-12"}, "active_from", "Choose a month from January 2025 to June 2027, the collaborative's dates."),
        ({"active_to": "2027-07"}, "active_to", "Choose a month from January 2025 to June 2027, the collaborative's dates."),
        ({"active_from": "2025-03-15"}, "active_from", "Give a month as its first day, e.g. 2025-03-01."),
        ({"active_to": "March"}, "active_to", "Enter a month as YYYY-MM, e.g. 2026-03."),
        ({"name": ""}, "name", "This field is required."),
        ({"numerator_definition": ""}, "numerator_definition", "This field is required."),
    ],
)  # fmt: skip
def test_each_rule_names_the_field_and_saves_nothing(client, world, measure, overrides, field, message):
    client.force_login(world.frank)
    before = list(Measure.objects.values_list(*FIELDS))
    response = client.post(_new_url(world.one), _form(**overrides))
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert list(errors) == [field]
    if message is not None:
        assert errors[field] == [message]
    page = response.content.decode()
    assert "There is a problem" in page and f'href="#id_{field}"' in page
    assert list(Measure.objects.values_list(*FIELDS)) == before


def test_an_edit_that_breaks_a_rule_changes_nothing(client, world, measure):
    client.force_login(world.frank)
    response = client.post(_edit_url(measure), _form(code="depr", goal="150"))
    assert response.status_code == 400
    assert response.context["form"].errors == {
        "goal": ["Give a proportion's goal as a percentage from 0 to 100."]
    }
    before = _row(measure)
    measure.refresh_from_db()
    assert _row(measure) == before


def test_the_kind_of_a_measure_with_data_cannot_change(client, world, measure):
    ObservationFactory(team=world.team_a1, measure=measure, month=MONTH)
    client.force_login(world.frank)
    assert "so its kind cannot change" in client.get(_edit_url(measure)).content.decode()
    response = client.post(_edit_url(measure), _form(code="depr", kind="count", goal=""))
    assert response.status_code == 400
    assert response.context["form"].errors["kind"] == [
        "This measure already has reported data, so its kind cannot change: the stored numbers would "
        "mean something else. Create a new measure instead."
    ]
    measure.refresh_from_db()
    assert (measure.kind, measure.name) == ("proportion", "Depression screening")


def test_the_kind_of_a_measure_without_data_may_change(client, world, measure):
    client.force_login(world.frank)
    assert client.post(_edit_url(measure), _form(code="depr", kind="count", goal="")).status_code == 302
    measure.refresh_from_db()
    assert measure.kind == "count"


def test_a_new_goal_marks_the_measures_run_charts_stale_and_recomputes_them(
    client, world, measure, django_capture_on_commit_callbacks
):
    chart = RunChartAnalysis.objects.create(
        kind="team", measure=measure, collaborative=world.one, team=world.team_a1, stale=False
    )
    client.force_login(world.frank)
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(_edit_url(measure), _form(code="depr", goal="90"))
    assert response.status_code == 302
    chart.refresh_from_db()
    assert (chart.stale, chart.generation) == (True, 2)
    assert len(callbacks) == 1


def test_a_change_to_the_wording_only_leaves_the_run_charts_alone(
    client, world, measure, django_capture_on_commit_callbacks
):
    chart = RunChartAnalysis.objects.create(
        kind="team", measure=measure, collaborative=world.one, team=world.team_a1, stale=False
    )
    client.force_login(world.frank)
    form = _form(code="depr", goal="80", active_from="", active_to="", name="Renamed")
    with django_capture_on_commit_callbacks() as callbacks:
        assert client.post(_edit_url(measure), form).status_code == 302
    chart.refresh_from_db()
    assert (chart.stale, chart.generation, callbacks) == (False, 1, [])


@pytest.mark.parametrize("person", ["alice", "bob", "diana", "erin"])
def test_people_who_see_the_collaborative_but_do_not_administer_it_get_403(client, world, measure, person):
    client.force_login(getattr(world, person))
    assert client.get(_list_url(world.one)).status_code == 403
    assert client.get(_new_url(world.one)).status_code == 403
    assert client.post(_new_url(world.one), _form()).status_code == 403
    assert client.get(_edit_url(measure)).status_code == 403
    assert client.post(_edit_url(measure), _form(code="depr", name="Changed")).status_code == 403
    measure.refresh_from_db()
    assert list(Measure.objects.values_list("code", "name")) == [("depr", "Depression screening")]


def test_another_collaboratives_measures_are_404_for_charlie(client, world):
    other = MeasureFactory(collaborative=world.two, code="two-m", name="Two's measure")
    client.force_login(world.charlie)
    assert client.get(_list_url(world.two)).status_code == 404
    assert client.get(_new_url(world.two)).status_code == 404
    assert client.post(_new_url(world.two), _form()).status_code == 404
    assert client.get(_edit_url(other)).status_code == 404
    assert client.post(_edit_url(other), _form(code="two-m", name="Changed")).status_code == 404
    assert list(Measure.objects.values_list("code", "name")) == [("two-m", "Two's measure")]


def test_the_admin_of_one_collaborative_cannot_reach_anothers_measures(client, world):
    other = MeasureFactory(collaborative=world.two)
    client.force_login(world.frank)
    assert client.get(_list_url(world.two)).status_code == 404
    assert client.get(_edit_url(other)).status_code == 404


def test_the_list_shows_every_measure_in_order_in_a_fixed_number_of_queries(
    client, world, django_assert_max_num_queries
):
    MeasureFactory(collaborative=world.one, code="second", order=2, data_source="Staff survey")
    MeasureFactory(
        collaborative=world.one, code="first", order=1, kind="mean", scale_max=6, goal=Decimal("4.5"),
        active_from=dt.date(2025, 2, 1), active_to=dt.date(2025, 11, 1),
    )  # fmt: skip
    for i in range(5):
        TeamFactory(collaborative=world.one, code=f"X{i}")
        MeasureFactory(collaborative=world.one, code=f"later-{i}", order=10 + i)
    MeasureFactory(collaborative=world.two, code="elsewhere")
    client.force_login(world.frank)
    with django_assert_max_num_queries(8):
        response = client.get(_list_url(world.one))
    assert response.status_code == 200
    assert [m.code for m in response.context["measures"]] == [
        "first", "second", "later-0", "later-1", "later-2", "later-3", "later-4"
    ]  # fmt: skip
    page = response.content.decode()
    assert "<caption>" in page and '<th scope="col">Data source</th>' in page
    assert "Feb 2025 to Nov 2025" in page and "scores 0 to 6" in page and "Staff survey" in page
    assert "elsewhere" not in page


def test_the_collaborative_page_links_to_the_measures_only_for_its_admins(client, world):
    link = f'href="{_list_url(world.one)}"'
    client.force_login(world.frank)
    assert link in client.get(f"/collaboratives/{world.one.public_id}/").content.decode()
    client.force_login(world.alice)
    assert link not in client.get(f"/collaboratives/{world.one.public_id}/").content.decode()


# --- A measure's active period on the entry page and in the submit check ---


@pytest.fixture
def ended_measure(world):
    """A measure reported only until February 2025, beside one reported throughout."""
    MeasureFactory(collaborative=world.one, code="always", name="Reported throughout", order=1)
    return MeasureFactory(
        collaborative=world.one,
        code="ended",
        name="Retired in February",
        active_to=dt.date(2025, 2, 1),
        order=2,
    )


def test_the_entry_page_leaves_out_a_measure_outside_its_active_period(client, world, ended_measure):
    client.force_login(world.bob)
    march = client.get(f"/teams/{world.team_a1.public_id}/data/2025-03/")
    february = client.get(f"/teams/{world.team_a1.public_id}/data/2025-02/")
    assert [row.measure.code for row in march.context["rows"]] == ["always"]
    assert "Retired in February" not in march.content.decode()
    assert [row.measure.code for row in february.context["rows"]] == ["always", "ended"]


def test_a_month_is_submitted_without_values_for_a_measure_no_longer_reported(world, ended_measure):
    always = Measure.objects.get(code="always")
    observations_record(
        actor=world.alice, team=world.team_a1, month=MONTH, cells=[ObservationInput(always, 3, 4)]
    )
    report = monthly_report_submit(actor=world.alice, team=world.team_a1, month=MONTH)
    assert MonthlyReport.objects.get(pk=report.pk).status == "submitted"


def test_a_measure_not_yet_started_is_not_required_but_an_active_one_is(world, ended_measure):
    MeasureFactory(collaborative=world.one, code="later", active_from=dt.date(2025, 4, 1))
    with pytest.raises(ValidationError) as exc:
        monthly_report_submit(actor=world.alice, team=world.team_a1, month=MONTH)
    assert list(exc.value.message_dict) == ["always.numerator"]
    assert not MonthlyReport.objects.filter(status="submitted").exists()
