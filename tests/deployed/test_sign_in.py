"""Sessions and sign-in throttling through nginx + gunicorn in production mode (M4, M6, M7).

The attacker and the real user are two client addresses (sockets bound to 127.0.0.2 and
127.0.0.3), which nginx passes on in ``X-Forwarded-For`` as it would for two people.
"""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from registry.auth import throttle
from registry.auth.models import SignInThrottle
from registry.extensions import db
from tests import fixtures
from tests.deployed.web import sign_in

pytestmark = pytest.mark.deployed

ATTACKER, REAL_USER = "127.0.0.2", "127.0.0.3"


def _throttle_row(email, address):
    db.session.rollback()
    return db.session.scalar(select(SignInThrottle).where(
        SignInThrottle.kind == throttle.SIGN_IN, SignInThrottle.account == email,
        SignInThrottle.address == address))


def test_a_cookie_saved_before_sign_out_is_refused_after_it(stack):
    """M6: signing out ends the session on the server, not only in this browser."""
    fixtures.create_user("official", email="official@registry.test")
    official = stack.visitor(source=REAL_USER)
    sign_in(official, "official@registry.test")
    saved = {cookie.name: cookie.value for cookie in official.session.cookies}
    assert official.page("/certificates/").status_code == 200
    signed_out = official.submit("/certificates/", action="/logout")
    assert "You have signed out." in signed_out.text
    thief = stack.visitor(source=ATTACKER)
    for name, value in saved.items():
        thief.session.cookies.set(name, value, domain="127.0.0.1", secure=True)
    replay = thief.get("/certificates/", allow_redirects=False)
    assert replay.status_code == 302 and "/login" in replay.headers["Location"]


def test_signing_out_everywhere_ends_the_other_devices_too(stack):
    fixtures.create_user("official", email="two@registry.test")
    phone, desk = stack.visitor(source=REAL_USER), stack.visitor(source=ATTACKER)
    sign_in(phone, "two@registry.test")
    sign_in(desk, "two@registry.test")
    page = desk.page("/account/sessions")
    assert page.text.count("<li>") >= 2 and page.text.count('class="badge">this browser') == 1
    ended = desk.submit(page, button="Sign out everywhere")
    assert "You have signed out of 2 sessions." in ended.text
    assert "/login" in phone.get("/", allow_redirects=False).headers["Location"]


def test_the_real_user_signs_in_while_the_attackers_address_is_refused(stack):
    """M7: five wrong passwords from one address refuse that address - not the account."""
    fixtures.create_user("admin", email="admin@registry.test")
    attacker = stack.visitor(source=ATTACKER)
    page = attacker.page("/login")
    guess = dict(attacker.form(page).values(), email="admin@registry.test",
                 password="not the password")
    for n in range(throttle.MAX_ATTEMPTS):
        answer = attacker.post("/login", guess, referer=page.url)
        assert answer.status_code == 200, n
    refused = attacker.post("/login", dict(guess, password=fixtures.TEST_PASSWORD),
                            referer=page.url)
    assert refused.status_code == 429
    assert 0 < int(refused.headers["Retry-After"]) <= 15 * 60
    assert "Too many failed attempts from your address" in refused.text
    sign_in(stack.visitor(source=REAL_USER), "admin@registry.test")


def test_twenty_simultaneous_wrong_passwords_count_as_twenty(stack):
    """M4 over HTTP: twenty parallel guesses from one address, each with its own session
    and token, all counted; the right password from that address is refused afterwards."""
    fixtures.create_user("trainer", email="trainer@registry.test")
    guessers = [stack.visitor(source=ATTACKER) for _ in range(20)]
    prepared = []
    for guesser in guessers:
        page = guesser.page("/login")
        prepared.append((guesser, page.url, dict(guesser.form(page).values(),
                                                 email="trainer@registry.test",
                                                 password="a wrong password")))
    barrier = threading.Barrier(len(prepared))
    statuses = [None] * len(prepared)

    def guess(index, guesser, referer, data):
        barrier.wait(timeout=30)
        statuses[index] = guesser.post("/login", data, referer=referer).status_code

    threads = [threading.Thread(target=guess, args=(n, *item)) for n, item in enumerate(prepared)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(statuses) == [200] * throttle.MAX_ATTEMPTS + [429] * 15
    row = _throttle_row("trainer@registry.test", ATTACKER)
    assert row.attempts == 20 and row.refused_until is not None
    late = stack.visitor(source=ATTACKER)
    assert late.submit("/login", {"email": "trainer@registry.test",
                                  "password": fixtures.TEST_PASSWORD}).status_code == 429
    sign_in(stack.visitor(source=REAL_USER), "trainer@registry.test")
