"""Web security as a browser and an attacker see it: headers, cookies, CSRF, size limits,
rate limits shared through Redis."""
from __future__ import annotations

import uuid

import pytest

from registry.extensions import db
from tests import fixtures
from tests.conftest import TEST_CONFIG


def make_app(tmp_path, **config):
    from registry import create_app
    from tests.client import install

    return install(create_app({**TEST_CONFIG,
                               "SQLALCHEMY_DATABASE_URI": db.engine.url.render_as_string(False),
                               **config}, instance_path=str(tmp_path / uuid.uuid4().hex)))


@pytest.fixture
def production(redis_url):
    """What production requires on top of the test configuration (see registry/config.py)."""
    return {"REGISTRY_ENV": "production", "SECRET_KEY": "production-test-key-" + "p" * 32,
            "REDIS_URL": redis_url, "REGISTRY_BASE_URL": "https://registry.example.uz",
            "RATELIMIT_KEY_PREFIX": f"test-{uuid.uuid4().hex}"}


@pytest.fixture
def apps():
    made = []
    yield made
    for app in made:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def test_every_response_carries_the_security_headers(client):
    for path in ("/login", "/check", "/no-such-page", "/static/css/app.css"):
        response = client.get(path)
        response.close()  # a static file is streamed from disk
        headers = response.headers
        assert headers["X-Content-Type-Options"] == "nosniff", path
        assert headers["X-Frame-Options"] == "DENY", path
        csp = headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp, path
        assert "frame-ancestors 'none'" in csp
        assert headers["Referrer-Policy"] in ("same-origin", "no-referrer"), path


def test_production_sends_hsts_and_secure_cookies(tmp_path, apps, production):
    app = make_app(tmp_path, **production)
    apps.append(app)
    fixtures.create_user("official", email="prod@registry.test")
    client = app.test_client()
    response = client.post("/login", base_url="https://registry.example.uz",
                           data={"email": "prod@registry.test",
                                 "password": fixtures.TEST_PASSWORD})
    assert response.status_code == 302
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_development_cookies_are_httponly_and_samesite(client):
    fixtures.create_user("official", email="dev@registry.test")
    response = client.post("/login", data={"email": "dev@registry.test",
                                           "password": fixtures.TEST_PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Strict-Transport-Security" not in response.headers


def test_a_form_without_its_csrf_token_changes_nothing(tmp_path, apps, count_rows):
    from registry.people.models import Person

    app = make_app(tmp_path, WTF_CSRF_ENABLED=True)
    apps.append(app)
    user = fixtures.create_user("official")
    client = app.test_client()
    fixtures.sign_in(client, user)
    before = count_rows(Person)
    response = client.post("/people/new", data={"full_name": "Forged Person"}, csrf=False)
    assert response.status_code == 400
    assert count_rows(Person) == before


def test_a_request_over_the_size_limit_is_refused_with_a_reason(client, login_as, app):
    login_as("official")
    seminar = fixtures.create_seminar()
    big = b"x" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    response = client.post(f"/seminars/{seminar.id}/import", data=big,
                           content_type="multipart/form-data; boundary=x")
    assert response.status_code == 413
    assert "too large" in response.get_data(as_text=True)


def test_rate_limits_are_shared_by_app_servers_through_redis(tmp_path, apps, redis_url):
    certificate = fixtures.create_certificate()
    shared = {"RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": redis_url,
              "RATELIMIT_KEY_PREFIX": f"test-{uuid.uuid4().hex}", "RATELIMIT_VERIFY": "4 per minute"}
    first, second = make_app(tmp_path, **shared), make_app(tmp_path, **shared)
    apps.extend([first, second])
    url = f"/v/{certificate.public_code}"
    statuses = [(first if n % 2 else second).test_client().get(url).status_code
                for n in range(5)]
    assert statuses == [200, 200, 200, 200, 429]
    refused = first.test_client().get(url)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert '<html lang="en">' in refused.get_data(as_text=True)  # the site's own layout


def test_login_is_rate_limited_per_address(tmp_path, apps):
    app = make_app(tmp_path, RATELIMIT_ENABLED=True,
                   RATELIMIT_KEY_PREFIX=f"test-{uuid.uuid4().hex}")
    apps.append(app)
    client = app.test_client()
    statuses = [client.post("/login", data={"email": f"nobody{n}@registry.test",
                                            "password": "x"}).status_code for n in range(21)]
    assert statuses[:20] == [200] * 20 and statuses[20] == 429


def test_behind_a_proxy_each_forwarded_address_has_its_own_limit(tmp_path, apps):
    """H1: REGISTRY_PROXIES installs ProxyFix, so behind nginx the limits count real clients."""
    from werkzeug.middleware.proxy_fix import ProxyFix

    certificate = fixtures.create_certificate()
    app = make_app(tmp_path, REGISTRY_PROXIES=1, RATELIMIT_ENABLED=True,
                   RATELIMIT_KEY_PREFIX=f"test-{uuid.uuid4().hex}",
                   RATELIMIT_VERIFY="3 per minute")
    apps.append(app)
    assert isinstance(app.wsgi_app, ProxyFix)
    client = app.test_client()
    url = f"/v/{certificate.public_code}"

    def from_address(address):
        return client.get(url, headers={"X-Forwarded-For": address,
                                        "X-Forwarded-Proto": "https"}).status_code

    assert [from_address("198.51.100.66") for _ in range(4)] == [200, 200, 200, 429]
    assert from_address("203.0.113.5") == 200  # another visitor is not blocked


def test_proxies_set_in_the_environment_take_effect(tmp_path, monkeypatch):
    from werkzeug.middleware.proxy_fix import ProxyFix

    from registry import create_app

    monkeypatch.setenv("REGISTRY_PROXIES", "1")
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": "sqlite://"},
                     instance_path=str(tmp_path / "instance"))
    assert isinstance(app.wsgi_app, ProxyFix)
    with app.test_client() as client:
        client.get("/healthz", headers={"X-Forwarded-For": "203.0.113.5"})
        from flask import request

        assert request.remote_addr == "203.0.113.5"


def test_an_anonymous_visitor_checks_a_certificate_over_https_in_production(tmp_path, apps,
                                                                          production):
    """M8: the public check form works with CSRF on, over HTTPS, from a no-cookie visitor."""
    certificate = fixtures.create_certificate()
    app = make_app(tmp_path, **production, WTF_CSRF_ENABLED=True, REGISTRY_PROXIES=1)
    apps.append(app)
    client = app.test_client()
    https = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
    assert client.get("/check", headers=https).status_code == 200
    response = client.post("/check", headers=https,
                           data={"number": certificate.number, "surname": "Ўроқов"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/v/{certificate.public_code}")
