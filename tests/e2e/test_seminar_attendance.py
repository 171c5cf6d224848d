"""The roster in a real browser (Chromium): a trainer on a phone, keyboard only.

(Kept with the other browser tests so that it shares their one Chromium for the session.)"""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from registry.extensions import db
from registry.seminars.models import Attendance
from tests import fixtures
from tests.fixtures import TEST_PASSWORD

pytestmark = pytest.mark.browser


def _no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_trainer_takes_attendance_with_the_keyboard_on_a_phone(live_server, phone_page):
    trainer = fixtures.create_user("trainer", email="anvar@registry.test")
    seminar = fixtures.create_seminar(trainers=[trainer], status="in_progress",
                                      title="Дотоод аудитор — Баянзүрх дүүрэг")
    people = [fixtures.create_person(name) for name in
              ("Өлзийбаяр Батболд", "Үүрцайх Гантулга", "Мөнхзул Дорж")]
    registrations = [fixtures.create_registration(seminar, person) for person in people]
    day = seminar.days[0]
    page = phone_page
    page.goto(f"{live_server}/login")
    page.fill("#email", "anvar@registry.test")
    page.fill("#password", TEST_PASSWORD)
    page.press("#password", "Enter")
    page.wait_for_selector("h1:has-text('Dashboard')")

    page.goto(f"{live_server}/seminars/{seminar.id}")
    assert "Өлзийбаяр Батболд" in page.inner_text("table")
    assert _no_horizontal_scroll(page)

    page.goto(f"{live_server}/seminars/{seminar.id}/days/{day.id}/attendance")
    assert _no_horizontal_scroll(page)
    boxes = page.eval_on_selector_all("input[name=present]", "els => els.map(e => e.id)")
    first, second, third = (int(box.split("-")[1]) for box in boxes)
    # Rows are in name order; tick the first with Space, Tab over the second, tick the third.
    page.focus(f"#present-{first}")
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == f"present-{third}"
    page.keyboard.press("Space")
    page.keyboard.press("Enter")  # submits the form: "Save attendance" is its first button
    page.wait_for_selector(".flash-success")
    assert "2 present, 1 absent" in page.inner_text(".flashes")

    db.session.rollback()  # a fresh transaction sees what the server committed
    marks = {m.registration_id: m.present for m in db.session.scalars(
        select(Attendance).where(Attendance.seminar_day_id == day.id))}
    assert marks == {first: True, second: False, third: True}
    assert {first, second, third} == {reg.id for reg in registrations}

    page.click("button[name=all_present]")
    page.wait_for_selector(".flash-success")
    assert "3 present, 0 absent" in page.inner_text(".flashes")


NOT_SAVED_MN = "Хараахан хадгалаагүй"  # "Not saved yet" on a Mongolian page


def _kept(page) -> dict:
    """What the tab keeps for attendance (sessionStorage), by key."""
    return page.evaluate("""() => Object.fromEntries(Object.keys(sessionStorage)
        .filter(key => key.startsWith('registry.attendance.'))
        .map(key => [key, sessionStorage.getItem(key)]))""")


def _ticked(page) -> set[int]:
    return {int(value) for value in page.eval_on_selector_all(
        "input[name=present]:checked", "els => els.map(e => e.value)")}


def _failed_submit(page, button: str) -> None:
    """Press a submit button whose POST never reaches the server: the browser shows its own
    error page in place of ours."""
    with page.expect_event("requestfailed",
                           predicate=lambda request: request.method == "POST"):
        page.click(button)
    page.wait_for_load_state()
    assert page.locator("form.attendance-form").count() == 0  # the browser's error page


