import pytest

from measures.charts.recompute import recompute_all
from tests.factories import MeasureFactory
from tests.measures.dashboard_world import STEP, fill


@pytest.fixture
def charts(world, django_capture_on_commit_callbacks):
    measure = MeasureFactory(collaborative=world.one, code="fu", name="Follow-up", goal=60)
    for team in (world.team_a1, world.team_b1, world.team_c1):
        fill(team, measure, STEP)
    with django_capture_on_commit_callbacks(execute=True):
        recompute_all(collaborative_ids=[world.one.id])
    return measure
