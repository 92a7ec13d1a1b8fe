"""A bearer token is held to its owner's MFA rule, with the owner's roles as they are at the request
(issue 19, finding 3)."""

import pytest
from django.test import override_settings

from collaboratives.models import Role
from tests.factories import MembershipFactory, TOTPAuthenticatorFactory, UserFactory

MEASURES = "/api/v1/measures/"


@pytest.fixture
def promoted(world):
    """A team member of LIA A without an authenticator app, as when they made their token."""
    user = UserFactory(username="promoted@example.org")
    MembershipFactory(user=user, role=Role.TEAM_MEMBER, lia=world.lia_a)
    return user


def test_a_member_promoted_to_admin_after_making_a_token_must_enrol_before_it_works(world, promoted, api_as):
    api = api_as(promoted)
    assert api.get(MEASURES).status_code == 200
    MembershipFactory(user=promoted, role=Role.COLLABORATIVE_ADMIN, collaborative=world.one)
    refused = api.get(MEASURES)
    assert refused.status_code == 403
    assert refused.json()["code"] == "mfa_required"
    TOTPAuthenticatorFactory(user=promoted)
    assert api.get(MEASURES).status_code == 200


@pytest.mark.parametrize("role", ["advisor", "awardee lead", "collaborative admin"])
def test_a_token_of_a_role_that_requires_mfa_is_refused_until_its_owner_enrols(world, api_as, role):
    membership = {
        "advisor": {"role": Role.ADVISOR, "team": world.team_b1},
        "awardee lead": {"role": Role.AWARDEE_LEAD, "awardee": world.north},
        "collaborative admin": {"role": Role.COLLABORATIVE_ADMIN, "collaborative": world.one},
    }[role]
    user = UserFactory(username=f"{role.replace(' ', '-')}@example.org")
    MembershipFactory(user=user, **membership)
    response = api_as(user).get(f"/api/v1/runcharts/?collaborative={world.one.public_id}")
    assert (response.status_code, response.json()["code"]) == (403, "mfa_required")


def test_with_mfa_not_required_an_unenrolled_admins_token_works(world, promoted, api_as):
    MembershipFactory(user=promoted, role=Role.COLLABORATIVE_ADMIN, collaborative=world.one)
    with override_settings(MFA_REQUIRED=False):
        assert api_as(promoted).get(MEASURES).status_code == 200
