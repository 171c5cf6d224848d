"""The seminar pages, as each role: list and scope, planning, registration, attendance,
results, completion and the sign-in sheet."""
from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from registry.audit.models import AuditEvent
from registry.extensions import db
from registry.people.models import Person
from registry.seminars.models import Attendance, Registration, Seminar, SeminarDay
from tests import fixtures
from tests.seminars.conftest import seats_taken, statuses


def _text(response) -> str:
    return response.get_data(as_text=True)


def _seminar_form(course, trainers, **overrides):
    data = {"course_id": str(course.id), "title": "", "start_date": "2026-04-06",
            "end_date": "", "dates": "", "venue": "Namangan, Uzstandard hall",
            "region_id": "", "language": "uz", "capacity": "12", "waitlist_enabled": "y",
            "trainer_ids": [str(t.id) for t in trainers]}
    data.update(overrides)
    return data


# --- list and scope -----------------------------------------------------------------------------

def test_a_trainer_lists_only_their_own_seminars(client, login_as):
    trainer = login_as("trainer")
    mine = fixtures.create_seminar(trainers=[trainer], title="Ферғона гуруҳи")
    theirs = fixtures.create_seminar(trainers=[fixtures.create_user("trainer")],
                                     title="Samarqand guruhi")
    page = _text(client.get("/seminars/"))
    assert mine.title in page and theirs.title not in page


def test_the_office_lists_every_seminar_with_filters(client, login_as):
    login_as("official")
    fergana = fixtures.create_region("Fergana Region")
    rishton = fixtures.create_region("Rishton", kind="district", parent=fergana)
    trainer = fixtures.create_user("trainer", name="Anvar Karimov")
    auditor = fixtures.create_course(title="ISO 9001 Internal Auditor")
    intro = fixtures.create_course(kind="attendance", pass_mark=None, days=1,
                                   title="ISO 9001 for exporters", prefix="AT")
    a = fixtures.create_seminar(course=auditor, region=rishton, trainers=[trainer],
                                title="Rishton auditors", start=date(2026, 5, 4))
    b = fixtures.create_seminar(course=intro, status="draft", title="Exporters in Tashkent",
                                start=date(2026, 6, 1))
    c = fixtures.create_seminar(course=auditor, status="completed", title="Old group",
                                start=date(2025, 1, 13))

    def listed(**args):
        page = _text(client.get("/seminars/", query_string=args))
        return {s.title for s in (a, b, c) if s.title in page}

    assert listed() == {a.title, b.title, c.title}
    assert listed(status="draft") == {b.title}
    assert listed(course=auditor.id) == {a.title, c.title}
    assert listed(region=fergana.id) == {a.title}  # the region includes its districts
    assert listed(trainer=trainer.id) == {a.title}
    assert listed(since="2026-01-01") == {a.title, b.title}
    assert listed(since="2026-05-01", until="2026-05-31") == {a.title}
    assert listed(q="exporters") == {b.title}
    assert listed(q="nothing like it") == set()
    # Sorting by start date, both ways.
    ascending = _text(client.get("/seminars/?sort=start"))
    assert ascending.index("Old group") < ascending.index("Rishton auditors") < \
        ascending.index("Exporters in Tashkent")
    descending = _text(client.get("/seminars/?sort=-start"))
    assert descending.index("Exporters in Tashkent") < descending.index("Old group")


def test_the_list_is_paginated(client, login_as, app):
    login_as("admin")
    course = fixtures.create_course()
    for n in range(app.config["PAGE_SIZE"] + 2):
        fixtures.create_seminar(course=course, title=f"Group {n:02d}")
    first = _text(client.get("/seminars/?sort=title"))
    second = _text(client.get("/seminars/?sort=title&page=2"))
    assert "Group 00" in first and "Group 26" not in first
    assert "Group 26" in second and "Group 00" not in second


def test_an_empty_list_says_so(client, login_as):
    login_as("trainer")
    assert "You are not a trainer of any seminar yet." in _text(client.get("/seminars/"))


# --- another trainer's seminar --------------------------------------------------------------------

