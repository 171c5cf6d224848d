"""Ed25519 signatures that anyone can check offline, with only a published public key.

Each certificate revision is signed over a canonical JSON payload (sorted keys, no spaces,
UTF-8, NFC text), so the same facts always give the same bytes. The key id travels inside
the payload, so keys can rotate: old public keys stay published and old signatures verify.

Keys: ``REGISTRY_SIGNING_KEY`` (a PEM Ed25519 private key, for servers that keep secrets in
the environment) or ``instance/signing-keys/*.pem`` - made on first use. The newest file
named in ``instance/signing-keys/current`` signs; every key found is published.

Plain data in, bytes/text out: nothing here touches the database or the request.
"""
from __future__ import annotations

import base64
import hashlib
import json
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

ALGORITHM = "Ed25519"
PAYLOAD_VERSION = 1
KEY_DIRECTORY = "signing-keys"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def _nfc(value):
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, dict):
        return {key: _nfc(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_nfc(item) for item in value]
    return value


def canonical_json(payload: dict) -> bytes:
    """The exact bytes that are signed: sorted keys, no insignificant spaces, NFC UTF-8."""
    return json.dumps(_nfc(payload), sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode("utf-8")


def raw_public_key(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id_of(public_key: Ed25519PublicKey) -> str:
    """A short, stable name for a key: derived from the public key itself."""
    return "ed25519-" + hashlib.sha256(raw_public_key(public_key)).hexdigest()[:16]


@dataclass(frozen=True)
class SigningKey:
    key_id: str
    private_key: Ed25519PrivateKey

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self.private_key.public_key()

    def sign(self, payload: dict) -> str:
        """The base64 signature of ``canonical_json(payload)``."""
        return _b64(self.private_key.sign(canonical_json(payload)))


@dataclass(frozen=True)
class KeyRing:
    """The key that signs now, and every public key whose signatures are still honoured."""

    current: SigningKey
    public_keys: dict  # key_id -> Ed25519PublicKey

    def published(self) -> dict:
        """The document served at ``/.well-known/registry-keys.json``."""
        return {
            "algorithm": ALGORITHM,
            "current": self.current.key_id,
            "keys": [
                {"key_id": key_id, "algorithm": ALGORITHM,
                 "public_key": _b64(raw_public_key(public_key))}
                for key_id, public_key in sorted(self.public_keys.items())
            ],
        }


def _load_pem(data: bytes) -> SigningKey:
    private_key = serialization.load_pem_private_key(data, password=None)
    if not isinstance(private_key, Ed25519PrivateKey):
        raise ValueError("the signing key must be an Ed25519 private key")
    return SigningKey(key_id_of(private_key.public_key()), private_key)


def private_key_pem(private_key: Ed25519PrivateKey) -> bytes:
    return private_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                     serialization.NoEncryption())


def create_key(directory: Path) -> SigningKey:
    """Make a new key pair in ``directory`` and make it the current one (key rotation)."""
    directory.mkdir(parents=True, exist_ok=True)
    private_key = Ed25519PrivateKey.generate()
    key = SigningKey(key_id_of(private_key.public_key()), private_key)
    path = directory / f"{key.key_id}.pem"
    path.write_bytes(private_key_pem(private_key))
    path.chmod(0o600)
    (directory / "current").write_text(key.key_id + "\n", encoding="ascii")
    return key


def load_key_ring(instance_path: str | Path, environment_pem: str | None = None) -> KeyRing:
    """The key ring from the environment's key (if any) and ``instance/signing-keys/``;
    creates the first key pair there when there is none at all."""
    directory = Path(instance_path) / KEY_DIRECTORY
    stored = {}
    if directory.is_dir():
        for path in sorted(directory.glob("*.pem")):
            key = _load_pem(path.read_bytes())
            stored[key.key_id] = key
    if environment_pem:
        current = _load_pem(environment_pem.encode("ascii"))
    elif stored:
        named = (directory / "current").read_text(encoding="ascii").strip() \
            if (directory / "current").is_file() else ""
        current = stored.get(named) or stored[sorted(stored)[-1]]
    else:
        current = create_key(directory)
    public_keys = {key_id: key.public_key for key_id, key in stored.items()}
    public_keys[current.key_id] = current.public_key
    return KeyRing(current=current, public_keys=public_keys)


def public_keys_from_document(document: dict) -> dict:
    """``{key_id: base64 public key}`` from a published keys document. Entries that are not
    a key id and a public key as text are left out (their signatures then name an unknown
    key), so a damaged file saved by hand is refused, never a crash."""
    entries = document.get("keys") if isinstance(document, dict) else None
    return {entry["key_id"]: entry["public_key"] for entry in
            (entries if isinstance(entries, list) else [])
            if isinstance(entry, dict) and isinstance(entry.get("key_id"), str)
            and isinstance(entry.get("public_key"), str)
            and entry.get("algorithm", ALGORITHM) == ALGORITHM}


class NotVerified(ValueError):
    """Why a signed document does not verify, in words for the person checking it."""


class DuplicateKey(ValueError):
    """A JSON object names the same key twice."""


def loads_strict(text: str):
    """JSON as a verifier must read it: an object naming a key twice is refused. Parsers
    disagree on which of the two wins (Python keeps the last, others the first), so a forged
    first ``"holder"`` before the signed one would verify here and be shown elsewhere."""
    def unique(pairs):
        document = {}
        for key, value in pairs:
            if key in document:
                raise DuplicateKey(f'the key "{key}" appears twice in one object')
            document[key] = value
        return document

    return json.loads(text, object_pairs_hook=unique)


def _not_nfc(value, where: str = "payload") -> str | None:
    """Where in ``value`` a text (a key or a value) is not in NFC form, or None."""
    if isinstance(value, str):
        return where if unicodedata.normalize("NFC", value) != value else None
    if isinstance(value, dict):
        for key, item in value.items():
            found = _not_nfc(key, f"{where}: key {key!r}") or _not_nfc(item, f"{where}.{key}")
            if found:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = _not_nfc(item, f"{where}[{index}]")
            if found:
                return found
    return None


def check_signed_document(document: dict, public_keys: dict) -> dict:
    """The payload of ``document`` (``{"payload": {...}, "signature": "..."}``, as served at
    ``/v/<code>.json``, or the whole page JSON, whose ``signed`` part is checked) when one of
    ``public_keys`` (``{key_id: base64 raw public key}``) signed it; raises ``NotVerified``
    with the reason otherwise. Needs nothing else: no database, no app.

    The payload must already be exactly what was signed: text that is not NFC is refused,
    not normalised first - it would show (and compare) differently from the signed text."""
    if isinstance(document, dict) and "signed" in document:
        document = document["signed"]
    if not isinstance(document, dict):
        raise NotVerified("it holds no signed record")
    payload = document.get("payload")
    if not isinstance(payload, dict):
        raise NotVerified("it holds no signed payload")
    where = _not_nfc(payload)
    if where:
        raise NotVerified(f"the text of {where} is not in Unicode NFC form, so it is not the "
                          "text that was signed")
    key_id = payload.get("key_id")
    if not isinstance(key_id, str) or not key_id:
        raise NotVerified("the payload names no signing key (key_id)")
    if key_id not in public_keys:
        raise NotVerified(f"its key {key_id} is not among these public keys")
    signature = document.get("signature")
    if signature is None or signature == "":
        raise NotVerified("it carries no signature")
    if not isinstance(signature, str):
        raise NotVerified("the signature is not text (base64)")
    try:
        raw_signature = _unb64(signature)
    except ValueError:  # binascii.Error, or a character outside ASCII
        raise NotVerified("the signature is not base64") from None
    try:
        public_key = Ed25519PublicKey.from_public_bytes(_unb64(public_keys[key_id]))
    except (AttributeError, TypeError, ValueError):
        raise NotVerified(f"the public key {key_id} is not an Ed25519 key") from None
    try:
        public_key.verify(raw_signature, canonical_json(payload))
    except (TypeError, ValueError, InvalidSignature):
        raise NotVerified("the signature does not match these facts and this key") from None
    return payload


def verify_signed_document(document: dict, public_keys: dict) -> bool:
    """Does ``document`` carry a valid signature by one of ``public_keys``? (See
    ``check_signed_document``, which also says why not.)"""
    try:
        check_signed_document(document, public_keys)
    except NotVerified:
        return False
    return True
