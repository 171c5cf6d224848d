"""Corrections and status: re-issue (a new revision with the same number), suspend, revoke,
reinstate - each by an official who did not teach the seminar, each with its audit event."""
from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l

from registry.audit.services import record
from registry.certificates.issuer import sign_certificate
from registry.certificates.issuing import check_certifier, lock_seminar
from registry.certificates.models import STATUS_LABELS, Certificate
from registry.certificates.numbering import new_public_code, new_status_index
from registry.database import utcnow
from registry.errors import DomainError, InvalidState, NotFound
from registry.extensions import db
from registry.people.names import clean_name
from registry.people.services import correct_names, lock_person

# Public reasons (a short category shown on the verification page); the note stays internal.
STATUS_REASONS = {
    "issued_in_error": _l("Issued in error"),
    "details_incorrect": _l("Details incorrect"),
    "holder_request": _l("At the holder's request"),
    "under_review": _l("Under review"),
    "requirements_not_met": _l("Certification requirements no longer met"),
    "misconduct": _l("Misconduct or fraud"),
    "other": _l("Other reason"),
}

# action -> (statuses it applies to, status it leads to)
STATUS_ACTIONS = {
    "suspend": (("valid",), "suspended"),
    "revoke": (("valid", "suspended"), "revoked"),
    "reinstate": (("suspended",), "valid"),
}


REISSUABLE_FIELDS = ("holder_name", "holder_latin_name", "course_title", "standards", "hours",
                     "start_date", "end_date", "valid_until")


def _lock_and_reread(certificate: Certificate) -> None:
    """Status changes and re-issues of a seminar's certificates take turns on the seminar's
    row, then read the certificate again: what another official committed meanwhile (a
    revocation, a new revision) is what the guards below see - never a stale copy that a
    re-issue would carry into a VALID new revision (M5)."""
    lock_seminar(certificate.seminar)
    db.session.refresh(certificate)


def _check_current(certificate: Certificate) -> None:
    if certificate.superseded_by_id is not None:
        raise InvalidState(_l("This revision has been superseded; act on the newest revision."))


# What a re-issue corrects on the certificate -> the same detail on the person's record.
PERSON_NAME_FIELDS = {"holder_name": "full_name", "holder_latin_name": "latin_name"}


