"""Writing audit events. Every service that changes data calls ``record`` before it flushes."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import hashlib
import json
from dataclasses import dataclass

from sqlalchemy import inspect, update

from registry.audit.models import AuditChainHead, AuditEvent
from registry.database import advance_counter, utcnow
from registry.extensions import db

# Never written to the audit log, even as "changed": secrets stay secrets.
REDACTED_FIELDS = {"password_hash", "key_digest", "national_id", "signature", "pdf"}


def _plain(value):
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return str(value)


def changed_fields(obj) -> dict:
    """Column changes of a pending or dirty object as ``{field: [old, new]}`` (before flush)."""
    state = inspect(obj)
    changes = {}
    for attr in state.mapper.column_attrs:
        history = state.attrs[attr.key].history
        if not history.has_changes():
            continue
        old = history.deleted[0] if history.deleted else None
        new = history.added[0] if history.added else None
        if old == new:
            continue
        if attr.key in REDACTED_FIELDS:
            changes[attr.key] = ["***", "***"]
        else:
            changes[attr.key] = [_plain(old), _plain(new)]
    return changes


def record(actor, action: str, obj=None, *, summary: str = "", details: dict | None = None,
           record_type: str | None = None, record_id: int | None = None) -> AuditEvent:
    """Add one audit event to the current transaction (the caller's flush/commit saves it).

    ``obj`` must already have its primary key (flush before calling for new records).
    """
    event = _new_event(actor, action, obj, summary=summary, details=details,
                       record_type=record_type, record_id=record_id)
    _chain(event)
    db.session.add(event)
    return event


def record_many(actor, entries) -> list[AuditEvent]:
    """``record`` for several events at once - ``entries`` of ``(action, obj, summary,
    details)`` - in the order given: the chain head is advanced once by their number and
    its hash written once, not twice per event (a list import creates hundreds of
    organizations). The events are exactly those ``record`` would have written one by one."""
    entries = list(entries)
    if not entries:
        return []
    events = [_new_event(actor, action, obj, summary=summary, details=details)
              for action, obj, summary, details in entries]
    table = AuditChainHead.__table__
    last, previous_hash = advance_counter(db.session, table, {"id": 1}, {"seq": len(events)},
                                          [table.c.seq, table.c.hash])
    for seq, event in enumerate(events, start=last - len(events) + 1):
        event.seq, event.previous_hash = seq, previous_hash
        event.hash = previous_hash = event_digest(event, previous_hash)
    db.session.execute(update(table).where(table.c.id == 1).values(hash=previous_hash))
    db.session.add_all(events)
    return events


def _new_event(actor, action: str, obj=None, *, summary: str = "", details: dict | None = None,
               record_type: str | None = None, record_id: int | None = None) -> AuditEvent:
    if obj is not None:
        record_type = record_type or obj.__tablename__
        record_id = record_id if record_id is not None else obj.id
    return AuditEvent(
        at=utcnow(),
        actor_id=getattr(actor, "id", None),
        action=action,
        record_type=record_type or "",
        record_id=record_id,
        summary=summary[:300],
        # Through JSON and back: what is hashed is exactly what the database gives back.
        details=json.loads(json.dumps(
            {key: _plain(value) if not isinstance(value, dict) else value
             for key, value in (details or {}).items()}, default=str)),
    )


def event_digest(event: AuditEvent, previous_hash: str) -> str:
    """The SHA-256 of an event's content and the hash of the event before it."""
    content = {
        "seq": event.seq, "at": event.at.isoformat(timespec="microseconds"),
        "actor_id": event.actor_id, "action": event.action, "record_type": event.record_type,
        "record_id": event.record_id, "summary": event.summary, "details": event.details,
        "previous": previous_hash,
    }
    text = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                      default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _chain(event: AuditEvent) -> None:
    """Put ``event`` at the end of the hash chain (advancing the head row in this
    transaction: concurrent writers queue there, so the chain never forks)."""
    table = AuditChainHead.__table__
    seq, previous_hash = advance_counter(db.session, table, {"id": 1}, {"seq": 1},
                                         [table.c.seq, table.c.hash])
    event.seq, event.previous_hash = seq, previous_hash
    event.hash = event_digest(event, previous_hash)
    db.session.execute(update(table).where(table.c.id == 1).values(hash=event.hash))


def save_with_audit(actor, action: str, obj, *, summary: str = "", extra: dict | None = None):
    """Flush ``obj`` and record its changed fields in one audit event.

    Returns the event, or ``None`` when nothing changed (no change, no event).
    """
    is_new = obj not in db.session or inspect(obj).pending or inspect(obj).transient
    changes = changed_fields(obj)
    if not is_new and not changes:
        return None
    db.session.add(obj)
    db.session.flush()
    details = {"changes": changes}
    if extra:
        details.update(extra)
    event = record(actor, action, obj, summary=summary, details=details)
    db.session.flush()
    return event


@dataclass(frozen=True)
class BrokenLink:
    """Where the audit chain stops holding: the event and what is wrong with it."""

    seq: int
    event_id: int | None
    problem: str


def verify_chain(batch_size: int = 5000) -> tuple[int, BrokenLink | None]:
    """Walk the whole chain in order: ``(events checked, first broken link or None)``.

    Finds an edited event (its hash no longer matches its content), a deleted or inserted
    one (a gap in the sequence, or a previous-hash that is not the hash before it) and a
    cut-off end (the head says the chain is longer than it is).
    """
    from sqlalchemy import select

    expected_seq, previous_hash, checked, last_id = 1, "", 0, None
    while True:
        # Plain rows, read in batches: a long chain is never held in memory at once.
        table = AuditEvent.__table__
        events = db.session.execute(
            select(table).where(table.c.seq >= expected_seq)
            .order_by(table.c.seq).limit(batch_size)).all()
        if not events:
            break
        for event in events:
            if event.seq != expected_seq:
                return checked, BrokenLink(expected_seq, event.id,
                                           f"event {expected_seq} is missing")
            if event.previous_hash != previous_hash:
                return checked, BrokenLink(event.seq, event.id,
                                           "does not follow the event before it")
            if event_digest(event, previous_hash) != event.hash:
                return checked, BrokenLink(event.seq, event.id, "was changed after it was written")
            previous_hash, expected_seq, last_id = event.hash, expected_seq + 1, event.id
            checked += 1
    unchained = db.session.scalar(select(AuditEvent.id).where(AuditEvent.seq.is_(None)).limit(1))
    if unchained is not None:
        return checked, BrokenLink(0, unchained, "is outside the chain")
    head = db.session.get(AuditChainHead, 1)
    if head is not None and (head.seq != checked or head.hash != previous_hash):
        return checked, BrokenLink(checked + 1, last_id,
                                   f"the chain should have {head.seq} events")
    return checked, None
