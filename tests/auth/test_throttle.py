"""Password guesses are throttled per account *and* client address: refused until a time,
counted atomically, never a switch that keeps the real user out (M4, M7, L1, L9, L11)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event, func, select

from registry.audit.models import AuditEvent
from registry.auth import services, throttle
from registry.auth.models import SignInThrottle, User
from registry.extensions import db
from tests import fixtures
from tests.concurrency import run_together
from tests.fixtures import TEST_PASSWORD

ATTACKER = "198.51.100.66"
REAL_USER = "203.0.113.5"
REFUSED = "Too many failed attempts from your address."


def sign_in(client, email, password, address=ATTACKER):
    return client.post("/login", data={"email": email, "password": password},
                       environ_base={"REMOTE_ADDR": address})


def signed_in(response) -> bool:
    return response.status_code == 302 and response.headers["Location"] == "/"


def audit_count(action: str) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == action))


def test_five_failures_refuse_that_address_until_a_time_with_retry_after(client):
    fixtures.create_user("official", email="bold@registry.test")
    for _ in range(5):
        page = sign_in(client, "bold@registry.test", "wrong password")
        assert page.status_code == 200
        assert "Email or password is not correct." in page.get_data(as_text=True)
    refused = sign_in(client, "bold@registry.test", TEST_PASSWORD)  # even the right one
    assert refused.status_code == 429
    assert 0 < int(refused.headers["Retry-After"]) <= 15 * 60
    text = refused.get_data(as_text=True)
    assert REFUSED in text and "Try again after" in text and "UTC" in text
    assert client.get("/").status_code == 302  # not signed in


def test_the_real_user_signs_in_from_another_address_while_the_attacker_is_refused(client):
    fixtures.create_user("admin", email="admin@registry.test")
    for _ in range(6):
        sign_in(client, "admin@registry.test", "guess guess guess", address=ATTACKER)
    assert sign_in(client, "admin@registry.test", TEST_PASSWORD,
                   address=ATTACKER).status_code == 429
    assert signed_in(sign_in(client, "admin@registry.test", TEST_PASSWORD, address=REAL_USER))


def test_the_refusal_ends_after_fifteen_minutes(client):
    fixtures.create_user("official", email="sarnai@registry.test")
    for _ in range(6):
        sign_in(client, "sarnai@registry.test", "wrong")
    row = db.session.scalar(select(SignInThrottle))
    row.refused_until -= timedelta(minutes=15, seconds=1)
    row.window_started_at -= timedelta(minutes=15, seconds=1)
    db.session.commit()
    assert signed_in(sign_in(client, "sarnai@registry.test", TEST_PASSWORD))
    assert db.session.scalar(select(func.count()).select_from(SignInThrottle)) == 0


def test_failures_spread_over_more_than_fifteen_minutes_are_not_refused(client):
    fixtures.create_user("official", email="sarnai@registry.test")
    for _ in range(4):
        sign_in(client, "sarnai@registry.test", "wrong")
    row = db.session.scalar(select(SignInThrottle))
    row.window_started_at -= timedelta(minutes=16)
    db.session.commit()
    for _ in range(4):
        assert sign_in(client, "sarnai@registry.test", "wrong").status_code == 200
    db.session.expire_all()
    assert db.session.scalar(select(SignInThrottle.attempts)) == 4  # a new window
    assert signed_in(sign_in(client, "sarnai@registry.test", TEST_PASSWORD))


def test_a_refusal_period_writes_one_audit_event_not_one_per_request(client):
    fixtures.create_user("official", email="flood@registry.test")
    for _ in range(5):
        sign_in(client, "flood@registry.test", "wrong")
    for _ in range(20):
        assert sign_in(client, "flood@registry.test", "wrong").status_code == 429
    assert audit_count("user.sign_in_refused") == 1


def test_unknown_emails_are_throttled_the_same_way(client):
    for _ in range(5):
        assert sign_in(client, "nobody@registry.test", "wrong").status_code == 200
    assert sign_in(client, "nobody@registry.test", "wrong").status_code == 429


def test_known_and_unknown_emails_do_the_same_work(client, monkeypatch):
    """L1, structurally: one password hash checked and the same statements on the same
    tables, whether the account exists or not (timing cannot tell them apart)."""
    from registry.auth import models

    fixtures.create_user("official", email="known@registry.test")
    hashes = []
    real_check = models.check_password_hash
    monkeypatch.setattr(models, "check_password_hash",
                        lambda stored, given: hashes.append(stored[:6]) or real_check(stored,
                                                                                       given))

    def statements_of(email):
        seen = []

        def listen(conn, cursor, statement, parameters, context, executemany):
            seen.append(" ".join(statement.split()[:4]))

        event.listen(db.engine, "before_cursor_execute", listen)
        try:
            assert sign_in(client, email, "wrong password", address=email).status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", listen)
        return seen

    known, unknown = statements_of("known@registry.test"), statements_of("nobody@registry.test")
    assert hashes == ["scrypt", "scrypt"]
    assert known == unknown
    assert any(statement.startswith("INSERT INTO sign_in_throttle") for statement in known)


def test_the_password_change_form_is_throttled_too(client, login_as):
    user = login_as("official")
    wrong = {"current_password": "not my password", "password": "a new long password",
             "confirm": "a new long password"}
    for _ in range(5):
        page = client.post("/account/password", data=wrong)
        assert "The current password is not correct." in page.get_data(as_text=True)
    refused = client.post("/account/password", data={**wrong,
                                                      "current_password": TEST_PASSWORD})
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert REFUSED in refused.get_data(as_text=True)
    db.session.refresh(user)
    assert user.check_password(TEST_PASSWORD)  # unchanged
    assert audit_count("user.password_change_refused") == 1


def test_an_admin_lifts_the_refusals(client, login_as):
    official = fixtures.create_user("official", email="locked@registry.test")
    for _ in range(6):
        sign_in(client, "locked@registry.test", "wrong")
    admin_client = client.application.test_client()
    fixtures.sign_in(admin_client, fixtures.create_user("admin"))
    page = admin_client.get(f"/admin/users/{official.id}").get_data(as_text=True)
    assert f"{ATTACKER}: refused until" in page
    response = admin_client.post(f"/admin/users/{official.id}/unlock", follow_redirects=True)
    assert "Sign-in is open again for locked@registry.test (1 address was refused)." in \
        response.get_data(as_text=True)
    assert audit_count("user.unlock") == 1
    assert signed_in(sign_in(client, "locked@registry.test", TEST_PASSWORD))


# --- under real concurrency (the PostgreSQL pass is where this matters) ----------------------

class Guess:
    def __init__(self, email, address):
        self.email, self.address = email, address

    def prepare(self, password):
        return password

    def run(self, password):
        user = services.authenticate(self.email, password, address=self.address)
        return "signed in" if user is not None else "wrong"


REPEATS = 20


def _outcomes(results):
    unexpected = [r for r in results if isinstance(r, Exception)
                  and not isinstance(r, services.SignInRefused)]
    assert unexpected == []
    checked = [r for r in results if r in ("wrong", "signed in")]
    refused = [r for r in results if isinstance(r, services.SignInRefused)]
    return checked, refused


def test_twenty_simultaneous_wrong_passwords_count_as_twenty(app):
    """M4: each parallel guess is counted before its password is checked, so only five are
    checked at all, the rest are refused, and the address stays refused afterwards."""
    for repeat in range(REPEATS):
        email = f"burst{repeat}@registry.test"
        fixtures.create_user("trainer", email=email)
        checked, refused = _outcomes(run_together(
            app, [(Guess(email, ATTACKER), "wrong password") for _ in range(20)]))
        assert len(checked) == throttle.MAX_ATTEMPTS and len(refused) == 15
        db.session.rollback()
        row = db.session.get(SignInThrottle, (throttle.SIGN_IN, email, ATTACKER))
        assert row.attempts == 20 and row.refused_until is not None
        with pytest.raises(services.SignInRefused):
            services.authenticate(email, TEST_PASSWORD, address=ATTACKER)
        db.session.rollback()
        assert services.authenticate(email, TEST_PASSWORD, address=REAL_USER) is not None
        db.session.commit()
    assert audit_count("user.sign_in_refused") == REPEATS  # one per refusal period


def test_a_right_password_inside_a_burst_does_not_slip_past_the_count(app):
    """The right password among twenty wrong ones signs in only as one of the five attempts
    the address is allowed; when it comes later it is refused like the rest."""
    for repeat in range(REPEATS):
        email = f"inside{repeat}@registry.test"
        fixtures.create_user("trainer", email=email)
        results = run_together(app, [(Guess(email, ATTACKER), password)
                                     for password in ["wrong password"] * 20 + [TEST_PASSWORD]])
        checked, refused = _outcomes(results)
        right = results[-1]
        assert right == "signed in" or isinstance(right, services.SignInRefused)
        if isinstance(right, services.SignInRefused):
            assert checked == ["wrong"] * throttle.MAX_ATTEMPTS
        else:
            # admitted among the first five; its success reset the address's count, so the
            # wrong ones after it had a fresh allowance - still never more than two of them
            assert checked.count("wrong") <= 2 * throttle.MAX_ATTEMPTS
        db.session.rollback()


def test_the_user_loader_sees_no_throttle_for_users_who_signed_in(app):
    user = fixtures.create_user("official", email="ok@registry.test")
    assert services.authenticate("OK@registry.test ", TEST_PASSWORD, address=REAL_USER) == user
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(SignInThrottle)) == 0
    assert db.session.scalar(select(User.last_login_at).where(User.id == user.id)) is not None
