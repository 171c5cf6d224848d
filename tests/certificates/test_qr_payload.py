"""The signed QR: its payload round-trips, stays small, carries through the PDF to a phone, and
verifies (or says why not) with only the published keys - as docs/qr-format.md describes."""
from __future__ import annotations

import json
import subprocess
from dataclasses import replace
from datetime import date

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from registry.certificates import qr_payload, services
from registry.certificates.offline import offline_verdict
from registry.certificates.qr_payload import PayloadError
from registry.certificates.signing import public_keys_from_document
from registry.extensions import db
from tests import fixtures
from tests.certificates import qr_vectors

KEY = qr_vectors.KEY
KEYS = {KEY.key_id: KEY.public_key}
BASE = "http://registry.test"  # REGISTRY_BASE_URL of the test app
# What the size limits are measured with: a typical agency's address, prefix and course code
# (version 11), and the longest the settings allow (version 13).
TYPICAL = dict(base_url="https://registry.uzstandard.uz", prefix="IA", course_code="ISO9001-IA")
LONGEST = dict(base_url="https://" + "r" * 53 + ".uz", prefix="ABCDEFGHIJ",
               course_code="C" * qr_payload.COURSE_CODE_MAX_BYTES)


def facts(name="Ғайратжон Ўроқов", latin="Gʻayratjon Oʻroqov", *, prefix="IA",
          course_code="ISO9001-IA", serial=42, revision=1, **more):
    values = dict(code="7K3M9Q2X4Z8B6N1R5T0V2W4Y6A", key_id=KEY.key_id, status_index=131_071,
                  issued_on=date(2026, 3, 10), valid_until=date(2029, 3, 10), prefix=prefix,
                  year=2026, serial=serial, revision=revision, course_code=course_code,
                  holder_name=name, holder_latin_name=latin)
    values.update(more)
    return qr_payload.make_facts(**values)


def signed_url(made, base_url=BASE, key=KEY) -> str:
    return qr_payload.qr_url(base_url, made.code, qr_payload.sign_payload(made, key.private_key))


def test_a_payload_round_trips_every_fact():
    made = facts(revision=3, serial=123_456, from_paper_register=True)
    url = signed_url(made)
    assert url.startswith("HTTP://REGISTRY.TEST/V/7K3M9Q2X4Z8B6N1R5T0V2W4Y6A#")
    verified = qr_payload.verify_url(url, KEYS)
    assert verified.facts == made and verified.key_id == KEY.key_id
    assert verified.facts.number == "IA-2026-123456/3"
    assert facts(valid_until=None).valid_until is None
    assert qr_payload.verify_url(signed_url(facts(valid_until=None, latin=None)),
                                 KEYS).facts.holder_latin_name is None


def test_the_whole_url_is_alphanumeric_apart_from_the_hash():
    url = signed_url(facts())
    code = qr_payload.make_qr(url)
    modes = [(segment.mode, segment.data) for segment in code.data_list]
    address, _hash, payload = url.partition("#")
    assert modes == [(2, address.encode()), (4, b"#"), (2, payload.encode())]  # 2 alnum, 4 byte
    # An older revision's URL is encoded as it always was (qrcode's own choice).
    assert qr_payload.make_qr(f"{BASE}/v/7K3M9Q2X4Z8B6N1R5T0V2W4Y6A").version <= 4


@pytest.mark.parametrize("script", sorted(qr_vectors.LONGEST))
def test_the_longest_name_of_each_script_stays_at_version_11_and_never_past_13(script):
    name, latin = qr_vectors._names(script)
    assert len(name.encode()) + len((latin or "").encode()) == qr_payload.NAMES_MAX_BYTES
    typical = facts(name, latin, prefix=TYPICAL["prefix"], course_code=TYPICAL["course_code"])
    assert not typical.name_shortened and typical.holder_name == name
    assert qr_payload.make_qr(signed_url(typical, TYPICAL["base_url"])).version <= 11
    # A longer name is shortened, so it is no larger; the worst the settings allow stays at 13.
    longest = facts(name * 2, (latin or "") * 3 or None, prefix=LONGEST["prefix"],
                    course_code=LONGEST["course_code"], serial=(1 << 24) - 1, revision=255)
    assert longest.name_shortened
    from registry.config import MAX_BASE_URL_LENGTH

    assert len(LONGEST["base_url"]) == MAX_BASE_URL_LENGTH
    assert qr_payload.make_qr(signed_url(longest, LONGEST["base_url"])).version <= 13


