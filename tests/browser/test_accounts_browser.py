"""Account pages as a person meets them: an advisor without an authenticator app signs in, is sent to
two-factor setup, confirms the password, enrols with a code, and reaches the site; each page passes axe."""

import pytest

from tests.browser.pages import axe_violations, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_advisor_enrols_an_authenticator_app_at_first_sign_in(chromium, live_server):
    from allauth.mfa.models import Authenticator

    from collaboratives.models import Role
    from tests.accounts.helpers import PASSWORD, totp_code
    from tests.factories import MembershipFactory, TeamFactory, UserFactory

    advisor = UserFactory(username="new.advisor@example.org", first_name="Rosa", last_name="Diaz")
    MembershipFactory(user=advisor, role=Role.ADVISOR, team=TeamFactory())
    page = chromium.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/accounts/login/")
    screenshot(page, "account-login")
    assert axe_violations(page) == []
    page.fill("input[name=login]", advisor.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")

    page.wait_for_url("**/accounts/reauthenticate/**")
    assert "two-factor authentication" in page.content()
    assert axe_violations(page) == []
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")

    page.wait_for_load_state()
    page.wait_for_url("**/accounts/2fa/totp/activate/")
    screenshot(page, "account-mfa-setup")
    assert axe_violations(page) == []
    secret = page.input_value("#authenticator_secret")
    page.fill("input[name=code]", "000000" if totp_code(secret) != "000000" else "111111")
    page.click("main button[type=submit]")
    assert page.locator(".invalid-feedback", has_text="Incorrect code").count() == 1
    assert axe_violations(page) == []
    page.fill("input[name=code]", totp_code(secret))
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    assert Authenticator.objects.filter(user=advisor, type=Authenticator.Type.TOTP).exists()
    page.goto(f"{live_server.url}/")
    assert page.url == f"{live_server.url}/"
    screenshot(page, "account-after-enrolment")
    page.close()
