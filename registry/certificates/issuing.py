"""Issuing certificates: one, or a whole seminar at once.

Who may certify: officials and admins - never a trainer of the seminar concerned (training
and the certification decision are kept apart, as ISO/IEC 17024 asks); ``certifier_refusal``
is that rule, and ``auth.permissions`` asks it too. Every issuance first locks the seminar
row, so two batches (or a batch and a single issue) for one seminar run one after the other
and the second finds the certificates the first made; the unique key
``(registration_id, revision)`` is the database's own guard against a second certificate.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from registry.audit.services import record
from registry.catalog.models import Course
from registry.certificates.issuer import issuer_settings, sign_certificate
from registry.certificates.models import Certificate, IssuerSettings
from registry.certificates.renewal import renewable_predecessor
from registry.certificates.numbering import (
    add_months, format_number, new_public_code, new_status_index, next_serials,
)
from registry.database import utcnow
from registry.errors import DomainError, InvalidState, PermissionDenied
from registry.extensions import db
from registry.people.names import is_latin, latin_form
from registry.seminars.models import Registration, Seminar

CERTIFYING_ROLES = ("admin", "official")


class NotEligible(DomainError):
    """The registration does not (yet) qualify for a certificate."""


class AlreadyIssued(DomainError):
    status_code = 409


def certifier_refusal(actor, seminar: Seminar):
    """Why ``actor`` may not certify (or handle the certificates of) ``seminar``'s
    participants - a message - or ``None`` when they may."""
    if getattr(actor, "role", None) not in CERTIFYING_ROLES:
        return _l("Only officials and administrators issue certificates.")
    if seminar.was_taught_by(actor):
        return _l("You taught this seminar, so you cannot certify its "
                  "participants: another official must issue the certificates.")
    return None


def check_certifier(actor, seminar: Seminar) -> None:
    """Refuse (``PermissionDenied``) anyone ``certifier_refusal`` turns away."""
    reason = certifier_refusal(actor, seminar)
    if reason is not None:
        raise PermissionDenied(reason)


def ineligibility(registration: Registration):
    """Why this registration cannot get a certificate (a message), or ``None`` if it can."""
    seminar = registration.seminar
    if seminar.status != "completed":
        return _l("Certificates are issued once the seminar is completed.")
    if registration.status != "registered":
        return _l("This person did not take part in the seminar.")
    outcome = registration.derive_outcome()
    if outcome == "passed":
        return None
    if outcome == "pending":
        return _l("The result is still pending.")
    if registration.fail_reason() == "score":
        return _l("The exam score is below the pass mark.")
    return _l("Attendance is below the course minimum.")


def lock_seminar(seminar: Seminar) -> None:
    db.session.flush()
    db.session.execute(select(Seminar.id).where(Seminar.id == seminar.id).with_for_update())


def _issued_registration_ids(seminar: Seminar) -> set[int]:
    return set(db.session.scalars(
        select(Certificate.registration_id).where(Certificate.seminar_id == seminar.id)))


def current_revision(registration: Registration) -> Certificate | None:
    """The registration's certificate as it stands now (its newest revision), if any."""
    return db.session.scalars(
        select(Certificate).where(Certificate.registration_id == registration.id)
        .order_by(Certificate.revision.desc()).limit(1)).first()


def printed_texts(course: Course, seminar: Seminar, settings: IssuerSettings) -> list[dict]:
    """What each language's half of the certificate will say, in print order: the course's
    title and standards line, the issuer's name and place of issue in that language, and
    each signatory's title (by the fallback of
    ``registry.localized``), and the kind of certificate, which chooses the heading."""
    return [{"language": language, "kind": course.certificate_kind,
             "course": course.localized("title", language),
             "standards": course.localized("standards", language) or "",
             "issuer": settings.localized("issuer_name", language),
             "place": settings.localized("place_of_issue", language)}
            for language in course.certificate_languages(seminar.language)]


def issued_latin_name(person, seminar: Seminar) -> str | None:
    """The Latin form a new certificate records: the person's own, or - for a name not in
    Latin letters - one derived by the project's transliteration (the issue page shows it
    before issuing, so an official can correct the person's record first)."""
    if person.latin_name:
        return person.latin_name
    if is_latin(person.full_name):
        return None
    return latin_form(person.full_name, seminar.language)


