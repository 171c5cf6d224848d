"""The signed QR payload: the facts of a certificate in a compact binary record with an
Ed25519 signature, carried in the fragment of the QR's URL so a phone can check the paper
offline. The byte layout, the signature input and the test vectors are in docs/qr-format.md
(keep the two in step: the JS verifier is written from that page).

The QR reads ``HTTPS://HOST/V/<CODE>#<PAYLOAD>``: the fragment never reaches the server, so any
camera app still opens the verification page; everything but the ``#`` is in QR alphanumeric
mode (0-9 A-Z space $ % * + - . / :), which packs 11 bits for two characters instead of 16.

Plain data in, bytes/text out: nothing here touches the database, the request or the app.
"""
from __future__ import annotations

import base64
import struct
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

FORMAT_VERSION = 1
FLAG_NAME_SHORTENED = 0x01
FLAG_FROM_PAPER_REGISTER = 0x02  # reserved: set by a later import of the paper register
KNOWN_FLAGS = FLAG_NAME_SHORTENED | FLAG_FROM_PAPER_REGISTER
EPOCH = date(2000, 1, 1)  # dates travel as days since this day (uint16: until 2179)
NO_END = 0xFFFF  # valid-until of a certificate that does not expire
KEY_ID_PREFIX = "ed25519-"
SHORT_KEY_ID_BYTES = 4  # the first 4 of the 8 bytes (16 hex digits) of signing.key_id_of
SIGNATURE_BYTES = 64
SIGNATURE_CONTEXT = b"registry-qr\n"  # so these signatures can never pass for another kind
STATUS_INDEX_LIMIT = 1 << 24  # the index travels in 3 bytes
# One mask pattern for every code: choosing the best of the 8 (qrcode builds and scores each
# in pure Python) was two thirds of making a code (28 ms; 9 ms with one). Pattern 3 scored
# lowest on average over signed URLs (ISO 18004 penalty), so codes still read as easily.
QR_MASK_PATTERN = 3

# The names are capped in UTF-8 bytes (what the QR's size depends on), measured in
# tests/certificates/test_qr_payload.py so that the longest names in each script, with a
# 30-character base URL, a 2-letter prefix and a 10-character course code, stay at QR version 11
# (level M), and with the longest base URL, prefix and course code the settings allow, at
# version 13. Together the two names may take NAMES_MAX_BYTES; when they take more, the Latin
# form is cut first, to what the name as printed leaves but never below LATIN_NAME_MAX_BYTES,
# and the name as printed then to the rest. A cut sets FLAG_NAME_SHORTENED.
NAMES_MAX_BYTES = 86
LATIN_NAME_MAX_BYTES = 30
COURSE_CODE_MAX_BYTES = 30
PREFIX_MAX_BYTES = 10

# Base32 (RFC 4648) in upper case without padding: all of it is QR alphanumeric.
BASE32_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
QR_ALPHANUMERIC = set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")


