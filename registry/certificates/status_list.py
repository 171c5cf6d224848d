"""The signed status list (``/.well-known/registry-status.json``): the status of every signed
QR's revision in one small document a phone downloads once and checks offline.

Each revision with a signed QR has a random slot (``status_index`` in its payload). The list
holds 4 bits per slot (at least 3 were asked for; a nibble leaves room and is simple to read):
slot ``i`` is byte ``i // 2``, its high nibble when ``i`` is even, its low nibble when odd.
Values: STATUS_CODES. 0 is "valid" - and also every slot no revision holds, so the list does not
tell how many certificates exist. The packed bytes are zlib-compressed and base64-encoded; the
document is signed like every other signed document of the registry
(``signing.canonical_json`` of ``payload``, Ed25519, base64; see docs/qr-format.md).

Plain data in, bytes/text out: the database side (which revision holds which status) is in
``verification.status_list_document``.
"""
from __future__ import annotations

import base64
import zlib
from datetime import datetime, timedelta

from registry.certificates import signing

FORMAT = "registry-status-list"
VERSION = 1
SIZE = 1 << 17  # 131,072 slots; the payload's 3-byte index allows growing to 16,777,216
BITS = 4
ENCODING = "zlib+base64"
# How long a list is the newest a verifier should expect: it fetches again after this.
LIFETIME = timedelta(days=1)
STATUS_CODES = {"valid": 0, "suspended": 1, "revoked": 2, "superseded": 3}
STATUS_NAMES = {code: name for name, code in STATUS_CODES.items()}  # 4-15: reserved


def pack(entries: dict, size: int = SIZE) -> bytes:
    """``{index: status name}`` as the packed nibbles (before compression)."""
    packed = bytearray(size // 2)
    for index, status in entries.items():
        if not 0 <= index < size:
            raise ValueError(f"status index {index} is outside the list")
        code = STATUS_CODES[status]
        packed[index // 2] |= code << 4 if index % 2 == 0 else code
    return bytes(packed)


def status_of(packed: bytes, index: int) -> str:
    """The status of slot ``index``: a name of STATUS_CODES, or "unknown" for a value this
    version does not define (a verifier then sends the visitor online) or a slot outside."""
    if not 0 <= index < len(packed) * 2:
        return "unknown"
    byte = packed[index // 2]
    code = byte >> 4 if index % 2 == 0 else byte & 0x0F
    return STATUS_NAMES.get(code, "unknown")


def timestamp(moment: datetime) -> str:
    """A moment as the published documents write it: UTC to the second, ``...Z``."""
    return moment.replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def status_document(entries: dict, key: signing.SigningKey, *, issued_at: datetime,
                    base_url: str, size: int = SIZE) -> dict:
    """The signed document: ``{"payload": {...}, "signature": base64}``."""
    payload = {
        "type": FORMAT,
        "v": VERSION,
        "base_url": base_url,
        "issued_at": timestamp(issued_at),
        "next_update": timestamp(issued_at + LIFETIME),
        "key_id": key.key_id,
        "size": size,
        "bits": BITS,
        "statuses": {str(code): name for name, code in STATUS_CODES.items()},
        "encoding": ENCODING,
        "list": base64.b64encode(zlib.compress(pack(entries, size), 9)).decode("ascii"),
    }
    return {"payload": payload, "signature": key.sign(payload)}


def read_status_document(document: dict, public_keys: dict) -> tuple[dict, bytes]:
    """``(payload, packed list)`` of a status document signed by one of ``public_keys``
    (``{key_id: base64}``); ``signing.NotVerified`` with the reason otherwise."""
    payload = signing.check_signed_document(document, public_keys)
    if payload.get("type") != FORMAT or payload.get("v") != VERSION \
            or payload.get("bits") != BITS or payload.get("encoding") != ENCODING:
        raise signing.NotVerified("it is not a status list of a format this verifier reads")
    size = payload.get("size")
    try:
        packed = zlib.decompress(base64.b64decode(payload.get("list", ""), validate=True))
    except (ValueError, zlib.error):
        raise signing.NotVerified("its list is not zlib and base64") from None
    if not isinstance(size, int) or len(packed) * 2 != size:
        raise signing.NotVerified("its list does not have the size it states")
    return payload, packed
