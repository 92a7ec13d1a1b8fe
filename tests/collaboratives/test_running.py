"""Running a collaborative in the app (issue 21): its admin (frank, of ONE) enrols and withdraws teams, assigns
advisors, invites every role with an expiry, ends memberships and follows up pending invitations."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from collaboratives.models import Invitation, Membership, Role, Team
from tests.factories import LIAFactory

MANAGE = "/collaboratives/{}/manage/"


def _link(mail) -> str:
    return re.search(r"http://\S+/invitations/(\S+)/", mail.body).group(0)


@pytest.fixture
def manage(world, client):
    client.force_login(world.frank)
    return MANAGE.format(world.one.public_id)


def test_the_page_lists_teams_people_and_is_linked_from_the_collaborative(world, client, manage):
    detail = client.get(f"/collaboratives/{world.one.public_id}/").content.decode()
    assert f'href="{manage}"' in detail
    html = client.get(manage).content.decode()
    for team in ("A1", "B1", "C1"):
        assert f'data-team="{team}"' in html
    assert 'data-team="A2"' not in html  # TWO's team
    for person in ("alice", "bob", "charlie", "diana", "erin", "frank"):
        assert f'data-person="{person}@example.org"' in html


def test_the_page_is_not_for_team_members_or_another_collaboratives_people(world, client):
    client.force_login(world.alice)
    assert client.get(MANAGE.format(world.one.public_id)).status_code == 403
    client.force_login(world.olga)
    assert client.get(MANAGE.format(world.one.public_id)).status_code == 404
    detail = client.get(f"/collaboratives/{world.one.public_id}/")
    assert detail.status_code == 404


def test_enrol_an_lia_and_withdraw_it(world, client, manage):
    joined = world.one.start_date + dt.timedelta(days=40)
    response = client.post(
        manage + "enrol/", {"lia": world.lia_d.public_id, "code": "d1", "joined_on": joined.isoformat()}
    )
    assert response.status_code == 302
    team = Team.objects.get(collaborative=world.one, lia=world.lia_d)
    assert (team.code, team.joined_on, team.withdrawn_on) == ("D1", joined, None)
    page = client.get(manage).content.decode()
    assert "Agency D (not participating) is enrolled as team D1." in page and 'data-team="D1"' in page

    left = joined + dt.timedelta(days=60)
    assert (
        client.post(f"/teams/{team.public_id}/withdraw/", {"withdrawn_on": left.isoformat()}).status_code
        == 302
    )
    team.refresh_from_db()
    assert team.withdrawn_on == left
    assert f"Withdrawn {left:%b} {left.day}, {left.year}" in client.get(manage).content.decode()


def test_enrolling_with_a_taken_code_names_the_field_and_saves_nothing(world, client, manage):
    response = client.post(
        manage + "enrol/",
        {"lia": world.lia_d.public_id, "code": "A1", "joined_on": world.one.start_date.isoformat()},
    )
    assert response.status_code == 400
    assert (
        '<a class="alert-link" href="#id_code">Another team of ONE has the code A1.</a>'
        in response.content.decode()
    )
    assert not Team.objects.filter(lia=world.lia_d).exists()


@pytest.mark.parametrize(
    ("role", "scope_field", "scope"),
    [
        (Role.TEAM_MEMBER, "lia", "lia_b"),
        (Role.CQI_LEAD, "lia", "lia_c"),
        (Role.ADVISOR, "team", "team_c1"),
        (Role.AWARDEE_LEAD, "awardee", "south"),
        (Role.COLLABORATIVE_ADMIN, "collaborative", None),
    ],
)
def test_invite_every_role_with_the_expiry_chosen_and_the_link_grants_it(
    world, client, manage, mailoutbox, django_capture_on_commit_callbacks, role, scope_field, scope
):
    data = {"email": "New.Person@Example.org", "role": role, "lifetime_days": "7"}
    if scope is not None:
        data[scope_field] = getattr(world, scope).public_id
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(manage + "invite/", data)
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    expected_scope = getattr(world, scope) if scope else world.one
    assert (invitation.email, invitation.role, invitation.scope, invitation.via) == (
        "new.person@example.org",
        role,
        expected_scope,
        world.one,
    )
    assert abs(invitation.expires_at - (timezone.now() + dt.timedelta(days=7))) < dt.timedelta(minutes=1)
    assert 'data-pending="new.person@example.org"' in client.get(manage).content.decode()

    link = _link(mailoutbox[0])
    client.logout()
    accepted = client.post(link, {"full_name": "New Person", "password": "a long enough passphrase 2026"})
    assert accepted.status_code == 302
    membership = Membership.objects.unscoped(reason="test").get(user__email="new.person@example.org")
    assert (membership.role, membership.scope) == (role, expected_scope)


def test_an_invitation_to_another_collaboratives_team_names_the_field_and_saves_nothing(
    world, client, manage
):
    response = client.post(
        manage + "invite/",
        {
            "email": "x@example.org",
            "role": Role.ADVISOR,
            "team": world.team_a2.public_id,
            "lifetime_days": "14",
        },
    )
    assert response.status_code == 400  # A2 is TWO's team: not even offered, so the form refuses it
    assert "Select a valid choice" in response.content.decode()
    response = client.post(
        manage + "invite/", {"email": "x@example.org", "role": Role.ADVISOR, "lifetime_days": "14"}
    )
    assert response.status_code == 400
    assert (
        '<a class="alert-link" href="#id_team">Choose the team for improvement advisor.</a>'
        in response.content.decode()
    )
    assert not Invitation.objects.exists()


def test_resend_gives_a_new_link_and_revoke_stops_it(
    world, client, manage, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(manage + "invite/", {"email": "late@example.org", "role": Role.AWARDEE_LEAD,
                                         "awardee": world.north.public_id, "lifetime_days": "7"})  # fmt: skip
    invitation = Invitation.objects.get()
    Invitation.objects.filter(id=invitation.id).update(expires_at=timezone.now() - dt.timedelta(days=1))
    assert "Expired" in client.get(manage).content.decode()
    first = _link(mailoutbox[0])
    with django_capture_on_commit_callbacks(execute=True):
        assert (
            client.post(
                f"/manage/invitations/{invitation.public_id}/resend/", {"lifetime_days": "30"}
            ).status_code
            == 302
        )
    second = _link(mailoutbox[1])
    invitation.refresh_from_db()
    assert invitation.expires_at > timezone.now() + dt.timedelta(days=29)
    client.logout()
    assert client.get(first).status_code == 404 and client.get(second).status_code == 200
    client.force_login(world.frank)
    assert client.post(f"/manage/invitations/{invitation.public_id}/revoke/").status_code == 302
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    client.logout()
    assert client.get(second).status_code == 404
    client.force_login(world.frank)
    assert 'data-pending="late@example.org"' not in client.get(manage).content.decode()


def test_assign_an_advisor_to_a_team(world, client, manage):
    response = client.post(
        manage + "advisors/", {"team": world.team_c1.public_id, "advisor": world.diana.email}
    )
    assert response.status_code == 302
    assert (
        Membership.objects.unscoped(reason="test")
        .filter(user=world.diana, role=Role.ADVISOR, team=world.team_c1)
        .exists()
    )
    client.force_login(world.diana)
    assert client.get(f"/teams/{world.team_c1.public_id}/").status_code == 200


def test_end_an_advisors_membership_but_not_an_lia_roster_one(world, client, manage):
    advising = Membership.objects.unscoped(reason="test").get(user=world.diana)
    roster = Membership.objects.unscoped(reason="test").get(user=world.bob)
    html = client.get(manage).content.decode()
    assert f"/manage/memberships/{advising.public_id}/end/" in html
    assert f"/manage/memberships/{roster.public_id}/end/" not in html
    assert client.post(f"/manage/memberships/{roster.public_id}/end/").status_code == 403
    ended = client.post(f"/manage/memberships/{advising.public_id}/end/", {"next": manage})
    assert ended.status_code == 302 and ended["Location"] == manage
    assert not Membership.objects.unscoped(reason="test").filter(id=advising.id).exists()
    assert Membership.objects.unscoped(reason="test").filter(id=roster.id).exists()
    client.force_login(world.diana)
    assert client.get(f"/teams/{world.team_b1.public_id}/").status_code == 404


def test_site_staff_run_any_collaborative(world, client):
    client.force_login(world.root)
    lia = LIAFactory(awardee=world.north, name="Agency E")
    response = client.post(
        MANAGE.format(world.two.public_id) + "enrol/",
        {"lia": lia.public_id, "code": "E2", "joined_on": world.two.start_date.isoformat()},
    )
    assert response.status_code == 302
    assert Team.objects.filter(collaborative=world.two, lia=lia, code="E2").exists()


def test_a_cqi_lead_resends_and_revokes_their_rosters_invitations(world, client, mailoutbox):
    client.force_login(world.alice)
    roster = f"/lias/{world.lia_a.public_id}/roster/"
    client.post(roster, {"email": "newbie@example.org", "role": Role.TEAM_MEMBER})
    invitation = Invitation.objects.get()
    assert f"/manage/invitations/{invitation.public_id}/resend/" in client.get(roster).content.decode()
    response = client.post(f"/manage/invitations/{invitation.public_id}/revoke/")
    assert response.status_code == 302 and response["Location"] == roster
    assert 'data-pending="newbie@example.org"' not in client.get(roster).content.decode()
    client.force_login(world.frank)  # ONE's admin does not look after LIA A's roster invitations
    assert client.post(f"/manage/invitations/{invitation.public_id}/resend/").status_code == 404