def test_another_trainers_seminar_is_closed_and_nothing_is_written(client, login_as, count_rows):
    owner = fixtures.create_user("trainer")
    seminar = fixtures.create_seminar(trainers=[owner], status="in_progress", capacity=5)
    registration = fixtures.create_registration(seminar)
    person = fixtures.create_person()
    day = seminar.days[0]
    login_as("trainer")
    before = (count_rows(Registration), count_rows(Attendance), count_rows(AuditEvent))
    base = f"/seminars/{seminar.id}"
    for method, url, data in [
        ("GET", base, None),
        ("POST", f"{base}/edit", _seminar_form(seminar.course, [owner], capacity="50")),
        ("POST", f"{base}/status", {"status": "completed"}),
        ("POST", f"{base}/cancel", {"reason": "mine now"}),
        ("POST", f"{base}/register", {"person_id": str(person.id)}),
        ("POST", f"{base}/register/new", {"full_name": "Someone New"}),
        ("POST", f"{base}/registrations/{registration.id}/cancel", {}),
        ("POST", f"{base}/days/{day.id}/attendance", {"all_present": "1"}),
        ("POST", f"{base}/results", {f"score-{registration.id}": "90"}),
        ("POST", f"{base}/complete", {"leave_pending": "y"}),
        ("GET", f"{base}/days/{day.id}/sign-in.pdf", None),
    ]:
        response = client.open(url, method=method, data=data)
        assert response.status_code == 403, (method, url)
    assert (count_rows(Registration), count_rows(Attendance), count_rows(AuditEvent)) == before
    db.session.expire_all()
    assert (seminar.capacity, seminar.status, registration.exam_score) == (5, "in_progress", None)


def test_unknown_ids_are_404(client, login_as):
    login_as("admin")
    seminar = fixtures.create_seminar()
    other_day = fixtures.create_seminar().days[0]
    assert client.get("/seminars/999999").status_code == 404
    assert client.get(f"/seminars/{seminar.id}/days/{other_day.id}/attendance").status_code == 404
    assert client.post(f"/seminars/{seminar.id}/registrations/999999/cancel").status_code == 404


# --- planning -------------------------------------------------------------------------------------

def test_a_trainer_plans_a_seminar_and_is_its_trainer(client, login_as):
    trainer = login_as("trainer")
    course = fixtures.create_course(days=3)
    form = _text(client.get(f"/seminars/new?course={course.id}"))
    # The trainer is ticked already, and the course chosen.
    assert f'<input checked id="trainer_ids-0" name="trainer_ids" type="checkbox" ' \
        f'value="{trainer.id}">' in form
    assert f'<option selected value="{course.id}">' in form
    response = client.post("/seminars/new", data=_seminar_form(course, [trainer]))
    assert response.status_code == 302
    seminar = db.session.scalar(select(Seminar))
    assert response.headers["Location"].endswith(f"/seminars/{seminar.id}")
    assert seminar.title == course.title and seminar.status == "draft"
    assert [d.day for d in seminar.days] == [date(2026, 4, 6), date(2026, 4, 7),
                                             date(2026, 4, 8)]
    assert seminar.is_trainer(trainer)
    page = _text(client.get(response.headers["Location"]))
    assert "Open for registration" in page


def test_listed_dates_through_the_form(client, login_as):
    official = login_as("official")
    trainer = fixtures.create_user("trainer")
    course = fixtures.create_course(days=3)
    client.post("/seminars/new", data=_seminar_form(
        course, [trainer], start_date="", dates="2026-04-06\n2026-04-13, 2026-04-20"))
    seminar = db.session.scalar(select(Seminar))
    assert [d.day for d in seminar.days] == [date(2026, 4, 6), date(2026, 4, 13),
                                             date(2026, 4, 20)]
    assert seminar.created_by_id == official.id
    # The edit form shows non-consecutive days as the list.
    assert "2026-04-13" in _text(client.get(f"/seminars/{seminar.id}/edit"))


