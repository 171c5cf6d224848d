"""Signing in and out; what a wrong login tells (nothing specific); sessions that must end."""
from __future__ import annotations

from registry.audit.models import AuditEvent
from registry.auth import services
from tests import fixtures
from tests.fixtures import TEST_PASSWORD

GENERIC_FAILURE = "Email or password is not correct."


def sign_in(client, email, password, **kwargs):
    return client.post("/login", data={"email": email, "password": password},
                       follow_redirects=True, **kwargs)


def test_anonymous_visitor_is_sent_to_the_login_page(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    page = client.get("/login").get_data(as_text=True)
    # The required asterisk sits inside the label, on its line.
    assert ('<label for="email">Email <span class="required" aria-hidden="true">*</span>'
            '</label>') in page
    assert '<label for="password">Password <span class="required"' in page


def test_login_then_dashboard_then_logout(client):
    user = fixtures.create_user("official", email="malika@registry.test", name="Malika Rahimova")
    page = sign_in(client, "Malika@Registry.test ", TEST_PASSWORD).get_data(as_text=True)
    assert "Welcome, Malika Rahimova." in page
    assert "<h1>Dashboard</h1>" in page
    response = client.post("/logout", follow_redirects=True)
    assert "You have signed out." in response.get_data(as_text=True)
    assert client.get("/").status_code == 302
    assert user.last_login_at is not None


def test_login_writes_an_audit_event(client, count_rows):
    fixtures.create_user("trainer", email="anvar@registry.test")
    before = count_rows(AuditEvent)
    sign_in(client, "anvar@registry.test", TEST_PASSWORD)
    assert count_rows(AuditEvent) == before + 1


def test_wrong_password_and_unknown_email_get_the_same_message(client):
    fixtures.create_user("official", email="malika@registry.test")
    wrong_password = sign_in(client, "malika@registry.test", "not the password").get_data(
        as_text=True)
    unknown_email = sign_in(client, "nobody@registry.test", TEST_PASSWORD).get_data(as_text=True)
    for page in (wrong_password, unknown_email):
        assert GENERIC_FAILURE in page
        assert "<h1>Sign in</h1>" in page
    assert client.get("/").status_code == 302  # still signed out


def test_deactivated_account_cannot_sign_in(client):
    fixtures.create_user("trainer", email="gone@registry.test", active=False)
    page = sign_in(client, "gone@registry.test", TEST_PASSWORD).get_data(as_text=True)
    assert GENERIC_FAILURE in page


def test_empty_login_form_shows_errors_next_to_fields(client):
    page = client.post("/login", data={"email": "", "password": ""}).get_data(as_text=True)
    assert 'id="email-error"' in page and 'id="password-error"' in page


def test_deactivation_ends_the_users_sessions(client, login_as, db):
    admin = fixtures.create_user("admin")
    trainer = login_as("trainer")
    assert client.get("/").status_code == 200
    services.set_active(trainer, False, changed_by=admin)
    db.session.commit()
    assert client.get("/").status_code == 302


def test_changing_the_password_keeps_this_session_and_ends_the_others(app, client, login_as):
    user = login_as("official")
    other_device = app.test_client()
    fixtures.sign_in(other_device, user)
    assert other_device.get("/").status_code == 200
    response = client.post("/account/password", data={
        "current_password": TEST_PASSWORD, "password": "a new long password",
        "confirm": "a new long password"}, follow_redirects=True)
    assert "Your password has been changed" in response.get_data(as_text=True)
    assert client.get("/").status_code == 200
    assert other_device.get("/").status_code == 302
    client.post("/logout")
    assert "Welcome" in sign_in(client, user.email, "a new long password").get_data(as_text=True)


def test_wrong_current_password_changes_nothing(client, login_as, db):
    user = login_as("official")
    old_hash = user.password_hash
    page = client.post("/account/password", data={
        "current_password": "wrong wrong wrong", "password": "a new long password",
        "confirm": "a new long password"}).get_data(as_text=True)
    assert "The current password is not correct." in page
    db.session.refresh(user)
    assert user.password_hash == old_hash


def test_login_redirects_only_to_this_site(client):
    fixtures.create_user("official", email="malika@registry.test")
    response = client.post("/login?next=https://evil.example/", data={
        "email": "malika@registry.test", "password": TEST_PASSWORD})
    assert response.headers["Location"] == "/"
    client.post("/logout")
    response = client.post("/login?next=/admin/users/", data={
        "email": "malika@registry.test", "password": TEST_PASSWORD})
    assert response.headers["Location"] == "/admin/users/"


def test_login_form_needs_its_csrf_token(app, client):
    fixtures.create_user("official", email="malika@registry.test")
    assert app.config["WTF_CSRF_ENABLED"]  # as in production
    response = client.post("/login", data={"email": "malika@registry.test",
                                            "password": TEST_PASSWORD}, csrf=False)
    assert response.status_code == 400
    assert "Bad request" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_passwords_are_stored_as_scrypt_hashes():
    user = fixtures.create_user("admin")
    assert user.password_hash.startswith("scrypt:")
    assert TEST_PASSWORD not in user.password_hash


def test_login_next_accepts_only_local_paths(client):
    fixtures.create_user("official", email="nodira@registry.test")
    for hostile in ("//evil.test", "/\\evil.test", "/%09/evil.test", "/%2F%2Fevil.test",
                    "https:evil.test", "javascript:alert(1)", "\t//evil.test"):
        client.post("/logout")
        response = client.post("/login", query_string={"next": hostile}, data={
            "email": "nodira@registry.test", "password": TEST_PASSWORD})
        assert response.headers["Location"] == "/", hostile
