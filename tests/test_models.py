"""The database itself refuses duplicates, broken references and impossible values."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from registry.auth.models import User
from registry.catalog.models import Course, Region, Sector
from registry.certificates.models import Certificate, CertificateNumberCounter
from registry.catalog.models import Organization
from registry.people.models import Person
from registry.seminars.models import Attendance, Registration, Seminar
from tests import fixtures


def refused(db, *objects):
    """Adding the objects and flushing must fail in the database; the session is rolled back."""
    db.session.add_all(objects)
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
    return True


def test_user_email_is_unique(db):
    fixtures.create_user(email="malika@registry.test")
    twin = User(email="malika@registry.test", name="Twin", role="official", password_hash="x")
    assert refused(db, twin)


def test_user_role_and_lowercase_email_are_checked(db):
    assert refused(db, User(email="a@registry.test", name="A", role="superuser",
                            password_hash="x"))
    assert refused(db, User(email="Upper@Registry.test", name="B", role="admin",
                            password_hash="x"))


def test_region_names_are_unique_under_one_parent(db):
    fergana = fixtures.create_region("Fergana Region")
    fixtures.create_region("Quva", kind="district", parent=fergana)
    assert refused(db, Region(country="UZ", name="Quva", kind="district", parent_id=fergana.id))


def test_top_level_region_names_are_unique_per_country(db):
    fixtures.create_region("Tashkent City", kind="city")
    assert refused(db, Region(country="UZ", name="Tashkent City", kind="city"))
    db.session.add(Region(country="MN", name="Tashkent City", kind="city"))
    db.session.flush()  # another country may have the same name


def test_region_kind_is_checked(db):
    assert refused(db, Region(country="UZ", name="Nowhere", kind="planet"))


def test_broken_reference_is_refused(db):
    assert refused(db, Region(country="UZ", name="Orphan", kind="district", parent_id=999_999))
    assert refused(db, Person(full_name="Бахтиёр Юсупов", search_name="x",
                              organization_id=999_999))


def test_sector_code_and_name_are_unique(db):
    fixtures.create_sector("Textiles", code="TEXTILES")
    assert refused(db, Sector(code="TEXTILES", name="Other"))
    assert refused(db, Sector(code="OTHER", name="Textiles"))


def test_organization_is_unique_per_region(db):
    region = fixtures.create_region()
    fixtures.create_organization("“Qizilqum Sement” AJ", region=region)
    assert refused(db, Organization(name="“Qizilqum Sement” AJ", kind="enterprise",
                                    region_id=region.id))
    assert refused(db, Organization(name="Something", kind="club"))


def test_course_rules_are_checked(db):
    base = dict(title="T", hours=8, days=1, number_prefix="AT")
    assert refused(db, Course(code="A1", certificate_kind="internal_auditor", pass_mark=None,
                              **base))
    assert refused(db, Course(code="A2", certificate_kind="attendance", pass_mark=120, **base))
    assert refused(db, Course(code="A3", certificate_kind="attendance",
                              **{**base, "days": 0}))
    assert refused(db, Course(code="A4", certificate_kind="diploma", **base))
    fixtures.create_course(code="DUP")
    assert refused(db, Course(code="DUP", certificate_kind="attendance", **base))


def test_seminar_dates_and_capacity_are_checked(db):
    course = fixtures.create_course()
    today = date.today()
    assert refused(db, Seminar(course_id=course.id, title="Backwards", start_date=today,
                               end_date=today - timedelta(days=1), capacity=10))
    assert refused(db, Seminar(course_id=course.id, title="Empty", start_date=today,
                               end_date=today, capacity=0))
    assert refused(db, Seminar(course_id=course.id, title="Overfull", start_date=today,
                               end_date=today, capacity=2, seats_taken=3))
    assert refused(db, Seminar(course_id=course.id, title="Cancelled", start_date=today,
                               end_date=today, capacity=2, status="cancelled"))


def test_seats_taken_can_never_exceed_capacity_in_an_update(db):
    seminar = fixtures.create_seminar(capacity=1)
    db.session.execute(text("UPDATE seminar SET seats_taken = 1 WHERE id = :id"),
                       {"id": seminar.id})
    with pytest.raises(IntegrityError):
        db.session.execute(text("UPDATE seminar SET seats_taken = 2 WHERE id = :id"),
                           {"id": seminar.id})
    db.session.rollback()


def test_a_person_is_registered_once_per_seminar(db):
    seminar = fixtures.create_seminar()
    person = fixtures.create_person("Шаҳноза Ғуломова")
    fixtures.create_registration(seminar, person)
    assert refused(db, Registration(seminar_id=seminar.id, person_id=person.id,
                                    status="waitlisted"))


def test_exam_score_and_status_are_checked(db):
    seminar = fixtures.create_seminar()
    assert refused(db, Registration(seminar_id=seminar.id, person_id=fixtures.create_person().id,
                                    status="registered", exam_score=101))
    assert refused(db, Registration(seminar_id=seminar.id, person_id=fixtures.create_person().id,
                                    status="maybe"))


def test_attendance_is_once_per_day(db):
    seminar = fixtures.create_seminar()
    registration = fixtures.create_registration(seminar, present_days=1)
    first_day = seminar.days[0]
    assert refused(db, Attendance(registration_id=registration.id, seminar_day_id=first_day.id,
                                  present=False))


def _certificate(registration, **overrides):
    values = dict(registration_id=registration.id, person_id=registration.person_id,
                  course_id=registration.seminar.course_id, seminar_id=registration.seminar_id,
                  prefix="IA", year=2026, serial=1, revision=1, public_code="A" * 26,
                  holder_name="Ўктам Қодиров", course_title="ISO 9001:2015 Internal Auditor",
                  number="IA-2026-00001", hours=24, start_date=date(2026, 11, 2),
                  end_date=date(2026, 11, 4), issuer_name="Oʻzstandart agentligi",
                  issued_on=date(2026, 11, 24))
    values.update(overrides)
    return Certificate(**{key: value for key, value in values.items()
                          if hasattr(Certificate, key)})


def test_certificate_identities_are_unique(db):
    seminar = fixtures.create_seminar(status="completed")
    first = fixtures.create_registration(seminar, exam_score=90, present_days=3)
    second = fixtures.create_registration(seminar, exam_score=90, present_days=3)
    db.session.add(_certificate(first))
    db.session.flush()
    # Same printed number and revision for someone else: refused.
    assert refused(db, _certificate(second, public_code="B" * 26))


def test_certificate_public_code_is_unique(db):
    seminar = fixtures.create_seminar(status="completed")
    first = fixtures.create_registration(seminar, exam_score=90, present_days=3)
    second = fixtures.create_registration(seminar, exam_score=90, present_days=3)
    db.session.add(_certificate(first))
    db.session.flush()
    assert refused(db, _certificate(second, serial=2, number="IA-2026-00002"))


def test_number_counter_is_one_row_per_prefix_and_year(db):
    db.session.add(CertificateNumberCounter(prefix="IA", year=2026, last_serial=3))
    db.session.flush()
    assert refused(db, CertificateNumberCounter(prefix="IA", year=2026, last_serial=4))
