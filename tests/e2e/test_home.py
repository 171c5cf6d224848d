"""The first screen after signing in leads to the day's work, on a phone and in the user's
language (issue 18 item 3): a trainer goes from the home's main button to today's attendance;
an official goes from the work queue to issuing a completed seminar's certificates."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from babel.support import Translations

from registry.catalogues import TRANSLATIONS
from registry.extensions import db
from tests import fixtures
from tests.fixtures import TEST_PASSWORD

pytestmark = pytest.mark.browser


def words(locale: str, message: str) -> str:
    """``message`` as the page in ``locale`` says it (from the compiled catalogue)."""
    text = Translations.load(str(TRANSLATIONS), [locale]).gettext(message)
    assert text != message, f"{message!r} is not translated into {locale}"
    return text


def sign_in(page, live_server, email, locale):
    page.goto(f"{live_server}/login?lang={locale}")
    page.fill("#email", email)
    page.fill("#password", TEST_PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_selector("#my-seminars-heading, #queue-heading")


def assert_no_sideways_scroll(page):
    scroll, viewport = page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
    assert scroll <= viewport, f"{page.url} scrolls sideways: {scroll} > {viewport}"


@pytest.mark.parametrize("locale", ["uz", "mn", "vi"])
def test_a_trainer_goes_from_home_to_todays_attendance_on_a_phone(live_server, new_context,
                                                                  locale):
    trainer = fixtures.create_user("trainer", email=f"trainer-{locale}@registry.test")
    seminar = fixtures.create_seminar(trainers=[trainer], status="in_progress",
                                      start=date.today(), language=locale,
                                      title="Ички аудитор — Фарғона вилояти, Қўқон шаҳри")
    for name in ("Гулнора Ҳасанова", "Өлзийбаяр Батболд", "Nguyễn Thị Thắm"):
        fixtures.create_registration(seminar, fixtures.create_person(name))
    db.session.commit()
    page = new_context(viewport={"width": 360, "height": 740}, is_mobile=True,
                       has_touch=True).new_page()
    sign_in(page, live_server, trainer.email, locale)
    assert_no_sideways_scroll(page)
    action = page.locator("a.work-action", has_text=words(locale, "Mark today's attendance"))
    assert action.count() == 1
    box = action.bounding_box()
    assert box["x"] + box["width"] <= 360 and box["height"] >= 44  # on screen, thumb-sized
    action.click()
    page.wait_for_url(re.compile(rf"/seminars/{seminar.id}/days/{seminar.days[0].id}/attendance"))
    assert_no_sideways_scroll(page)
    assert "Nguyễn Thị Thắm" in page.inner_text("main")


def test_an_official_goes_from_the_queue_to_issuing(live_server, new_context):
    official = fixtures.create_user("official", email="official-home@registry.test")
    seminar = fixtures.create_completed_seminar(
        (("Гулнора Ҳасанова", 3, 90), ("Oʻlmas Gʻaniyev", 3, 95)),
        title="Ички аудитор — Наманган", start=date.today() - timedelta(days=10))
    db.session.commit()
    page = new_context(viewport={"width": 360, "height": 740}).new_page()
    sign_in(page, live_server, official.email, "vi")
    queue = page.inner_text("section.office-work")
    assert "Ички аудитор — Наманган" in queue
    assert_no_sideways_scroll(page)
    page.click(f"a.work-action:has-text('{words('vi', 'Issue the certificates')}')")
    page.wait_for_url(re.compile(rf"/certificates/seminar/{seminar.id}$"))
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("form[action$='/issue'] button")
    page.bring_to_front()
    page.wait_for_selector(".flashes")
    page.goto(f"{live_server}/")
    assert "Ички аудитор — Наманган" not in page.inner_text("main")
