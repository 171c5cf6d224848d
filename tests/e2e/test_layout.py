"""The layout in a real browser: signing in on a 360 px phone, navigation by role, keyboard use."""
from __future__ import annotations

import pytest

from tests import fixtures
from tests.fixtures import TEST_PASSWORD

pytestmark = pytest.mark.browser


def no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_sign_in_on_a_phone_with_the_keyboard(live_server, phone_page):
    fixtures.create_user("trainer", email="anvar@registry.test", name="Анвар Каримов")
    page = phone_page
    page.goto(f"{live_server}/login")
    assert no_horizontal_scroll(page)
    # The email field has focus; Tab moves to the password; Enter submits.
    page.keyboard.type("anvar@registry.test")
    page.keyboard.press("Tab")
    page.keyboard.type(TEST_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_selector("h1:has-text('Dashboard')")
    assert "Welcome, Анвар Каримов." in page.inner_text(".flashes")
    assert no_horizontal_scroll(page)
    nav = page.inner_text("nav.main-nav")
    assert "Reference data" in nav
    assert "Users" not in nav and "Audit log" not in nav


def test_admin_sees_administration_and_a_table_fits_the_phone(live_server, phone_page):
    fixtures.create_user("admin", email="admin@registry.test")
    for number in range(5):
        fixtures.create_sector(f"Оʻзбекистон тўқимачилик саноати тармоғи {number}")
    page = phone_page
    page.goto(f"{live_server}/login")
    page.fill("#email", "admin@registry.test")
    page.fill("#password", TEST_PASSWORD)
    page.click("button[type=submit].primary")
    nav = page.inner_text("nav.main-nav")
    assert "Users" in nav and "Audit log" in nav
    page.goto(f"{live_server}/reference/sectors")
    assert "тўқимачилик" in page.inner_text("table")
    assert no_horizontal_scroll(page)  # wide tables scroll inside their own box
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.className")
    assert focused == "skip-link"
