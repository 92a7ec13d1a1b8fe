import re
import uuid

import pytest

from tests.factories import ObservationFactory


def _without_csrf_tokens(html: bytes) -> bytes:
    """CSRF tokens are masked afresh on every response; everything else must match byte for byte."""
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", html)


@pytest.mark.parametrize("path", ["/teams/{}/", "/lias/{}/roster/", "/collaboratives/{}/"])
def test_another_tenants_object_answers_404_with_the_same_body_as_a_missing_one(world, client, path):
    client.force_login(world.charlie)
    foreign = {
        "/teams/{}/": world.team_a2,
        "/lias/{}/roster/": world.lia_a,
        "/collaboratives/{}/": world.two,
    }[path]
    foreign_response = client.get(path.format(foreign.public_id))
    missing_response = client.get(path.format(uuid.uuid4()))
    assert foreign_response.status_code == missing_response.status_code == 404
    assert _without_csrf_tokens(foreign_response.content) == _without_csrf_tokens(missing_response.content)


def test_team_page_shows_own_data_and_not_a_peers(world, client):
    ObservationFactory(team=world.team_a1, numerator=7, denominator=9, month=_recent_month())
    client.force_login(world.bob)
    page = client.get(f"/teams/{world.team_a1.public_id}/")
    assert page.status_code == 200
    assert "7/9" in page.content.decode()
    assert client.get(f"/teams/{world.team_c1.public_id}/").status_code == 404


def test_anonymous_user_is_sent_to_login(world, client):
    response = client.get(f"/teams/{world.team_a1.public_id}/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def _recent_month():
    from django.utils import timezone

    from collaboratives.months import now_due as reporting_month

    return reporting_month(timezone.localdate())


def test_team_list_shows_exactly_the_visible_teams(world, client):
    client.force_login(world.erin)
    page = client.get("/teams/").content.decode()
    assert [name for name in ("Agency A", "Agency B", "Agency C") if name in page] == ["Agency A", "Agency B"]
