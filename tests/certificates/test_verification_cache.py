"""The verification page kept rendered in memory (issue 21, item 3): a page is reused only for
anonymous visitors with nothing of their own on it, and only while every fact it shows - the
status first - is what the database says at this request."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from flask import template_rendered

from registry.certificates import public, services
from registry.extensions import db
from tests import fixtures


def verdict(response) -> str:
    match = re.search(r'class="verdict-word"[^>]*>([^<]+)<', response.get_data(as_text=True))
    return match.group(1) if match else ""


@pytest.fixture
def renders(app):
    """The names of the templates rendered while the test runs."""
    seen = []

    def record(sender, template, context, **extra):
        seen.append(template.name)

    template_rendered.connect(record, app)
    yield seen
    template_rendered.disconnect(record, app)


@pytest.fixture
def official():
    return fixtures.create_user("official")


@pytest.fixture
def certificate(official):
    return fixtures.create_certificate("Ғайратжон Ўроқов", issued_by=official)


def test_a_kept_page_is_served_again_and_a_revocation_shows_on_the_next_request(
        client, certificate, official, renders):
    url = f"/v/{certificate.public_code}"
    first = client.get(url)
    assert verdict(first) == "VALID"
    again = client.get(url)
    assert again.get_data() == first.get_data()
    assert renders.count("public/verify.html") == 1  # the second came from the cache
    assert again.headers["Cache-Control"] == "no-store"  # kept by the server, never by others

    services.change_status(certificate, "revoke", actor=official, reason="misconduct")
    db.session.commit()
    revoked = client.get(url)
    assert verdict(revoked) == "REVOKED" and "Misconduct or fraud" in revoked.get_data(as_text=True)
    assert renders.count("public/verify.html") == 2


def test_a_reissue_shows_on_the_next_request_of_the_old_revision(client, certificate,
                                                                  official):
    url = f"/v/{certificate.public_code}"
    assert verdict(client.get(url)) == "VALID"
    revision = services.reissue_certificate(certificate, {"holder_name": "Ғайратжон Ўроқов Ҳ."},
                                            actor=official, reason="Initial was missing")
    db.session.commit()
    old = client.get(url)
    assert verdict(old) == "SUPERSEDED"
    assert f'href="/v/{revision.public_code}"' in old.get_data(as_text=True)
    # The /V/ address a signed QR opens is the same page, kept apart (its links differ).
    assert verdict(client.get(f"/V/{certificate.public_code}")) == "SUPERSEDED"
    assert verdict(client.get(f"/V/{revision.public_code}")) == "VALID"


def test_a_signed_in_officials_page_is_neither_taken_from_nor_put_in_the_cache(
        client, login_as, certificate, renders):
    url = f"/v/{certificate.public_code}"
    anonymous = client.get(url).get_data(as_text=True)
    assert "Sign out" not in anonymous and "csrf_token" not in anonymous
    login_as("official")
    signed_in = client.get(url).get_data(as_text=True)
    assert "Sign out" in signed_in and "Dashboard" in signed_in
    assert renders.count("public/verify.html") == 2
    client.post("/logout")
    # The message "You have signed out." is this visitor's: that page is rendered for them...
    farewell = client.get(url).get_data(as_text=True)
    assert "You have signed out." in farewell and "Sign out" not in farewell
    assert renders.count("public/verify.html") == 3
    # ...and the next one is the anonymous page kept from before.
    after = client.get(url).get_data(as_text=True)
    assert after == anonymous
    assert renders.count("public/verify.html") == 3


def test_another_language_is_another_page(app, certificate, renders):
    url = f"/v/{certificate.public_code}"
    english = app.test_client().get(url, headers={"Accept-Language": "en"})
    russian = app.test_client().get(url, headers={"Accept-Language": "ru"})
    assert verdict(english) == "VALID" and verdict(russian) == "ДЕЙСТВИТЕЛЕН"
    assert verdict(app.test_client().get(url, headers={"Accept-Language": "en"})) == "VALID"
    assert verdict(app.test_client().get(url, headers={"Accept-Language": "ru"})) == "ДЕЙСТВИТЕЛЕН"
    assert renders.count("public/verify.html") == 2


def test_a_message_waiting_for_the_visitor_is_shown_and_not_kept(client, certificate):
    url = f"/v/{certificate.public_code}"
    client.get(url)
    with client.session_transaction() as session:
        session["_flashes"] = [("info", "A message for this visitor only")]
    assert "A message for this visitor only" in client.get(url).get_data(as_text=True)
    assert "A message for this visitor only" not in client.get(url).get_data(as_text=True)
    other = fixtures.create_certificate("Nguyễn Thị Thắm")
    assert "A message for this visitor only" not in client.get(
        f"/v/{other.public_code}").get_data(as_text=True)


def test_the_next_day_and_the_agencys_details_are_new_pages(client, certificate, monkeypatch):
    url = f"/v/{certificate.public_code}"
    assert verdict(client.get(url)) == "VALID"
    day_after = certificate.valid_until + timedelta(days=1)

    class Tomorrow(date):
        @classmethod
        def today(cls):
            return day_after

    monkeypatch.setattr(public, "date", Tomorrow)
    assert verdict(client.get(url)) == "EXPIRED"
    monkeypatch.undo()
    admin = fixtures.create_user("admin")
    services.update_issuer_contact(actor=admin, phone="+998 71 202 00 11")
    db.session.commit()
    assert "+998 71 202 00 11" in client.get(url).get_data(as_text=True)


def test_the_store_is_bounded(app):
    cache = public.PageCache(2)
    for key in ("a", "b", "c"):
        cache.put(key, key.upper())
    assert len(cache) == 2 and cache.get("a") is None and cache.get("c") == "C"
    cache.get("b")  # used: "c" is now the oldest
    cache.put("d", "D")
    assert cache.get("c") is None and cache.get("b") == "B"
    assert len(public.PageCache(0)) == 0
    off = public.PageCache(0)
    off.put("a", "A")
    assert off.get("a") is None


def gunicorn_settings(monkeypatch, **environment) -> dict:
    """gunicorn.conf.py as gunicorn reads it, with ``environment`` set."""
    from pathlib import Path

    for name in ("GUNICORN_WORKER_CLASS", "GUNICORN_THREADS", "GUNICORN_WORKERS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    path = Path(__file__).resolve().parents[2] / "gunicorn.conf.py"
    settings: dict = {}
    exec(compile(path.read_text(), str(path), "exec"), settings)
    return settings


def test_gunicorn_runs_threads_and_a_sync_choice_stays_sync(monkeypatch):
    """The worker class verification_load.py chose (bench/README.md), and the way back: with
    more than one thread gunicorn silently turns "sync" into gthread, so choosing sync by the
    environment must also mean one thread."""
    chosen = gunicorn_settings(monkeypatch)
    assert (chosen["worker_class"], chosen["threads"]) == ("gthread", 4)
    assert chosen["workers"] >= 3
    sync = gunicorn_settings(monkeypatch, GUNICORN_WORKER_CLASS="sync")
    assert (sync["worker_class"], sync["threads"]) == ("sync", 1)
    more = gunicorn_settings(monkeypatch, GUNICORN_THREADS="8", GUNICORN_WORKERS="2")
    assert (more["worker_class"], more["threads"], more["workers"]) == ("gthread", 8, 2)
