"""The first page after signing in says what to do next: a trainer's seminars each with
today's action, an official's work queue leading to issuing (issue 18 item 3)."""
from __future__ import annotations

import re
from datetime import date, timedelta

from sqlalchemy import select

from registry.certificates.models import Certificate
from registry.extensions import db
from registry.seminars.models import Attendance
from tests import fixtures


def text(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)).split())


def links(response) -> list[tuple[str, str]]:
    """(href, words) of every link and button-link of the page."""
    html = response.get_data(as_text=True)
    return [(href, " ".join(re.sub(r"<[^>]+>", " ", words).split()))
            for href, words in re.findall(r'<a [^>]*href="([^"]+)"[^>]*>(.*?)</a>', html, re.S)]


def link_to(response, words: str) -> str:
    found = [href for href, label in links(response) if label == words]
    assert found, (words, links(response))
    return found[0]


def test_a_trainer_starts_the_day_from_home_with_todays_attendance(client, login_as):
    trainer = login_as("trainer")
    today_seminar = fixtures.create_seminar(trainers=[trainer], status="in_progress",
                                            start=date.today() - timedelta(days=1),
                                            title="Ички аудит — Фарғона")
    registration = fixtures.create_registration(today_seminar)
    db.session.add(Attendance(registration=registration, seminar_day=today_seminar.days[0],
                              present=True))  # day 1 marked, today (day 2) not yet
    later = fixtures.create_seminar(trainers=[trainer], title="Later seminar",
                                    start=date.today() + timedelta(days=20))
    fixtures.create_seminar(title="Somebody else's seminar", status="in_progress",
                            start=date.today())
    db.session.commit()
    home = client.get("/")
    page = text(home)
    assert "My seminars" in page and "Somebody else's seminar" not in page
    # Today's work comes first, as the page's main button.
    assert page.index("Ички аудит — Фарғона") < page.index("Later seminar")
    assert "Today is day 2." in page
    today = today_seminar.days[1]
    href = link_to(home, "Mark today's attendance")
    assert href == f"/seminars/{today_seminar.id}/days/{today.id}/attendance"
    assert client.get(href).status_code == 200
    assert link_to(home, "Register participants") == f"/seminars/{later.id}/register"
    assert "0 of 20 seats taken." in page


def test_the_step_follows_the_work_attendance_then_results_then_completion(client, login_as):
    trainer = login_as("trainer")
    seminar = fixtures.create_seminar(trainers=[trainer], status="in_progress",
                                      start=date.today() - timedelta(days=5))
    registration = fixtures.create_registration(seminar)
    db.session.commit()
    # No day is marked: the earliest unmarked day is asked for.
    home = client.get("/")
    assert link_to(home, "Mark attendance for day 1") == \
        f"/seminars/{seminar.id}/days/{seminar.days[0].id}/attendance"
    # The seminar page offers the same step as its main button.
    assert "Mark attendance for day 1" in text(client.get(f"/seminars/{seminar.id}"))

    fixtures.create_registration(seminar, present_days=3)
    for day in seminar.days:
        db.session.add(Attendance(registration=registration, seminar_day=day, present=True))
    db.session.commit()
    home = client.get("/")
    assert "0 of 2 exam results entered." in text(home)
    assert link_to(home, "Enter the exam results") == f"/seminars/{seminar.id}/results"

    for reg in seminar.registrations:
        reg.exam_score = 90
    db.session.commit()
    home = client.get("/")
    assert link_to(home, "Complete the seminar") == f"/seminars/{seminar.id}/complete"


def test_after_completion_the_trainer_sees_the_certificates_arrive(client, login_as):
    trainer = login_as("trainer")
    seminar = fixtures.create_completed_seminar(
        (("Гулнора Ҳасанова", 3, 90), ("Мөнхзул Дорж", 3, 40)), trainers=[trainer],
        start=date.today() - timedelta(days=10))
    db.session.commit()
    assert "0 of 1 issued so far" in text(client.get("/"))
    show = text(client.get(f"/seminars/{seminar.id}"))
    assert "the agency issues the certificates of the participants who passed" in show
    assert "not issued" in show

    from registry.certificates.services import issue_for_seminar
    issue_for_seminar(seminar, issued_by=fixtures.create_user("official"))
    db.session.commit()
    certificate = db.session.scalar(select(Certificate))
    assert "The agency has issued every certificate (1)" in text(client.get("/"))
    show = text(client.get(f"/seminars/{seminar.id}"))
    assert f"{certificate.printed_number} Valid" in show  # the roster's certificate column


