"""A refused form in a real browser (Chromium) on a 360 px phone, in Uzbek, Mongolian and
Vietnamese: the error summary is in the page's language, takes focus when the page loads, and
each of its links moves focus to its field - with no English validator message anywhere."""
from __future__ import annotations

import pytest

from registry.extensions import db
from tests import fixtures
from tests.fixtures import TEST_PASSWORD

pytestmark = pytest.mark.browser

# The page's language: "Error: " of the title, the summary's heading, "This field is required."
WORDS = {
    "uz": ("Xato: ", "Xatolar bor", "Bu maydonni toʻldirish shart."),
    "mn": ("Алдаа: ", "Алдаа байна", "Энэ талбарыг заавал бөглөнө."),
    "vi": ("Lỗi: ", "Có lỗi cần sửa", "Trường này là bắt buộc."),
}
# What each language's trainer submits empty, and the fields its summary links to, in order.
FORMS = {
    "uz": ("/seminars/new", ["course_id", "capacity"]),
    "mn": ("/seminars/new", ["course_id", "capacity"]),
    "vi": ("/people/new", ["full_name"]),
}


@pytest.mark.parametrize("locale", ["uz", "mn", "vi"])
def test_an_empty_form_sums_up_its_errors_and_takes_focus(live_server, phone_page, locale):
    trainer = fixtures.create_user("trainer", email=f"trainer-{locale}@registry.test")
    trainer.locale = locale
    db.session.commit()
    fixtures.create_course()
    error_prefix, heading, required = WORDS[locale]
    path, fields = FORMS[locale]
    page = phone_page
    page.goto(f"{live_server}/login")
    page.fill("#email", trainer.email)
    page.fill("#password", TEST_PASSWORD)
    page.press("#password", "Enter")
    page.wait_for_url(lambda url: "/login" not in url)

    page.goto(f"{live_server}{path}")
    assert not page.title().startswith(error_prefix)
    assert page.locator("[data-error-summary]").count() == 0
    page.click("main form[method=post] button.primary")
    page.wait_for_selector("[data-error-summary]")

    assert page.title().startswith(error_prefix)
    summary = page.locator("[data-error-summary]")
    assert summary.locator("h2").inner_text() == heading
    # The summary has focus, so a screen reader reads it and Tab goes on from it.
    assert page.evaluate("document.activeElement.hasAttribute('data-error-summary')")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    links = summary.locator("a")
    assert [href.lstrip("#") for href in links.evaluate_all(
        "els => els.map(e => e.getAttribute('href'))")] == fields
    assert required in links.first.inner_text()
    assert "This field is required." not in page.inner_text("body")

    for index, field in enumerate(fields):
        if index:
            page.evaluate("window.scrollTo(0, 0)")
        links.nth(index).click()
        assert page.evaluate("document.activeElement.id") == field
        # The field is on the screen, not 950 px further down.
        assert page.evaluate(
            "(() => { const r = document.activeElement.getBoundingClientRect();"
            " return r.top >= 0 && r.bottom <= window.innerHeight; })()")


def test_the_reissue_form_is_narrow_and_its_missing_reason_is_on_the_first_screen(live_server,
                                                                                new_context):
    """At 1280 px the fields stretched about 1,120 px ("Hours" for a two-digit number) and the
    missing reason was below the fold, with nothing at the top."""
    official = fixtures.create_user("official", email="office@registry.test")
    official.locale = "ru"
    db.session.commit()
    certificate = fixtures.create_certificate(issued_by=official)
    page = new_context(viewport={"width": 1280, "height": 800}).new_page()
    page.goto(f"{live_server}/login")
    page.fill("#email", official.email)
    page.fill("#password", TEST_PASSWORD)
    page.press("#password", "Enter")
    page.wait_for_url(lambda url: "/login" not in url)
    page.goto(f"{live_server}/certificates/{certificate.id}/reissue")

    def width(selector):
        return page.evaluate(f"document.querySelector('{selector}').getBoundingClientRect().width")

    rem = page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)")
    assert width("#holder_name") <= 36 * rem
    assert width("#hours") <= 8 * rem
    assert width("#start_date") <= 12 * rem
    page.click("main form[method=post] button.primary")
    page.wait_for_selector("[data-error-summary]")
    assert page.title().startswith("Ошибка: ")
    summary = page.locator("[data-error-summary]")
    assert summary.locator("h2").inner_text() == "Есть ошибки"
    assert page.evaluate("document.activeElement.hasAttribute('data-error-summary')")
    assert summary.bounding_box()["y"] + summary.bounding_box()["height"] <= 800
    summary.locator("a[href='#reason']").click()
    assert page.evaluate("document.activeElement.id") == "reason"
