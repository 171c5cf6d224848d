"""The review queue's rules: raising an item, adding to it, deciding it.

Raising happens inside another rule's transaction (e.g. a record corrected after issue, in
``seminars.corrections``), which already holds the seminar's lock. Deciding takes the same
lock first, then the item's row, so two officials deciding one item at once - or a decision
racing a new correction of the same record - take turns: the second sees the first's result.
"""
from __future__ import annotations

import secrets
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from registry.audit.services import record
from registry.certificates.issuing import (
    check_certifier, current_revision, ineligibility, lock_seminar,
)
from registry.certificates.models import Certificate
from registry.certificates.status import STATUS_REASONS, change_status, reissue_certificate
from registry.database import utcnow
from registry.errors import Conflict, DomainError, InvalidState
from registry.auth.scope import seminar_column_condition, within_scope
from registry.extensions import db
from registry.reviews.models import KINDS, PROBLEMS, ReviewItem
from registry.spreadsheets import Sheet

MAX_REASON = 2000
# The public reason a revocation decided here shows on the verification page by default.
DEFAULT_REVOCATION_REASON = "requirements_not_met"


def flag_certificate(kind: str, certificate: Certificate, *, actor, summary: str,
                     entry: dict) -> ReviewItem:
    """Put ``certificate`` (its registration) in the queue as ``kind``, with ``entry`` - what
    happened - added to the item's history. One open item per registration and kind: a
    second correction before anyone decided joins the first, so the official decides once,
    on everything. The caller holds the seminar's lock."""
    if kind not in KINDS:
        raise ValueError(f"unknown review kind {kind!r}")
    item = db.session.scalars(
        select(ReviewItem).where(ReviewItem.kind == kind, ReviewItem.status == "open",
                                 ReviewItem.registration_id == certificate.registration_id)
        .with_for_update().execution_options(populate_existing=True)).first()
    if item is None:
        item = ReviewItem(kind=kind, status="open", seminar_id=certificate.seminar_id,
                          registration_id=certificate.registration_id,
                          certificate_id=certificate.id, summary=summary[:500],
                          details={"corrections": [entry]}, raised_by_id=actor.id)
        db.session.add(item)
        db.session.flush()
        record(actor, "review.raise", item, summary=item.summary,
               details={"kind": kind, "certificate": certificate.id})
    else:
        # A new dict: JSON columns only notice assignment, not changes inside the value.
        item.details = {**(item.details or {}), "corrections": item.corrections + [entry]}
        item.certificate_id = certificate.id
        db.session.flush()
        record(actor, "review.add", item, summary=item.summary,
               details={"kind": kind, "certificate": certificate.id})
    db.session.flush()
    return item


def _lock_item(item: ReviewItem) -> ReviewItem:
    if item.seminar is not None:
        lock_seminar(item.seminar)
    return db.session.scalars(
        select(ReviewItem).where(ReviewItem.id == item.id).with_for_update()
        .execution_options(populate_existing=True)).one()


def decide(item: ReviewItem, decision: str, *, actor, reason: str,
           status_reason: str | None = None, changes: dict | None = None,
           correct_person: bool = False, person_seen: dict | None = None) -> ReviewItem:
    """Close ``item`` with the official's ``decision`` and ``reason``, and carry it out on the
    certificate as it stands now: ``reissue`` (a new revision, with ``changes`` to what is
    printed; ``correct_person`` and ``person_seen`` as in
    ``reissue_certificate``), ``revoke`` (public reason ``status_reason``, by default "requirements no longer
    met"; the decision's reason is the internal note) or ``keep``. Audited; refused when the
    item was decided meanwhile or the decision does not fit the record."""
    item = _lock_item(item)
    if item.status != "open":
        raise InvalidState(_l("This item was already decided: %(decision)s.",
                              decision=item.decision_label))
    if decision not in item.decisions:
        raise DomainError(_l("Choose a decision."), field="decision")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_l("Give the reason for the decision."), field="reason")
    if len(reason) > MAX_REASON:
        raise DomainError(_l("The reason is too long."), field="reason")
    if item.seminar is not None:
        check_certifier(actor, item.seminar)
    if item.kind == "appeal_result":
        action = _decide_result_appeal(decision, item)
    else:
        certificate = current_revision(item.registration) if item.registration else None
        if certificate is None:
            raise InvalidState(_l("There is no certificate to decide on."))
        if item.kind == "appeal_revocation" and decision != "reissue":
            action = _decide_revocation_appeal(decision, certificate, actor=actor,
                                               reason=reason)
        else:
            action = _carry_out(decision, certificate, item, actor=actor, reason=reason,
                                status_reason=status_reason, changes=changes,
                                correct_person=correct_person, person_seen=person_seen)
    item.status, item.decision, item.decision_reason = "closed", decision, reason
    item.decided_by_id, item.decided_at, item.action_taken = actor.id, utcnow(), action
    db.session.flush()
    record(actor, "review.decide", item, summary=item.summary,
           details={"decision": decision, "reason": reason, "action": action})
    db.session.flush()
    return item


