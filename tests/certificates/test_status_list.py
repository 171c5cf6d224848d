"""The signed status list and the keys document, as an offline verifier downloads them: every
status change is in the very next list, two at once both are, and a revoked key is named."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from registry.audit.models import AuditEvent
from registry.auth.models import User
from registry.certificates import numbering, services, status_list
from registry.certificates.models import Certificate, SigningKeyRevocation
from registry.certificates.offline import offline_verdict
from registry.certificates.signing import (
    NotVerified, create_key, public_keys_from_document,
)
from registry.errors import DomainError
from registry.extensions import db
from tests import fixtures
from tests.certificates.workers import Revoke
from tests.concurrency import run_together

STATUS_URL = "/.well-known/registry-status.json"
KEYS_URL = "/.well-known/registry-keys.json"


@pytest.fixture
def official():
    return fixtures.create_user("official")


def issue(official, *names):
    seminar = fixtures.create_completed_seminar([(name, 3, 90) for name in names])
    issued = services.issue_for_seminar(seminar, issued_by=official).issued
    db.session.commit()
    return issued


def downloaded(client):
    """``(keys document, status document, packed list)`` as a phone fetches them."""
    keys = client.get(KEYS_URL).get_json()
    document = client.get(STATUS_URL).get_json()
    _payload, packed = status_list.read_status_document(document,
                                                        public_keys_from_document(keys))
    return keys, document, packed


def test_the_status_list_is_signed_and_says_each_change_on_the_next_download(client, official):
    first, second, third = issue(official, "Ғайратжон Ўроқов", "Билгүүн Өлзийбат",
                                 "Nguyễn Thị Thắm")
    keys, document, packed = downloaded(client)
    payload = document["payload"]
    assert payload["size"] >= 131_072 and payload["bits"] >= 3
    assert payload["key_id"] == keys["current"] and payload["base_url"] == "http://registry.test"
    assert payload["issued_at"] < payload["next_update"]
    assert {status_list.status_of(packed, c.status_index) for c in (first, second, third)} \
        == {"valid"}

    services.change_status(first, "revoke", actor=official, reason="misconduct")
    services.change_status(second, "suspend", actor=official, reason="under_review")
    newer = services.reissue_certificate(third, {"holder_latin_name": "Nguyen Thi Tham"},
                                         actor=official, reason="Latin form")
    db.session.commit()
    _keys, _document, packed = downloaded(client)
    assert status_list.status_of(packed, first.status_index) == "revoked"
    assert status_list.status_of(packed, second.status_index) == "suspended"
    assert status_list.status_of(packed, third.status_index) == "superseded"
    assert status_list.status_of(packed, newer.status_index) == "valid"

    services.change_status(second, "reinstate", actor=official)
    db.session.commit()
    _keys, _document, packed = downloaded(client)
    assert status_list.status_of(packed, second.status_index) == "valid"

    # What the offline verifier concludes from the QR with these two downloads.
    keys, document, _packed = downloaded(client)
    for certificate, verdict in ((first, "revoked"), (second, "valid"), (third, "superseded"),
                                 (newer, "valid")):
        got = offline_verdict(services.qr_content(certificate), keys_document=keys,
                              status_document=document, today=date.today())
        assert (got["verdict"], got["address_matches"]) == (verdict, True), certificate


def test_the_list_made_inside_the_transaction_of_a_change_already_says_it(official):
    [certificate] = issue(official, "Ғайратжон Ўроқов")
    services.change_status(certificate, "revoke", actor=official, reason="misconduct")
    keys = public_keys_from_document(services.published_keys())
    _payload, packed = status_list.read_status_document(services.status_list_document(), keys)
    assert status_list.status_of(packed, certificate.status_index) == "revoked"
    db.session.rollback()  # and a change rolled back never shows
    _payload, packed = status_list.read_status_document(services.status_list_document(), keys)
    assert status_list.status_of(packed, certificate.status_index) == "valid"


def test_a_status_list_changed_on_the_way_is_refused(client, official):
    issue(official, "Ғайратжон Ўроқов")
    keys = public_keys_from_document(client.get(KEYS_URL).get_json())
    document = client.get(STATUS_URL).get_json()
    document["payload"]["next_update"] = "2099-01-01T00:00:00Z"
    with pytest.raises(NotVerified):
        status_list.read_status_document(document, keys)


def test_each_revision_gets_its_own_random_slot_and_a_taken_slot_is_drawn_again(official,
                                                                              monkeypatch):
    issued = issue(official, *(f"Ўроқов Ҳамид {n}" for n in range(6)))
    indices = [c.status_index for c in issued]
    assert len(set(indices)) == 6 and all(0 <= i < status_list.SIZE for i in indices)
    assert indices != sorted(indices) or indices[-1] - indices[0] > 1000  # not a counter
    draws = iter([indices[0], indices[0], 77_777])
    monkeypatch.setattr(numbering.secrets, "randbelow", lambda _size: next(draws))
    assert numbering.new_status_index() == 77_777
    monkeypatch.setattr(numbering.secrets, "randbelow", lambda _size: indices[1])
    with pytest.raises(DomainError):
        numbering.new_status_index()


def test_the_database_refuses_two_revisions_in_one_slot(official):
    first, second = issue(official, "Ғайратжон Ўроқов", "Билгүүн Өлзийбат")
    second.status_index = first.status_index
    with pytest.raises(Exception) as refused:
        db.session.commit()
    assert "status_index" in str(refused.value).lower() or "unique" in str(refused.value).lower()
    db.session.rollback()


def test_two_revocations_at_once_both_land_in_the_status_list(app, client, official):
    for repeat in range(5):
        # One seminar (they take turns on its row) and two seminars (nothing shared).
        together = issue(official, f"Ўроқов Ҳамид {repeat}", f"Өлзийбат {repeat}")
        apart = issue(official, f"Thắm {repeat}") + issue(official, f"Bình {repeat}")
        for pair in (together, apart):
            results = run_together(app, [(Revoke(official.id), c.id) for c in pair])
            assert results == ["revoked", "revoked"], results
            db.session.rollback()
            _keys, _document, packed = downloaded(client)
            assert [status_list.status_of(packed, c.status_index) for c in pair] == \
                ["revoked", "revoked"]


def test_keys_document_publishes_the_base_url_and_a_revoked_key(app, client, runner_env):
    fixtures.create_user("admin")
    db.session.commit()
    old = services.key_ring().current
    keys = client.get(KEYS_URL).get_json()
    assert keys["base_url"] == "http://registry.test" and keys["revoked_keys"] == []
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["certificates", "revoke-key", old.key_id, "--reason", "leak"])
    assert refused.exit_code != 0 and "signs new certificates now" in refused.output
    create_key(runner_env)  # a new key becomes current; the old one stays published
    app.extensions.pop("registry_key_ring", None)
    done = runner.invoke(args=["certificates", "revoke-key", old.key_id, "--reason", "leaked"])
    assert done.exit_code == 0, done.output
    keys = client.get(KEYS_URL).get_json()
    assert [entry["key_id"] for entry in keys["revoked_keys"]] == [old.key_id]
    assert keys["revoked_keys"][0]["reason"] == "leaked"
    assert {entry["key_id"]: "revoked_at" in entry for entry in keys["keys"]}[old.key_id]
    event = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "signing_key.revoke")).one()
    assert event.summary == old.key_id
    again = runner.invoke(args=["certificates", "revoke-key", old.key_id, "--reason", "again"])
    assert again.exit_code != 0 and "already revoked" in again.output
    unknown = runner.invoke(args=["certificates", "revoke-key", "ed25519-0000000000000000",
                                  "--reason", "x"])
    assert unknown.exit_code != 0


def test_a_qr_signed_by_a_revoked_key_is_not_issued_offline(app, client, official, runner_env):
    [certificate] = issue(official, "Ғайратжон Ўроқов")
    old = certificate.key_id
    create_key(runner_env)
    app.extensions.pop("registry_key_ring", None)
    services.revoke_signing_key(old, actor=fixtures.create_user("admin"), reason="leaked")
    db.session.commit()
    keys, document, _packed = downloaded(client)
    got = offline_verdict(services.qr_content(certificate), keys_document=keys,
                          status_document=document, today=date.today())
    assert (got["verdict"], got["reason"]) == ("not_issued", "revoked_key")
    with pytest.raises(DomainError):
        services.revoke_signing_key(keys["current"], actor=official, reason="not an admin")
    # The revoked key made current again by mistake: nothing is signed with it.
    (runner_env / "current").write_text(old + "\n")
    app.extensions.pop("registry_key_ring", None)
    seminar = fixtures.create_completed_seminar((("Билгүүн Өлзийбат", 3, 90),))
    with pytest.raises(DomainError, match="has been revoked"):
        services.issue_certificate(seminar.registrations[0], issued_by=official)


def test_new_key_makes_a_new_key_current_and_keeps_the_old_one_published(app, client,
                                                                        runner_env):
    admin = fixtures.create_user("admin")
    db.session.commit()
    old = services.key_ring().current.key_id
    runner = app.test_cli_runner()
    made = runner.invoke(args=["certificates", "new-key", "--by", admin.email])
    assert made.exit_code == 0, made.output
    keys = client.get(KEYS_URL).get_json()
    assert keys["current"] != old and keys["current"] in made.output
    assert {old, keys["current"]} <= {entry["key_id"] for entry in keys["keys"]}
    assert (runner_env / "current").read_text().strip() == keys["current"]
    event = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "signing_key.rotate")).one()
    assert event.details == {"key_id": keys["current"], "previous_key_id": old}
    # Now the old key can be revoked: it no longer signs.
    done = runner.invoke(args=["certificates", "revoke-key", old, "--reason", "leaked"])
    assert done.exit_code == 0, done.output
    with pytest.raises(DomainError, match="Only an administrator"):
        services.rotate_signing_key(actor=fixtures.create_user("official"))


def test_new_key_is_refused_while_the_environment_names_the_key(app, runner_env):
    admin = fixtures.create_user("admin")
    db.session.commit()
    keys_before = set(runner_env.glob("*.pem"))
    app.config["REGISTRY_SIGNING_KEY"] = "set"
    try:
        refused = app.test_cli_runner().invoke(args=["certificates", "new-key"])
    finally:
        del app.config["REGISTRY_SIGNING_KEY"]
    assert refused.exit_code != 0 and "REGISTRY_SIGNING_KEY" in refused.output
    assert set(runner_env.glob("*.pem")) == keys_before
    assert not db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "signing_key.rotate", AuditEvent.actor_id == admin.id)).all()


def test_a_saved_certificate_signed_by_a_revoked_key_is_not_verified(app, client, official,
                                                                     runner_env, tmp_path):
    [certificate] = issue(official, "Ғайратжон Ўроқов")
    saved = tmp_path / "certificate.json"
    saved.write_text(client.get(f"/v/{certificate.public_code}.json").get_data(as_text=True),
                     encoding="utf-8")
    create_key(runner_env)
    app.extensions.pop("registry_key_ring", None)
    services.revoke_signing_key(certificate.key_id, actor=fixtures.create_user("admin"),
                                reason="leaked")
    db.session.commit()
    keys = tmp_path / "keys.json"
    keys.write_bytes(client.get(KEYS_URL).data)
    result = app.test_cli_runner().invoke(
        args=["verify-certificate", str(saved), "--keys", str(keys)])
    assert result.exit_code == 1, result.output
    assert f"its key {certificate.key_id} was revoked on {date.today().isoformat()}" \
        in result.output
    assert "VERIFIED:" not in result.output.replace("NOT VERIFIED", "")


@pytest.fixture
def runner_env(app):
    """The instance's key folder; the key ring as it was is restored afterwards (the app
    lives for the whole run)."""
    from pathlib import Path

    directory = Path(app.instance_path) / "signing-keys"
    services.key_ring()  # the first key exists before the test changes anything
    current = (directory / "current").read_text()
    files = set(directory.glob("*.pem"))
    yield directory
    for path in set(directory.glob("*.pem")) - files:
        path.unlink()
    (directory / "current").write_text(current)
    app.extensions.pop("registry_key_ring", None)
    db.session.rollback()
    db.session.execute(SigningKeyRevocation.__table__.delete())
    db.session.commit()
