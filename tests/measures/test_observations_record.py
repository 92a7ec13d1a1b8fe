import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from measures.models import Measure, Observation, RunChartAnalysis
from measures.services import ObservationInput, observations_record
from tests.factories import MeasureFactory

MONTH = dt.date(2025, 3, 1)


@pytest.fixture
def measures(world):
    return {
        "prop": MeasureFactory(collaborative=world.one, code="prop"),
        "mean": MeasureFactory(collaborative=world.one, code="mean", kind=Measure.Kind.MEAN, scale_max=6),
        "count": MeasureFactory(collaborative=world.one, code="count", kind=Measure.Kind.COUNT),
    }


def test_a_month_is_saved_with_history_and_its_series_recomputed(
    world, measures, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        observations_record(
            actor=world.alice,
            team=world.team_a1,
            month=MONTH,
            cells=[ObservationInput(measures["prop"], 7, 10, "two families moved")],
        )
    obs = Observation.objects.get()
    assert (obs.numerator, obs.denominator, obs.note, obs.updated_by) == (
        7,
        10,
        "two families moved",
        world.alice,
    )
    assert obs.history.get().history_user == world.alice
    # The measure's first month: its team series and its two aggregates, in one batch task after commit.
    assert len(callbacks) == 1
    kinds = set(RunChartAnalysis.objects.values_list("kind", "stale"))
    assert kinds == {("team", False), ("collaborative", False), ("awardee", False)}
    team_chart = RunChartAnalysis.objects.get(kind="team")
    assert team_chart.result["n_obs"] == 1
    assert team_chart.points[-1] == {"month": "2025-03-01", "numerator": 7, "denominator": 10, "value": 0.7}


def test_a_change_keeps_old_and_new_values_in_history(world, measures, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        for num in (7, 8):
            observations_record(
                actor=world.bob,
                team=world.team_a1,
                month=MONTH,
                cells=[ObservationInput(measures["prop"], num, 10)],
            )
    assert list(Observation.history.order_by("history_date").values_list("numerator", flat=True)) == [7, 8]


def test_resaving_the_same_values_writes_no_history_and_enqueues_nothing(
    world, measures, django_capture_on_commit_callbacks
):
    cells = [ObservationInput(measures["prop"], 7, 10)]
    with django_capture_on_commit_callbacks(execute=True):
        observations_record(actor=world.bob, team=world.team_a1, month=MONTH, cells=cells)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        observations_record(actor=world.bob, team=world.team_a1, month=MONTH, cells=cells)
    assert callbacks == []
    assert Observation.history.count() == 1


@pytest.mark.parametrize(
    ("code", "num", "den", "errors"),
    [
        (
            "prop",
            11,
            10,
            {"prop.numerator": ["The numerator (11) cannot be larger than the denominator (10)."]},
        ),
        ("prop", -1, 10, {"prop.numerator": ["Enter a whole number, 0 or more."]}),
        (
            "prop",
            5,
            None,
            {"prop.denominator": ["Enter both numerator and denominator, or leave both blank."]},
        ),
        (
            "mean",
            43,
            7,
            {"mean.numerator": ["The sum of scores (43) cannot exceed 6 × the number of scores (7)."]},
        ),
        ("count", 2.5, None, {"count.numerator": ["Enter a whole number, 0 or more."]}),
    ],
)
def test_bad_values_are_rejected_by_field_and_nothing_of_the_month_is_saved(
    world, measures, code, num, den, errors
):
    good = ObservationInput(measures["count"] if code != "count" else measures["prop"], 3, 4)
    with pytest.raises(ValidationError) as excinfo:
        observations_record(
            actor=world.alice,
            team=world.team_a1,
            month=MONTH,
            cells=[good, ObservationInput(measures[code], num, den)],
        )
    assert excinfo.value.message_dict == errors
    assert not Observation.objects.exists()
    assert not RunChartAnalysis.objects.exists()


def test_a_measure_of_another_collaborative_is_rejected(world, measures):
    foreign = MeasureFactory(collaborative=world.two, code="other")
    with pytest.raises(ValidationError) as excinfo:
        observations_record(
            actor=world.alice, team=world.team_a1, month=MONTH, cells=[ObservationInput(foreign, 1, 2)]
        )
    assert excinfo.value.message_dict == {
        "other.measure": ["This measure is not part of the team's collaborative."]
    }
    assert not Observation.objects.exists()


@pytest.mark.parametrize("month", [dt.date(2024, 12, 1), dt.date(2027, 7, 1), dt.date(2025, 3, 2)])
def test_a_month_outside_the_collaborative_or_not_a_first_day_is_rejected(world, measures, month):
    with pytest.raises(ValidationError) as excinfo:
        observations_record(
            actor=world.alice,
            team=world.team_a1,
            month=month,
            cells=[ObservationInput(measures["prop"], 1, 2)],
        )
    assert list(excinfo.value.message_dict) == ["month"]
    assert not Observation.objects.exists()


def test_an_advisor_may_not_enter_data(world, measures):
    with pytest.raises(PermissionDenied):
        observations_record(
            actor=world.diana,
            team=world.team_b1,
            month=MONTH,
            cells=[ObservationInput(measures["prop"], 1, 2)],
        )
    assert not Observation.objects.exists()
