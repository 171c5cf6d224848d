"""One review queue for everything an official must look at and decide.

An item says what kind of thing it is, which record it concerns (a certificate, the
registration behind it, the seminar), whether it is open or closed, and - once closed - the
decision, the reason given for it and the action taken. Later kinds (a holder's correction
request, a complaint) are new entries in ``KINDS``, not new queues.

Complaints and appeals (ISO/IEC 17024 asks a certification body to record and decide them) are
such kinds: a problem a member of the public reports from a verification page (a paper that
differs from the page, a suspected fake), and an appeal staff record against a failed result or
a revocation. Each has a deadline by which it is to be decided.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import lazy_pgettext
from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.database import TimestampMixin, UTCTimestamp
from registry.extensions import db

REVIEW_STATUSES = ("open", "closed")

REVIEW_STATUS_LABELS = {
    "open": lazy_pgettext("review status", "Open"),
    "closed": lazy_pgettext("review status", "Decided"),
}

DECISION_LABELS = {
    "reissue": lazy_pgettext("review decision", "Re-issue the certificate"),
    "revoke": lazy_pgettext("review decision", "Revoke the certificate"),
    "keep": lazy_pgettext("review decision", "Keep the certificate as it is"),
    "suspend": lazy_pgettext("review decision", "Suspend the certificate"),
    "uphold": lazy_pgettext("review decision", "Dismiss the appeal: the decision stands"),
    "grant": lazy_pgettext("review decision", "Grant the appeal"),
}

# What a member of the public can report from a verification page.
PROBLEMS = {
    "paper_differs": lazy_pgettext("problem", "The paper certificate differs from this page"),
    "suspected_fake": lazy_pgettext("problem", "I think this certificate is fake"),
    "other": lazy_pgettext("problem", "Something else is wrong"),
}


@dataclass(frozen=True)
class ReviewKind:
    label: object
    decisions: tuple[str, ...]
    deadline_days: int | None = None  # a case is to be decided within this many days


KINDS = {
    "record_corrected": ReviewKind(
        label=lazy_pgettext("review kind", "Record corrected after issue"),
        decisions=("reissue", "revoke", "keep"),
    ),
    "problem_report": ReviewKind(
        label=lazy_pgettext("review kind", "Problem reported by the public"),
        decisions=("keep", "suspend", "revoke", "reissue"), deadline_days=30,
    ),
    "appeal_result": ReviewKind(
        label=lazy_pgettext("review kind", "Appeal against a failed result"),
        decisions=("uphold", "grant"), deadline_days=30,
    ),
    "appeal_revocation": ReviewKind(
        label=lazy_pgettext("review kind", "Appeal against a revocation or suspension"),
        decisions=("uphold", "grant", "reissue"), deadline_days=30,
    ),
}
CASE_KINDS = ("problem_report", "appeal_result", "appeal_revocation")


class ReviewItem(TimestampMixin, db.Model):
    """Something to review and decide. ``details`` holds what happened (for a corrected
    record: each correction - who, when, why, before and after); ``action_taken`` what the
    decision did (e.g. the new revision's number)."""

    __tablename__ = "review_item"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'closed')", name="status"),
        CheckConstraint(
            "status = 'open' OR (decision IS NOT NULL AND decision_reason IS NOT NULL "
            "AND decided_by_id IS NOT NULL AND decided_at IS NOT NULL)",
            name="closed_has_decision",
        ),
        Index("ix_review_item_status_created", "status", "created_at"),
        Index("ix_review_item_certificate_id", "certificate_id"),
        Index("ix_review_item_seminar_id", "seminar_id"),
        Index("uq_review_item_reference", "reference", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), nullable=False)
    status: Mapped[str] = mapped_column(String(10), default="open", nullable=False)
    seminar_id: Mapped[int | None] = mapped_column(ForeignKey("seminar.id", ondelete="RESTRICT"))
    registration_id: Mapped[int | None] = mapped_column(
        ForeignKey("registration.id", ondelete="RESTRICT"))
    certificate_id: Mapped[int | None] = mapped_column(
        ForeignKey("certificate.id", ondelete="RESTRICT"))
    summary: Mapped[str] = mapped_column(String(500), default="", nullable=False)
    details: Mapped[dict] = mapped_column(JSON, default=dict, nullable=False)
    raised_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="RESTRICT"))
    decision: Mapped[str | None] = mapped_column(String(20))
    decision_reason: Mapped[str | None] = mapped_column(Text)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="RESTRICT"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCTimestamp())
    action_taken: Mapped[dict | None] = mapped_column(JSON)
    # Complaints and appeals: the day the decision is due, and the code the public keeps.
    deadline: Mapped[date | None] = mapped_column(Date)
    reference: Mapped[str | None] = mapped_column(String(12))

    seminar = relationship("Seminar")
    registration = relationship("Registration")
    certificate = relationship("Certificate")
    raised_by = relationship("User", foreign_keys=[raised_by_id])
    decided_by = relationship("User", foreign_keys=[decided_by_id])

    @property
    def kind_label(self):
        kind = KINDS.get(self.kind)
        return kind.label if kind else self.kind

    @property
    def status_label(self):
        return REVIEW_STATUS_LABELS[self.status]

    @property
    def decision_label(self):
        return DECISION_LABELS.get(self.decision or "", "")

    @property
    def decisions(self) -> tuple[str, ...]:
        kind = KINDS.get(self.kind)
        return kind.decisions if kind else ()

    def overdue_on(self, day: date) -> bool:
        return self.status == "open" and self.deadline is not None and self.deadline < day

    @property
    def problem_label(self):
        return PROBLEMS.get((self.details or {}).get("problem", ""), "")

    @property
    def statement(self) -> str:
        """What the person reporting or appealing wrote."""
        return (self.details or {}).get("statement", "")

    @property
    def corrections(self) -> list[dict]:
        return list((self.details or {}).get("corrections", []))
