"""The test vectors of docs/qr-format.md, made from FIXED test keys (never a registry's key):
``qr_vectors.json`` beside this file is their output, and test_qr_payload.py checks that the
file is exactly what this makes and that ``offline.offline_verdict`` gives every expected verdict.
A JS verifier must give the same verdicts for the same inputs.

Regenerate (after a deliberate format change only):
    .venv/bin/python -m tests.certificates.qr_vectors > tests/certificates/qr_vectors.json
"""
from __future__ import annotations

import base64
import hashlib
import json
from datetime import date, datetime, timezone
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from registry.certificates import qr_payload, signing, status_list

PATH = Path(__file__).with_name("qr_vectors.json")
BASE_URL = "https://registry.example.uz"
TODAY = "2026-12-04"
STATUS_ISSUED_AT = datetime(2026, 12, 1, tzinfo=timezone.utc)


def fixed_key(label: str) -> signing.SigningKey:
    """An Ed25519 key whose 32-byte seed is sha256(label): anyone can make it again."""
    private = Ed25519PrivateKey.from_private_bytes(hashlib.sha256(label.encode()).digest())
    return signing.SigningKey(signing.key_id_of(private.public_key()), private)


KEY = fixed_key("registry test vectors: signing key")
REVOKED_KEY = fixed_key("registry test vectors: revoked key")
UNKNOWN_KEY = fixed_key("registry test vectors: key nobody publishes")

# One revision per case; the status list below gives some of them a status.
INDEX = {"valid": 70_001, "revoked": 12_345, "suspended": 98_766, "superseded": 131_071,
         "expired": 4_242, "other": 5}


def exact(text: str, size: int) -> str:
    """``text`` repeated and cut so it takes exactly ``size`` bytes of UTF-8 (a name at the
    cap); what is left is filled with its first letter, an odd last byte with "a"."""
    out = ""
    for character in text * 20:
        if len((out + character).encode("utf-8")) > size:
            break
        out += character
    out = out.rstrip()
    for filler in (text[0], "a"):  # the script's own letter while it fits
        while len((out + filler).encode("utf-8")) <= size:
            out += filler
    return out


# The longest names the format carries whole, in each script (NAMES_MAX_BYTES together).
LONGEST = {
    "uz_Cyrl": ("Ғайратжон Ўроқов Абдуллаевич Ҳамидов ", "Gʻayratjon Oʻroqov "),
    "uz": ("Oʻgʻiloy Gʻulomova Toʻxtasinovna Shoʻxrat ", None),
    "mn": ("Билгүүн Өлзийбат Батсүхийн Дөлгөөн ", "Bilguun Ulziibat "),
    "vi": ("Nguyễn Thị Phương Thảo Trần Đức Việt ", None),
    "ru": ("Щербакова Александра Вячеславовна ", "Shcherbakova Aleksandra "),
}


def _names(script: str) -> tuple[str, str | None]:
    name, latin = LONGEST[script]
    if latin is None:
        return exact(name, qr_payload.NAMES_MAX_BYTES), None
    latin = exact(latin, qr_payload.LATIN_NAME_MAX_BYTES)
    return exact(name, qr_payload.NAMES_MAX_BYTES - len(latin.encode("utf-8"))), latin


def _code(n: int) -> str:
    """A well-formed public code (26 Crockford characters), fixed per case."""
    alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    digest = hashlib.sha256(f"code {n}".encode()).digest()
    return "".join(alphabet[byte % 32] for byte in digest[:26])


def _facts(n: int, *, index: int, name="Ғайратжон Ўроқов", latin="Gʻayratjon Oʻroqov",
           valid_until=date(2029, 3, 10), key=KEY, revision=1) -> qr_payload.QrFacts:
    return qr_payload.make_facts(
        code=_code(n), key_id=key.key_id, status_index=index, issued_on=date(2026, 3, 10),
        valid_until=valid_until, prefix="IA", year=2026, serial=42 + n, revision=revision,
        course_code="ISO9001-IA", holder_name=name, holder_latin_name=latin)


def _url(facts, key=KEY, base_url=BASE_URL) -> str:
    return qr_payload.qr_url(base_url, facts.code, qr_payload.sign_payload(facts,
                                                                           key.private_key))


def _tamper(url: str) -> str:
    """The same URL with one byte of the record changed (the first letter of the name)."""
    address, _hash, payload = url.partition("#")
    data = bytearray(qr_payload.b32decode(payload))
    data[qr_payload._FIXED.size + 1 + 2 + 1 + 10 + 1 + 1] ^= 0x01  # inside the holder's name
    return f"{address}#{qr_payload.b32encode(bytes(data))}"