def test_an_empty_home_says_so_and_offers_to_plan(client, login_as):
    login_as("trainer")
    page = text(client.get("/"))
    assert "You are not a trainer of any current seminar." in page
    assert "Plan a seminar" in page


def test_the_officials_queue_lists_seminars_to_certify_and_leads_to_issuing(client, login_as):
    login_as("official")
    waiting = fixtures.create_completed_seminar(
        (("Гулнора Ҳасанова", 3, 90), ("Oʻlmas Gʻaniyev", 3, 95)), title="To certify")
    fixtures.create_completed_seminar((("Nobody passed", 3, 10),), title="All failed")
    fixtures.create_certificate("Already done")
    db.session.commit()
    home = client.get("/")
    page = text(home)
    assert "Work waiting for you" in page
    assert "To certify" in page and "2 participants are waiting for a certificate." in page
    assert "All failed" not in page
    href = link_to(home, "Issue the certificates")
    assert href == f"/certificates/seminar/{waiting.id}"
    # Following the link and issuing empties the queue.
    client.post(f"/certificates/seminar/{waiting.id}/issue", data={}, page=href)
    assert db.session.scalar(select(Certificate.id).where(
        Certificate.seminar_id == waiting.id)) is not None
    page = text(client.get("/"))
    assert "To certify" not in page
    assert "Nothing is waiting" in page


def test_the_queue_counts_open_requests_and_certificates_about_to_expire(client, login_as):
    official = login_as("official")
    certificate = fixtures.create_certificate("Өлзийбаяр Батболд")
    certificate.valid_until = date.today() + timedelta(days=10)
    from registry.reviews.services import flag_certificate
    flag_certificate("record_corrected", certificate, actor=official, summary="Score corrected",
                     entry={"note": "score 90 -> 60"})
    db.session.commit()
    home = client.get("/")
    page = text(home)
    assert "1 re-issue or correction request is open." in page
    assert link_to(home, "Review the requests") == "/reviews/"
    assert "1 certificate expires within 30 days." in page
    assert link_to(home, "See who to contact") == "/reports/expiring?within=30"


def test_registering_by_hand_stays_on_the_page_for_the_next_person(client, login_as):
    trainer = login_as("trainer")
    seminar = fixtures.create_seminar(trainers=[trainer], capacity=12)
    person = fixtures.create_person("Гулнора Ҳасанова", added_by=trainer)
    db.session.commit()
    response = client.post(f"/seminars/{seminar.id}/register",
                           data={"person_id": str(person.id)})
    assert response.headers["Location"] == f"/seminars/{seminar.id}/register"
    page = text(client.get(response.headers["Location"]))
    assert "Гулнора Ҳасанова is registered." in page and "1 of 12 seats taken." in page
    assert "Done: back to the seminar" in page
    response = client.post(f"/seminars/{seminar.id}/register/new",
                           data={"full_name": "Trần Văn Đức"})
    assert response.headers["Location"] == f"/seminars/{seminar.id}/register"


def test_today_is_the_day_the_step_was_worked_out_for():
    from registry.home.services import next_step

    seminar = fixtures.create_seminar(status="in_progress", start=date(2026, 3, 2))
    registration = fixtures.create_registration(seminar)
    db.session.commit()
    # Worked out for the seminar's second day (not the machine's today): that day is today.
    step = next_step(seminar, today=date(2026, 3, 3))
    assert step.kind == "attendance" and step.day.day == date(2026, 3, 3) and step.is_today
    db.session.add(Attendance(registration=registration, seminar_day=seminar.days[1],
                              present=True))
    db.session.commit()
    # Day 2 marked: day 1 is still open, and it is not today.
    step = next_step(seminar, today=date(2026, 3, 3))
    assert step.day.day == date(2026, 3, 2) and not step.is_today