@pytest.mark.parametrize("overrides, message", [
    ({"end_date": "2026-04-01"}, "The end date is before the start date."),
    ({"capacity": "0"}, "Number must be between 1 and 1000."),
    ({"capacity": "many"}, "Not a valid integer value."),
    ({"start_date": ""}, "Enter the start date (or list the dates)."),
    ({"dates": "2026-04-06\nnext monday"}, "is not a date"),
    ({"trainer_ids": []}, "Choose at least one trainer."),
])
def test_bad_plans_show_a_message_and_write_nothing(client, login_as, count_rows, overrides,
                                                    message):
    login_as("official")
    trainer = fixtures.create_user("trainer")
    response = client.post("/seminars/new", data=_seminar_form(fixtures.create_course(),
                                                               [trainer], **overrides))
    assert response.status_code == 200
    assert message in _text(response)
    assert (count_rows(Seminar), count_rows(SeminarDay)) == (0, 0)


def test_capacity_below_the_registered_is_refused_on_the_page(client, login_as):
    trainer = login_as("trainer")
    seminar = fixtures.create_seminar(trainers=[trainer], capacity=4)
    for _ in range(3):
        fixtures.create_registration(seminar)
    response = client.post(f"/seminars/{seminar.id}/edit", data=_seminar_form(
        seminar.course, [trainer], start_date=seminar.start_date.isoformat(), capacity="2"))
    assert response.status_code == 200
    assert "3 participants are already registered" in _text(response)
    db.session.expire_all()
    assert seminar.capacity == 4


def test_a_trainer_cannot_hand_their_seminar_away_alone(client, login_as):
    trainer = login_as("trainer")
    colleague = fixtures.create_user("trainer")
    seminar = fixtures.create_seminar(trainers=[trainer])
    response = client.post(f"/seminars/{seminar.id}/edit", data=_seminar_form(
        seminar.course, [colleague], start_date=seminar.start_date.isoformat()))
    assert "You must stay one of the seminar" in _text(response)
    db.session.expire_all()
    assert seminar.is_trainer(trainer)


def test_status_buttons_walk_the_seminar_forward(client, login_as):
    trainer = login_as("trainer")
    seminar = fixtures.create_seminar(trainers=[trainer], status="draft")
    client.post(f"/seminars/{seminar.id}/status", data={"status": "open"})
    db.session.expire_all()
    assert seminar.status == "open"
    response = client.post(f"/seminars/{seminar.id}/status", data={"status": "completed"},
                           follow_redirects=True)
    assert "This status change is not possible here." in _text(response)
    client.post(f"/seminars/{seminar.id}/status", data={"status": "in_progress"})
    db.session.expire_all()
    assert seminar.status == "in_progress"
    response = client.post(f"/seminars/{seminar.id}/status", data={"status": "open"},
                           follow_redirects=True)
    assert "cannot become" in _text(response)


def test_cancelling_asks_for_a_reason_and_shows_it(client, login_as):
    trainer = login_as("trainer")
    seminar = fixtures.create_seminar(trainers=[trainer])
    assert "Reason for cancelling" in _text(client.get(f"/seminars/{seminar.id}/cancel"))
    response = client.post(f"/seminars/{seminar.id}/cancel", data={"reason": ""})
    assert response.status_code == 200 and "This field is required." in _text(response)
    db.session.expire_all()
    assert seminar.status == "open"
    response = client.post(f"/seminars/{seminar.id}/cancel",
                           data={"reason": "Тўфон сабабли зал ёпиқ"}, follow_redirects=True)
    assert "Тўфон сабабли зал ёпиқ" in _text(response)
    db.session.expire_all()
    assert seminar.status == "cancelled"


# --- registration ---------------------------------------------------------------------------------

