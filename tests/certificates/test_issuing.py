"""Issuing certificates: who may, who is eligible, numbers, codes, signatures, no duplicates."""
from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from registry.audit.models import AuditEvent
from registry.certificates import services, signing
from registry.certificates.models import Certificate
from registry.errors import DomainError, PermissionDenied
from registry.extensions import db
from tests import fixtures


@pytest.fixture
def official():
    return fixtures.create_user("official")


def _mixed_seminar(**options):
    """Passed, failed on score, failed on attendance, and one without a score yet."""
    return fixtures.create_completed_seminar((
        ("Билгүүн Өлзийбат", 3, 95),
        ("Nguyễn Thị Hồng Phượng", 3, 40),
        ("Oʻrinboy Gʻulomov", 1, 99),
        ("Щербакова Юлия", 3, 70),
        ("Ғайратжон Ўроқов", 3, None),
    ), **options)


def test_batch_issues_exactly_the_eligible_and_numbers_them_in_roster_order(official):
    seminar = _mixed_seminar()
    result = services.issue_for_seminar(seminar, issued_by=official)
    db.session.commit()
    holders = [certificate.holder_name for certificate in result.issued]
    assert holders == ["Билгүүн Өлзийбат", "Щербакова Юлия"]  # roster order: by name
    year = date.today().year
    assert [c.number for c in result.issued] == [f"IA-{year}-00001", f"IA-{year}-00002"]
    assert result.not_eligible == 3


def test_batch_run_twice_gives_one_certificate_per_person(official, count_rows):
    seminar = _mixed_seminar()
    services.issue_for_seminar(seminar, issued_by=official)
    db.session.commit()
    again = services.issue_for_seminar(seminar, issued_by=official)
    db.session.commit()
    assert again.issued == [] and again.already_issued == 2
    assert count_rows(Certificate) == 2


def test_issuing_one_twice_is_refused(official, count_rows):
    seminar = _mixed_seminar()
    registration = next(r for r in seminar.registrations if r.exam_score == 95)
    services.issue_certificate(registration, issued_by=official)
    db.session.commit()
    with pytest.raises(services.AlreadyIssued):
        services.issue_certificate(registration, issued_by=official)
    db.session.rollback()
    assert count_rows(Certificate) == 1


@pytest.mark.parametrize("name, reason", [
    ("Nguyễn Thị Hồng Phượng", "pass mark"),
    ("Oʻrinboy Gʻulomov", "Attendance"),
    ("Ғайратжон Ўроқов", "pending"),
])
def test_ineligible_participants_are_refused_with_the_reason(official, count_rows, name, reason):
    seminar = _mixed_seminar()
    registration = next(r for r in seminar.registrations if r.person.full_name == name)
    with pytest.raises(services.NotEligible) as refused:
        services.issue_certificate(registration, issued_by=official)
    assert reason in str(refused.value.message)
    db.session.rollback()
    assert count_rows(Certificate) == 0


def test_attendance_course_needs_attendance_only(official):
    course = fixtures.create_course(kind="attendance", pass_mark=None, min_attendance=80,
                                    prefix="QM", days=5)
    seminar = fixtures.create_completed_seminar(
        (("Өлзийбат Батбаяр", 4, None), ("Дорж Сүхбат", 3, None)), course=course)
    result = services.issue_for_seminar(seminar, issued_by=official)
    assert [c.holder_name for c in result.issued] == ["Өлзийбат Батбаяр"]
    assert result.issued[0].number.startswith(f"QM-{date.today().year}-")


def test_no_certificates_before_the_seminar_is_completed(official):
    seminar = _mixed_seminar()
    seminar.status = "in_progress"
    db.session.commit()
    with pytest.raises(DomainError):
        services.issue_for_seminar(seminar, issued_by=official)
    with pytest.raises(services.NotEligible):
        services.issue_certificate(seminar.registrations[0], issued_by=official)


@pytest.mark.parametrize("role", ["trainer"])
def test_trainers_never_issue(role, count_rows):
    seminar = _mixed_seminar()
    with pytest.raises(PermissionDenied):
        services.issue_for_seminar(seminar, issued_by=fixtures.create_user(role))
    assert count_rows(Certificate) == 0


