"""Search (issue 21): one result list across what the user may see, each kind through its visible_to."""

import datetime as dt
import re

import pytest

from measures.models import ChartAnnotation
from tests.factories import MeasureFactory
from tests.pdsa.factories import PDSACycleFactory


@pytest.fixture
def findable(world, kdd):
    MeasureFactory(collaborative=world.one, code="sup", name="Staff feeling supported")
    PDSACycleFactory(team=world.team_a1, change_idea=kdd.idea, title="Supported check-ins, A")
    PDSACycleFactory(team=world.team_c1, change_idea=kdd.idea, title="Supported check-ins, C")
    ChartAnnotation.objects.create(
        collaborative=world.one,
        team=world.team_c1,
        month=dt.date(2025, 3, 1),
        text="Supported by new intake form",
    )
    ChartAnnotation.objects.create(
        collaborative=world.one, month=dt.date(2025, 4, 1), text="Learning session on supported supervision"
    )


def _hits(client, query):
    html = client.get("/search/", {"q": query}).content.decode()
    return [
        (kind, title)
        for kind, title in re.findall(
            r'data-hit="([^"]+)">\s*<span[^>]*>[^<]*</span><a href="[^"]+">([^<]+)</a>', html
        )
    ]


def test_search_lists_every_kind_the_member_may_see_and_nothing_else(world, client, findable):
    client.force_login(world.bob)
    assert _hits(client, "support") == [
        ("Measure", "Staff feeling supported"),
        ("PDSA cycle", "Supported check-ins, A"),
        ("Chart note", "Learning session on supported supervision"),
    ]
    assert _hits(client, "agency") == [("Team", "Agency A"), ("Team", "Agency A")]  # A1 in ONE, A2 in TWO
    assert _hits(client, "check-in app") == [("Change idea", "Use a check-in app on work issued phones")]


def test_search_shows_another_teams_cycle_and_note_only_to_those_who_see_that_team(world, client, findable):
    client.force_login(world.charlie)
    kinds = _hits(client, "support")
    assert ("PDSA cycle", "Supported check-ins, C") in kinds and (
        "Chart note",
        "Supported by new intake form",
    ) in kinds
    assert ("PDSA cycle", "Supported check-ins, A") not in kinds
    client.force_login(world.olga)
    assert _hits(client, "support") == []


def test_a_one_letter_query_asks_for_more(world, client):
    client.force_login(world.bob)
    assert "Type at least two characters." in client.get("/search/", {"q": "a"}).content.decode()
