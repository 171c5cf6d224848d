"""Declarative base, naming convention, timestamps and SQLite connection behaviour."""
from __future__ import annotations

import contextvars
from contextlib import contextmanager
from datetime import datetime, timezone

from sqlalchemy import DateTime, MetaData, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

# Alembic needs stable constraint names to drop or alter them later (and SQLite's batch
# mode needs them at all), so every constraint is named by this convention.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# Every id is an SQL ``integer``: PostgreSQL refuses a larger number in a query (DataError,
# which also spoils the transaction) and SQLite's driver one past 64 bits (OverflowError).
# So no record has an id above this, and no larger number is ever sent to the database.
MAX_ID = 2**31 - 1


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class UTCTimestamp(TypeDecorator):
    """A timezone-aware UTC timestamp on every database (SQLite returns naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc) if value is not None else None

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(UTCTimestamp(), default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(
        UTCTimestamp(), default=utcnow, onupdate=utcnow, nullable=False
    )


# --- SQLite: one writer at a time -------------------------------------------------------
# SQLite lets many read but one write. A transaction that reads first and writes later can
# fail at once with "database is locked" when another writer committed in between, so a
# transaction that is going to write (a POST request, a CLI command, a worker) starts with
# BEGIN IMMEDIATE and waits its turn instead. Reading transactions stay deferred and never
# block anybody (WAL mode).
_write_intent: contextvars.ContextVar[bool] = contextvars.ContextVar("write_intent", default=False)


def set_write_intent(value: bool) -> contextvars.Token:
    return _write_intent.set(value)


def reset_write_intent(token: contextvars.Token) -> None:
    _write_intent.reset(token)


@contextmanager
def write_intent(writing: bool = True):
    """Mark the transactions begun inside this block as writing ones (matters on SQLite) - or,
    with ``writing=False``, as reading ones: a writing request's step that only reads (an
    import preview) then never takes the write lock."""
    token = _write_intent.set(writing)
    try:
        yield
    finally:
        _write_intent.reset(token)


def configure_sqlite(engine: Engine) -> None:
    """Foreign keys on, WAL, a busy timeout, and BEGIN IMMEDIATE for writing transactions."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, connection_record):
        # Take transaction control away from pysqlite so that we emit BEGIN ourselves.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _write_intent.get() else "BEGIN")


def advance_counter(session, table, key: dict, increments: dict, returning):
    """``INSERT ... ON CONFLICT DO UPDATE ... RETURNING`` on PostgreSQL and SQLite: create the
    counter row ``key`` with ``increments`` as its values, or add ``increments`` to it. The
    database locks the row until the transaction ends, so concurrent writers take turns.
    Returns the row of ``returning`` columns after the change."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(table).values(**key, **increments)
        .on_conflict_do_update(index_elements=list(key),
                               set_={name: table.c[name] + value
                                     for name, value in increments.items()})
        .returning(*returning)
    )
    return session.execute(statement).one()
