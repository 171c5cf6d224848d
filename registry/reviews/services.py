"""The review queue's rules: raising an item, adding to it, deciding it.

Raising happens inside another rule's transaction (e.g. a record corrected after issue, in
``seminars.corrections``), which already holds the seminar's lock. Deciding takes the same
lock first, then the item's row, so two officials deciding one item at once - or a decision
racing a new correction of the same record - take turns: the second sees the first's result.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from registry.audit.services import record
from registry.certificates.issuing import (
    check_certifier, current_revision, ineligibility, lock_seminar,
)
from registry.certificates.models import Certificate
from registry.certificates.status import STATUS_REASONS, change_status, reissue_certificate
from registry.database import utcnow
from registry.errors import DomainError, InvalidState
from registry.auth.scope import seminar_column_condition, within_scope
from registry.extensions import db
from registry.reviews.models import KINDS, ReviewItem

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
    certificate = current_revision(item.registration) if item.registration else None
    if certificate is None:
        raise InvalidState(_l("There is no certificate to decide on."))
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


def _carry_out(decision: str, certificate: Certificate, item: ReviewItem, *, actor,
               reason: str, status_reason: str | None, changes: dict | None,
               correct_person: bool = False, person_seen: dict | None = None) -> dict:
    if decision == "keep":
        return {"action": "kept", "certificate_id": certificate.id,
                "number": certificate.printed_number}
    if decision == "revoke":
        if certificate.status == "revoked":
            raise InvalidState(_l("The certificate is already revoked: keep it as it is."))
        status_reason = status_reason or DEFAULT_REVOCATION_REASON
        if status_reason not in STATUS_REASONS:
            raise DomainError(_l("Choose a reason."), field="status_reason")
        change_status(certificate, "revoke", actor=actor, reason=status_reason, note=reason)
        return {"action": "revoked", "certificate_id": certificate.id,
                "number": certificate.printed_number, "status_reason": status_reason}
    why_not = ineligibility(item.registration)
    if why_not is not None:
        raise DomainError(_l("The corrected record no longer qualifies for a certificate "
                             "(%(why)s): revoke the certificate or keep it.", why=why_not),
                          field="decision")
    revision = reissue_certificate(certificate, changes or {}, actor=actor, reason=reason,
                                   correct_person=correct_person, person_seen=person_seen)
    return {"action": "reissued", "certificate_id": revision.id,
            "number": revision.printed_number, "supersedes": certificate.id}


def _in_scope(query, viewer):
    """Of a regional office (``auth.scope``), only the items about seminars held there."""
    return within_scope(query, viewer,
                        lambda user: seminar_column_condition(user, ReviewItem.seminar_id))


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