def test_unsaved_ticks_survive_a_failed_save_on_a_phone(live_server, phone_page):
    trainer = fixtures.create_user("trainer", email="bolormaa@registry.test")
    trainer.locale = "mn"
    seminar = fixtures.create_seminar(trainers=[trainer], status="in_progress",
                                      title="Дотоод аудитор — Сүхбаатар дүүрэг")
    first, second, third, fourth = (
        fixtures.create_registration(seminar, fixtures.create_person(name)).id for name in
        ("Алтанцэцэг Бат", "Батбаяр Дорж", "Гэрэлмаа Нямаа", "Дашдорж Сүх"))
    day = seminar.days[0]
    db.session.commit()
    page = phone_page
    page.goto(f"{live_server}/login")
    page.fill("#email", "bolormaa@registry.test")
    page.fill("#password", TEST_PASSWORD)
    page.press("#password", "Enter")
    page.wait_for_url(lambda address: "/login" not in address)
    url = f"{live_server}/seminars/{seminar.id}/days/{day.id}/attendance"
    page.goto(url)
    assert page.get_attribute("html", "lang") == "mn"
    assert not page.is_visible("#attendance-unsaved")

    # A thumb on the name ticks, and so does one on the far end of the row; every row is at
    # least 44 px tall and the box itself is bigger than the browser's 13 px.
    page.click(f"td.row-name label[for=present-{first}]")
    page.click(f"tr:has(#present-{third}) td:last-child")
    assert _ticked(page) == {first, third}
    for registration_id in (first, second, third, fourth):
        row = page.locator(f"tr:has(#present-{registration_id})").bounding_box()
        label = page.locator(f"td.row-name label[for=present-{registration_id}]").bounding_box()
        assert row["height"] >= 44 and label["height"] >= 44
    box = page.locator(f"#present-{first}").bounding_box()
    assert box["width"] >= 28 and box["height"] >= 28
    assert _no_horizontal_scroll(page)
    # The tick's accessible name is the person's name alone.
    assert page.get_by_role("checkbox", name="Гэрэлмаа Нямаа").is_checked()
    assert len(_kept(page)) == 1

    # The signal drops as the trainer presses Save: the browser shows its error page.
    page.context.set_offline(True)
    _failed_submit(page, "form.attendance-form button.primary")
    db.session.rollback()
    assert db.session.scalars(select(Attendance).where(
        Attendance.seminar_day_id == day.id)).all() == []

    # Back returns to this day's page (fetched afresh: staff pages are no-store), and the
    # ticks come back over the server's empty marks.
    page.context.set_offline(False)
    page.go_back()
    assert page.url == url
    page.wait_for_selector("#attendance-unsaved:visible")
    assert _ticked(page) == {first, third}
    notice = page.locator("#attendance-unsaved")
    assert notice.get_attribute("role") == "status"
    assert NOT_SAVED_MN in notice.inner_text()
    # ... and so does a reload, and a change after it is kept too.
    page.goto(url)
    page.wait_for_selector("#attendance-unsaved:visible")
    page.click(f"td.row-name label[for=present-{fourth}]")
    page.reload()
    page.wait_for_selector("#attendance-unsaved:visible")
    assert _ticked(page) == {first, third, fourth}

    # Online again, the save goes through: the notice is gone and nothing is kept.
    page.click("form.attendance-form button.primary")
    page.wait_for_selector(".flash-success")
    assert not page.is_visible("#attendance-unsaved")
    assert _kept(page) == {}
    assert _ticked(page) == {first, third, fourth}
    db.session.rollback()
    marks = {m.registration_id: m.present for m in db.session.scalars(
        select(Attendance).where(Attendance.seminar_day_id == day.id))}
    assert marks == {first: True, second: False, third: True, fourth: True}
    page.reload()
    assert not page.is_visible("#attendance-unsaved")

    # Unticking back to what the server holds leaves nothing unsaved.
    page.click(f"td.row-name label[for=present-{second}]")
    assert len(_kept(page)) == 1
    page.click(f"td.row-name label[for=present-{second}]")
    assert _kept(page) == {}

    # A failed "Mark all present and save" comes back as everyone ticked, not yet saved;
    # "Save and go to day 2" saves it and clears what was kept for day 1.
    saving = re.compile(r"/attendance\?save=1$")
    page.route(saving, lambda route: route.abort()
               if route.request.method == "POST" else route.continue_())
    _failed_submit(page, "button[name=all_present]")
    page.unroute(saving)
    page.goto(url)
    page.wait_for_selector("#attendance-unsaved:visible")
    assert _ticked(page) == {first, second, third, fourth}
    page.click("button[name=then][value=next]")
    page.wait_for_url(f"{live_server}/seminars/{seminar.id}/days/{seminar.days[1].id}/attendance")
    assert _kept(page) == {}
    assert not page.is_visible("#attendance-unsaved")
    db.session.rollback()
    assert all(m.present for m in db.session.scalars(
        select(Attendance).where(Attendance.seminar_day_id == day.id)))
