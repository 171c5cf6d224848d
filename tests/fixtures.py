"""Callables that create realistic records for tests: ``create_seminar(...)`` and friends.

Each commits what it makes so that a request from the test client sees it.
"""
from __future__ import annotations

import itertools
from datetime import date, timedelta

from registry.auth.models import User
from registry.catalog.models import Course, Region, Sector
from registry.extensions import db
from registry.catalog.models import Organization
from registry.people.models import Person
from registry.people.names import clean_name, search_key
from registry.seminars.models import Registration, Seminar, SeminarDay

_sequence = itertools.count(1)
TEST_PASSWORD = "correct horse battery"


def _next() -> int:
    return next(_sequence)


def _save(obj):
    db.session.add(obj)
    db.session.commit()
    return obj


def create_user(role: str = "admin", *, email: str | None = None, name: str | None = None,
                password: str = TEST_PASSWORD, active: bool = True,
                region: Region | None = None) -> User:
    """A staff account; ``region`` makes it a regional office's (``registry.auth.scope``)."""
    user = User(email=email or f"{role}{_next()}@registry.test",
                name=name or f"{role.title()} {_next()}", role=role, active=active,
                region_id=region.id if region is not None else None)
    user.set_password(password)
    return _save(user)


def create_region(name: str | None = None, *, country: str = "UZ", kind: str = "region",
                  parent: Region | None = None) -> Region:
    return _save(Region(country=country, name=name or f"Region {_next()}", kind=kind,
                        parent=parent))


def create_sector(name: str | None = None, *, code: str | None = None) -> Sector:
    number = _next()
    return _save(Sector(code=code or f"S{number}", name=name or f"Sector {number}"))


def create_organization(name: str | None = None, *, region: Region | None = None,
                        sector: Sector | None = None, kind: str = "enterprise") -> Organization:
    return _save(Organization(name=name or f"Enterprise {_next()}", kind=kind, region=region,
                              sector=sector))


def create_course(*, kind: str = "internal_auditor", days: int = 3, pass_mark: int | None = 70,
                  min_attendance: int = 100, validity_months: int | None = 36,
                  prefix: str = "IA", code: str | None = None,
                  title: str = "ISO 9001:2015 Internal Auditor") -> Course:
    return _save(Course(code=code or f"C{_next()}", title=title, certificate_kind=kind,
                        hours=8 * days, days=days,
                        pass_mark=pass_mark if kind == "internal_auditor" else pass_mark,
                        min_attendance_percent=min_attendance, validity_months=validity_months,
                        number_prefix=prefix, languages="seminar",
                        standards="ISO 9001:2015, ISO 19011:2018"))


def create_person(full_name: str | None = None, *, latin_name: str | None = None,
                  organization: Organization | None = None, region: Region | None = None,
                  national_id: str | None = None, email: str | None = None,
                  added_by: User | None = None) -> Person:
    full_name = clean_name(full_name or f"Ўктам Қодиров {_next()}")
    return _save(Person(full_name=full_name, latin_name=latin_name,
                        search_name=search_key(full_name), organization=organization,
                        region=region, national_id=national_id, email=email,
                        added_by_id=added_by.id if added_by else None))


def create_seminar(*, course: Course | None = None, trainers: list[User] | tuple = (),
                   start: date | None = None, capacity: int = 20, status: str = "open",
                   region: Region | None = None, title: str | None = None,
                   waitlist: bool = True, language: str = "uz") -> Seminar:
    course = course or create_course()
    start = start or date.today() + timedelta(days=14)
    days = [start + timedelta(days=offset) for offset in range(course.days)]
    seminar = Seminar(course=course, title=title or f"{course.title} — group {_next()}",
                      start_date=days[0], end_date=days[-1], venue="Tashkent, hall 2",
                      region=region, language=language, capacity=capacity, status=status,
                      waitlist_enabled=waitlist,
                      cancel_reason="test" if status == "cancelled" else None)
    seminar.trainers.extend(trainers)
    if status in ("in_progress", "completed"):
        seminar.record_teaching()  # as starting it through the service does
    seminar.days = [SeminarDay(day=day) for day in days]
    return _save(seminar)


def create_registration(seminar: Seminar, person: Person | None = None, *,
                        status: str = "registered", exam_score: int | None = None,
                        present_days: int | None = None) -> Registration:
    """A registration; ``present_days`` marks the first N days present and the rest absent."""
    from registry.seminars.models import Attendance

    registration = Registration(seminar=seminar, person=person or create_person(),
                                status=status, exam_score=exam_score)
    db.session.add(registration)
    if status == "registered":
        seminar.seats_taken += 1
    if present_days is not None:
        for index, seminar_day in enumerate(seminar.days):
            registration.attendance.append(
                Attendance(seminar_day=seminar_day, present=index < present_days))
    return _save(registration)


def create_completed_seminar(people=(("Ғайратжон Ўроқов", 3, 90),), *, course: Course | None = None,
                             trainers: list[User] | tuple = (), **seminar_options) -> Seminar:
    """A completed seminar whose participants are ``(full_name, present_days, exam_score)``."""
    course = course or create_course()
    seminar = create_seminar(course=course, trainers=trainers, status="in_progress",
                             start=seminar_options.pop("start", date.today() - timedelta(days=10)),
                             capacity=max(20, len(people)), **seminar_options)
    for full_name, present_days, score in people:
        create_registration(seminar, create_person(full_name), present_days=present_days,
                            exam_score=score)
    seminar.status = "completed"
    return _save(seminar)


def create_certificate(full_name: str = "Ғайратжон Ўроқов", *, issued_by: User | None = None,
                       course: Course | None = None, latin_name: str | None = None):
    """An issued certificate (through the real service) for a new, passed participant."""
    from registry.certificates.services import issue_certificate

    seminar = create_completed_seminar(((full_name, 3, 90),), course=course)
    registration = seminar.registrations[0]
    if latin_name:
        registration.person.latin_name = latin_name
    certificate = issue_certificate(registration, issued_by=issued_by or create_user("official"))
    db.session.commit()
    return certificate


def sign_in(client, user: User) -> str:
    """Put a real server-side session of ``user`` into the test client's cookie (what a
    successful sign-in does), skipping the form; returns the session key."""
    from registry.auth.sessions import start_session

    key = start_session(user, address="127.0.0.1", user_agent="test client")
    db.session.commit()
    with client.session_transaction() as session:
        session["_user_id"] = key
        session["_fresh"] = True
    return key
