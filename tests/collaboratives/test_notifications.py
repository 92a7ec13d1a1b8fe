"""In-app notifications: sent once per key, listed for their recipient alone, counted in the navbar."""

import pytest

from collaboratives.models import Notification
from collaboratives.notifications import (
    notification_mark_all_read,
    notification_send,
    notification_send_many,
    notification_unread_count,
)


def test_a_keyed_notification_is_sent_once_per_person(world):
    first = notification_send(
        recipient=world.alice, kind="data_due", text="March is due", url="/", key="due:3"
    )
    again = notification_send(
        recipient=world.alice, kind="data_due", text="March is due", url="/", key="due:3"
    )
    other = notification_send(recipient=world.bob, kind="data_due", text="March is due", url="/", key="due:3")
    assert first is not None and again is None and other is not None
    assert Notification.objects.filter(key="due:3").count() == 2


def test_notifications_without_a_key_are_all_kept(world):
    notification_send(recipient=world.alice, kind="feedback", text="A")
    notification_send(recipient=world.alice, kind="feedback", text="B")
    assert sorted(Notification.objects.values_list("text", flat=True)) == ["A", "B"]


def test_send_many_tells_each_person_once(world):
    told = notification_send_many(
        recipients=[world.alice, world.bob, world.alice], kind="announcement", text="Hi", key="a:1"
    )
    assert told == 2
    assert notification_send_many(recipients=[world.alice], kind="announcement", text="Hi", key="a:1") == 0


@pytest.mark.parametrize("url", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)"])
def test_a_notification_links_only_within_the_site(world, url):
    with pytest.raises(ValueError):
        notification_send(recipient=world.alice, kind="feedback", text="x", url=url)
    assert not Notification.objects.exists()


def test_the_navbar_counts_unread_and_the_list_shows_only_ones_own(client, world):
    notification_send(recipient=world.alice, kind="pdsa_review", text="Cycle “Warm hand-off” awaits review")
    notification_send(recipient=world.bob, kind="feedback", text="Bob's private feedback")
    client.force_login(world.alice)
    page = client.get("/notifications/").content.decode()
    assert "Cycle “Warm hand-off” awaits review" in page
    assert "Bob&#x27;s private feedback" not in page and "Bob's private feedback" not in page
    assert 'nav-unread">1<span class="visually-hidden"> unread' in page
    assert "1 unread" in page


def test_opening_marks_read_and_follows_the_link(client, world):
    n = notification_send(recipient=world.alice, kind="data_due", text="March", url="/teams/")
    client.force_login(world.alice)
    response = client.post(f"/notifications/{n.public_id}/open/")
    assert response.status_code == 302 and response["Location"] == "/teams/"
    n.refresh_from_db()
    assert n.read_at is not None
    assert notification_unread_count(user=world.alice) == 0


def test_another_persons_notification_is_404_and_stays_unread(client, world):
    n = notification_send(recipient=world.alice, kind="data_due", text="March", url="/")
    client.force_login(world.bob)
    assert client.post(f"/notifications/{n.public_id}/open/").status_code == 404
    n.refresh_from_db()
    assert n.read_at is None


def test_mark_all_read_touches_only_the_actors_own(world):
    notification_send(recipient=world.alice, kind="feedback", text="A")
    notification_send(recipient=world.alice, kind="feedback", text="B")
    notification_send(recipient=world.bob, kind="feedback", text="C")
    assert notification_mark_all_read(actor=world.alice) == 2
    assert notification_unread_count(user=world.alice) == 0
    assert notification_unread_count(user=world.bob) == 1