class PayloadError(ValueError):
    """Why a payload cannot be made or read; ``reason`` is one of REASONS."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


REASONS = {
    "bad_format": "the QR's payload is not a certificate record this verifier can read",
    "unknown_key": "the payload names a key this registry does not publish",
    "revoked_key": "the key that signed it has been revoked",
    "bad_signature": "the signature does not match these facts and this key",
}


@dataclass(frozen=True)
class QrFacts:
    """What a QR payload says (the record, not its signature)."""

    code: str  # the public code of the URL (signed with the record, not carried in it)
    short_key_id: str  # 8 hex digits
    status_index: int
    issued_on: date
    valid_until: date | None
    prefix: str
    year: int
    serial: int
    revision: int
    course_code: str
    holder_name: str
    holder_latin_name: str | None
    name_shortened: bool = False
    from_paper_register: bool = False
    version: int = FORMAT_VERSION

    @property
    def number(self) -> str:
        """The printed number, as ``numbering.format_number`` and ``printed_number`` make it."""
        base = f"{self.prefix}-{self.year}-{self.serial:05d}"
        return base if self.revision == 1 else f"{base}/{self.revision}"


@dataclass(frozen=True)
class Verified:
    """A payload whose signature checked: the facts and the full key id that signed them."""

    facts: QrFacts
    key_id: str


# --- text and numbers -----------------------------------------------------------------------

def _nfc(text: str | None) -> str:
    return unicodedata.normalize("NFC", (text or "").strip())


def shorten(text: str, max_bytes: int) -> tuple[str, bool]:
    """``text`` cut to at most ``max_bytes`` of UTF-8, never inside a character or between a
    letter and its combining marks, trailing spaces dropped; and whether it was cut."""
    text = _nfc(text)
    if len(text.encode("utf-8")) <= max_bytes:
        return text, False
    kept = ""
    for index, character in enumerate(text):
        if len((kept + character).encode("utf-8")) > max_bytes:
            break
        kept += character
    # A letter whose marks did not fit goes too: "Thả" must not become "Tha".
    while kept and len(kept) < len(text) and unicodedata.combining(text[len(kept)]):
        kept = kept[:-1]
    return kept.rstrip(), True


def _days(day: date) -> int:
    days = (day - EPOCH).days
    if not 0 <= days < NO_END:
        raise PayloadError("bad_format", f"the date {day} is outside 2000-01-01..2179-06-05")
    return days


def _day(days: int) -> date:
    return EPOCH + timedelta(days=days)


def _text_field(text: str, max_bytes: int, what: str) -> bytes:
    data = text.encode("utf-8")
    if len(data) > max_bytes:
        raise PayloadError("bad_format", f"the {what} is longer than {max_bytes} bytes")
    return bytes([len(data)]) + data


def b32encode(data: bytes) -> str:
    """Base32 (RFC 4648 alphabet), upper case, no ``=`` padding."""
    return base64.b32encode(data).decode("ascii").rstrip("=")


def b32decode(text: str) -> bytes:
    """The bytes of unpadded upper-case Base32; ``PayloadError`` for anything else."""
    if not text or any(ch not in BASE32_ALPHABET for ch in text) or len(text) % 8 in (1, 3, 6):
        raise PayloadError("bad_format", "the payload is not upper-case Base32")
    try:
        return base64.b32decode(text + "=" * (-len(text) % 8))
    except ValueError:
        raise PayloadError("bad_format", "the payload is not upper-case Base32") from None


def short_key_id(key_id: str) -> str:
    """The key id as the payload carries it: the first 8 of its 16 hex digits."""
    if not key_id.startswith(KEY_ID_PREFIX) or len(key_id) != len(KEY_ID_PREFIX) + 16:
        raise PayloadError("bad_format", f"{key_id!r} is not a registry key id")
    return key_id[len(KEY_ID_PREFIX):][:SHORT_KEY_ID_BYTES * 2]


# --- the record -------------------------------------------------------------------------------

_FIXED = struct.Struct(">BB4s3sHHBI")  # the I: serial (24 bits) and revision (8 bits)
YEAR_BASE = 2000  # the year of the number travels as one byte: years 2000-2255


def encode_record(facts: QrFacts) -> bytes:
    """The record's bytes (what is signed, after the context and the code)."""
    if not 0 <= facts.status_index < STATUS_INDEX_LIMIT:
        raise PayloadError("bad_format", "the status-list index does not fit in 3 bytes")
    if not 0 < facts.serial < 1 << 24 or not 0 < facts.revision < 256:
        raise PayloadError("bad_format", "the serial or revision is out of range")
    if not YEAR_BASE <= facts.year < YEAR_BASE + 256:
        raise PayloadError("bad_format", "the year is out of range")
    if len(facts.holder_name.encode("utf-8")) + len((facts.holder_latin_name or "")
                                                     .encode("utf-8")) > NAMES_MAX_BYTES:
        raise PayloadError("bad_format", f"the names take more than {NAMES_MAX_BYTES} bytes")
    flags = ((FLAG_NAME_SHORTENED if facts.name_shortened else 0)
             | (FLAG_FROM_PAPER_REGISTER if facts.from_paper_register else 0))
    valid_until = NO_END if facts.valid_until is None else _days(facts.valid_until)
    fixed = _FIXED.pack(facts.version, flags, bytes.fromhex(facts.short_key_id),
                        facts.status_index.to_bytes(3, "big"), _days(facts.issued_on),
                        valid_until, facts.year - YEAR_BASE, facts.serial << 8 | facts.revision)
    return (fixed
            + _text_field(facts.prefix, PREFIX_MAX_BYTES, "number prefix")
            + _text_field(facts.course_code, COURSE_CODE_MAX_BYTES, "course code")
            + _text_field(facts.holder_name, NAMES_MAX_BYTES, "holder's name")
            + _text_field(facts.holder_latin_name or "", NAMES_MAX_BYTES, "Latin name"))


