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
    """``{key_id: base64 public key}`` from a published keys document."""
    return {entry["key_id"]: entry["public_key"] for entry in document.get("keys", [])
            if entry.get("algorithm", ALGORITHM) == ALGORITHM}


def verify_signed_document(document: dict, public_keys: dict) -> bool:
    """Does ``document`` (``{"payload": {...}, "signature": "..."}``, as served at
    ``/v/<code>.json``) carry a valid signature by one of ``public_keys``
    (``{key_id: base64 raw public key}``)? Needs nothing else: no database, no app.
    The whole page JSON may be passed too: its ``signed`` part is what is checked."""
    try:
        document = document.get("signed", document)
        payload = document["payload"]
        public_key = Ed25519PublicKey.from_public_bytes(_unb64(public_keys[payload["key_id"]]))
        public_key.verify(_unb64(document["signature"]), canonical_json(payload))
    except (KeyError, TypeError, ValueError, InvalidSignature):
        return False
    return True
