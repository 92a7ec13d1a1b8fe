import re

import pytest
from django.contrib.auth import get_user_model

from collaboratives.models import Invitation, Membership, Role


def _link_from(mail) -> str:
    return re.search(r"http://\S+/invitations/(\S+)/", mail.body).group(0)


def test_lead_invites_a_member_who_accepts_and_joins_the_roster(
    world, client, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(world.alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/lias/{world.lia_a.public_id}/roster/",
            {"email": "New.Visitor@Example.org", "role": Role.TEAM_MEMBER},
        )
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["new.visitor@example.org"]
    invitation = Invitation.objects.get()
    link = _link_from(mailoutbox[0])
    token = link.rstrip("/").rsplit("/", 1)[1]
    assert invitation.token_hash != token and token not in invitation.token_hash  # only a hash is stored

    client.logout()
    response = client.post(
        link.replace("http://127.0.0.1:8000", ""),
        {"full_name": "Nia Visitor", "password": "a long passphrase here"},
    )
    assert response.status_code == 302
    user = get_user_model().objects.get(email="new.visitor@example.org")
    assert user.first_name == "Nia"
    assert Membership.objects.filter(user=user, role=Role.TEAM_MEMBER, lia=world.lia_a).exists()
    assert client.get(f"/teams/{world.team_a1.public_id}/").status_code == 200  # signed in, and in scope

    client.logout()
    assert client.get(link.replace("http://127.0.0.1:8000", "")).status_code == 404  # the link works once


def test_team_member_cannot_invite(world, client, mailoutbox):
    client.force_login(world.bob)
    response = client.post(
        f"/lias/{world.lia_a.public_id}/roster/", {"email": "x@example.org", "role": Role.CQI_LEAD}
    )
    assert response.status_code == 403
    assert not Invitation.objects.exists()
    assert mailoutbox == []


def test_lead_of_another_lia_gets_404_and_nothing_is_saved(world, client):
    client.force_login(world.charlie)
    response = client.post(
        f"/lias/{world.lia_a.public_id}/roster/", {"email": "x@example.org", "role": Role.TEAM_MEMBER}
    )
    assert response.status_code == 404
    assert not Invitation.objects.exists()


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"email": "not-an-email", "role": Role.TEAM_MEMBER}, "email", "Enter a valid email address."),
        ({"email": "x@example.org", "role": Role.ADVISOR}, "role", "Select a valid choice."),
        ({"email": "bob@example.org", "role": Role.TEAM_MEMBER}, "email", "already on this LIA"),
    ],
)
def test_bad_invitation_input_is_rejected_with_the_field_named(world, client, data, field, message):
    client.force_login(world.alice)
    response = client.post(f"/lias/{world.lia_a.public_id}/roster/", data)
    assert response.status_code == 400
    assert any(message in e for e in response.context["form"].errors[field])
    assert not Invitation.objects.exists()


def test_weak_password_on_acceptance_is_rejected_and_no_account_is_made(
    world, client, mailoutbox, django_capture_on_commit_callbacks
):
    from collaboratives.services import invitation_send

    with django_capture_on_commit_callbacks(execute=True):
        invitation_send(actor=world.alice, lia=world.lia_a, email="weak@example.org", role=Role.TEAM_MEMBER)
    path = _link_from(mailoutbox[0]).replace("http://127.0.0.1:8000", "")
    response = client.post(path, {"full_name": "Weak Pass", "password": "password123"})
    assert response.status_code == 400
    assert response.context["form"].errors["password"]
    assert not get_user_model().objects.filter(email="weak@example.org").exists()
    assert Invitation.objects.get().accepted_at is None


def test_an_existing_account_must_sign_in_before_accepting(
    world, client, mailoutbox, django_capture_on_commit_callbacks
):
    from collaboratives.services import invitation_send

    with django_capture_on_commit_callbacks(execute=True):
        invitation_send(
            actor=world.alice, lia=world.lia_a, email="charlie@example.org", role=Role.TEAM_MEMBER
        )
    path = _link_from(mailoutbox[0]).replace("http://127.0.0.1:8000", "")
    response = client.post(path, {"full_name": "Someone Else", "password": "a long passphrase here"})
    assert response.status_code == 400
    assert "sign in" in response.content.decode()
    assert not Membership.objects.filter(user=world.charlie, lia=world.lia_a).exists()

    client.force_login(world.charlie)
    assert client.post(path, {}).status_code == 302
    assert Membership.objects.filter(user=world.charlie, lia=world.lia_a, role=Role.TEAM_MEMBER).exists()