def _renewed_by(registration: Registration, issued_on: date) -> Certificate | None:
    """The certificate a refresher participant's new certificate renews (``renewal``), read
    under the holder's lock: two refresher seminars issued at once cannot both renew it."""
    if registration.seminar.course.refresher_for_id is None:
        return None
    from registry.people.services import lock_person

    lock_person(registration.person)
    return renewable_predecessor(registration, today=issued_on)


def _new_certificate(registration: Registration, serial: int, *, issued_on: date,
                     issued_by, settings: IssuerSettings) -> Certificate:
    seminar, person = registration.seminar, registration.person
    course: Course = seminar.course
    predecessor = _renewed_by(registration, issued_on)
    certificate = Certificate(
        registration_id=registration.id, person_id=person.id, course_id=course.id,
        seminar_id=seminar.id, prefix=course.number_prefix, year=issued_on.year, serial=serial,
        number=format_number(course.number_prefix, issued_on.year, serial), revision=1,
        public_code=new_public_code(), holder_name=person.full_name,
        holder_latin_name=issued_latin_name(person, seminar), course_title=course.title,
        standards=course.standards or "", hours=course.hours, start_date=seminar.start_date,
        end_date=seminar.end_date, issuer_name=settings.issuer_name,
        signatories=list(settings.signatories or []), issued_on=issued_on,
        valid_until=(add_months(issued_on, course.validity_months)
                     if course.validity_months else None),
        status="valid", issued_by_id=issued_by.id, issued_at=utcnow(),
        printed_texts=printed_texts(course, seminar, settings),
        status_index=new_status_index(),
        renews_registration_id=predecessor.registration_id if predecessor else None,
    )
    # The QR's payload is made (and kept) now, so every print of this revision carries it.
    sign_certificate(certificate, course_code=course.code)
    db.session.add(certificate)
    return certificate


def issue_certificate(registration: Registration, *, issued_by,
                      issued_on: date | None = None) -> Certificate:
    """Issue the certificate of one eligible participant.

    Refuses a trainer of the seminar and anyone but officials and admins, an ineligible
    registration (with the reason), and a second certificate for the same registration.
    """
    seminar = registration.seminar
    check_certifier(issued_by, seminar)
    lock_seminar(seminar)
    if registration.id in _issued_registration_ids(seminar):
        raise AlreadyIssued(_l("%(name)s already has a certificate for this seminar.",
                               name=registration.person.full_name))
    reason = ineligibility(registration)
    if reason is not None:
        raise NotEligible(reason)
    issued_on = issued_on or date.today()
    serial = next_serials(seminar.course.number_prefix, issued_on.year)[0]
    certificate = _new_certificate(registration, serial, issued_on=issued_on,
                                   issued_by=issued_by, settings=issuer_settings())
    db.session.flush()
    record(issued_by, "certificate.issue", certificate, summary=certificate.number,
           details={"holder": certificate.holder_name, "seminar_id": seminar.id,
                    "renews_registration_id": certificate.renews_registration_id})
    return certificate


@dataclass
class BatchResult:
    issued: list
    already_issued: int
    not_eligible: int


def issue_for_seminar(seminar: Seminar, *, issued_by, issued_on: date | None = None) -> BatchResult:
    """Issue a certificate to every eligible participant of a completed seminar who has none.

    Run twice, or twice at once, it still gives exactly one certificate per eligible person:
    the seminar row is locked first, so the second run sees what the first issued. Numbers
    follow the roster order (by name).
    """
    check_certifier(issued_by, seminar)
    if seminar.status != "completed":
        raise InvalidState(_l("Certificates are issued once the seminar is completed."))
    lock_seminar(seminar)
    done = _issued_registration_ids(seminar)
    candidates = [r for r in seminar.registered() if r.id not in done]
    eligible = [r for r in candidates if ineligibility(r) is None]
    issued_on = issued_on or date.today()
    issued = []
    if eligible:
        settings = issuer_settings()
        serials = next_serials(seminar.course.number_prefix, issued_on.year, len(eligible))
        issued = [_new_certificate(registration, serial, issued_on=issued_on,
                                   issued_by=issued_by, settings=settings)
                  for registration, serial in zip(eligible, serials)]
        db.session.flush()
        record(issued_by, "certificate.issue_batch", seminar, summary=seminar.title,
               details={"issued": [c.number for c in issued],
                        "renewals": {c.number: c.renews_registration_id for c in issued
                                     if c.renews_registration_id}})
    return BatchResult(issued=issued, already_issued=len(done & {r.id for r in seminar.registered()}),
                       not_eligible=len(candidates) - len(eligible))
