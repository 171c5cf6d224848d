from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.database import UTCTimestamp, utcnow
from registry.extensions import db


class AuditEvent(db.Model):
    """Who did what to which record, when, and which fields changed. Never updated or deleted:
    database triggers refuse it, and each event carries the hash of the one before (``seq``
    orders the chain), so an edit made behind the app's back breaks the chain where it was
    made (``flask audit verify``)."""

    __tablename__ = "audit_event"
    __table_args__ = (
        Index("ix_audit_event_record", "record_type", "record_id"),
        Index("ix_audit_event_at", "at"),
        Index("ix_audit_event_actor_id", "actor_id"),
        Index("ix_audit_event_action", "action"),
        Index("uq_audit_event_seq", "seq", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCTimestamp(), default=utcnow, nullable=False)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="RESTRICT"))
    action: Mapped[str] = mapped_column(String(60), nullable=False)
    record_type: Mapped[str] = mapped_column(String(40), nullable=False)
    record_id: Mapped[int | None]
    summary: Mapped[str] = mapped_column(String(300), default="", nullable=False)
    details: Mapped[dict] = mapped_column(JSON, default=dict, nullable=False)
    seq: Mapped[int | None]
    previous_hash: Mapped[str] = mapped_column(String(64), default="", nullable=False)
    hash: Mapped[str] = mapped_column(String(64), default="", nullable=False)

    actor = relationship("User", lazy="joined")

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"<AuditEvent {self.action} {self.record_type}#{self.record_id}>"


class AuditChainHead(db.Model):
    """The end of the audit hash chain: the last sequence number and hash. Every writer
    advances it inside its own transaction, so writers queue on this one row and the chain
    never forks."""

    __tablename__ = "audit_chain_head"

    id: Mapped[int] = mapped_column(primary_key=True, default=1)
    seq: Mapped[int] = mapped_column(default=0, nullable=False)
    hash: Mapped[str] = mapped_column(String(64), default="", nullable=False)