def decode_record(record: bytes, code: str) -> QrFacts:
    """The facts in ``record`` (``PayloadError("bad_format")`` when it is not one)."""
    if len(record) < _FIXED.size + 4:
        raise PayloadError("bad_format", "the payload is too short")
    (version, flags, key, index, issued, valid_until, year,
     serial_revision) = _FIXED.unpack_from(record)
    if version != FORMAT_VERSION:
        raise PayloadError("bad_format", f"format version {version} is not known here")
    if flags & ~KNOWN_FLAGS:
        raise PayloadError("bad_format", "the payload sets flags this verifier does not know")
    texts, offset = [], _FIXED.size
    for _ in range(4):
        if offset >= len(record):
            raise PayloadError("bad_format", "the payload is cut short")
        length = record[offset]
        chunk = record[offset + 1:offset + 1 + length]
        if len(chunk) != length:
            raise PayloadError("bad_format", "the payload is cut short")
        try:
            text = chunk.decode("utf-8")
        except UnicodeDecodeError:
            raise PayloadError("bad_format", "a text in the payload is not UTF-8") from None
        if unicodedata.normalize("NFC", text) != text:
            raise PayloadError("bad_format", "a text in the payload is not in NFC form")
        texts.append(text)
        offset += 1 + length
    if offset != len(record):
        raise PayloadError("bad_format", "the payload has bytes after its last field")
    prefix, course_code, name, latin = texts
    if len(name.encode("utf-8")) + len(latin.encode("utf-8")) > NAMES_MAX_BYTES:
        raise PayloadError("bad_format", "the names are longer than the format allows")
    if not name or not prefix or serial_revision >> 8 == 0 or serial_revision & 0xFF == 0:
        raise PayloadError("bad_format", "the payload lacks a name or a number")
    return QrFacts(code=code, short_key_id=key.hex(), status_index=int.from_bytes(index, "big"),
                   issued_on=_day(issued),
                   valid_until=None if valid_until == NO_END else _day(valid_until),
                   prefix=prefix, year=YEAR_BASE + year, serial=serial_revision >> 8,
                   revision=serial_revision & 0xFF, course_code=course_code, holder_name=name,
                   holder_latin_name=latin or None,
                   name_shortened=bool(flags & FLAG_NAME_SHORTENED),
                   from_paper_register=bool(flags & FLAG_FROM_PAPER_REGISTER), version=version)


def signature_input(code: str, record: bytes) -> bytes:
    """What is signed: the context, the public code of the URL (so a payload cannot be moved
    under another certificate's code), a newline, the record."""
    return SIGNATURE_CONTEXT + code.encode("ascii") + b"\n" + record


def make_facts(*, code: str, key_id: str, status_index: int, issued_on: date,
               valid_until: date | None, prefix: str, year: int, serial: int, revision: int,
               course_code: str, holder_name: str, holder_latin_name: str | None,
               from_paper_register: bool = False) -> QrFacts:
    """The facts of one revision as the QR carries them: names over their cap are cut and
    flagged (the paper prints them whole; the verifier says the QR's are shortened)."""
    name_bytes = len(_nfc(holder_name).encode("utf-8"))
    latin, latin_cut = shorten(holder_latin_name or "",
                               max(LATIN_NAME_MAX_BYTES, NAMES_MAX_BYTES - name_bytes))
    name, name_cut = shorten(holder_name, NAMES_MAX_BYTES - len(latin.encode("utf-8")))
    return QrFacts(code=code, short_key_id=short_key_id(key_id), status_index=status_index,
                   issued_on=issued_on, valid_until=valid_until, prefix=_nfc(prefix), year=year,
                   serial=serial, revision=revision,
                   # A code is up to 30 characters, not bytes: a non-Latin one is cut to fit.
                   course_code=shorten(course_code, COURSE_CODE_MAX_BYTES)[0],
                   holder_name=name, holder_latin_name=latin or None,
                   name_shortened=name_cut or latin_cut,
                   from_paper_register=from_paper_register)


def sign_payload(facts: QrFacts, private_key) -> str:
    """The Base32 payload: record + Ed25519 signature (``private_key``: an
    ``Ed25519PrivateKey``) over ``signature_input``."""
    record = encode_record(facts)
    signature = private_key.sign(signature_input(facts.code, record))
    return b32encode(record + signature)


# --- the URL ----------------------------------------------------------------------------------

def qr_origin(base_url: str) -> str:
    """``REGISTRY_BASE_URL`` as the QR prints it: scheme and host upper-cased (both are
    case-insensitive), so they are QR alphanumeric."""
    parts = urlsplit(base_url)
    return f"{parts.scheme}://{parts.netloc}".upper()


def qr_url(base_url: str, code: str, payload: str | None) -> str:
    """What the QR holds: ``HTTPS://HOST/V/<CODE>#<PAYLOAD>`` (no fragment without a payload)."""
    url = f"{qr_origin(base_url)}/V/{code.upper()}"
    return f"{url}#{payload}" if payload else url


