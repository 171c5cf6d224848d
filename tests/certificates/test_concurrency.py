"""Issuing under real concurrency (threads with their own connections, released together),
on whichever database the suite runs on."""
from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from registry.auth.models import User
from registry.certificates import services
from registry.certificates.models import Certificate
from registry.errors import DomainError
from registry.extensions import db
from registry.seminars.models import Registration
from tests import fixtures
from tests.certificates.workers import IssueBatch
from tests.concurrency import run_together

REPEATS = 10


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


# --- status changes racing re-issues (M5) ----------------------------------------------------

RACES = 20


class OnCertificate:
    """A job acting as one official on one certificate (loaded in the worker's own session)."""

    def __init__(self, official_id):
        self.official_id = official_id

    def prepare(self, certificate_id):
        return db.session.get(Certificate, certificate_id), db.session.get(User, self.official_id)


class ChangeStatus(OnCertificate):
    def __init__(self, official_id, action):
        super().__init__(official_id)
        self.action = action

    def run(self, prepared):
        certificate, official = prepared
        services.change_status(certificate, self.action, actor=official,
                               reason="issued_in_error")
        return self.action


class Reissue(OnCertificate):
    def run(self, prepared):
        certificate, official = prepared
        services.reissue_certificate(certificate, {"holder_name": "Ғайратжон Ўроқов Ҳамидович"},
                                     actor=official, reason="patronymic missing")
        return "reissue"


def _current_revision(number):
    db.session.rollback()
    return db.session.scalar(select(Certificate).where(Certificate.number == number,
                                                       Certificate.superseded_by_id.is_(None)))


def test_a_revocation_racing_a_reissue_is_never_lost(app):
    """The current revision carries the revocation, or the loser is refused with a reason."""
    official, other = fixtures.create_user("official"), fixtures.create_user("official")
    for repeat in range(RACES):
        certificate = fixtures.create_certificate(f"Ўроқов Ғайратжон {repeat}", issued_by=official)
        results = run_together(app, [(ChangeStatus(official.id, "revoke"), certificate.id),
                                     (Reissue(other.id), certificate.id)])
        refused = [r for r in results if isinstance(r, Exception)]
        # exactly one goes through: they take turns, and the second sees what the first did
        assert len(refused) == 1 and isinstance(refused[0], DomainError), results
        current = _current_revision(certificate.number)
        if results[0] == "revoke":
            assert "revoked certificate cannot be re-issued" in str(results[1].message)
            assert current.revision == 1 and current.status == "revoked"
        else:
            # the re-issue came first: the revocation is refused and says what to do
            assert "act on the newest revision" in str(results[0].message)
            assert current.revision == 2 and current.status == "valid"


def test_reinstate_racing_revoke_ends_in_a_state_both_answers_agree_with(app):
    official = fixtures.create_user("official")
    for repeat in range(RACES):
        certificate = fixtures.create_certificate(f"Nguyễn Thị Thắm {repeat}", issued_by=official)
        services.change_status(certificate, "suspend", actor=official, reason="issued_in_error")
        db.session.commit()
        results = run_together(app, [(ChangeStatus(official.id, "revoke"), certificate.id),
                                     (ChangeStatus(official.id, "reinstate"), certificate.id)])
        current = _current_revision(certificate.number)
        assert "revoke" in results and current.status == "revoked", results
        # Reinstating after the revocation is refused; before it, it is undone by it.
        assert results[1] == "reinstate" or isinstance(results[1], DomainError)


# --- re-issues correcting the same person's record at once ---------------------------------

class ReissueCorrectingPerson(OnCertificate):
    """A re-issue with "Also correct the person's record" ticked, by an official whose form
    showed the record's name as ``seen``."""

    def __init__(self, official_id, name, seen):
        super().__init__(official_id)
        self.name, self.seen = name, seen

    def run(self, prepared):
        certificate, official = prepared
        services.reissue_certificate(certificate, {"holder_name": self.name}, actor=official,
                                     reason="spelling from the passport", correct_person=True,
                                     person_seen={"full_name": self.seen, "latin_name": None})
        return self.name


def test_two_reissues_correcting_one_person_never_lose_a_correction_silently(app):
    """Two certificates of one person (two seminars, so two different seminar locks), each
    re-issued with another spelling and the record ticked: the person's row is locked, so one
    goes through and the other is refused whole, saying what the record says now."""
    from registry.people.models import Person

    official, other = fixtures.create_user("official"), fixtures.create_user("official")
    for repeat in range(RACES):
        original = f"Shohruh Yoʻldoshev {repeat}"
        first = fixtures.create_certificate(original, issued_by=official)
        seminar = fixtures.create_completed_seminar(())
        registration = fixtures.create_registration(seminar, first.person, present_days=3,
                                                    exam_score=90)
        second = services.issue_certificate(registration, issued_by=official)
        db.session.commit()
        names = (f"Shohrux Yoʻldoshev {repeat}", f"Shoxrux Yoʻldoshev {repeat}")
        results = run_together(app, [
            (ReissueCorrectingPerson(official.id, names[0], original), first.id),
            (ReissueCorrectingPerson(other.id, names[1], original), second.id)])
        won = [r for r in results if isinstance(r, str)]
        refused = [r for r in results if isinstance(r, DomainError)]
        assert len(won) == 1 and len(refused) == 1, results
        assert "The person's record was changed meanwhile" in str(refused[0].message)
        assert won[0] in str(refused[0].message)  # it says what the record says now
        db.session.rollback()
        assert db.session.get(Person, first.person_id).full_name == won[0]
        winner, loser = (first, second) if won[0] == names[0] else (second, first)
        assert _current_revision(winner.number).revision == 2
        assert _current_revision(loser.number).revision == 1  # refused whole: not re-issued