def _decide_result_appeal(decision: str, item: ReviewItem) -> dict:
    """An appeal against a failed result: dismissed, or granted - then the official corrects
    the record (the seminar's correction form, linked from the item), which puts the
    certificate question in the queue as a corrected record."""
    if decision == "uphold":
        return {"action": "upheld", "registration_id": item.registration_id}
    return {"action": "granted", "registration_id": item.registration_id,
            "seminar_id": item.seminar_id}


def _decide_revocation_appeal(decision: str, certificate: Certificate, *, actor,
                              reason: str) -> dict:
    """An appeal against a suspension or revocation: dismissed; or granted - a suspended
    certificate is reinstated, a revoked one (never restored in place) gets a new valid
    revision. ``reissue`` (a granted appeal with corrected details, from the re-issue form)
    goes through ``_carry_out``."""
    number = certificate.printed_number
    if decision == "uphold":
        return {"action": "upheld", "certificate_id": certificate.id, "number": number}
    if certificate.status == "suspended":
        change_status(certificate, "reinstate", actor=actor, note=reason)
        return {"action": "reinstated", "certificate_id": certificate.id, "number": number}
    if certificate.status == "revoked":
        revision = reissue_certificate(certificate, {}, actor=actor, reason=reason,
                                       restoring=True)
        return {"action": "reissued", "certificate_id": revision.id,
                "number": revision.printed_number, "supersedes": certificate.id}
    raise InvalidState(_l("The certificate is valid already: dismiss the appeal or keep it."))


def _carry_out(decision: str, certificate: Certificate, item: ReviewItem, *, actor,
               reason: str, status_reason: str | None, changes: dict | None,
               correct_person: bool = False, person_seen: dict | None = None) -> dict:
    if decision == "keep":
        return {"action": "kept", "certificate_id": certificate.id,
                "number": certificate.printed_number}
    if decision == "suspend":
        if certificate.status != "valid":
            raise InvalidState(_l("Only a valid certificate can be suspended."))
        status_reason = status_reason or "under_review"
        if status_reason not in STATUS_REASONS:
            raise DomainError(_l("Choose a reason."), field="status_reason")
        change_status(certificate, "suspend", actor=actor, reason=status_reason, note=reason)
        return {"action": "suspended", "certificate_id": certificate.id,
                "number": certificate.printed_number, "status_reason": status_reason}
    if decision == "revoke":
        if certificate.status == "revoked":
            raise InvalidState(_l("The certificate is already revoked: keep it as it is."))
        status_reason = status_reason or DEFAULT_REVOCATION_REASON
        if status_reason not in STATUS_REASONS:
            raise DomainError(_l("Choose a reason."), field="status_reason")
        change_status(certificate, "revoke", actor=actor, reason=status_reason, note=reason)
        return {"action": "revoked", "certificate_id": certificate.id,
                "number": certificate.printed_number, "status_reason": status_reason}
    why_not = ineligibility(item.registration) if item.kind == "record_corrected" else None
    if why_not is not None:
        raise DomainError(_l("The corrected record no longer qualifies for a certificate "
                             "(%(why)s): revoke the certificate or keep it.", why=why_not),
                          field="decision")
    revision = reissue_certificate(certificate, changes or {}, actor=actor, reason=reason,
                                   correct_person=correct_person, person_seen=person_seen,
                                   restoring=item.kind == "appeal_revocation")
    return {"action": "reissued", "certificate_id": revision.id,
            "number": revision.printed_number, "supersedes": certificate.id}


def _in_scope(query, viewer):
    """Of a regional office (``auth.scope``), only the items about seminars held there."""
    return within_scope(query, seminar_column_condition(viewer, ReviewItem.seminar_id))


def review_query(*, status: str = "open", kind: str = "", viewer=None):
    """Items of the queue ``viewer`` works on: open ones oldest first (the queue's order),
    decided ones newest decision first."""
    query = _in_scope(select(ReviewItem), viewer)
    if status in ("open", "closed"):
        query = query.where(ReviewItem.status == status)
    if kind in KINDS:
        query = query.where(ReviewItem.kind == kind)
    if status == "open":
        return query.order_by(ReviewItem.created_at, ReviewItem.id)
    return query.order_by(ReviewItem.decided_at.desc().nulls_first(), ReviewItem.id.desc())


def open_count(viewer=None) -> int:
    """How many items are open for ``viewer`` (the badge in the navigation)."""
    return db.session.scalar(_in_scope(select(func.count()).select_from(ReviewItem)
                                       .where(ReviewItem.status == "open"), viewer)) or 0


def open_item_for(registration_id: int) -> ReviewItem | None:
    """The open item about a registration, if any (shown on its certificate's page)."""
    return db.session.scalars(select(ReviewItem).where(
        ReviewItem.registration_id == registration_id, ReviewItem.status == "open")).first()



# --- complaints and appeals ---------------------------------------------------------------

MAX_STATEMENT = 2000
MAX_CONTACT = 200
REFERENCE_LENGTH = 8


