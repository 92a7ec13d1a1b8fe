"""MFA (allauth TOTP + recovery codes), required for awardee leads, advisors, collaborative admins and
staff (security plan check #8, goal G14)."""

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

from collaboratives.models import Role
from tests.accounts.helpers import PASSWORD, sign_in, signed_in_user_id, totp_code
from tests.factories import MembershipFactory, UserFactory
from tests.test_authorization_matrix import ROUTES

SETUP = "/accounts/2fa/totp/activate/"


def _unenrol(*users):
    Authenticator.objects.filter(user__in=users).delete()


def test_every_role_that_requires_mfa_reaches_no_page_of_ours_before_enrolling(world_plus, client):
    """Every case of the authorization matrix, for each privileged principal without an authenticator."""
    world = world_plus  # the matrix's cases may name any of its principals (the referral network does)
    principals = [world.diana, world.erin, world.frank, world.root]
    _unenrol(*principals)
    requests = [
        (case.method, case.url(world), case.data(world) if case.data else {})
        for cases in ROUTES.values()
        for case in cases
    ] + [("get", "/admin/", {}), ("get", "/admin/auth/user/", {})]
    checked = reachable = 0
    for principal in principals:
        client.force_login(principal)
        for method, url, data in requests:
            response = getattr(client, method)(url, data)
            checked += 1
            if url.startswith("/api/"):  # API clients get the API's JSON refusal, not a redirect
                refused = response.status_code == 403 and response.json()["code"] == "mfa_required"
            else:
                refused = response.status_code == 302 and response["Location"] == SETUP
            if not refused:
                reachable += 1
                print(f"reachable without MFA: {principal} {method.upper()} {url}")
    print(f"G14: {checked} privileged principal × URL × method cases, {reachable} reachable without MFA")
    assert checked == 4 * (sum(len(c) for c in ROUTES.values()) + 2)
    assert reachable == 0


def test_team_members_and_cqi_leads_are_not_asked_to_enrol(world, client):
    for user in (world.alice, world.bob):
        client.force_login(user)
        assert client.get("/").status_code == 200


def test_an_advisor_added_later_is_sent_to_setup_on_the_next_request(world, client):
    client.force_login(world.bob)
    assert client.get("/").status_code == 200
    MembershipFactory(user=world.bob, role=Role.ADVISOR, team=world.team_b1)
    response = client.get("/")
    assert (response.status_code, response["Location"]) == (302, SETUP)


def test_account_pages_stay_reachable_for_an_unenrolled_advisor(world, client):
    _unenrol(world.diana)
    assert sign_in(client, world.diana).status_code == 302
    # allauth asks for the password again before any MFA change (ASVS 7.5.1), then shows the setup.
    assert client.get(SETUP)["Location"] == f"/accounts/reauthenticate/?next={SETUP.replace('/', '%2F')}"
    assert client.post("/accounts/reauthenticate/", {"password": PASSWORD}).status_code == 302
    assert client.get(SETUP).status_code == 200
    assert client.get("/accounts/password/change/").status_code == 200
    assert client.post("/accounts/logout/").status_code == 302
    assert signed_in_user_id(client) is None


def test_enrolling_with_the_code_from_the_app_unlocks_the_site(world, client):
    _unenrol(world.diana)
    sign_in(client, world.diana)
    assert client.get("/").headers["Location"] == SETUP
    client.post("/accounts/reauthenticate/", {"password": PASSWORD})
    page = client.get(SETUP)
    assert page.status_code == 200
    secret = client.session["mfa.totp.secret"]
    assert secret in page.content.decode()  # shown for typing in, next to the QR code

    wrong = client.post(SETUP, {"code": "000000" if totp_code(secret) != "000000" else "111111"})
    assert wrong.status_code == 200
    assert "Incorrect code" in wrong.content.decode()
    assert not Authenticator.objects.filter(user=world.diana).exists()

    response = client.post(SETUP, {"code": totp_code(secret)})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=world.diana, type=Authenticator.Type.TOTP).count() == 1
    assert client.get("/").status_code == 200