def test_find_then_register_an_existing_person(client, login_as):
    trainer = login_as("trainer")
    seminar = fixtures.create_seminar(trainers=[trainer], capacity=1)
    organization = fixtures.create_organization("“Qizilqum Sement” AJ")
    person = fixtures.create_person("Шаҳноза Ғуломова", organization=organization,
                                    added_by=trainer)
    found = _text(client.get(f"/seminars/{seminar.id}/register?q=ғуломова"))
    assert "Шаҳноза Ғуломова" in found and "Qizilqum Sement" in found
    response = client.post(f"/seminars/{seminar.id}/register",
                           data={"person_id": str(person.id)}, follow_redirects=True)
    assert "Шаҳноза Ғуломова is registered." in _text(response)
    assert seats_taken(seminar) == 1
    # Full now: the next person waits, and the page says so.
    late = fixtures.create_person("Мөнхзул Дорж", added_by=trainer)
    response = client.post(f"/seminars/{seminar.id}/register",
                           data={"person_id": str(late.id)}, follow_redirects=True)
    assert "is on the waiting list (number 1)" in _text(response)
    assert statuses(seminar) == {"registered": 1, "waitlisted": 1}
    # Registering the same person again is refused with a message.
    response = client.post(f"/seminars/{seminar.id}/register",
                           data={"person_id": str(person.id)}, follow_redirects=True)
    assert "already on this seminar" in _text(response)
    assert statuses(seminar) == {"registered": 1, "waitlisted": 1}


def test_a_full_seminar_without_waiting_list_refuses_on_the_page(client, login_as, count_rows):
    trainer = login_as("trainer")
    seminar = fixtures.create_seminar(trainers=[trainer], capacity=1, waitlist=False)
    fixtures.create_registration(seminar)
    person = fixtures.create_person(added_by=trainer)
    response = client.post(f"/seminars/{seminar.id}/register",
                           data={"person_id": str(person.id)}, follow_redirects=True)
    assert response.status_code == 200
    assert "is full (1 seats) and keeps no waiting list" in _text(response)
    assert count_rows(Registration) == 1


@pytest.mark.parametrize("status", ["cancelled", "completed"])
def test_registering_to_a_closed_seminar_is_refused_on_the_page(client, login_as, count_rows,
                                                                status):
    trainer = login_as("trainer")
    seminar = fixtures.create_seminar(trainers=[trainer], status=status)
    person = fixtures.create_person(added_by=trainer)
    response = client.post(f"/seminars/{seminar.id}/register",
                           data={"person_id": str(person.id)}, follow_redirects=True)
    assert response.status_code == 200
    assert "nobody can register any more" in _text(response)
    response = client.post(f"/seminars/{seminar.id}/register/new",
                           data={"full_name": "Trần Văn Đức"})
    assert "nobody can register any more" in _text(response)
    assert (count_rows(Registration), count_rows(Person)) == (0, 1)


def test_a_new_person_is_created_and_registered(client, login_as):
    trainer = login_as("trainer")
    seminar = fixtures.create_seminar(trainers=[trainer])
    response = client.post(f"/seminars/{seminar.id}/register/new", data={
        "full_name": "gʻulomov  Shahnoza", "national_id": "AB 1234567"}, follow_redirects=True)
    assert "gʻulomov Shahnoza is registered." in _text(response)
    person = db.session.scalar(select(Person))
    assert person.full_name == "g\u02bbulomov Shahnoza" and person.national_id == "AB1234567"
    # The trainer typed it once; it is not shown back to them.
    assert "AB1234567" not in _text(client.get(f"/people/{person.id}"))


def test_a_likely_duplicate_is_offered_instead_of_created(client, login_as, count_rows):
    trainer = login_as("trainer")
    seminar = fixtures.create_seminar(trainers=[trainer])
    organization = fixtures.create_organization("“Andijon Tekstil” MChJ")
    existing = fixtures.create_person("Гулнора Ҳасанова", organization=organization,
                                      added_by=trainer)
    data = {"full_name": "ҳасанова гулнора", "organization_id": str(organization.id)}
    response = client.post(f"/seminars/{seminar.id}/register/new", data=data)
    page = _text(response)
    assert "Is it one of these people?" in page and "Гулнора Ҳасанова" in page
    assert "same name, same organization or district" in page
    assert "This is a different person" in page
    assert (count_rows(Person), count_rows(Registration)) == (1, 0)
    # Choosing the offered record registers it.
    client.post(f"/seminars/{seminar.id}/register", data={"person_id": str(existing.id)})
    assert db.session.scalar(select(Registration.person_id)) == existing.id
    # Or, after checking, create another person anyway.
    other = fixtures.create_seminar(trainers=[trainer])
    client.post(f"/seminars/{other.id}/register/new", data={**data, "allow_duplicate": "y"})
    assert count_rows(Person) == 2