def test_a_name_over_the_cap_is_shortened_whole_characters_and_flagged():
    long_name = "Абдурахмонова Нигора " * 6
    made = facts(long_name, "Abdurakhmonova Nigora " * 5)
    assert made.name_shortened
    assert long_name.startswith(made.holder_name) and made.holder_name == made.holder_name.strip()
    total = len(made.holder_name.encode()) + len(made.holder_latin_name.encode())
    assert total <= qr_payload.NAMES_MAX_BYTES
    assert qr_payload.verify_url(signed_url(made), KEYS).facts.name_shortened
    # A Latin form no longer than it needs leaves the rest to the name as printed.
    assert facts("Ғ" * 60, "Ali").holder_name == "Ғ" * 41
    # A letter is never parted from its combining marks: "e" + U+0323 + U+0302 goes whole.
    text, cut = qr_payload.shorten("ab" + "e\u0323\u0302", 4)
    assert cut and text == "ab"


@pytest.mark.parametrize("change, reason", [
    (lambda url: url[:-1] + ("A" if url[-1] != "A" else "B"), "bad_signature"),
    (lambda url: url.replace("/V/7K3M", "/V/7K3N"), "bad_signature"),
    (lambda url: url.split("#")[0] + "#" + url.split("#")[1][:40], "bad_format"),
    (lambda url: url.split("#")[0] + "#" + url.split("#")[1].lower(), "bad_format"),
    (lambda url: url.split("#")[0] + "#0189", "bad_format"),
    (lambda url: url.split("#")[0], "bad_format"),
])
def test_a_changed_qr_is_refused_with_its_reason(change, reason):
    with pytest.raises(PayloadError) as refused:
        qr_payload.verify_url(change(signed_url(facts())), KEYS)
    assert refused.value.reason == reason


def test_an_unknown_or_revoked_key_is_named_as_such():
    stranger = Ed25519PrivateKey.generate()
    from registry.certificates.signing import SigningKey, key_id_of

    other = SigningKey(key_id_of(stranger.public_key()), stranger)
    url = signed_url(facts(key_id=other.key_id), key=other)
    with pytest.raises(PayloadError) as refused:
        qr_payload.verify_url(url, KEYS)
    assert refused.value.reason == "unknown_key"
    with pytest.raises(PayloadError) as refused:
        qr_payload.verify_url(signed_url(facts()), KEYS, revoked_keys={KEY.key_id})
    assert refused.value.reason == "revoked_key"
    # A record that claims a key it was not signed with fails on the signature.
    forged = replace(facts(), short_key_id=qr_payload.short_key_id(KEY.key_id))
    with pytest.raises(PayloadError) as refused:
        qr_payload.verify_url(signed_url(forged, key=other), KEYS)
    assert refused.value.reason == "bad_signature"


def test_the_test_vectors_are_what_the_generator_makes_and_every_verdict_holds():
    document = json.loads(qr_vectors.PATH.read_text(encoding="utf-8"))
    assert qr_vectors.dumps(qr_vectors.build()) == qr_vectors.PATH.read_text(encoding="utf-8")
    names = {vector["name"] for vector in document["vectors"]}
    assert {"valid", "tampered_byte", "unknown_key", "revoked_index", "expired",
            *(f"longest_name_{script}" for script in ("uz_Cyrl", "uz", "mn", "vi", "ru"))} <= names
    verdicts = {}
    for vector in document["vectors"]:
        got = offline_verdict(vector["url"], keys_document=document["keys_document"],
                              status_document=document["status_document"],
                              today=date.fromisoformat(vector["today"]))
        assert got == vector["expected"], vector["name"]
        verdicts[vector["name"]] = (got["verdict"], got["reason"], got["address_matches"])
    assert verdicts["valid"] == ("valid", None, True)
    assert verdicts["tampered_byte"] == ("not_issued", "bad_signature", True)
    assert verdicts["unknown_key"] == ("not_issued", "unknown_key", True)
    assert verdicts["revoked_key"] == ("not_issued", "revoked_key", True)
    assert verdicts["revoked_index"] == ("revoked", None, True)
    assert verdicts["expired"] == ("expired", None, True)
    assert verdicts["other_host"] == ("valid", None, False)
    assert verdicts["no_payload"][0] == "online_check_needed"
    # The fixed key is the one the file names: anyone can make it from its seed.
    seed = bytes.fromhex(document["keys"]["signing"]["seed_hex"])
    assert Ed25519PrivateKey.from_private_bytes(seed).public_key().public_bytes_raw() == \
        KEY.public_key.public_bytes_raw()


def test_without_a_status_list_a_genuine_qr_is_not_called_valid():
    document = json.loads(qr_vectors.PATH.read_text(encoding="utf-8"))
    valid = next(v for v in document["vectors"] if v["name"] == "valid")
    got = offline_verdict(valid["url"], keys_document=document["keys_document"],
                          status_document=None, today=date(2026, 12, 4))
    assert (got["verdict"], got["reason"]) == ("online_check_needed", "no_status_list")
    forged_list = json.loads(json.dumps(document["status_document"]))
    forged_list["payload"]["issued_at"] = "2027-01-01T00:00:00Z"
    got = offline_verdict(valid["url"], keys_document=document["keys_document"],
                          status_document=forged_list, today=date(2026, 12, 4))
    assert (got["verdict"], got["reason"]) == ("online_check_needed", "bad_status_list")


