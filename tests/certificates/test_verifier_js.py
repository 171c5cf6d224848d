"""One format, two implementations, one truth: the JS verifier (static/js/verifier.js, the very
file the /verify page runs, here in node) comes to the same verdict, reason, address check and
decoded facts as the Python one (``offline.offline_verdict``) - on the published test vectors
and on cases made here with a fixed key: valid, every kind of tampering, unknown and revoked
keys, each status, expiry, a missing or forged status list, another host, the longest names
in each script. Once with the runtime's WebCrypto Ed25519 and once with the vendored
@noble/ed25519 (the library a browser without Ed25519 in WebCrypto uses).
"""
from __future__ import annotations

import base64
import dataclasses
import json
import shutil
import subprocess
import unicodedata
import zlib
from datetime import date, datetime, timezone
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from registry.certificates import offline, qr_payload, signing, status_list

HERE = Path(__file__).resolve().parent
RUNNER = HERE / "js" / "offline_verdicts.mjs"
VECTORS = HERE / "qr_vectors.json"
NODE = shutil.which("node")
BASE_URL = "https://registry.example.uz"
CODE = "7K3M9Q2X4Z8B6N1R5T0V2W4Y6A"
TODAY = "2026-12-04"

pytestmark = pytest.mark.skipif(NODE is None, reason="node is not installed (make test "
                                                     "installs it with the test packages)")


def key(seed: int) -> signing.SigningKey:
    private = Ed25519PrivateKey.from_private_bytes(bytes([seed]) * 32)
    return signing.SigningKey(signing.key_id_of(private.public_key()), private)


KEY, OTHER_KEY, OLD_KEY = key(1), key(2), key(3)


def keys_document(*keys, revoked=(), base_url=BASE_URL) -> dict:
    ring = signing.KeyRing(current=keys[0], public_keys={k.key_id: k.public_key for k in keys})
    document = ring.published()
    document["base_url"] = base_url
    document["revoked_keys"] = [{"key_id": k.key_id, "revoked_at": "2026-11-01T00:00:00Z",
                                 "reason": "lost"} for k in revoked]
    return document


def facts(**changes) -> qr_payload.QrFacts:
    values = dict(code=CODE, key_id=KEY.key_id, status_index=4242, issued_on=date(2026, 3, 14),
                  valid_until=date(2029, 3, 14), prefix="IA", year=2026, serial=42, revision=1,
                  course_code="ISO9001-IA", holder_name="Ғайратжон Ўроқов",
                  holder_latin_name="Gʻayratjon Oʻroqov")
    values.update(changes)
    return qr_payload.make_facts(**values)


def url(payload: str | None, code: str = CODE, base_url: str = BASE_URL) -> str:
    return qr_payload.qr_url(base_url, code, payload)


def status(entries: dict, signer: signing.SigningKey = KEY) -> dict:
    return status_list.status_document(
        entries, signer, issued_at=datetime(2026, 12, 3, 8, 0, tzinfo=timezone.utc),
        base_url=BASE_URL)


def tampered(payload: str, position: int) -> str:
    data = bytearray(qr_payload.b32decode(payload))
    data[position] ^= 0x01
    return qr_payload.b32encode(bytes(data))


def raw_payload(record: bytes, signer=KEY, code: str = CODE) -> str:
    """A payload signed over any record bytes (for records make_facts would never make)."""
    signature = signer.private_key.sign(qr_payload.signature_input(code, record))
    return qr_payload.b32encode(record + signature)


LONGEST_NAMES = {  # far over the cap: the QR carries them shortened, with the flag
    "uz_Cyrl": ("Абдуллажон Ғайратжонович Ўроқов-Қўшқорбоев Шоҳжаҳонов Мирзаабдуллаев",
                "Abdullajon Gʻayratjonovich Oʻroqov-Qoʻshqorboyev Shohjahonov"),
    "uz": ("Gʻayratjon Oʻroqov-Qoʻshqorboyev Abdullajonovich Mirzaabdullayev Shoʻrchiyev",
           None),
    "mn": ("Батбаярын Өлзийбатын Билгүүнболдын Энхтүвшин-Очирбатын Цэцэгмаагийн", "Bilguun"),
    "vi": ("Nguyễn Thị Phương Thảo Hoàng Lê Ngọc Bích Trần Quỳnh Như Ý Đặng Thùy Dương Vũ",
           "Nguyen Thi Phuong Thao"),
    "ru": ("Константинопольская-Преображенская Александра Вячеславовна Святополк-Мирская",
           "Konstantinopolskaya-Preobrazhenskaya Aleksandra"),
}