def test_a_national_identifier_duplicate_cannot_be_overridden(client, login_as, count_rows):
    trainer = login_as("trainer")
    seminar = fixtures.create_seminar(trainers=[trainer])
    fixtures.create_person("Өлзийбаяр Батболд", national_id="УБ90010112")
    response = client.post(f"/seminars/{seminar.id}/register/new", data={
        "full_name": "Olziibayar Batbold", "national_id": "уб90010112",
        "allow_duplicate": "y"})
    page = _text(response)
    assert "already registered" in page and "same national identifier" in page
    assert "This is a different person" not in page
    assert "УБ90010112" not in page  # a trainer never sees the stored identifier
    assert count_rows(Person) == 1


def test_cancelling_a_registration_promotes_the_first_waiting(client, login_as):
    trainer = login_as("trainer")
    seminar = fixtures.create_seminar(trainers=[trainer], capacity=1)
    holder = fixtures.create_registration(seminar, fixtures.create_person("Бахтиёр Юсупов"))
    waiting = fixtures.create_registration(seminar, fixtures.create_person("Нодира Абдуллаева"),
                                           status="waitlisted")
    page = _text(client.get(f"/seminars/{seminar.id}"))
    assert "Waiting list" in page and "data-confirm" in page
    response = client.post(f"/seminars/{seminar.id}/registrations/{holder.id}/cancel",
                           follow_redirects=True)
    page = _text(response)
    assert "Registration of Бахтиёр Юсупов cancelled." in page
    assert "Нодира Абдуллаева moved up from the waiting list" in page
    db.session.expire_all()
    assert (holder.status, waiting.status) == ("cancelled", "registered")
    assert seats_taken(seminar) == 1


# --- the seminar page, attendance, results, completion ----------------------------------------

def test_the_seminar_page_shows_roster_and_figures(client, login_as):
    trainer = login_as("trainer")
    seminar = fixtures.create_seminar(trainers=[trainer], status="in_progress", capacity=10)
    fixtures.create_registration(seminar, fixtures.create_person("Nguyễn Thị Thắm"),
                                 present_days=3, exam_score=91)
    fixtures.create_registration(seminar, fixtures.create_person("Trần Văn Đức"),
                                 present_days=3, exam_score=40)
    fixtures.create_registration(seminar, fixtures.create_person("Lê Thị Hồng Nhung"))
    fixtures.create_registration(seminar, status="waitlisted")
    page = _text(client.get(f"/seminars/{seminar.id}"))
    assert "3 / 10" in page
    assert "Nguyễn Thị Thắm" in page and "Lê Thị Hồng Nhung" in page
    assert "score 40 is below the pass mark of 70" in page
    assert "attendance not recorded for every day" in page
    figures = page[page.index('class="figures'):page.index("</ul>", page.index('class="figures'))]
    assert "<span class=\"figure\">1</span> on the waiting list" in figures
    assert "<span class=\"figure\">2</span> attended" in figures
    assert "<span class=\"figure\">1</span> passing so far" in figures


def _listed(*registrations) -> dict:
    """The hidden fields a roster form carries: which participants it showed."""
    return {"listed": [str(registration.id) for registration in registrations]}


def test_attendance_form_marks_a_day_and_mark_all_present(client, login_as):
    trainer = login_as("trainer")
    seminar = fixtures.create_seminar(trainers=[trainer], status="in_progress")
    anna, bolor = fixtures.create_registration(seminar), fixtures.create_registration(seminar)
    day1, day2 = seminar.days[0], seminar.days[1]
    page = _text(client.get(f"/seminars/{seminar.id}/days/{day1.id}/attendance"))
    assert 'name="all_present"' in page and f'id="present-{anna.id}"' in page
    assert f'<label for="present-{anna.id}">' in page
    response = client.post(f"/seminars/{seminar.id}/days/{day1.id}/attendance",
                           data={"present": [str(anna.id)], **_listed(anna, bolor)},
                           follow_redirects=True)
    assert "1 present, 1 absent" in _text(response)
    client.post(f"/seminars/{seminar.id}/days/{day2.id}/attendance",
                data={"all_present": "1", **_listed(anna, bolor)})
    db.session.expire_all()
    marks = {(m.registration_id, m.seminar_day_id): m.present
             for m in db.session.scalars(select(Attendance))}
    assert marks == {(anna.id, day1.id): True, (bolor.id, day1.id): False,
                     (anna.id, day2.id): True, (bolor.id, day2.id): True}
    assert anna.attendance_percent() == 66