def _new_reference() -> str:
    """A short code a member of the public can write down (Crockford Base32, ~40 bits)."""
    from registry.certificates.numbering import CROCKFORD_ALPHABET

    return "".join(secrets.choice(CROCKFORD_ALPHABET) for _ in range(REFERENCE_LENGTH))


def _statement(text: str | None, field: str = "statement") -> str:
    text = (text or "").strip()
    if not text:
        raise DomainError(_l("Say what is wrong."), field=field)
    if len(text) > MAX_STATEMENT:
        raise DomainError(_l("At most %(n)s characters.", n=MAX_STATEMENT), field=field)
    return text


def _open_case(kind: str, *, certificate: Certificate | None, registration, actor,
               summary: str, details: dict, received_on: date | None = None) -> ReviewItem:
    received_on = received_on or date.today()
    item = ReviewItem(kind=kind, status="open", seminar_id=registration.seminar_id,
                      registration_id=registration.id,
                      certificate_id=certificate.id if certificate else None,
                      summary=summary[:500], details=details,
                      raised_by_id=getattr(actor, "id", None), reference=_new_reference(),
                      deadline=received_on + timedelta(days=KINDS[kind].deadline_days))
    db.session.add(item)
    db.session.flush()
    record(actor, "review.raise", item, summary=item.summary,
           details={"kind": kind, "certificate": item.certificate_id,
                    "registration": registration.id, "reference": item.reference,
                    "deadline": item.deadline.isoformat(), **{
                        key: value for key, value in details.items() if key != "contact"}})
    return item


def report_problem(certificate: Certificate, *, problem: str, statement: str,
                   contact: str = "") -> ReviewItem:
    """A problem reported by anyone from a verification page (a paper that differs from the
    page, a suspected fake): an open case about the revision that was scanned, due in
    ``KINDS["problem_report"].deadline_days``. The contact (optional) is kept for the
    officials only and stays out of the audit log's details. No actor: the public."""
    if problem not in PROBLEMS:
        raise DomainError(_l("Choose what is wrong."), field="problem")
    statement = _statement(statement)
    contact = (contact or "").strip()
    if len(contact) > MAX_CONTACT:
        raise DomainError(_l("At most %(n)s characters.", n=MAX_CONTACT), field="contact")
    return _open_case("problem_report", certificate=certificate,
                      registration=certificate.registration, actor=None,
                      summary=f"{certificate.printed_number} · {PROBLEMS[problem]}",
                      details={"problem": problem, "statement": statement,
                               "contact": contact, "origin": "public"})


def record_appeal(*, registration=None, certificate: Certificate | None = None, actor,
                  statement: str, received_on: date | None = None) -> ReviewItem:
    """Record an appeal received by the agency: against the failed result of
    ``registration``, or against the suspension or revocation of ``certificate`` (its current
    revision). One open appeal per registration and kind; audited as ``review.raise``."""
    if certificate is not None:
        certificate = current_revision(certificate.registration)
        registration = certificate.registration
        if certificate.status not in ("suspended", "revoked"):
            raise InvalidState(_l("Only a suspended or revoked certificate can be appealed."))
        kind = "appeal_revocation"
        summary = f"{certificate.printed_number} · {registration.person.full_name}"
    else:
        if registration is None or registration.derive_outcome() != "failed":
            raise InvalidState(_l("Only a failed result can be appealed."))
        kind = "appeal_result"
        summary = f"{registration.person.full_name} · {registration.seminar.title}"
    if received_on is not None and received_on > date.today():
        raise DomainError(_l("The appeal cannot be received in the future."),
                          field="received_on")
    lock_seminar(registration.seminar)  # two officials recording one appeal take turns
    already = db.session.scalar(select(ReviewItem.id).where(
        ReviewItem.kind == kind, ReviewItem.status == "open",
        ReviewItem.registration_id == registration.id))
    if already is not None:
        raise Conflict(_l("An appeal about this is already open in the review queue."))
    return _open_case(kind, certificate=certificate, registration=registration, actor=actor,
                      summary=summary, received_on=received_on,
                      details={"statement": _statement(statement), "origin": "staff",
                               "received_on": (received_on or date.today()).isoformat()})


def cases_sheet(items, *, today: date | None = None) -> Sheet:
    """The register of cases (the review queue's items, as filtered) as a spreadsheet."""
    today = today or date.today()
    headers = [str(_l("Reference")), str(_l("Kind")), str(_l("Record")), str(_l("Raised")),
               str(_l("Deadline")), str(_l("Status")), str(_l("Decision")),
               str(_l("Reason for the decision")), str(_l("Decided on")),
               str(_l("Action taken"))]
    rows = []
    for item in items:
        action = (item.action_taken or {}).get("action", "")
        number = (item.action_taken or {}).get("number", "")
        rows.append([
            item.reference or "", str(item.kind_label), item.summary,
            item.created_at.date() if item.created_at else None, item.deadline,
            str(_l("Overdue")) if item.overdue_on(today) else str(item.status_label),
            str(item.decision_label) if item.decision else "", item.decision_reason or "",
            item.decided_at.date() if item.decided_at else None,
            f"{action} {number}".strip(),
        ])
    return Sheet(str(_l("Review queue")), headers, rows)