def qr_segments(url: str) -> list[tuple[str, str]]:
    """``[(mode, text)]``: how the QR encodes ``url`` - alphanumeric runs, and a byte segment
    for whatever alphanumeric mode lacks (the ``#``, or a lower-case legacy URL)."""
    segments: list[tuple[str, str]] = []
    for character in url:
        mode = "alphanumeric" if character in QR_ALPHANUMERIC else "byte"
        if segments and segments[-1][0] == mode:
            segments[-1] = (mode, segments[-1][1] + character)
        else:
            segments.append((mode, character))
    return segments


def make_qr(url: str, **options):
    """The ``qrcode.QRCode`` (error correction M, version fitted) for ``url``. A signed QR's
    URL (``HTTPS://HOST/V/<CODE>#<PAYLOAD>``) is encoded segment by segment in alphanumeric
    mode apart from its ``#``: 5.5 bits a character instead of 8 keeps it at version 11. Any
    other URL is left to qrcode as before, so older revisions keep the QR they had (what it
    holds; the mask, ``QR_MASK_PATTERN``, is fixed for every code)."""
    import qrcode
    from qrcode.util import MODE_8BIT_BYTE, MODE_ALPHA_NUM, QRData

    options.setdefault("mask_pattern", QR_MASK_PATTERN)
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, **options)
    segments = qr_segments(url)
    if "#" in url and all(mode == "alphanumeric" or text == "#" for mode, text in segments):
        for mode, text in segments:
            code.add_data(QRData(text.encode("ascii"), check_data=False,
                                 mode=MODE_ALPHA_NUM if mode == "alphanumeric"
                                 else MODE_8BIT_BYTE))
    else:
        code.add_data(url)
    code.make(fit=True)
    return code


def split_url(url: str) -> tuple[str, str, str]:
    """``(origin, code, payload)`` of a QR's URL (origin upper-cased; empty parts when absent);
    ``PayloadError("bad_format")`` when it is not ``<origin>/V/<CODE>[#<PAYLOAD>]``."""
    address, _hash, payload = url.strip().partition("#")
    parts = urlsplit(address)
    path = parts.path
    if not parts.scheme or not parts.netloc or path[:3].upper() != "/V/" or parts.query:
        raise PayloadError("bad_format", "this is not a certificate's verification address")
    code = path[3:].strip("/").upper()
    return f"{parts.scheme}://{parts.netloc}".upper(), code, payload


# --- verifying --------------------------------------------------------------------------------

def _public_key(raw) -> Ed25519PublicKey:
    if isinstance(raw, Ed25519PublicKey):
        return raw
    if isinstance(raw, str):
        raw = base64.b64decode(raw, validate=True)
    return Ed25519PublicKey.from_public_bytes(raw)


def verify_payload(code: str, payload: str, public_keys: dict,
                   revoked_keys=frozenset()) -> Verified:
    """The facts of ``payload`` (the URL's fragment) for public ``code`` when a key of
    ``public_keys`` (``{key_id: base64 or raw 32 bytes or Ed25519PublicKey}``, e.g.
    ``signing.public_keys_from_document`` of registry-keys.json) signed them; raises
    ``PayloadError`` with ``reason`` bad_format, unknown_key, revoked_key or bad_signature.
    Needs nothing else: no database, no app, no network."""
    data = b32decode(payload)
    if len(data) <= SIGNATURE_BYTES:
        raise PayloadError("bad_format", "the payload is too short")
    record, signature = data[:-SIGNATURE_BYTES], data[-SIGNATURE_BYTES:]
    code = (code or "").upper()
    if not code.isascii() or not code.isalnum():
        raise PayloadError("bad_format", "the verification address holds no code")
    facts = decode_record(record, code)
    matching = sorted(key_id for key_id in public_keys
                      if key_id.startswith(KEY_ID_PREFIX + facts.short_key_id))
    if not matching:
        raise PayloadError("unknown_key", f"key {facts.short_key_id} is not among these keys")
    message = signature_input(code, record)
    for key_id in matching:  # two keys sharing 32 bits is unlikely, but both are tried
        try:
            _public_key(public_keys[key_id]).verify(signature, message)
        except (InvalidSignature, TypeError, ValueError):
            continue
        if key_id in revoked_keys:
            raise PayloadError("revoked_key", f"key {key_id} has been revoked")
        return Verified(facts, key_id)
    raise PayloadError("bad_signature", REASONS["bad_signature"])


def verify_url(url: str, public_keys: dict, revoked_keys=frozenset()) -> Verified:
    """``verify_payload`` for a QR's whole URL (``PayloadError("bad_format")`` when it carries
    no payload: a certificate issued before signed QRs - its page must be checked online)."""
    _origin, code, payload = split_url(url)
    if not payload:
        raise PayloadError("bad_format", "this QR carries no signed payload: check it online")
    return verify_payload(code, payload, public_keys, revoked_keys)