def test_saving_a_day_steps_on_to_the_next_and_then_to_the_results(client, login_as):
    trainer = login_as("trainer")
    seminar = fixtures.create_seminar(trainers=[trainer], status="in_progress")  # 3 days
    anna = fixtures.create_registration(seminar)
    day1, _, day3 = seminar.days
    base = f"/seminars/{seminar.id}/days"
    page = _text(client.get(f"{base}/{day1.id}/attendance"))
    assert "Save and go to day 2" in page and "Save and enter exam results" not in page
    # The form posts to an address of its own, so a failed save gets its own history entry.
    assert f'action="{base}/{day1.id}/attendance?save=1"' in page
    response = client.post(f"{base}/{day1.id}/attendance?save=1", page=f"/seminars/{seminar.id}",
                           data={"present": [str(anna.id)], "then": "next", **_listed(anna)})
    assert response.headers["Location"].endswith(f"{base}/{seminar.days[1].id}/attendance")
    # The next page tells the browser, once, that day 1 is saved (it forgets the kept ticks).
    page = _text(client.get(response.headers["Location"]))
    assert "1 present, 0 absent" in page and f'data-saved-day="{day1.id}"' in page
    assert "data-saved-day" not in _text(client.get(response.headers["Location"]))

    page = _text(client.get(f"{base}/{day3.id}/attendance"))
    assert "Save and go to day" not in page and "Save and enter exam results" in page
    response = client.post(f"{base}/{day3.id}/attendance", page=f"/seminars/{seminar.id}",
                           data={"then": "results", **_listed(anna)})
    assert response.headers["Location"].endswith(f"/seminars/{seminar.id}/results")
    assert anna.attendance_counts() == (1, 1, 1)


def test_a_failed_save_leaves_no_saved_mark(client, login_as):
    trainer = login_as("trainer")
    seminar = fixtures.create_seminar(trainers=[trainer], status="open")
    anna = fixtures.create_registration(seminar)
    day = seminar.days[0]
    url = f"/seminars/{seminar.id}/days/{day.id}/attendance"
    response = client.post(url, page=f"/seminars/{seminar.id}", follow_redirects=True,
                           data={"present": [str(anna.id)], "then": "next", **_listed(anna)})
    page = _text(response)
    assert response.request.path == url  # refused: it stays on the day
    assert "once the seminar is in progress" in page and "data-saved-day" not in page


def test_every_cell_of_an_attendance_row_ticks_it(client, login_as):
    trainer = login_as("trainer")
    seminar = fixtures.create_seminar(trainers=[trainer], status="in_progress")
    anna = fixtures.create_registration(seminar, fixtures.create_person("Gulnora Hasanova"))
    url = f"/seminars/{seminar.id}/days/{seminar.days[0].id}/attendance"
    page = _text(client.get(url))
    tick = page.index(f'id="present-{anna.id}"')
    row = page[page.rindex("<tr>", 0, tick):page.index("</tr>", tick)]
    assert row.count(f'<label for="present-{anna.id}">') == 5
    assert f'aria-labelledby="name-{anna.id}"' in row
    assert f'<span id="name-{anna.id}">Gulnora Hasanova</span>' in row
    assert "js/attendance.js" in page and 'role="status"' in page

    # The kept ticks belong to one list: a new participant makes a new roster version.
    version = re.search(r'data-roster-version="(\w+)"', page).group(1)
    assert re.search(r'data-roster-version="(\w+)"', _text(client.get(url))).group(1) == version
    fixtures.create_registration(seminar)
    assert re.search(r'data-roster-version="(\w+)"', _text(client.get(url))).group(1) != version


