"""Backups and restores of the whole database, with an integrity check.

SQLite: SQLite's online backup API copies a consistent snapshot while the application keeps
writing. PostgreSQL: ``pg_dump -Fc`` (one consistent snapshot in one transaction) and
``pg_restore`` in a single transaction. A restore goes only into an empty database, and is
then checked: the database's own integrity check (SQLite), the migrations' version, and the
audit log's hash chain from the first event to the last.
"""
from __future__ import annotations

import shutil
import sqlite3
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, inspect, select, text
from sqlalchemy.engine import make_url

from registry.extensions import db


class BackupError(RuntimeError):
    """A backup or restore could not be made; ``str(error)`` says why, for the operator."""


@dataclass
class CheckReport:
    rows: dict = field(default_factory=dict)  # table -> row count
    problems: list = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _url():
    return make_url(db.engine.url.render_as_string(hide_password=False))


def _libpq_url() -> str:
    """The database URL as pg_dump/pg_restore understand it (no SQLAlchemy driver name)."""
    return _url().set(drivername="postgresql").render_as_string(hide_password=False)


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} is not installed (Debian: apt-get install postgresql-client).")
    return path


def _sqlite_connection() -> sqlite3.Connection:
    return sqlite3.connect(_url().database)


def backup(path: str | Path) -> Path:
    """Write a backup of the application's database to ``path`` (refusing to overwrite)."""
    path = Path(path)
    if path.exists():
        raise BackupError(f"{path} exists already; choose a new file name.")
    path.parent.mkdir(parents=True, exist_ok=True)
    if db.engine.dialect.name == "sqlite":
        source = _sqlite_connection()
        target = sqlite3.connect(path)
        try:
            source.backup(target)  # one step: a consistent snapshot despite concurrent writers
        finally:
            target.close()
            source.close()
        check = sqlite3.connect(path)
        try:
            if check.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise BackupError(f"The backup {path} failed its integrity check.")
        finally:
            check.close()
        return path
    result = subprocess.run([_tool("pg_dump"), "--format=custom", "--no-owner",
                             "--no-privileges", f"--file={path}", _libpq_url()],
                            capture_output=True, text=True)
    if result.returncode != 0:
        path.unlink(missing_ok=True)
        raise BackupError(f"pg_dump failed: {result.stderr.strip()}")
    return path


def _is_empty() -> bool:
    return not inspect(db.engine).get_table_names()


def restore(path: str | Path) -> CheckReport:
    """Restore the backup at ``path`` into the application's database, which must be empty,
    then check it (see ``check``)."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"There is no backup at {path}.")
    if not _is_empty():
        raise BackupError("The database is not empty: restore only into a new, empty database.")
    db.session.remove()
    db.engine.dispose()
    if db.engine.dialect.name == "sqlite":
        try:
            source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            if source.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise BackupError(f"{path} is damaged (integrity check failed).")
        except sqlite3.DatabaseError as error:
            raise BackupError(f"{path} is not a SQLite backup ({error}).") from None
        target = _sqlite_connection()
        try:
            source.backup(target)
        finally:
            target.close()
            source.close()
    else:
        result = subprocess.run([_tool("pg_restore"), "--no-owner", "--no-privileges",
                                 "--single-transaction", "--exit-on-error",
                                 f"--dbname={_libpq_url()}", str(path)],
                                capture_output=True, text=True)
        if result.returncode != 0:
            raise BackupError(f"pg_restore failed, nothing was restored: {result.stderr.strip()}")
    db.engine.dispose()
    return check()


def check() -> CheckReport:
    """Check the database: SQLite's integrity and foreign keys, the migration version, and
    the audit hash chain; count the rows of every table."""
    from registry.audit.services import verify_chain

    report = CheckReport()
    if db.engine.dialect.name == "sqlite":
        with db.engine.connect() as connection:
            if connection.execute(text("PRAGMA integrity_check")).scalar() != "ok":
                report.problems.append("SQLite integrity check failed")
            if connection.execute(text("PRAGMA foreign_key_check")).first() is not None:
                report.problems.append("rows point at rows that do not exist")
    tables = set(inspect(db.engine).get_table_names())
    if "alembic_version" not in tables:
        report.problems.append("no migration version: this is not a Registry database")
    for table in db.metadata.sorted_tables:
        if table.name in tables:
            report.rows[table.name] = db.session.scalar(select(func.count()).select_from(table))
        else:
            report.problems.append(f"table {table.name} is missing")
    if "audit_event" in tables:
        checked, broken = verify_chain()
        if broken is not None:
            report.problems.append(f"audit chain broken at event #{broken.seq}: {broken.problem}")
    db.session.rollback()
    return report
