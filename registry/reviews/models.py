"""One review queue for everything an official must look at and decide.

An item says what kind of thing it is, which record it concerns (a certificate, the
registration behind it, the seminar), whether it is open or closed, and - once closed - the
decision, the reason given for it and the action taken. Later kinds (a holder's correction
request, a complaint) are new entries in ``KINDS``, not new queues.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_pgettext
from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text
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
}


@dataclass(frozen=True)
class ReviewKind:
    label: object
    decisions: tuple[str, ...]


KINDS = {
    "record_corrected": ReviewKind(
        label=lazy_pgettext("review kind", "Record corrected after issue"),
        decisions=("reissue", "revoke", "keep"),
    ),
}


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

    @property
    def corrections(self) -> list[dict]:
        return list((self.details or {}).get("corrections", []))
