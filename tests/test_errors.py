"""Error pages keep the layout and say what happened; nothing a user types gives a 500."""
from __future__ import annotations

import pytest

from registry import create_app
from registry.extensions import db
from tests.client import install as install_browser_client
from tests.conftest import TEST_CONFIG


def assert_error_page(response, code, title):
    page = response.get_data(as_text=True)
    assert response.status_code == code
    assert f"<h1>{title}</h1>" in page
    assert '<header class="site-header">' in page  # the layout is kept
    return page


def test_404(client):
    assert_error_page(client.get("/no/such/page"), 404, "Not found")


def test_404_as_json_for_json_paths(client):
    response = client.get("/no/such/thing.json")
    assert response.status_code == 404
    assert response.get_json()["error"] == "Not found"


def test_403(client, login_as):
    login_as("trainer")
    page = assert_error_page(client.get("/admin/users/"), 403, "Not allowed")
    assert "permission" in page


def test_400_on_a_missing_csrf_token(client, login_as):
    login_as("admin")
    response = client.post("/reference/sectors/new", data={"code": "X", "name": "X"},
                           csrf=False)
    assert_error_page(response, 400, "Bad request")


def test_405(client, login_as):
    login_as("admin")
    assert client.get("/logout").status_code == 405


def test_413_on_a_too_large_upload(app, client, login_as):
    login_as("admin")
    limit = app.config["MAX_CONTENT_LENGTH"]
    app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024
    try:
        response = client.post("/reference/sectors/new",
                               data={"code": "X", "name": "x" * (2 * 1024 * 1024)})
    finally:
        app.config["MAX_CONTENT_LENGTH"] = limit
    page = assert_error_page(response, 413, "File too large")
    assert "The limit is 1 MB." in page


@pytest.fixture
def separate_app(tmp_path, app):
    """An app of its own, sharing the test database, for settings fixed at start-up."""
    built = []

    def _build(**config):
        built.append(create_app({**TEST_CONFIG,
                                 "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                                 **config}, instance_path=str(tmp_path)))
        return install_browser_client(built[-1])

    yield _build
    for other in built:
        with other.app_context():
            db.session.remove()
            db.engine.dispose()


def test_429_when_signing_in_too_often(separate_app):
    limited = separate_app(RATELIMIT_ENABLED=True)
    client = limited.test_client()
    with limited.app_context():
        # a new e-mail each time: the per-account throttle (auth/throttle.py) stays out
        codes = [client.post("/login", data={"email": f"x{n}@registry.test",
                                             "password": "wrong"}).status_code
                 for n in range(21)]
        assert codes[:20] == [200] * 20
        assert codes[20] == 429
        page = client.post("/login", data={"email": "x", "password": "y"}).get_data(as_text=True)
        assert "<h1>Too many requests</h1>" in page
        db.session.remove()


def test_500_rolls_back_and_keeps_the_layout(separate_app):
    broken = separate_app()

    @broken.route("/boom")
    def boom():
        from registry.catalog.models import Sector

        db.session.add(Sector(code="HALF", name="Half written"))
        db.session.flush()
        raise RuntimeError("a bug")

    client = broken.test_client()
    with broken.app_context():
        from tests import fixtures

        user = fixtures.create_user("admin")
        fixtures.sign_in(client, user)
        assert_error_page(client.get("/boom"), 500, "Something went wrong")
        from sqlalchemy import func, select

        from registry.catalog.models import Sector

        assert db.session.scalar(select(func.count()).select_from(Sector)) == 0
        db.session.remove()