def test_attendance_before_the_seminar_starts_is_refused(client, login_as, count_rows):
    trainer = login_as("trainer")
    seminar = fixtures.create_seminar(trainers=[trainer], status="open")
    fixtures.create_registration(seminar)
    day = seminar.days[0]
    assert "Attendance is recorded once the seminar is in progress." in _text(
        client.get(f"/seminars/{seminar.id}/days/{day.id}/attendance"))
    response = client.post(f"/seminars/{seminar.id}/days/{day.id}/attendance",
                           data={"all_present": "1"}, follow_redirects=True)
    assert "once the seminar is in progress" in _text(response)
    assert count_rows(Attendance) == 0


def test_results_page_saves_scores_and_shows_outcomes(client, login_as):
    trainer = login_as("trainer")
    seminar = fixtures.create_seminar(trainers=[trainer], status="in_progress")
    anna = fixtures.create_registration(seminar, present_days=3)
    bolor = fixtures.create_registration(seminar, present_days=2)
    response = client.post(f"/seminars/{seminar.id}/results", data={
        f"score-{anna.id}": "85", f"score-{bolor.id}": "99", f"pending-{bolor.id}": "",
        **_listed(anna, bolor)},
        follow_redirects=True)
    page = _text(response)
    assert "Results saved (2 changed)." in page
    assert "attendance 66 % is below the minimum of 100 %" in page
    db.session.expire_all()
    assert (anna.exam_score, bolor.exam_score) == (85, 99)


@pytest.mark.parametrize("bad", ["101", "-5", "eighty", "85.5"])
def test_a_bad_score_saves_nothing_and_is_marked(client, login_as, bad):
    trainer = login_as("trainer")
    seminar = fixtures.create_seminar(trainers=[trainer], status="in_progress")
    anna, bolor = fixtures.create_registration(seminar), fixtures.create_registration(seminar)
    response = client.post(f"/seminars/{seminar.id}/results", data={
        f"score-{anna.id}": "90", f"score-{bolor.id}": bad, **_listed(anna, bolor)})
    page = _text(response)
    assert response.status_code == 200
    assert "Nothing was saved" in page
    assert f'id="score-{bolor.id}-error"' in page and "whole number from 0 to 100" in page
    assert f'value="{bad}"' in page  # what was typed stays, to be corrected
    db.session.expire_all()
    assert (anna.exam_score, bolor.exam_score) == (None, None)


def test_results_before_the_seminar_starts_are_refused(client, login_as):
    trainer = login_as("trainer")
    seminar = fixtures.create_seminar(trainers=[trainer], status="open")
    registration = fixtures.create_registration(seminar)
    response = client.post(f"/seminars/{seminar.id}/results",
                           data={f"score-{registration.id}": "90"}, follow_redirects=True)
    assert "once the seminar is in progress" in _text(response)
    db.session.expire_all()
    assert registration.exam_score is None


def test_completing_lists_the_undecided_and_can_leave_them_pending(client, login_as):
    trainer = login_as("trainer")
    seminar = fixtures.create_seminar(trainers=[trainer], status="in_progress")
    fixtures.create_registration(seminar, present_days=3, exam_score=90)
    open_one = fixtures.create_registration(seminar, fixtures.create_person("Жасур Эргашев"),
                                            present_days=3)
    page = _text(client.get(f"/seminars/{seminar.id}/complete"))
    assert "Not decided yet" in page and "Жасур Эргашев" in page
    response = client.post(f"/seminars/{seminar.id}/complete", data={}, follow_redirects=True)
    assert "is not decided yet" in _text(response)
    db.session.expire_all()
    assert seminar.status == "in_progress"
    response = client.post(f"/seminars/{seminar.id}/complete", data={"leave_pending": "y"},
                           follow_redirects=True)
    assert "completed." in _text(response)
    db.session.expire_all()
    assert seminar.status == "completed" and open_one.left_pending


