"""Issuing under real concurrency (threads with their own connections, released together),
on whichever database the suite runs on."""
from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from registry.auth.models import User
from registry.certificates import services
from registry.certificates.models import Certificate
from registry.extensions import db
from registry.seminars.models import Registration, Seminar
from tests import fixtures
from tests.concurrency import run_together

REPEATS = 10


class IssueBatch:
    def __init__(self, official_id):
        self.official_id = official_id

    def prepare(self, seminar_id):
        return db.session.get(Seminar, seminar_id), db.session.get(User, self.official_id)

    def run(self, prepared):
        seminar, official = prepared
        return len(services.issue_for_seminar(seminar, issued_by=official).issued)


class IssueOne:
    def __init__(self, official_id):
        self.official_id = official_id

    def prepare(self, registration_id):
        return db.session.get(Registration, registration_id), db.session.get(User, self.official_id)

    def run(self, prepared):
        registration, official = prepared
        return services.issue_certificate(registration, issued_by=official).number


def _certificates(seminar_id=None):
    db.session.rollback()  # a fresh transaction sees what the workers committed
    query = select(Certificate)
    if seminar_id is not None:
        query = query.where(Certificate.seminar_id == seminar_id)
    return db.session.scalars(query).all()


def test_two_batches_at_once_give_one_certificate_per_eligible_person(app):
    official = fixtures.create_user("official")
    for repeat in range(REPEATS):
        seminar = fixtures.create_completed_seminar(
            [(f"Ўроқов Ҳамид {repeat}-{n}", 3, 80) for n in range(4)]
            + [(f"Nguyễn Văn Bình {repeat}", 3, 10)])
        results = run_together(app, [(IssueBatch(official.id), seminar.id)] * 3)
        assert sorted(results) == [0, 0, 4], results
        certificates = _certificates(seminar.id)
        assert len(certificates) == 4
        assert len({c.registration_id for c in certificates}) == 4


def test_the_same_person_issued_twice_at_once_gets_one_certificate(app):
    official = fixtures.create_user("official")
    for repeat in range(REPEATS):
        seminar = fixtures.create_completed_seminar(((f"Билгүүн Өлзий {repeat}", 3, 90),))
        registration_id = seminar.registrations[0].id
        results = run_together(app, [(IssueOne(official.id), registration_id)] * 2)
        refused = [r for r in results if isinstance(r, services.AlreadyIssued)]
        assert len(refused) == 1, results
        assert len(_certificates(seminar.id)) == 1


def test_numbers_stay_gapless_and_unique_when_seminars_issue_at_once(app):
    official = fixtures.create_user("official")
    course = fixtures.create_course(prefix="GL")
    total = 0
    for repeat in range(REPEATS):
        seminars = [fixtures.create_completed_seminar(
            [(f"Oʻrinboy Gʻulomov {repeat}-{s}-{n}", 3, 90) for n in range(3)], course=course)
            for s in range(3)]
        singles = fixtures.create_completed_seminar(
            [(f"Щербакова Юлия {repeat}-{n}", 3, 90) for n in range(2)], course=course)
        jobs = [(IssueBatch(official.id), s.id) for s in seminars]
        jobs += [(IssueOne(official.id), r.id) for r in singles.registrations]
        results = run_together(app, jobs)
        assert not any(isinstance(r, Exception) for r in results), results
        total += 11
    serials = sorted(c.serial for c in _certificates())
    assert serials == list(range(1, total + 1))
    year = date.today().year
    numbers = db.session.scalars(select(Certificate.number)).all()
    assert len(set(numbers)) == total
    assert all(number.startswith(f"GL-{year}-") for number in numbers)
    counter = db.session.execute(select(func.max(Certificate.serial))).scalar_one()
    assert counter == total
