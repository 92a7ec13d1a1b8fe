"""Announcements: from a collaborative's admins to every team, on home and as notifications."""

import pytest
from django.core.exceptions import PermissionDenied

from collaboratives.learning.services import announcement_send
from collaboratives.models import Announcement, Notification


def test_an_announcement_notifies_every_teams_people_once_and_shows_on_home(client, world):
    world.team_b1.withdrawn_on = world.one.start_date
    world.team_b1.save()  # a withdrawn team's people are not told
    announcement = announcement_send(
        actor=world.frank,
        collaborative=world.one,
        title="Learning Session 2 agenda",
        body="Slides are in the library.",
    )
    told = set(Notification.objects.values_list("recipient__username", "kind", "key"))
    key = f"announcement:{announcement.public_id}"
    # Teams A1 and C1: LIA A's lead and member, LIA C's member, their awardee leads (erin leads North, A's).
    assert told == {
        ("alice@example.org", "announcement", key),
        ("bob@example.org", "announcement", key),
        ("charlie@example.org", "announcement", key),
        ("erin@example.org", "announcement", key),
    }
    client.force_login(world.charlie)
    page = client.get("/").content.decode()
    assert "Learning Session 2 agenda" in page and "Slides are in the library." in page
    client.force_login(world.olga)
    assert "Learning Session 2 agenda" not in client.get("/").content.decode()


def test_only_admins_announce_and_a_blank_message_is_a_field_error(client, world):
    with pytest.raises(PermissionDenied):
        announcement_send(actor=world.alice, collaborative=world.one, title="Hi", body="Hi")
    client.force_login(world.frank)
    response = client.post(
        f"/collaboratives/{world.one.public_id}/announcements/", {"title": "Hi", "body": ""}
    )
    assert response.status_code == 400
    assert 'href="#id_body">This field is required.' in response.content.decode()
    assert Announcement.objects.count() == 0 and Notification.objects.count() == 0