def keys_document() -> dict:
    """registry-keys.json as the vectors' registry publishes it."""
    def entry(key, **more):
        return {"key_id": key.key_id, "algorithm": "Ed25519",
                "public_key": base64.b64encode(signing.raw_public_key(key.public_key)).decode(),
                **more}

    return {"algorithm": "Ed25519", "current": KEY.key_id, "base_url": BASE_URL,
            "keys": sorted([entry(KEY), entry(REVOKED_KEY, revoked_at="2026-11-01T00:00:00Z")],
                           key=lambda e: e["key_id"]),
            "revoked_keys": [{"key_id": REVOKED_KEY.key_id, "revoked_at": "2026-11-01T00:00:00Z",
                              "reason": "test vector: a revoked key"}]}


def status_document() -> dict:
    return status_list.status_document(
        {INDEX["revoked"]: "revoked", INDEX["suspended"]: "suspended",
         INDEX["superseded"]: "superseded"}, KEY, issued_at=STATUS_ISSUED_AT, base_url=BASE_URL)


def cases() -> list[dict]:
    valid = _facts(1, index=INDEX["valid"])
    cases = [
        ("valid", "A genuine QR, valid today.", _url(valid)),
        ("tampered_byte", "One bit of the holder's name changed: the signature fails.",
         _tamper(_url(valid))),
        ("other_code", "A genuine payload moved under another certificate's code.",
         _url(valid).replace(valid.code, _code(99))),
        ("unknown_key", "Signed by a key the registry does not publish.",
         _url(_facts(2, index=INDEX["other"], key=UNKNOWN_KEY), key=UNKNOWN_KEY)),
        ("revoked_key", "Signed by a key the registry has revoked.",
         _url(_facts(3, index=INDEX["other"], key=REVOKED_KEY), key=REVOKED_KEY)),
        ("revoked_index", "Genuine, but its status-list slot says revoked.",
         _url(_facts(4, index=INDEX["revoked"]))),
        ("suspended_index", "Genuine, but its status-list slot says suspended.",
         _url(_facts(5, index=INDEX["suspended"]))),
        ("superseded_index", "Genuine, but a re-issue superseded it.",
         _url(_facts(6, index=INDEX["superseded"]))),
        ("expired", "Genuine, but its valid-until date has passed.",
         _url(_facts(7, index=INDEX["expired"], valid_until=date(2026, 3, 9)))),
        ("no_end", "Genuine, valid with no end date (an attendance certificate).",
         _url(_facts(8, index=INDEX["other"], valid_until=None, revision=2))),
        ("other_host", "Genuine payload, but the QR's address is another host: warn.",
         _url(valid, base_url="https://registry-example.uz")),
        ("name_shortened", "A name over the cap, carried shortened (the flag is set).",
         _url(_facts(9, index=INDEX["other"], name="Абдурахмонова " * 6 + "Нигора",
                     latin="Abdurakhmonova " * 4))),
        ("no_payload", "A QR printed before signed QRs: only the address - check online.",
         f"{BASE_URL}/v/{_code(10)}"),
        ("bad_format", "A fragment that is not Base32.", f"{BASE_URL.upper()}/V/{_code(11)}#1189"),
        ("lower_case", "The payload in lower case is not the format (Base32 is upper case).",
         _url(valid).split("#")[0] + "#" + _url(valid).split("#")[1].lower()),
    ]
    for offset, script in enumerate(LONGEST):
        name, latin = _names(script)
        cases.append((f"longest_name_{script}",
                      f"The longest name carried whole in this script ({script}).",
                      _url(_facts(20 + offset, index=1000 + offset, name=name, latin=latin))))
    return [{"name": name, "about": about, "url": url} for name, about, url in cases]


def build() -> dict:
    from registry.certificates.offline import offline_verdict

    keys, status = keys_document(), status_document()
    vectors = []
    for case in cases():
        expected = offline_verdict(case["url"], keys_document=keys, status_document=status,
                                   today=date.fromisoformat(TODAY))
        vectors.append({**case, "today": TODAY, "expected": expected})
    return {
        "about": "Test vectors of docs/qr-format.md (format version 1), made by "
                 "tests/certificates/qr_vectors.py from fixed test keys: the seed of each is "
                 "sha256 of its label. Every verifier must give each 'expected'.",
        "keys": {"signing": {"label": "registry test vectors: signing key",
                             "seed_hex": hashlib.sha256(
                                 b"registry test vectors: signing key").hexdigest(),
                             "key_id": KEY.key_id}},
        "keys_document": keys,
        "status_document": status,
        "vectors": vectors,
    }


def dumps(document: dict) -> str:
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


if __name__ == "__main__":
    print(dumps(build()), end="")
