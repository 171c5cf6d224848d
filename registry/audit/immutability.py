"""Database triggers that refuse UPDATE and DELETE on the audit table, on both databases.

Used by the migration that installs them and by the test suite, which has to empty the table
between tests on SQLite (PostgreSQL's TRUNCATE does not fire row triggers). Whoever can drop a
trigger can still edit the table; the hash chain (``flask audit verify``) then shows where.
"""
from __future__ import annotations

from sqlalchemy import text

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


def install(connection) -> None:
    statements = POSTGRESQL_INSTALL if connection.dialect.name == "postgresql" else SQLITE_INSTALL
    for statement in statements:
        connection.execute(text(statement))


def remove(connection) -> None:
    statements = POSTGRESQL_REMOVE if connection.dialect.name == "postgresql" else SQLITE_REMOVE
    for statement in statements:
        connection.execute(text(statement))
