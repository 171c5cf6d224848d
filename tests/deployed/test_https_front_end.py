"""Through nginx over HTTPS, as people use the deployed app: the forms work with CSRF and the
strict Referer check on (M8), the production headers and cookies, static files from nginx."""
from __future__ import annotations

import pytest

from tests import fixtures
from tests.deployed.web import flashes, sign_in, text_of

pytestmark = pytest.mark.deployed


def test_an_anonymous_visitor_checks_a_certificate_by_number_and_surname(stack):
    """M8: a fresh visitor (no cookie yet) types the number and surname on /check and lands
    on the verification page that says VALID."""
    certificate = fixtures.create_certificate("Ғайратжон Ўроқов")
    visitor = stack.visitor()
    assert not visitor.session.cookies
    page = visitor.page("/check")
    response = visitor.submit(page, {"number": certificate.printed_number, "surname": "Ўроқов"},
                              allow_redirects=False)
    assert response.status_code == 303
    assert response.headers["Location"] == f"/v/{certificate.public_code}"
    verdict = visitor.get(response.headers["Location"])
    assert verdict.status_code == 200
    assert 'id="status-word">VALID<' in verdict.text
    assert verdict.headers["Referrer-Policy"] == "same-origin"


def test_a_signed_in_official_signs_out_from_a_verification_page(stack):
    """M8: the "Sign out" form on a public page (/v/<code>) works over HTTPS - the page's
    Referrer-Policy lets the browser send the Referer the strict check asks for."""
    certificate = fixtures.create_certificate()
    fixtures.create_user("official", email="official@registry.test")
    official = stack.visitor()
    sign_in(official, "official@registry.test")
    page = official.page(f"/v/{certificate.public_code}")
    assert "Sign out" in page.text
    response = official.submit(page, action="/logout", button="Sign out")
    assert response.status_code == 200, text_of(response.text)[:300]
    assert response.url == f"{stack.url}/login"
    assert ("info", "You have signed out.") in flashes(response.text)
    assert official.get("/certificates/", allow_redirects=False).status_code == 302


def test_a_post_without_referer_over_https_is_refused(stack):
    """The strict check is on: behind nginx the request is HTTPS (X-Forwarded-Proto), and
    Flask-WTF then refuses a POST that carries a valid token but no Referer - and the same
    form with the page as Referer goes through."""
    fixtures.create_user("trainer", email="trainer@registry.test")
    visitor = stack.visitor()
    login = {"email": "trainer@registry.test", "password": fixtures.TEST_PASSWORD}
    refused = visitor.submit("/login", login, referer=False)
    assert refused.status_code == 400
    assert "Sign out" not in refused.text
    # Another site's page as Referer: refused too.
    page = visitor.page("/login")
    form = visitor.form(page)
    foreign = visitor.post("/login", dict(form.values(), **login),
                           referer="https://evil.example/login")
    assert foreign.status_code == 400
    signed_in = visitor.submit("/login", login)
    assert signed_in.status_code == 200 and "Sign out" in signed_in.text


def test_the_request_is_https_because_nginx_says_so(stack):
    """``request.is_secure`` follows nginx's ``X-Forwarded-Proto``: the same sign-in without a
    Referer, sent to gunicorn directly, is refused when the header says https and accepted
    when it is absent (plain http has no Referer rule)."""
    fixtures.create_user("trainer", email="trainer@registry.test")
    login = {"email": "trainer@registry.test", "password": fixtures.TEST_PASSWORD}
    as_nginx_sends_it = stack.direct(client="203.0.113.7")
    assert as_nginx_sends_it.submit("/login", login, referer=False).status_code == 400
    without_the_header = stack.direct(client="203.0.113.8")
    del without_the_header.session.headers["X-Forwarded-Proto"]
    response = without_the_header.submit("/login", login, referer=False)
    assert response.status_code == 200 and "Sign out" in response.text


def test_production_headers_and_cookies_over_https(stack):
    fixtures.create_user("admin", email="admin@registry.test")
    visitor = stack.visitor()
    page = visitor.page("/login")
    assert page.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    cookie = page.headers["Set-Cookie"]
    assert cookie.startswith("session=")
    for attribute in ("Secure", "HttpOnly", "SameSite=Lax"):
        assert attribute in cookie
    assert page.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    signed_in = sign_in(visitor, "admin@registry.test")
    assert signed_in.headers["Cache-Control"] == "no-store"  # staff pages
    assert signed_in.url == f"{stack.url}/"
    # The port-80 server sends everyone to HTTPS.
    import requests

    plain = requests.get(f"{stack.http_url}/login?x=1", allow_redirects=False, timeout=10)
    assert plain.status_code == 301
    assert plain.headers["Location"] == "https://127.0.0.1/login?x=1"  # $host: 443 implied


def test_static_files_are_served_by_nginx(stack):
    visitor = stack.visitor()
    page = visitor.page("/login")
    assert page.headers["Server"] == "nginx"  # server_tokens off
    stylesheet = next(part.split('"')[0] for part in page.text.split('href="')[1:]
                      if part.startswith("/static/") and ".css" in part.split('"')[0])
    response = visitor.get(stylesheet)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/css"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "Set-Cookie" not in response.headers
    # Revalidated each time: after an upgrade the browser gets the new file at once.
    assert response.headers["Cache-Control"] == "no-cache"
    again = visitor.get(stylesheet, headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304
    assert visitor.get("/static/no-such-file.css").status_code == 404
    # gunicorn never saw them.
    log = (stack.folder / "gunicorn.log").read_text()
    assert "GET /login" in log and "/static/" not in log


def test_request_bodies_pass_nginx_up_to_the_limit(stack):
    """A body bigger than nginx's memory buffer (16 KB: it goes through the temp folder)
    reaches the app; one over client_max_body_size (10 MB) is refused by nginx itself."""
    visitor = stack.visitor()
    page = visitor.page("/check")
    form = dict(visitor.form(page).values(), number="IA-2026-00001", surname="Ж" * 40_000)
    response = visitor.post("/check", form, referer=page.url)
    assert response.status_code == 200
    assert "Field cannot be longer than 120 characters." in response.text
    too_big = visitor.post("/check", {"number": "x" * (10 * 1024 * 1024 + 1)},
                           referer=page.url)
    assert too_big.status_code == 413
    assert "nginx" in too_big.text  # refused in front of the app
