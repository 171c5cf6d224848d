"""Test set-up: one app per run, the schema built through the migrations, each test isolated.

The database is SQLite (a file, so that threads can share it) unless ``TEST_DATABASE_URL``
points at PostgreSQL; ``make test`` runs the suite once each way.
"""
from __future__ import annotations

import os

import pytest
from sqlalchemy import text

from registry import create_app
from registry.extensions import db as _db
from tests import fixtures
from tests.client import install as install_browser_client


def database_url(tmp_path_factory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        from registry.config import normalise_database_url

        return normalise_database_url(url)
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'registry-test.sqlite3'}"


TEST_CONFIG = {
    "TESTING": True,
    "SECRET_KEY": "test-secret-key",
    # CSRF is on, as in production: tests post forms with the token of a rendered page
    # (tests/client.py); a test that must post without one says so with ``csrf=False``.
    "WTF_CSRF_ENABLED": True,
    "RATELIMIT_ENABLED": False,
    "RATELIMIT_STORAGE_URI": "memory://",
    "REGISTRY_BASE_URL": "http://registry.test",
    # Background jobs run before the request answers, except in the tests about jobs.
    "REGISTRY_JOBS_INLINE": True,
}


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    instance = tmp_path_factory.mktemp("instance")
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url(tmp_path_factory)},
                     instance_path=str(instance))
    install_browser_client(app)
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()  # the schema the tests see is the one the migrations build
    yield app
    with app.app_context():
        _db.session.remove()
        _db.engine.dispose()


@pytest.fixture(autouse=True)
def _isolated(app):
    """Each test runs in its own app context and leaves every table empty behind it."""
    context = app.app_context()
    context.push()
    try:
        yield
    finally:
        # A test that switched CSRF off for a moment must not leave it off for the rest.
        app.config["WTF_CSRF_ENABLED"] = TEST_CONFIG["WTF_CSRF_ENABLED"]
        # The limiter is one object for every app of the process: an app a test built with
        # limits on switched it on for the suite's app too (it is off there).
        from registry.extensions import limiter

        limiter.enabled = app.config["RATELIMIT_ENABLED"]
        _db.session.remove()
        empty_all_tables()
        context.pop()


def empty_all_tables() -> None:
    tables = [table for table in reversed(_db.metadata.sorted_tables)]
    if _db.engine.dialect.name == "postgresql":
        names = ", ".join(f'"{table.name}"' for table in tables)
        with _db.engine.begin() as connection:
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        return
    from registry.audit.immutability import SQLITE_INSTALL, SQLITE_REMOVE

    raw = _db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        # Rows of a self-referencing table may go in any order: switch the checks off meanwhile.
        cursor.execute("PRAGMA foreign_keys=OFF")
        # The audit table refuses DELETE (as it should): lift that for the clean-up only.
        for statement in SQLITE_REMOVE:
            cursor.execute(statement)
        for table in tables:
            cursor.execute(f'DELETE FROM "{table.name}"')
        for statement in SQLITE_INSTALL:
            cursor.execute(statement)
        cursor.execute("PRAGMA foreign_keys=ON")
    finally:
        raw.close()


@pytest.fixture
def db(app):
    return _db


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def login_as(client):
    """``login_as("trainer")`` (or a User): signs the test client in; returns the user."""

    def _login(role_or_user="admin", **kwargs):
        user = role_or_user
        if isinstance(role_or_user, str):
            user = fixtures.create_user(role=role_or_user, **kwargs)
        fixtures.sign_in(client, user)
        return user

    return _login


@pytest.fixture
def count_rows(db):
    """``count_rows(Model)``: how many rows a table has right now."""
    from sqlalchemy import func, select

    def _count(model) -> int:
        _db.session.expire_all()
        return _db.session.scalar(select(func.count()).select_from(model))

    return _count


@pytest.fixture
def pdf_reader(tmp_path):
    """Reads PDFs with poppler and their QR codes with zbar (see tests/readers.py)."""
    from tests.readers import PdfReader

    return PdfReader(tmp_path)


@pytest.fixture(scope="session")
def redis_url():
    """The Redis the test command started or found (``TEST_REDIS_URL``), else 127.0.0.1:6379.
    Never skipped: without Redis the test fails and says so."""
    import redis

    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    try:
        redis.Redis.from_url(url, socket_timeout=3).ping()
    except redis.RedisError as error:
        pytest.fail(f"Redis does not answer at {url} ({error}); run the suite with `make test`.")
    return url


def pytest_collection_modifyitems(config, items):
    """Tests that need PostgreSQL run in the PostgreSQL pass of ``make test`` and are
    deselected - reported, not skipped - on SQLite: the scale-out test (two servers share one
    database), and the deployed-mode and browser tests (gunicorn in production mode, behind
    nginx, shares the suite's database)."""
    if os.environ.get("TEST_DATABASE_URL"):
        return
    needs_postgresql = ("scale_out", "deployed", "browser")

    def deselect(item) -> bool:
        return any(item.get_closest_marker(marker) for marker in needs_postgresql)

    deselected = [item for item in items if deselect(item)]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if not deselect(item)]
