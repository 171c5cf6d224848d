"""H1 through the real nginx: rate limits count each client address, not nginx's.

Two clients on one machine: their sockets are bound to 127.0.0.2 and 127.0.0.3 (on Linux
every 127.x.y.z is the loopback), so nginx sees two addresses - as it sees two people on the
internet - and passes each in ``X-Forwarded-For``; the app (``REGISTRY_PROXIES=1``) counts
them apart. What a client puts in ``X-Forwarded-For`` itself changes nothing: nginx appends
the address it sees, and the app takes that last entry.
"""
from __future__ import annotations

import pytest

from tests import fixtures
from tests.deployed.web import sign_in

pytestmark = pytest.mark.deployed

ATTACKER, VISITOR = "127.0.0.2", "127.0.0.3"
LOGIN_LIMIT = 20  # registry/auth/views.py: sign-in POSTs per minute and address


def test_one_address_exhausting_the_verification_limit_does_not_block_another(start_stack):
    stack = start_stack(config={"RATELIMIT_VERIFY": "5 per minute"})
    certificate = fixtures.create_certificate()
    attacker, visitor = stack.visitor(source=ATTACKER), stack.visitor(source=VISITOR)
    for n in range(5):
        assert attacker.get(f"/v/NOSUCHCODE{n:04d}").status_code == 404, n
    refused = attacker.get(f"/v/{certificate.public_code}")
    assert refused.status_code == 429
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    # Choosing another address in the header does not help: nginx appends the real one.
    spoofed = attacker.get(f"/v/{certificate.public_code}",
                           headers={"X-Forwarded-For": "198.51.100.23"})
    assert spoofed.status_code == 429
    # Someone else scanning a real QR code at the same time is served.
    page = visitor.get(f"/v/{certificate.public_code}")
    assert page.status_code == 200
    assert 'id="status-word">VALID<' in page.text


def test_an_address_throttled_at_sign_in_does_not_lock_out_the_real_user(stack):
    fixtures.create_user("admin", email="admin@registry.test")
    attacker = stack.visitor(source=ATTACKER)
    page = attacker.page("/login")
    form = attacker.form(page)
    guess = dict(form.values(), password="not-the-password")
    for n in range(LOGIN_LIMIT):
        # A new email each time: only the per-address limit is at work, not an account's.
        response = attacker.post("/login", dict(guess, email=f"guess{n}@registry.test"),
                                 referer=page.url)
        assert response.status_code == 200 and "Email or password is not correct." in \
            response.text, n
    guess["email"] = "one-more@registry.test"
    refused = attacker.post("/login", guess, referer=page.url)
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    assert attacker.post("/login", guess, referer=page.url,
                         headers={"X-Forwarded-For": "203.0.113.99"}).status_code == 429
    # The administrator, at another address, signs in at once.
    sign_in(stack.visitor(source=VISITOR), "admin@registry.test")
