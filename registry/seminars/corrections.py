"""Correcting a participant's record after the seminar was completed.

Once completed, attendance and results are evidence: the trainer's forms are closed. A
mistake found later is corrected here, by the office, with a reason; the change is audited
with the record before and after, and a certificate already issued on that record goes into
the review queue, where an official decides to re-issue, revoke or keep it.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from registry.audit.services import record
from registry.certificates.issuing import check_certifier, current_revision, lock_seminar
from registry.database import utcnow
from registry.errors import DomainError, InvalidState
from registry.extensions import db
from registry.reviews.services import flag_certificate
from registry.seminars.models import Attendance, Registration

MAX_REASON = 2000


@dataclass(frozen=True)
class Correction:
    """What a correction did: the record ``before`` and ``after``, and the review item it
    raised (or added to) when a certificate was already issued."""

    before: dict
    after: dict
    review_item: object | None


def _snapshot(registration: Registration) -> dict:
    marks = {mark.seminar_day_id: mark.present for mark in registration.attendance}
    return {
        "score": registration.exam_score,
        "left_pending": registration.left_pending,
        "attendance": {day.day.isoformat(): marks.get(day.id)
                       for day in registration.seminar.days},
        "outcome": registration.derive_outcome(),
    }


def correct_record(registration: Registration, *, actor, reason: str,
                   attendance: dict[int, bool | None], exam_score: int | None = None,
                   left_pending: bool = False) -> Correction:
    """Correct one participant's attendance (``{seminar_day_id: True/False/None}``, every day
    of the seminar; ``None`` only for a day never marked), exam score and "left pending" flag
    after the seminar was completed. Office only, never by whoever taught the seminar; a
    reason is required; nothing changed is refused. Flags an issued certificate for review."""
    seminar = registration.seminar
    check_certifier(actor, seminar)
    lock_seminar(seminar)
    db.session.refresh(seminar)
    db.session.refresh(registration)
    db.session.expire(registration, ["attendance"])
    if seminar.status != "completed":
        raise InvalidState(_l("Only a completed seminar's records are corrected here; while "
                              "it runs, its trainers record attendance and results."))
    if registration.status != "registered":
        raise InvalidState(_l("This person did not take part in the seminar."))
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_l("Give the reason for the correction."), field="reason")
    if len(reason) > MAX_REASON:
        raise DomainError(_l("The reason is too long."), field="reason")
    needs_exam = seminar.course.is_internal_auditor
    if exam_score is not None and not needs_exam:
        raise DomainError(_l("This course has no exam: it is passed on attendance alone."),
                          field="exam_score")
    if exam_score is not None and not (isinstance(exam_score, int) and 0 <= exam_score <= 100):
        raise DomainError(_l("A score is a whole number from 0 to 100."), field="exam_score")
    days = {day.id: day for day in seminar.days}
    if set(attendance) != set(days):
        raise DomainError(_l("The form does not list the seminar's days as they are now: "
                             "reload the page."))
    marks = {mark.seminar_day_id: mark for mark in registration.attendance}
    for day_id, present in attendance.items():
        if present is None and day_id in marks:
            raise DomainError(_l("A day already marked cannot be left unmarked."),
                              field=f"day-{day_id}")

    before = _snapshot(registration)
    for day_id, present in attendance.items():
        mark = marks.get(day_id)
        if present is None:
            continue
        if mark is None:
            registration.attendance.append(Attendance(seminar_day_id=day_id, present=present))
        else:
            mark.present = present
    if needs_exam:
        registration.exam_score = exam_score
    registration.left_pending = bool(left_pending)
    db.session.flush()
    db.session.expire(registration, ["attendance"])
    after = _snapshot(registration)
    if after == before:
        raise DomainError(_l("Nothing was changed."))

    summary = f"{registration.person.full_name}: {seminar.title}"
    record(actor, "registration.correct", registration, summary=summary,
           details={"reason": reason, "before": before, "after": after})
    db.session.flush()
    item = None
    certificate = current_revision(registration)
    if certificate is not None and certificate.status != "revoked":
        item = flag_certificate(
            "record_corrected", certificate, actor=actor, summary=summary,
            entry={"at": utcnow().isoformat(), "by": actor.id, "by_name": actor.name,
                   "reason": reason, "before": before, "after": after})
    return Correction(before=before, after=after, review_item=item)
