"""The migrations build the schema the models describe, and can go down and up again."""
from __future__ import annotations

import os
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text

from registry import create_app
from registry.extensions import db
from tests.conftest import TEST_CONFIG


@pytest.fixture
def scratch_database_url(tmp_path):
    """A database of its own for this test: a SQLite file, or a new PostgreSQL database."""
    server = os.environ.get("TEST_DATABASE_URL")
    if not server:
        yield f"sqlite:///{tmp_path / 'migrations.sqlite3'}"
        return
    from registry.config import normalise_database_url

    server = normalise_database_url(server)
    name = f"registry_migrations_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def scratch_app(scratch_database_url, tmp_path, app):
    scratch = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": scratch_database_url},
                         instance_path=str(tmp_path))
    yield scratch
    with scratch.app_context():
        db.engine.dispose()


def _tables(app) -> set[str]:
    with app.app_context():
        return set(inspect(db.engine).get_table_names()) - {"alembic_version"}


def test_upgrade_downgrade_upgrade(scratch_app):
    with scratch_app.app_context():
        upgrade()
    expected = {table.name for table in db.metadata.sorted_tables}
    assert _tables(scratch_app) == expected
    with scratch_app.app_context():
        downgrade(revision="base")
    assert _tables(scratch_app) == set()
    with scratch_app.app_context():
        upgrade()
    assert _tables(scratch_app) == expected


def test_models_and_migrations_agree(app):
    """Autogenerate against the migrated test database finds nothing left to migrate."""
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "render_as_batch": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_sessions_migration_keeps_the_users_and_what_points_at_them(scratch_app):
    """0008 rebuilds the user table: on a register in use, every user, the seminars they
    teach and the audit trail survive it, up and down."""
    from flask_migrate import upgrade as up

    with scratch_app.app_context():
        up(revision="0007")
        with db.engine.begin() as connection:
            connection.execute(text(
                'INSERT INTO "user" (id, email, name, password_hash, role, active, '
                "session_token, created_at, updated_at, failed_logins) VALUES "
                "(7, 'kept@registry.test', 'Kept', 'x', 'trainer', true, 'token', "
                "'2026-01-01', '2026-01-01', 0)"))
            connection.execute(text(
                "INSERT INTO audit_event (id, at, actor_id, action, record_type, record_id, "
                "summary, details, seq, previous_hash, hash) VALUES (1, '2026-01-01', 7, "
                "'user.login', 'user', 7, 'kept', '{}', 1, '', '')"))
        up()
        downgrade(revision="0007")
        up()
        with db.engine.connect() as connection:
            assert connection.execute(text('SELECT email FROM "user"')).scalars().all() == \
                ["kept@registry.test"]
            assert connection.execute(text("SELECT actor_id FROM audit_event")).scalar() == 7


def test_events_written_before_the_chain_existed_join_it_intact(scratch_app):
    """0005 chains the events already there with a frozen copy of the digest; the app's own
    verification must find that chain intact (timestamps read back as the app reads them)."""
    from flask_migrate import upgrade as up

    from registry.audit.services import verify_chain

    with scratch_app.app_context():
        up(revision="0004")
        with db.engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO audit_event (id, at, actor_id, action, record_type, record_id, "
                "summary, details) VALUES (1, '2026-11-20 08:30:00', NULL, 'seminar.create', "
                "'seminar', 3, 'before the chain', '{\"title\": \"Ўқув\"}')"))
        up()
        checked, broken = verify_chain()
        db.session.remove()
    assert checked == 1 and broken is None