def reissue_certificate(certificate: Certificate, changes: dict, *, actor, reason: str,
                        correct_person: bool = False,
                        person_seen: dict | None = None,
                        restoring: bool = False) -> Certificate:
    """Correct printed details: a new revision with the same number (``.../2``), a new public
    code and signature; the old revision is superseded (its QR then says so), never deleted.

    With ``correct_person``, a corrected name (or Latin name) is also written to the holder's
    person record in the same transaction - so the roster and the next certificate say it -
    audited as a person change with the same reason. ``person_seen`` is what the official
    was shown that record says: a record changed meanwhile refuses the whole re-issue
    (``people.services.correct_names``) instead of losing either change.

    ``restoring``: an appeal against a revocation was granted (``reviews.services.decide``).
    A revocation is never undone in place - the revoked revision and its QR stay revoked - so
    the holder gets a new, valid revision, with or without changes."""
    check_certifier(actor, certificate.seminar)
    _lock_and_reread(certificate)
    if correct_person:
        # Locks in one order - the seminar, then the person - before anything is written:
        # two re-issues of one person's certificates in two seminars take turns here.
        lock_person(certificate.person)
    _check_current(certificate)
    if certificate.status == "revoked" and not restoring:
        raise InvalidState(_l("A revoked certificate cannot be re-issued."))
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_l("Say why the certificate is re-issued."), field="reason")
    values = {field: getattr(certificate, field) for field in REISSUABLE_FIELDS}
    for field, value in changes.items():
        if field not in REISSUABLE_FIELDS:
            raise DomainError(_l("This detail cannot be changed."), field=field)
        values[field] = clean_name(value) if isinstance(value, str) else value
    values["holder_latin_name"] = values["holder_latin_name"] or None
    if not values["holder_name"]:
        raise DomainError(_l("Enter the holder's name."), field="holder_name")
    if values["end_date"] < values["start_date"]:
        raise DomainError(_l("The last day cannot be before the first."), field="end_date")
    today = date.today()
    if values["valid_until"] is not None and values["valid_until"] < today:
        raise DomainError(_l("The new revision would already be expired."), field="valid_until")
    changed = {field: [str(getattr(certificate, field)), str(values[field])]
               for field in REISSUABLE_FIELDS if getattr(certificate, field) != values[field]}
    if not changed and not restoring:
        raise DomainError(_l("Nothing was changed: a re-issue corrects at least one detail."))
    texts = [dict(entry) for entry in certificate.printed_texts or []]
    for field, key in (("course_title", "course"), ("standards", "standards")):
        if field in changed:  # one correction, printed in every language's half
            for entry in texts:
                entry[key] = values[field]
    revision = Certificate(
        printed_texts=texts,
        registration_id=certificate.registration_id, person_id=certificate.person_id,
        course_id=certificate.course_id, seminar_id=certificate.seminar_id,
        prefix=certificate.prefix, year=certificate.year, serial=certificate.serial,
        number=certificate.number, revision=certificate.revision + 1,
        public_code=new_public_code(), issuer_name=certificate.issuer_name,
        signatories=list(certificate.signatories or []), issued_on=today,
        status="valid" if restoring else certificate.status,
        status_reason=None if restoring else certificate.status_reason,
        status_note=None if restoring else certificate.status_note,
        issued_by_id=actor.id, issued_at=utcnow(),
        status_index=new_status_index(),
        renews_registration_id=certificate.renews_registration_id,
        **values,
    )
    # A new QR for the new paper; the old revision's slot says "superseded" from this
    # transaction on (verification.status_list_document reads superseded_by_id).
    sign_certificate(revision, course_code=certificate.course.code)
    db.session.add(revision)
    db.session.flush()
    certificate.superseded_by_id = revision.id
    certificate.superseded_at = utcnow()
    db.session.flush()
    names = {PERSON_NAME_FIELDS[field]: values[field] for field in PERSON_NAME_FIELDS
             if field in changed}
    person_corrected = bool(correct_person and names)
    if person_corrected:
        correct_names(certificate.person, names, actor=actor, reason=reason, seen=person_seen,
                      details={"certificate": revision.printed_number,
                               "certificate_id": revision.id})
    record(actor, "certificate.reissue", revision, summary=revision.printed_number,
           details={"reason": reason, "changes": changed, "supersedes": certificate.id,
                    "person_corrected": person_corrected, "restores_revoked": restoring})
    return revision


def change_status(certificate: Certificate, action: str, *, actor, reason: str | None = None,
                  note: str = "") -> Certificate:
    """Suspend, revoke or reinstate a certificate. Suspending and revoking need a public
    reason (a category from ``STATUS_REASONS``); ``note`` is internal, for staff only.
    The verification page shows the new status on the very next request."""
    if action not in STATUS_ACTIONS:
        raise NotFound(_l("Unknown action."))
    check_certifier(actor, certificate.seminar)
    _lock_and_reread(certificate)
    _check_current(certificate)
    from_statuses, new_status = STATUS_ACTIONS[action]
    if certificate.status not in from_statuses:
        raise InvalidState(_l("The certificate's status is “%(status)s”; it cannot be changed "
                              "this way.", status=STATUS_LABELS[certificate.status]))
    if new_status != "valid" and reason not in STATUS_REASONS:
        raise DomainError(_l("Choose a reason."), field="reason")
    old_status = certificate.status
    certificate.status = new_status
    certificate.status_reason = None if new_status == "valid" else reason
    certificate.status_note = (note or "").strip() or None
    certificate.status_changed_at = utcnow()
    certificate.status_changed_by_id = actor.id
    db.session.flush()
    record(actor, f"certificate.{action}", certificate, summary=certificate.printed_number,
           details={"from": old_status, "to": new_status, "reason": reason,
                    "note": certificate.status_note})
    return certificate