def test_an_enrolled_users_password_alone_does_not_sign_in(world, client):
    response = sign_in(client, world.erin)
    assert (response.status_code, response["Location"]) == (302, "/accounts/2fa/authenticate/")
    assert signed_in_user_id(client) is None
    assert client.get("/").status_code == 302  # to the login page, not the home page

    wrong = client.post(
        "/accounts/2fa/authenticate/", {"code": "123456" if totp_code() != "123456" else "654321"}
    )
    assert wrong.status_code == 200
    assert "Incorrect code" in wrong.content.decode()
    assert signed_in_user_id(client) is None

    right = client.post("/accounts/2fa/authenticate/", {"code": totp_code()})
    assert right.status_code == 302
    assert signed_in_user_id(client) == world.erin.pk
    assert client.get("/").status_code == 200


def test_a_totp_code_works_once(world, client):
    code = totp_code()
    sign_in(client, world.frank)
    assert client.post("/accounts/2fa/authenticate/", {"code": code}).status_code == 302
    client.post("/accounts/logout/")
    sign_in(client, world.frank)
    replay = client.post("/accounts/2fa/authenticate/", {"code": code})
    assert replay.status_code == 200
    assert signed_in_user_id(client) is None


def test_a_recovery_code_works_once(world, client):
    code = RecoveryCodes.activate(world.erin).get_unused_codes()[0]
    sign_in(client, world.erin)
    assert client.post("/accounts/2fa/authenticate/", {"code": code}).status_code == 302
    assert signed_in_user_id(client) == world.erin.pk
    client.post("/accounts/logout/")
    sign_in(client, world.erin)
    again = client.post("/accounts/2fa/authenticate/", {"code": code})
    assert again.status_code == 200
    assert signed_in_user_id(client) is None


def test_the_admin_login_is_allauths_login_with_its_mfa_step(world, client):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    # Credentials posted to the admin's own form sign nobody in.
    posted = client.post(
        "/admin/login/?next=/admin/", {"username": world.root.username, "password": "correct-horse-battery"}
    )
    assert posted.status_code == 302
    assert signed_in_user_id(client) is None

    assert sign_in(client, world.root)["Location"] == "/accounts/2fa/authenticate/"
    client.post("/accounts/2fa/authenticate/", {"code": totp_code()})
    assert client.get("/admin/").status_code == 200


def test_a_password_reset_still_asks_for_the_code(world, client, mailoutbox):
    client.post("/accounts/password/reset/", {"email": world.erin.email})
    link = next(line for line in mailoutbox[0].body.splitlines() if "/accounts/password/reset/key/" in line)
    path = link[link.index("/accounts/") :].strip()
    form = client.get(path, follow=True)
    new_password = "a-brand-new-long-passphrase"
    client.post(form.redirect_chain[-1][0], {"password1": new_password, "password2": new_password})
    assert sign_in(client, world.erin, password=new_password)["Location"] == "/accounts/2fa/authenticate/"
    assert signed_in_user_id(client) is None


def test_enforcement_can_be_switched_off_for_the_local_demo_only_by_setting(world, client, settings):
    settings.MFA_REQUIRED = False
    advisor = UserFactory()
    MembershipFactory(user=advisor, role=Role.ADVISOR, team=world.team_b1)
    client.force_login(advisor)
    assert client.get("/").status_code == 200


@pytest.mark.urls("tests.coiin.extra_urls")
def test_an_api_request_from_an_unenrolled_advisor_gets_a_json_403_not_a_redirect(world, client):
    _unenrol(world.diana)
    client.force_login(world.diana)
    response = client.get("/api/ping/")
    assert response.status_code == 403
    assert response.json() == {
        "status": 403,
        "code": "mfa_required",
        "detail": "Your role requires two-factor authentication. Set up an authenticator app to continue.",
        "errors": [],
    }
    client.force_login(world.erin)
    assert client.get("/api/ping/").json() == {"pong": True}
