"""PDSA cycles linked to a measure mark their start month on the team's run chart, for those who may read them."""

import datetime as dt

import pytest

from measures.charts import ChartNote
from measures.charts.recompute import runchart_analyse
from measures.models import Observation, RunChartAnalysis
from pdsa.selectors import pdsa_chart_notes
from tests.factories import MeasureFactory
from tests.pdsa.factories import PDSACycleFactory


@pytest.fixture
def chart(world):
    measure = MeasureFactory(collaborative=world.one, code="supported")
    for i in range(8):
        Observation.objects.create(
            team=world.team_a1, measure=measure, month=dt.date(2025, 1 + i, 1), numerator=i, denominator=10
        )
    analysis = RunChartAnalysis.objects.create(
        kind="team", measure=measure, collaborative=world.one, team=world.team_a1
    )
    runchart_analyse(analysis=analysis)
    return analysis


def test_linked_cycles_become_notes_in_their_start_month(world, kdd, chart):
    linked = PDSACycleFactory(
        team=world.team_a1, change_idea=kdd.idea, title="Check-in app", started_on=dt.date(2025, 3, 17)
    )
    linked.measures.add(chart.measure)
    PDSACycleFactory(
        team=world.team_a1, change_idea=kdd.idea, title="Not linked", started_on=dt.date(2025, 4, 2)
    )
    assert pdsa_chart_notes(user=world.bob, team=world.team_a1, measure=chart.measure) == [
        ChartNote(
            dt.date(2025, 3, 1), "PDSA: Check-in app", f"/pdsa/{linked.public_id}/"
        )  # linked to its page
    ]
    assert pdsa_chart_notes(user=world.charlie, team=world.team_a1, measure=chart.measure) == []


@pytest.mark.parametrize(
    ("who", "sees"), [("bob", True), ("erin", True), ("charlie", False), ("diana", False)]
)
def test_the_chart_page_shows_the_marker_only_to_those_who_may_read_the_cycle(
    world, kdd, chart, client, who, sees
):
    cycle = PDSACycleFactory(
        team=world.team_a1, change_idea=kdd.idea, title="Check-in app pilot", started_on=dt.date(2025, 3, 17)
    )
    cycle.measures.add(chart.measure)
    client.force_login(getattr(world, who))
    response = client.get(f"/charts/{chart.public_id}/")
    assert response.status_code == 200  # peers see A1's chart in ONE (named peers)
    assert ("PDSA: Check-in app pilot" in response.content.decode()) is sees
    if who == "bob":
        assert "PDSA: Check-in app pilot" in client.get(f"/teams/{world.team_a1.public_id}/").content.decode()
