"""Writing audit events. Every service that changes data calls ``record`` before it flushes."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import inspect

from registry.audit.models import AuditEvent
from registry.extensions import db

# Never written to the audit log, even as "changed": secrets stay secrets.
REDACTED_FIELDS = {"password_hash", "session_token", "national_id", "signature", "pdf"}


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
    if obj is not None:
        record_type = record_type or obj.__tablename__
        record_id = record_id if record_id is not None else obj.id
    event = AuditEvent(
        actor_id=getattr(actor, "id", None),
        action=action,
        record_type=record_type or "",
        record_id=record_id,
        summary=summary[:300],
        details={key: _plain(value) if not isinstance(value, dict) else value
                 for key, value in (details or {}).items()},
    )
    db.session.add(event)
    return event


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