# --- through the app: issue, print, scan ----------------------------------------------------

@pytest.fixture
def official():
    return fixtures.create_user("official")


@pytest.fixture
def certificate(official):
    seminar = fixtures.create_completed_seminar((("Ғайратжон Ўроқов", 3, 87),))
    seminar.registrations[0].person.latin_name = "Gʻayratjon Oʻroqov"
    issued = services.issue_certificate(seminar.registrations[0], issued_by=official)
    db.session.commit()
    return issued


def qr_of_pdf(pdf: bytes, tmp_path) -> list[str]:
    """The QR codes zbar reads from page 1 rendered at 200 dpi."""
    (tmp_path / "c.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "200", "-png", "-f", "1", "-l", "1", "-singlefile",
                    str(tmp_path / "c.pdf"), str(tmp_path / "page")], check=True)
    result = subprocess.run(["zbarimg", "--quiet", "--raw", str(tmp_path / "page.png")],
                            capture_output=True, text=True, check=True)
    return result.stdout.splitlines()


def test_the_printed_qr_carries_the_signed_payload_and_it_verifies(client, login_as,
                                                                    certificate, tmp_path):
    login_as("official")
    pdf = client.get(f"/certificates/{certificate.id}.pdf").data
    [url] = qr_of_pdf(pdf, tmp_path)
    assert url == f"HTTP://REGISTRY.TEST/V/{certificate.public_code}#{certificate.qr_payload}"
    keys = client.get("/.well-known/registry-keys.json").get_json()
    verified = qr_payload.verify_url(url, public_keys_from_document(keys))
    assert verified.key_id == certificate.key_id
    assert verified.facts.holder_name == "Ғайратжон Ўроқов"
    assert verified.facts.holder_latin_name == "Gʻayratjon Oʻroqov"
    assert verified.facts.number == certificate.printed_number
    assert verified.facts.course_code == certificate.course.code
    assert verified.facts.status_index == certificate.status_index
    assert (verified.facts.issued_on, verified.facts.valid_until) == (certificate.issued_on,
                                                                      certificate.valid_until)
    # The address part opens the same page as /v/<code>, and says VALID.
    page = client.get(f"/V/{certificate.public_code}")
    assert page.status_code == 200 and 'class="verdict-word' in page.text and "VALID" in page.text
    assert client.get(f"/V/{certificate.public_code.lower()}").status_code == 301
    assert client.get("/V/7K3M9Q2X4Z8B6N1R5T0V2W4Y6A").status_code == 404
    # A reader that adds a slash still lands on the page; anything else is "not in this register".
    assert client.get(f"/V/{certificate.public_code}/").headers["Location"].endswith(
        f"/v/{certificate.public_code}")
    assert "Not in this register" in client.get("/V/a/b").text


def test_a_reprint_keeps_the_qr_its_paper_has(client, login_as, certificate, tmp_path):
    login_as("official")
    first = qr_of_pdf(client.get(f"/certificates/{certificate.id}.pdf").data, tmp_path)
    certificate.pdf = None  # the kept PDF gone: the reprint is rendered again
    db.session.commit()
    again = qr_of_pdf(client.get(f"/certificates/{certificate.id}.pdf").data, tmp_path)
    assert again == first


def test_a_revision_issued_before_signed_qrs_keeps_its_url_only_qr(client, login_as,
                                                                   certificate, tmp_path):
    certificate.qr_payload, certificate.status_index, certificate.pdf = None, None, None
    db.session.commit()
    login_as("official")
    [url] = qr_of_pdf(client.get(f"/certificates/{certificate.id}.pdf").data, tmp_path)
    assert url == f"{BASE}/v/{certificate.public_code}"


def test_a_reissue_gets_its_own_signed_qr(client, official, certificate):
    revision = services.reissue_certificate(certificate, {"holder_latin_name": "Gayratjon Oroqov"},
                                            actor=official, reason="spelling")
    db.session.commit()
    assert revision.qr_payload and revision.qr_payload != certificate.qr_payload
    assert revision.status_index not in (None, certificate.status_index)
    verified = qr_payload.verify_url(services.qr_content(revision),
                                     public_keys_from_document(services.published_keys()))
    assert verified.facts.holder_latin_name == "Gayratjon Oroqov"
    assert verified.facts.number == f"{certificate.number}/2"


def test_a_course_code_in_another_script_is_cut_to_fit_not_refused():
    made = facts(course_code="ИСО-9001-ички-аудитор-курси-12")  # 30 characters, 54 bytes
    assert len(made.course_code.encode()) <= qr_payload.COURSE_CODE_MAX_BYTES
    assert qr_payload.verify_url(signed_url(made), KEYS).facts.course_code == made.course_code
