"""hardening: account lockout, audit hash chain, audit table immutable

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 21:00:00

"""
import hashlib
import json

from alembic import op
import sqlalchemy as sa



revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

# Frozen copies of what this revision needs from the application as it was when written
# (registry/audit/immutability.py and audit.services.event_digest): a migration must go on
# doing what it did when the live code changes.
SQLITE_INSTALL = (
    "CREATE TRIGGER IF NOT EXISTS audit_event_no_update BEFORE UPDATE ON audit_event "
    "BEGIN SELECT RAISE(ABORT, 'audit events cannot be changed'); END",
    "CREATE TRIGGER IF NOT EXISTS audit_event_no_delete BEFORE DELETE ON audit_event "
    "BEGIN SELECT RAISE(ABORT, 'audit events cannot be deleted'); END",
)
SQLITE_REMOVE = (
    "DROP TRIGGER IF EXISTS audit_event_no_update",
    "DROP TRIGGER IF EXISTS audit_event_no_delete",
)
POSTGRESQL_INSTALL = (
    "CREATE OR REPLACE FUNCTION audit_event_immutable() RETURNS trigger AS $$ "
    "BEGIN RAISE EXCEPTION 'audit events cannot be changed or deleted'; END $$ "
    "LANGUAGE plpgsql",
    "DROP TRIGGER IF EXISTS audit_event_no_change ON audit_event",
    "CREATE TRIGGER audit_event_no_change BEFORE UPDATE OR DELETE ON audit_event "
    "FOR EACH ROW EXECUTE FUNCTION audit_event_immutable()",
)
POSTGRESQL_REMOVE = (
    "DROP TRIGGER IF EXISTS audit_event_no_change ON audit_event",
    "DROP FUNCTION IF EXISTS audit_event_immutable()",
)


def _run(connection, postgresql, sqlite):
    for statement in postgresql if connection.dialect.name == "postgresql" else sqlite:
        connection.execute(sa.text(statement))


def _event_digest(event, previous_hash):
    content = {
        "seq": event.seq, "at": event.at.isoformat(timespec="microseconds"),
        "actor_id": event.actor_id, "action": event.action, "record_type": event.record_type,
        "record_id": event.record_id, "summary": event.summary, "details": event.details,
        "previous": previous_hash,
    }
    text = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                      default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def upgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('failed_logins', sa.Integer(), server_default='0',
                                      nullable=False))
        batch_op.add_column(sa.Column('failed_logins_since',
                                      sa.DateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column('locked_until',
                                      sa.DateTime(timezone=True),
                                      nullable=True))
    op.create_table('audit_chain_head',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('seq', sa.Integer(), nullable=False),
                    sa.Column('hash', sa.String(length=64), nullable=False),
                    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_chain_head')))
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('seq', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('previous_hash', sa.String(length=64), server_default='',
                                      nullable=False))
        batch_op.add_column(sa.Column('hash', sa.String(length=64), server_default='',
                                      nullable=False))
        batch_op.create_index('uq_audit_event_seq', ['seq'], unique=True)
    _chain_existing_events()
    _run(op.get_bind(), POSTGRESQL_INSTALL, SQLITE_INSTALL)


class _UTCTimestamp(sa.types.TypeDecorator):
    """Frozen copy of the app's UTCTimestamp as of this migration: SQLite hands back naive
    values, and the digest must see the same aware UTC time the app sees."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_result_value(self, value, dialect):
        from datetime import timezone

        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value


def _chain_existing_events():
    """Events written before the chain existed join it in the order they were written."""
    connection = op.get_bind()
    events = sa.table('audit_event', sa.column('id', sa.Integer),
                      sa.column('at', _UTCTimestamp()),
                      sa.column('actor_id', sa.Integer), sa.column('action', sa.String),
                      sa.column('record_type', sa.String), sa.column('record_id', sa.Integer),
                      sa.column('summary', sa.String), sa.column('details', sa.JSON),
                      sa.column('seq', sa.Integer), sa.column('previous_hash', sa.String),
                      sa.column('hash', sa.String))
    head = sa.table('audit_chain_head', sa.column('id', sa.Integer),
                    sa.column('seq', sa.Integer), sa.column('hash', sa.String))
    previous, seq = "", 0
    for row in connection.execute(sa.select(events).order_by(events.c.id)).all():
        seq += 1
        values = dict(row._mapping, seq=seq)

        class Event:  # the attributes _event_digest reads
            pass

        event = Event()
        event.__dict__.update(values)
        digest = _event_digest(event, previous)
        connection.execute(events.update().where(events.c.id == row.id)
                           .values(seq=seq, previous_hash=previous, hash=digest))
        previous = digest
    if seq:
        connection.execute(head.insert().values(id=1, seq=seq, hash=previous))


def downgrade():
    _run(op.get_bind(), POSTGRESQL_REMOVE, SQLITE_REMOVE)
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_index('uq_audit_event_seq')
        batch_op.drop_column('hash')
        batch_op.drop_column('previous_hash')
        batch_op.drop_column('seq')
    op.drop_table('audit_chain_head')
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('locked_until')
        batch_op.drop_column('failed_logins_since')
        batch_op.drop_column('failed_logins')
