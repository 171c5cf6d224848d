"""Sign-in sessions are server-side records: signing out ends them for good (M6)."""
from __future__ import annotations

from datetime import timedelta

import pytest

from sqlalchemy import select

from registry.auth.models import UserSession
from registry.database import utcnow
from registry.extensions import db
from tests import fixtures
from tests.fixtures import TEST_PASSWORD


def sign_in_by_form(client, email):
    response = client.post("/login", data={"email": email, "password": TEST_PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/"


def session_cookie(client) -> str:
    return client.get_cookie("session").value


def test_a_cookie_saved_before_sign_out_is_refused_after_it(app, client):
    fixtures.create_user("official", email="copy@registry.test")
    sign_in_by_form(client, "copy@registry.test")
    saved = session_cookie(client)
    client.post("/logout")
    thief = app.test_client()
    thief.set_cookie("session", saved)
    response = thief.get("/certificates/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    ended = db.session.scalar(select(UserSession))
    assert ended.ended_at is not None and ended.end_reason == "signed_out"


def test_signing_out_on_one_device_leaves_the_others_signed_in(app, client):
    fixtures.create_user("official", email="two@registry.test")
    phone = app.test_client()
    sign_in_by_form(client, "two@registry.test")
    sign_in_by_form(phone, "two@registry.test")
    client.post("/logout")
    assert client.get("/").status_code == 302
    assert phone.get("/").status_code == 200


def test_sign_out_everywhere_ends_every_session(app, client):
    fixtures.create_user("official", email="all@registry.test")
    phone, desk = app.test_client(), app.test_client()
    for device in (client, phone, desk):
        sign_in_by_form(device, "all@registry.test")
    page = client.get("/account/sessions").get_data(as_text=True)
    assert page.count("<li>") >= 3 and "this browser" in page
    response = client.post("/account/sessions/end-all", follow_redirects=True)
    assert "You have signed out of 3 sessions." in response.get_data(as_text=True)
    for device in (client, phone, desk):
        assert device.get("/").status_code == 302


@pytest.mark.parametrize("setting, unused", [
    (None, timedelta(hours=8, minutes=1)),   # the default: a working day
    (30, timedelta(minutes=31)),             # SESSION_IDLE_MINUTES
])
def test_a_session_unused_longer_than_the_idle_limit_is_no_longer_accepted(
        app, client, monkeypatch, setting, unused):
    if setting is not None:
        monkeypatch.setitem(app.config, "SESSION_IDLE_MINUTES", setting)
    user = fixtures.create_user("official")
    fixtures.sign_in(client, user)
    assert client.get("/").status_code == 200
    record = db.session.scalar(select(UserSession))
    record.last_seen_at -= unused
    db.session.commit()
    assert client.get("/").status_code == 302


def test_the_idle_limit_comes_from_the_environment(tmp_path, monkeypatch):
    from registry import create_app

    monkeypatch.setenv("REGISTRY_SESSION_IDLE_MINUTES", "45")
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "TESTING": True},
                     instance_path=str(tmp_path))
    assert app.config["SESSION_IDLE_MINUTES"] == 45


def test_using_a_session_keeps_it_alive(app, client):
    user = fixtures.create_user("official")
    fixtures.sign_in(client, user)
    record = db.session.scalar(select(UserSession))
    record.last_seen_at -= timedelta(hours=7)
    db.session.commit()
    assert client.get("/").status_code == 200
    db.session.expire_all()
    assert db.session.scalar(select(UserSession)).last_seen_at > \
        utcnow() - timedelta(minutes=1)


def test_an_admins_password_reset_ends_the_users_sessions(app, client, login_as):
    login_as("admin")
    official = fixtures.create_user("official")
    device = app.test_client()
    fixtures.sign_in(device, official)
    assert device.get("/").status_code == 200
    client.post(f"/admin/users/{official.id}/password",
                data={"reset-password": "a brand new passphrase"})
    assert device.get("/").status_code == 302


def test_the_cookie_holds_no_key_the_database_keeps(client):
    """A copy of the session table opens no session: only the key's digest is stored."""
    user = fixtures.create_user("official")
    key = fixtures.sign_in(client, user)
    stored = db.session.scalar(select(UserSession.key_digest))
    assert key not in stored and len(stored) == 64