def test_an_official_completes_an_attendance_course(client, login_as):
    login_as("official")
    course = fixtures.create_course(kind="attendance", pass_mark=None, days=1, prefix="AT")
    seminar = fixtures.create_seminar(course=course, status="in_progress")
    registration = fixtures.create_registration(seminar)
    client.post(f"/seminars/{seminar.id}/days/{seminar.days[0].id}/attendance",
                data={"all_present": "1", **_listed(registration)})
    client.post(f"/seminars/{seminar.id}/complete", data={})
    db.session.expire_all()
    assert seminar.status == "completed"
    assert registration.derive_outcome() == "passed"
    assert "Exam score" not in _text(client.get(f"/seminars/{seminar.id}/results"))


def test_the_sign_in_sheet_is_a_pdf_with_every_name(client, login_as, pdf_reader):
    trainer = login_as("trainer")
    seminar = fixtures.create_seminar(trainers=[trainer], title="Дотоод аудитор — Баянзүрх")
    seminar.language = "en"  # the sheet prints in the seminar's language
    organization = fixtures.create_organization("Công ty TNHH Dệt may Hà Nội")
    names = ["Өлзийбаяр Батболд", "Шаҳноза Ғуломова", "Oʻlmas Gʻaniyev", "Nguyễn Thị Thắm"]
    for name in names:
        fixtures.create_registration(seminar, fixtures.create_person(name,
                                                                     organization=organization))
    fixtures.create_registration(seminar, fixtures.create_person("Waiting Person"),
                                 status="waitlisted")
    day = seminar.days[1]
    response = client.get(f"/seminars/{seminar.id}/days/{day.id}/sign-in.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = pdf_reader.text(response.data)
    for name in names:
        assert name in text
    assert "Waiting Person" not in text
    assert "Signature" in text and "Day 2 of 3" in text
    assert "Công ty TNHH Dệt may Hà Nội" in text
    assert "Дотоод аудитор — Баянзүрх" in text


def test_junk_input_never_breaks_a_page(client, login_as, count_rows):
    login_as("admin")
    trainer = fixtures.create_user("trainer")
    seminar = fixtures.create_seminar(trainers=[trainer], status="in_progress")
    registration = fixtures.create_registration(seminar)
    day = seminar.days[0]
    base = f"/seminars/{seminar.id}"
    junk = [
        ("GET", "/seminars/?page=-3&sort=nonsense&region=x&since=yesterday&course=%25", None),
        ("POST", "/seminars/new", _seminar_form(seminar.course, [trainer],
                                                 course_id="999999", capacity="1e9",
                                                 start_date="31/12/2026",
                                                 trainer_ids=["abc"])),
        ("POST", "/seminars/new", _seminar_form(seminar.course, [trainer],
                                                 start_date="9999-12-31")),
        ("POST", f"{base}/edit", _seminar_form(seminar.course, [trainer], dates="2026-02-30",
                                               capacity="-1")),
        ("POST", f"{base}/status", {"status": "<script>"}),
        ("POST", f"{base}/register", {"person_id": "' or 1=1"}),
        ("POST", f"{base}/register/new", {"full_name": "x" * 400, "organization_id": "nan"}),
        ("POST", f"{base}/days/{day.id}/attendance", {"present": ["x", "999999"]}),
        ("POST", f"{base}/results", {f"score-{registration.id}": "9" * 30,
                                     "score-999999": "50"}),
        ("POST", f"{base}/results", {f"score-{registration.id}": "-999999"}),
        ("POST", f"{base}/complete", {"leave_pending": "maybe"}),
        ("POST", f"/people/{registration.person_id}/merge", {"target_id": "abc"}),
    ]
    before = (count_rows(Seminar), count_rows(Person), count_rows(Registration),
              count_rows(Attendance))
    for method, url, data in junk:
        response = client.open(url, method=method, data=data)
        assert response.status_code < 500, (method, url, response.status_code)
    # The attendance POST with unknown ids writes nothing; nothing else was valid either.
    assert (count_rows(Seminar), count_rows(Person), count_rows(Registration),
            count_rows(Attendance)) == before
    db.session.expire_all()
    assert registration.exam_score is None
