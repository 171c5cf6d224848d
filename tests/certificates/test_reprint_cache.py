"""Reprinting a certificate: the kept PDF comes back without a write, and a browser that holds
it already gets a 304 - but only after the permission check (issue 21, item 2)."""
from __future__ import annotations

from contextlib import contextmanager

import pytest
from sqlalchemy import event

from registry.extensions import db
from tests import fixtures


@contextmanager
def sql_seen():
    """The statements (first word) and the commits the database sees inside the block."""
    seen = {"statements": [], "commits": 0, "sql": []}

    def statement(conn, cursor, text, parameters, context, executemany):
        seen["statements"].append(text.split()[0].upper())
        seen["sql"].append(" ".join(text.split()))

    def commit(conn):
        seen["commits"] += 1

    event.listen(db.engine, "before_cursor_execute", statement)
    event.listen(db.engine, "commit", commit)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", statement)
        event.remove(db.engine, "commit", commit)


@pytest.fixture
def certificate():
    return fixtures.create_certificate("Ғайратжон Ўроқов Ҳамидович")


def test_a_reprint_is_the_kept_file_without_a_write_and_a_304_when_the_browser_has_it(
        client, login_as, certificate, pdf_reader):
    login_as("official")
    url = f"/certificates/{certificate.id}.pdf"
    with sql_seen() as render:
        first = client.get(url)
    assert first.status_code == 200 and "Ғайратжон Ўроқов Ҳамидович" in pdf_reader.text(first.data)
    assert render["commits"] == 1 and "UPDATE" in render["statements"]  # the file is kept
    etag = first.headers["ETag"]
    assert etag.startswith(f'"{certificate.id}-') and not etag.startswith("W/")
    cache_control = first.headers["Cache-Control"].replace(" ", "").split(",")
    assert "private" in cache_control and "no-store" not in cache_control

    with sql_seen() as plain:
        again = client.get(url)
    assert again.status_code == 200 and again.data == first.data
    assert again.headers["ETag"] == etag
    assert not [s for s in plain["statements"] if s in ("INSERT", "UPDATE", "DELETE")]
    assert plain["commits"] == 0, "a reprint must not commit a transaction with nothing in it"

    with sql_seen() as conditional:
        cached = client.get(url, headers={"If-None-Match": etag})
    assert cached.status_code == 304 and cached.data == b""
    assert cached.headers["ETag"] == etag
    assert not [s for s in conditional["statements"] if s in ("INSERT", "UPDATE", "DELETE")]
    assert conditional["commits"] == 0
    # The revision, its kept file and what the permission check needs: one statement.
    assert len([sql for sql in conditional["sql"] if " FROM certificate " in sql]) == 1

    # Another revision's tag (or a stale one) is not this file: the whole PDF again.
    stale = client.get(url, headers={"If-None-Match": '"1-0000"'})
    assert stale.status_code == 200 and stale.data == first.data


def test_a_new_revision_is_a_new_address_and_another_tag(client, login_as, certificate):
    official = login_as("official")
    old = client.get(f"/certificates/{certificate.id}.pdf")
    from registry.certificates import services

    revision = services.reissue_certificate(certificate, {"holder_name": "Ғайратжон Ўроқов"},
                                            actor=official, reason="typo in the name")
    db.session.commit()
    new = client.get(f"/certificates/{revision.id}.pdf")
    assert new.status_code == 200 and new.headers["ETag"] != old.headers["ETag"]
    # The old tag does not make the new revision's address answer 304.
    assert client.get(f"/certificates/{revision.id}.pdf",
                      headers={"If-None-Match": old.headers["ETag"]}).status_code == 200


def test_the_permission_is_checked_before_a_304(client, login_as, certificate):
    login_as("official")
    url = f"/certificates/{certificate.id}.pdf"
    etag = client.get(url).headers["ETag"]
    client.post("/logout")
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 302  # to sign in
    login_as("trainer")
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 403
    # Whoever taught the seminar may not handle its certificates, even with the tag.
    teacher = fixtures.create_user("official")
    certificate.seminar.trainers.append(teacher)
    db.session.commit()
    login_as(teacher)
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 403


def test_a_revoked_certificate_is_410_even_for_a_browser_holding_its_file(client, login_as,
                                                                           certificate):
    login_as("official")
    url = f"/certificates/{certificate.id}.pdf"
    etag = client.get(url).headers["ETag"]
    client.post(f"/certificates/{certificate.id}/revoke",
                data={"reason": "issued_in_error", "note": "wrong person"})
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 410


def test_the_preprinted_variant_is_not_kept_nor_tagged(client, login_as, certificate):
    login_as("official")
    response = client.get(f"/certificates/{certificate.id}.pdf?preprinted=1")
    assert response.status_code == 200 and "ETag" not in response.headers
    assert response.headers["Cache-Control"] == "no-store"