def generated_cases() -> list[tuple[str, dict]]:
    good = qr_payload.sign_payload(facts(), KEY.private_key)
    keys = keys_document(KEY, OTHER_KEY)
    clean = status({})
    cases = {
        "valid": (url(good), keys, clean),
        "valid, no expiry": (url(qr_payload.sign_payload(facts(valid_until=None),
                                                         KEY.private_key)), keys, clean),
        "valid, revision 2": (url(qr_payload.sign_payload(facts(revision=2), KEY.private_key)),
                              keys, clean),
        "lower-case address": (url(good).replace("HTTPS://REGISTRY.EXAMPLE.UZ/V/",
                                                 "https://registry.example.uz/v/"), keys, clean),
        "another host": (url(good, base_url="https://registry-example.uz"), keys, clean),
        "http instead of https": (url(good, base_url="http://registry.example.uz"), keys,
                                  clean),
        "no base URL published": (url(good), {k: v for k, v in keys.items()
                                              if k != "base_url"}, clean),
        "payload moved under another code": (url(good, code="A" * 26), keys, clean),
        "revoked index": (url(good), keys, status({4242: "revoked"})),
        "suspended index": (url(good), keys, status({4242: "suspended"})),
        "superseded index": (url(good), keys, status({4242: "superseded"})),
        "odd index revoked": (url(qr_payload.sign_payload(facts(status_index=4243),
                                                          KEY.private_key)), keys,
                              status({4243: "revoked", 4242: "suspended"})),
        "neighbour revoked": (url(good), keys, status({4243: "revoked"})),
        "expired": (url(qr_payload.sign_payload(facts(valid_until=date(2026, 12, 3)),
                                                KEY.private_key)), keys, clean),
        "expires today": (url(qr_payload.sign_payload(facts(valid_until=date(2026, 12, 4)),
                                                      KEY.private_key)), keys, clean),
        "expired and revoked": (url(qr_payload.sign_payload(facts(valid_until=date(2026, 1, 1)),
                                                            KEY.private_key)), keys,
                                status({4242: "revoked"})),
        "expired, no status list": (url(qr_payload.sign_payload(
            facts(valid_until=date(2026, 1, 1)), KEY.private_key)), keys, None),
        "unknown key": (url(qr_payload.sign_payload(facts(key_id=OLD_KEY.key_id),
                                                    OLD_KEY.private_key)), keys, clean),
        "signed by another published key": (url(qr_payload.sign_payload(
            facts(key_id=KEY.key_id), OTHER_KEY.private_key)), keys, clean),
        "revoked key": (url(qr_payload.sign_payload(facts(key_id=OLD_KEY.key_id),
                                                    OLD_KEY.private_key)),
                        keys_document(KEY, OLD_KEY, revoked=[OLD_KEY]), clean),
        "no status list": (url(good), keys, None),
        "status list signed by an unknown key": (url(good), keys, status({}, OLD_KEY)),
        "status list signed by a revoked key": (url(good),
                                                keys_document(KEY, OLD_KEY, revoked=[OLD_KEY]),
                                                status({}, OLD_KEY)),
        "no payload (issued before signed QRs)": (url(None), keys, clean),
        "not a verification address": ("https://registry.example.uz/check", keys, clean),
        "a query in the address": (url(good).replace("#", "?x=1#"), keys, clean),
        "lower-case payload": (url(good.lower()), keys, clean),
        "padded payload": (url(good + "="), keys, clean),
        "payload cut short": (url(good[:-8]), keys, clean),
        "text, not a URL": ("Ғайратжон Ўроқов IA-2026-00042", keys, clean),
    }
    for position in (0, 1, 2, 6, 9, 13, 17, 18, 25, 40, -1, -64):
        cases[f"tampered byte {position}"] = (url(tampered(good, position)), keys, clean)
    forged_list = status({4242: "revoked"})
    forged_list["payload"]["list"] = status({})["payload"]["list"]  # revocation removed
    cases["status list altered after signing"] = (url(good), keys, forged_list)
    unknown_value = status({})
    packed = bytearray(status_list.pack({}))
    packed[4242 // 2] = 0x70  # value 7: not defined by this version
    unknown_value["payload"]["list"] = base64.b64encode(zlib.compress(bytes(packed))).decode()
    unknown_value["signature"] = KEY.sign(unknown_value["payload"])
    cases["status value this version does not know"] = (url(good), keys, unknown_value)
    wrong_size = status({})
    wrong_size["payload"]["size"] = 1000
    wrong_size["signature"] = KEY.sign(wrong_size["payload"])
    cases["status list of a wrong size"] = (url(good), keys, wrong_size)
    # Records make_facts never makes, signed all the same: the format still refuses them.
    record = bytearray(qr_payload.encode_record(facts()))
    record[1] = 0x80  # a flag this version does not know
    cases["unknown flag"] = (url(raw_payload(bytes(record))), keys, clean)
    record = bytearray(qr_payload.encode_record(facts()))
    record[0] = 2
    cases["format version 2"] = (url(raw_payload(bytes(record))), keys, clean)
    nfd = dataclasses.replace(facts(), holder_name=unicodedata.normalize("NFD", "Nguyễn Thảo"))
    record = qr_payload.encode_record(nfd)
    cases["name not in NFC"] = (url(raw_payload(record)), keys, clean)
    cases["trailing byte"] = (url(raw_payload(qr_payload.encode_record(facts()) + b"\0")), keys,
                              clean)
    for script, (name, latin) in LONGEST_NAMES.items():
        long_payload = qr_payload.sign_payload(facts(holder_name=name, holder_latin_name=latin),
                                               KEY.private_key)
        cases[f"longest name, {script}"] = (url(long_payload), keys, clean)
    return [(label, {"url": qr_url, "keys_document": keys_doc, "status_document": status_doc,
                     "today": TODAY})
            for label, (qr_url, keys_doc, status_doc) in cases.items()]


def vector_cases() -> list[tuple[str, dict]]:
    """The published vectors (tests/certificates/qr_vectors.json, docs/qr-format.md)."""
    document = json.loads(VECTORS.read_text(encoding="utf-8"))
    cases = []
    for vector in document["vectors"]:
        cases.append((f"vector {vector['name']}", {
            "url": vector["url"],
            "keys_document": vector.get("keys_document", document.get("keys_document")),
            "status_document": vector.get("status_document", document.get("status_document")),
            "today": vector.get("today", document.get("today")),
        }))
    return cases


def python_verdict(case: dict) -> dict:
    return offline.offline_verdict(case["url"], keys_document=case["keys_document"],
                                   status_document=case["status_document"],
                                   today=date.fromisoformat(case["today"]))


def js_verdicts(cases: list[dict], *, fallback: bool = False,
                page: bool = False) -> tuple[str, list[dict]]:
    completed = subprocess.run([NODE, str(RUNNER)], input=json.dumps(
        {"fallback": fallback, "page": page, "cases": cases}), capture_output=True, text=True,
        timeout=120, check=False)
    assert completed.returncode == 0, completed.stderr
    output = json.loads(completed.stdout)
    return output["implementation"], output["results"]


@pytest.mark.parametrize("fallback", [False, True], ids=["webcrypto", "noble"])
def test_js_verifier_agrees_with_python_on_every_case(fallback):
    labelled = generated_cases() + vector_cases()
    implementation, results = js_verdicts([case for _label, case in labelled], fallback=fallback)
    assert implementation == ("noble" if fallback else "webcrypto")
    disagreements = [(label, python_verdict(case), result)
                     for (label, case), result in zip(labelled, results, strict=True)
                     if python_verdict(case) != result]
    assert disagreements == []


def test_the_cases_cover_every_verdict_and_reason():
    """The comparison above means something only if the cases reach every outcome."""
    outcomes = [python_verdict(case) for _label, case in generated_cases()]
    assert {o["verdict"] for o in outcomes} == set(offline.VERDICTS)
    assert {o["reason"] for o in outcomes} >= {
        None, "bad_format", "unknown_key", "revoked_key", "bad_signature", "no_status_list",
        "bad_status_list", "unknown_status"}
    assert {o["address_matches"] for o in outcomes} == {True, False, None}
    assert any(o["facts"] and o["facts"]["name_shortened"] for o in outcomes)


def test_the_vectors_say_what_both_implementations_say():
    """Each published vector's expected verdict is what both implementations give."""
    document = json.loads(VECTORS.read_text(encoding="utf-8"))
    labelled = vector_cases()
    _implementation, results = js_verdicts([case for _label, case in labelled], fallback=False)
    for vector, result in zip(document["vectors"], results, strict=True):
        assert result == vector["expected"], vector["name"]


# --- what only the phone knows: its clock and the age of its status list -----------------------

def page_verdict(now: str, *, status_document=None, qr=None, keys=None) -> dict:
    good = qr or url(qr_payload.sign_payload(facts(), KEY.private_key))
    case = {"url": good, "keys_document": keys or keys_document(KEY),
            "status_document": status_document or status({}), "now": now}
    return js_verdicts([case], page=True)[1][0]


def keys_of(result: dict) -> tuple[list[str], list[str]]:
    return [m["key"] for m in result["basis"]], [m["key"] for m in result["warnings"]]


def test_a_fresh_status_list_gives_valid_with_its_date():
    result = page_verdict("2026-12-04T10:00:00Z")  # the list is of 2026-12-03 08:00
    assert result["verdict"] == "valid"
    assert result["basis"] == [{"key": "valid_basis", "params": {"date": "2026-12-03"}}]
    assert result["warnings"] == []


def test_a_status_list_older_than_a_week_is_named():
    result = page_verdict("2026-12-10T09:00:00Z")  # 7 days and 1 hour
    assert result["verdict"] == "valid"
    assert keys_of(result) == (["valid_basis"], ["stale_warning"])
    assert result["warnings"][0]["params"] == {"date": "2026-12-03"}


def test_no_valid_after_thirty_days_without_a_refresh():
    assert page_verdict("2027-01-02T07:00:00Z")["verdict"] == "valid"  # 29 days 23 hours
    result = page_verdict("2027-01-02T09:00:00Z")  # 30 days and 1 hour
    assert result["verdict"] == "online_check_needed"
    assert result["reason"] == "stale_status_list"
    assert keys_of(result) == (["signature_checked", "stale_limit"], [])


def test_an_old_list_still_says_revoked():
    """A revocation the phone knows of stays a revocation, however old the list."""
    result = page_verdict("2027-03-01T00:00:00Z", status_document=status({4242: "revoked"}))
    assert result["verdict"] == "revoked"
    assert keys_of(result) == (["status_revoked"], ["stale_warning"])


def test_a_phone_whose_date_is_before_the_status_list_is_warned():
    result = page_verdict("2026-11-20T10:00:00Z")
    assert result["verdict"] == "valid"
    assert keys_of(result)[1] == ["device_date"]
    assert result["warnings"][0]["params"] == {"today": "2026-11-20", "date": "2026-12-03"}


def test_the_page_names_the_other_host_and_a_shortened_name():
    name, latin = LONGEST_NAMES["vi"]
    qr = url(qr_payload.sign_payload(facts(holder_name=name, holder_latin_name=latin),
                                     KEY.private_key), base_url="https://registry-example.uz")
    result = page_verdict("2026-12-04T10:00:00Z", qr=qr)
    assert result["verdict"] == "valid" and result["facts"]["name_shortened"]
    assert keys_of(result)[1] == ["other_host", "name_shortened"]
    assert result["warnings"][0]["params"] == {"host": "registry-example.uz",
                                               "registry": "registry.example.uz"}


def test_without_keys_on_the_phone_it_sends_the_visitor_online():
    good = url(qr_payload.sign_payload(facts(), KEY.private_key))
    case = {"url": good, "keys_document": None, "status_document": None,
            "now": "2026-12-04T10:00:00Z"}
    result = js_verdicts([case], page=True)[1][0]
    # Not "not issued": this phone simply cannot tell yet.
    assert result["verdict"] == "online_check_needed" and result["reason"] == "no_keys"
    assert keys_of(result) == (["no_keys"], [])


def test_the_page_says_when_a_certificate_was_recorded_from_the_paper_register():
    paper = url(qr_payload.sign_payload(facts(from_paper_register=True), KEY.private_key))
    result = page_verdict("2026-12-04T10:00:00Z", qr=paper)
    assert result["verdict"] == "valid"
    assert keys_of(result) == (["valid_basis", "paper_register"], [])
