"""The roster in a real browser (Chromium): a trainer on a phone, keyboard only.

(Kept with the other browser tests so that it shares their one Chromium for the session.)"""
from __future__ import annotations

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
