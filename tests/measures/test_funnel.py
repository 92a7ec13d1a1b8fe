"""The funnel plot page: teams over a period against the pooled rate, named or coded, small counts hidden."""

import datetime as dt
import re

import pytest

from collaboratives.models import Collaborative
from measures.charts.recompute import recompute_all
from tests.factories import MeasureFactory, ObservationFactory
from tests.measures.dashboard_world import set_peers


def url(world, measure, query=""):
    return f"/collaboratives/{world.one.public_id}/dashboard/{measure.public_id}/funnel/{query}"


def rows(page: str) -> list[list[str]]:
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [
        [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


def test_the_last_12_months_of_each_team_against_the_pooled_rate(world, charts, client):
    # Each team: 12 months at 4/10 then 12 at 7/10; the last 12 months are 84/120 for every team.
    client.force_login(world.frank)
    page = client.get(url(world, charts)).content.decode()
    assert (
        "Jan 2026 to Dec 2026: 3 teams shown; pooled rate 70% (all the collaborative's teams pooled)." in page
    )
    assert rows(page) == [
        ["Agency A", "84", "120", "70%", "Within the 95% limits"],
        ["Agency B", "84", "120", "70%", "Within the 95% limits"],
        ["Agency C", "84", "120", "70%", "Within the 95% limits"],
    ]
    assert 'data-runchart="funnel-' in page


def test_a_chosen_period_and_a_team_beyond_the_limits(world, charts, client):
    # Over 2025-07..2026-06 every team has 6 months at 4/10 and 6 at 7/10: 66/120, pooled 55%.
    client.force_login(world.frank)
    page = client.get(url(world, charts, "?start=2025-07&end=2026-06")).content.decode()
    assert "Jul 2025 to Jun 2026: 3 teams shown; pooled rate 55%" in page
    assert rows(page)[0] == ["Agency A", "66", "120", "55%", "Within the 95% limits"]


def test_a_bad_month_is_named_on_its_field_and_nothing_is_drawn(world, charts, client):
    client.force_login(world.frank)
    response = client.get(url(world, charts, "?start=2025-13&end=2026-06"))
    assert response.status_code == 400
    page = response.content.decode()
    assert re.search(r'id="error_1_id_start"[^>]*>.*?Enter a month as YYYY-MM', page, re.S)
    assert "data-runchart" not in page
    backwards = client.get(url(world, charts, "?start=2026-06&end=2025-07"))
    assert backwards.status_code == 400
    assert "The last month must not be before the first." in backwards.content.decode()


@pytest.mark.parametrize(
    ("visibility", "labels"),
    [
        (Collaborative.PeerVisibility.NAMED, ["Agency A", "Agency B", "Agency C"]),
        (Collaborative.PeerVisibility.ANONYMISED, ["Agency C", "Team A1", "Team B1"]),
        (Collaborative.PeerVisibility.HIDDEN, ["Agency C"]),
    ],
)
def test_peers_are_named_coded_or_hidden_as_the_collaborative_says(world, charts, client, visibility, labels):
    set_peers(world, visibility)
    client.force_login(world.charlie)  # a team member of LIA C
    page = client.get(url(world, charts)).content.decode()
    assert sorted(row[0] for row in rows(page)) == labels


JAN, FEB = dt.date(2025, 1, 1), dt.date(2025, 2, 1)


@pytest.fixture
def ipv(world_plus, django_capture_on_commit_callbacks):
    """Sensitive: A1 reports 3 of 20 in January, a count peers may not see (threshold 10)."""
    w = world_plus
    measure = MeasureFactory(collaborative=w.one, code="ipv", sensitive=True)
    for team, jan, feb in ((w.team_a1, (3, 20), (12, 20)), (w.team_b1, (30, 50), (31, 50)),
                           (w.team_c1, (25, 40), (26, 40))):  # fmt: skip
        ObservationFactory(team=team, measure=measure, month=JAN, numerator=jan[0], denominator=jan[1])
        ObservationFactory(team=team, measure=measure, month=FEB, numerator=feb[0], denominator=feb[1])
    with django_capture_on_commit_callbacks(execute=True):
        recompute_all(collaborative_ids=[w.one.id])
    return measure


def test_a_team_with_a_hidden_month_is_left_out_for_peers_and_shown_to_its_own(world_plus, ipv, client):
    client.force_login(world_plus.charlie)
    page = client.get(url(world_plus, ipv, "?start=2025-01&end=2025-02")).content.decode()
    # A1's January is small; B1's January is hidden too, as the complement that keeps A1's from being
    # worked out from the published pooled total. Both teams are left out; the pooled total stays: 127/220.
    assert [row[:3] for row in rows(page)] == [["Agency C", "51", "80"]]
    assert "2 teams not shown: a month of the period has counts too small to show" in page
    assert "pooled rate 58% (all the collaborative's teams pooled)" in page
    assert ">3<" not in page and ">15<" not in page
    client.force_login(world_plus.alice)
    own = client.get(url(world_plus, ipv, "?start=2025-01&end=2025-02")).content.decode()
    assert ["Agency A", "15", "40"] in [row[:3] for row in rows(own)]
