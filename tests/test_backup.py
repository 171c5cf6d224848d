"""Backups taken while people keep working, restored into a new database, compared table by
table - on SQLite and on PostgreSQL."""
from __future__ import annotations

import threading
import uuid

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from registry.extensions import db
from tests import fixtures


@pytest.fixture
def empty_database_url(app, tmp_path):
    """A new, empty database of the same kind as the suite's."""
    url = make_url(db.engine.url.render_as_string(hide_password=False))
    if url.get_backend_name() == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    name = f"registry_restore_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield url.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def restored_app(empty_database_url, tmp_path):
    from registry import create_app
    from tests.conftest import TEST_CONFIG

    restored = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": empty_database_url},
                          instance_path=str(tmp_path / "restored-instance"))
    yield restored
    with restored.app_context():
        db.session.remove()
        db.engine.dispose()


def restore_into(restored_app, path):
    # The CLI runs in the current app context if there is one (the suite's): push the
    # restored app's own.
    with restored_app.app_context():
        return restored_app.test_cli_runner().invoke(args=["restore", str(path)])


def rows_of(engine, table) -> list[tuple]:
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(
            select(table).order_by(*table.primary_key.columns))]


class Writer(threading.Thread):
    """Someone registering people (each with its audit event) as fast as they can."""

    def __init__(self, app):
        super().__init__(daemon=True)
        self.app, self.stop, self.written, self.error = app, threading.Event(), 0, None

    def run(self):
        from registry.people.services import create_person

        try:
            with self.app.app_context():
                actor = fixtures.create_user("official")
                while not self.stop.is_set():
                    create_person({"full_name": f"Ёзувчи {self.written} Ўғли"}, actor=actor,
                                  allow_duplicates=True)
                    db.session.commit()
                    self.written += 1
                db.session.remove()
        except Exception as error:  # reported by the test
            self.error = error


def test_a_backup_taken_during_writes_restores_to_a_consistent_copy(app, restored_app,
                                                                     tmp_path):
    fixtures.create_completed_seminar((("Ғайратжон Ўроқов", 3, 90), ("Nguyễn Thị Thắm", 3, 80)))
    fixtures.create_certificate("Батбаяр Дорж")
    db.session.commit()
    writer = Writer(app)
    writer.start()
    while writer.written < 5 and writer.error is None:
        threading.Event().wait(0.01)
    path = tmp_path / "registry.backup"
    result = app.test_cli_runner().invoke(args=["backup", str(path)])
    written_during = writer.written
    while writer.written < written_during + 5 and writer.error is None:
        threading.Event().wait(0.01)
    writer.stop.set()
    writer.join(30)
    assert writer.error is None and result.exit_code == 0, result.output

    restored = restore_into(restored_app, path)
    assert restored.exit_code == 0, restored.output
    assert "the checks passed" in restored.output

    with restored_app.app_context():
        restored_engine = db.engine
        grew = 0
        for table in db.metadata.sorted_tables:
            if table.name == "audit_chain_head":
                continue  # moves with every event; the restore's chain check covers it
            with app.app_context():
                source = rows_of(db.engine, table)
            copy = rows_of(restored_engine, table)
            # A snapshot: every restored row exactly as in the source, and what is missing
            # was written after the snapshot (the writer only adds rows, in key order).
            assert source[:len(copy)] == copy, table.name
            grew += len(source) - len(copy)
    assert grew > 0  # the writer really kept writing after the snapshot


def test_restore_refuses_a_database_that_is_not_empty(app, tmp_path):
    path = tmp_path / "registry.backup"
    assert app.test_cli_runner().invoke(args=["backup", str(path)]).exit_code == 0
    again = app.test_cli_runner().invoke(args=["backup", str(path)])
    assert again.exit_code != 0 and "exists already" in again.output
    result = app.test_cli_runner().invoke(args=["restore", str(path)])
    assert result.exit_code != 0 and "not empty" in result.output


def test_a_damaged_backup_restores_nothing(restored_app, tmp_path):
    path = tmp_path / "broken.backup"
    path.write_bytes(b"this is not a backup" * 100)
    result = restore_into(restored_app, path)
    assert result.exit_code != 0
    with restored_app.app_context():
        from sqlalchemy import inspect

        assert "person" not in inspect(db.engine).get_table_names()