def test_an_official_who_taught_the_seminar_cannot_certify_it(count_rows):
    official = fixtures.create_user("official")
    seminar = _mixed_seminar(trainers=[official])
    with pytest.raises(PermissionDenied) as refused:
        services.issue_for_seminar(seminar, issued_by=official)
    assert "taught" in str(refused.value.message)
    assert count_rows(Certificate) == 0
    other = fixtures.create_user("official")
    assert len(services.issue_for_seminar(seminar, issued_by=other).issued) == 2


def test_certificate_snapshot_code_validity_and_audit(official):
    certificate = fixtures.create_certificate("Oʻrinboy Gʻulomov", issued_by=official,
                                              latin_name="Orinboy Gulomov")
    assert certificate.holder_name == "Oʻrinboy Gʻulomov"
    assert certificate.holder_latin_name == "Orinboy Gulomov"
    assert certificate.course_title == "ISO 9001:2015 Internal Auditor"
    assert certificate.valid_until == services.add_months(certificate.issued_on, 36)
    assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{26}", certificate.public_code)
    assert certificate.public_code not in certificate.number
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "certificate.issue")).one()
    assert event.actor_id == official.id and event.record_id == certificate.id


def test_public_codes_are_random_and_read_back_case_insensitively():
    codes = {services.new_public_code() for _ in range(2000)}
    assert len(codes) == 2000
    code = next(iter(codes))
    typed = code.lower().replace("1", "l").replace("0", "o")
    typed = f"{typed[:5]}-{typed[5:10]} {typed[10:]}"
    assert services.normalise_public_code(typed) == code
    assert services.normalise_public_code(code + "U") is None
    assert services.normalise_public_code("IA-2026-00001") is None
    assert services.normalise_public_code("") is None


def test_signature_verifies_with_the_public_key_only(official):
    certificate = fixtures.create_certificate(issued_by=official)
    published = services.key_ring().published()
    document = {"payload": signing_payload(certificate), "signature": certificate.signature}
    keys = signing.public_keys_from_document(published)
    assert signing.verify_signed_document(document, keys)
    tampered = {**document, "payload": {**document["payload"],
                                        "holder": document["payload"]["holder"] + "а"}}
    assert not signing.verify_signed_document(tampered, keys)
    one_char = dict(document, signature=_flip(document["signature"]))
    assert not signing.verify_signed_document(one_char, keys)


def signing_payload(certificate):
    import json

    return json.loads(certificate.payload)


def _flip(text: str) -> str:
    index = len(text) // 2
    return text[:index] + ("A" if text[index] != "A" else "B") + text[index + 1:]


def test_a_trainer_made_official_never_certifies_a_seminar_they_taught(client, login_as,
                                                                       count_rows):
    """L13: who taught a seminar is frozen when it starts; a later role change and a trainer
    list without them do not make them its certifier."""
    from registry.auth.services import update_user
    from registry.seminars import services as seminars

    admin = fixtures.create_user("admin")
    teacher, colleague = fixtures.create_user("trainer"), fixtures.create_user("trainer")
    seminar = fixtures.create_seminar(trainers=[teacher], status="open",
                                      start=date.today())
    seminars.change_status(seminar, "in_progress", actor=teacher)
    db.session.commit()
    update_user(teacher, email=teacher.email, name=teacher.name, role="official",
                locale=None, updated_by=admin)
    db.session.commit()
    # Now an official, the former trainer hands the seminar to a colleague ...
    seminars.update_seminar(seminar, actor=teacher, title=seminar.title,
                            start_date=seminar.start_date, venue=seminar.venue,
                            language=seminar.language, capacity=seminar.capacity,
                            trainers=[colleague])
    db.session.commit()
    fixtures.create_registration(seminar, present_days=3, exam_score=90)
    seminar.status = "completed"
    db.session.commit()
    assert not seminar.is_trainer(teacher)
    # ... and still may not certify it, on the page or through the service.
    login_as(teacher)
    assert client.get(f"/certificates/seminar/{seminar.id}").status_code == 403
    with pytest.raises(PermissionDenied):
        services.issue_for_seminar(seminar, issued_by=teacher)
    db.session.rollback()
    assert count_rows(Certificate) == 0
    # Another official, who never taught it, may.
    assert len(services.issue_for_seminar(seminar, issued_by=fixtures.create_user(
        "official")).issued) == 1
