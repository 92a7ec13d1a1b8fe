"""Pages as a person meets them in Chromium: they render, charts draw, and axe finds no WCAG 2.1 AA violation."""

import pytest

from measures.demo import load_demo
from tests.browser.pages import axe_violations, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_login_page_is_accessible(chromium, live_server):
    page = chromium.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    screenshot(page, "login")
    assert axe_violations(page) == []
    page.close()


def test_a_lead_signs_in_sees_home_and_enters_data_with_an_inline_error(chromium, live_server):
    from django.utils import timezone

    load_demo(today=timezone.localdate())
    page = chromium.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=login]", "lead@demo.coiin")
    page.fill("input[name=password]", "demo-password-2026")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    assert (
        page.get_by_role("heading", name="Due this month").count() == 1 or "Due this month" in page.content()
    )
    screenshot(page, "home-lead")
    assert axe_violations(page) == []

    page.click("text=Enter")
    page.wait_for_load_state()
    assert "/data/" in page.url
    numbers = page.locator("input[inputmode=numeric]")
    numbers.nth(0).fill("9")
    numbers.nth(1).fill("5")
    numbers.nth(1).press("Tab")
    live = page.locator(".field-error").first
    assert live.inner_text() == "The numerator (9) cannot be larger than the denominator (5)."
    page.click("button:has-text('Save draft')")
    page.wait_for_load_state()
    assert page.locator("text=There is a problem").count() == 1
    screenshot(page, "entry-error")
    assert axe_violations(page) == []
    page.close()
