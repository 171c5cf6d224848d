"""Who signs and issues: the signing keys, the issuer settings (name, logo, signatories),
and the signature over the facts a certificate prints."""
from __future__ import annotations

import io
import warnings
from pathlib import Path

from flask import current_app
from flask_babel import format_number, lazy_gettext as _l

from sqlalchemy import select

from registry.audit.services import record
from registry.certificates import qr_payload, signing, status_list
from registry.certificates.models import Certificate, IssuerSettings, SigningKeyRevocation
from registry.errors import DomainError, PermissionDenied
from registry.extensions import db
from registry.people.names import clean_name

# Every certificate printed with the logo pays for its pixels (L7: a 37 KB 13000 x 13000 PNG
# made one render take 22 s and 1.6 GB), so the cap is on pixels, not on bytes. While a side
# is capped at 2,000 the area cap cannot bind (4 MP at most); it stays as the ceiling should
# the side cap ever be raised.
MAX_LOGO_SIDE = 2000
MAX_LOGO_PIXELS = 20_000_000
LOGO_FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg"}


def key_ring() -> signing.KeyRing:
    """The app's signing keys (loaded, or made on first use, once per process)."""
    ring = current_app.extensions.get("registry_key_ring")
    if ring is None:
        ring = signing.load_key_ring(current_app.instance_path,
                                     current_app.config.get("REGISTRY_SIGNING_KEY"))
        current_app.extensions["registry_key_ring"] = ring
    return ring


def issuer_settings() -> IssuerSettings:
    """The issuer's name, logo and signatories (defaults until an admin sets them)."""
    settings = db.session.get(IssuerSettings, 1)
    if settings is None:
        settings = IssuerSettings(id=1, issuer_name=current_app.config["REGISTRY_ISSUER_NAME"],
                                  signatories=[])
    return settings


def update_issuer_settings(*, actor, issuer_name: str, signatories: list[dict],
                           logo: bytes | None = None, logo_type: str | None = None,
                           remove_logo: bool = False, place_of_issue: str = "",
                           translations: dict | None = None) -> IssuerSettings:
    """Change what future certificates print about the issuer (admins only);
    ``translations``: ``{"issuer_name" | "place_of_issue": {locale: text}}``, in each
    language; a signatory's ``titles``: their title in each language."""
    if getattr(actor, "role", None) != "admin":
        raise PermissionDenied(_l("Only an administrator can change the issuer details."))
    issuer_name = clean_name(issuer_name)
    if not issuer_name:
        raise DomainError(_l("Enter the issuer's name."), field="issuer_name")
    settings = issuer_settings()
    settings.issuer_name = issuer_name
    settings.place_of_issue = clean_name(place_of_issue)
    for field, per_language in (translations or {}).items():
        if field in ("issuer_name", "place_of_issue"):
            settings.set_values(field, {locale: clean_name(text)
                                        for locale, text in per_language.items()})
    # Each signatory's title in other languages too: {"name", "title", "titles": {locale}}.
    settings.signatories = clean_signatories(signatories)
    if remove_logo:
        settings.logo, settings.logo_type = None, None
    elif logo is not None:
        if logo_type not in LOGO_FORMATS.values() or check_logo(logo) != logo_type:
            raise DomainError(_l("The logo must be a PNG or JPEG image."), field="logo")
        settings.logo, settings.logo_type = logo, logo_type
    db.session.add(settings)
    db.session.flush()
    record(actor, "issuer.update", settings, summary=issuer_name,
           details={"signatories": settings.signatories, "logo": bool(settings.logo),
                    "names": settings.values_of("issuer_name")})
    return settings


def clean_signatories(entries: list[dict]) -> list[dict]:
    """The signatories as stored: names and titles cleaned, rows without a name dropped."""
    return [_signatory(entry) for entry in entries if clean_name(entry.get("name"))]


def _signatory(entry: dict) -> dict:
    signatory = {"name": clean_name(entry.get("name")), "title": clean_name(entry.get("title"))}
    titles = {locale: clean_name(text) for locale, text in (entry.get("titles") or {}).items()
              if clean_name(text)}
    if titles:
        signatory["titles"] = titles
    return signatory


def check_logo(data: bytes) -> str:
    """The type (``image/png`` or ``image/jpeg``) of a logo Pillow can read and that is small
    enough in pixels to print; raises ``DomainError`` on the logo field otherwise.

    Only the image's header is read (``Image.open`` is lazy and ``size`` comes from the
    header): decoding the pixels to measure them would be the very cost being refused."""
    from PIL import Image

    try:
        with warnings.catch_warnings():
            # Pillow only warns between 89 and 179 megapixels; the cap below is far lower.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=tuple(LOGO_FORMATS)) as image:
                width, height = image.size
                kind = LOGO_FORMATS.get(image.format or "")
    except Image.DecompressionBombError:  # over 179 MP: Pillow gives no size, only a refusal
        raise DomainError(_l("The logo has too many pixels: a logo may be at most %(side)s × "
                             "%(side)s pixels. Make it smaller and upload it again.",
                             side=format_number(MAX_LOGO_SIDE)), field="logo") from None
    except Exception:  # noqa: BLE001 - untrusted bytes: any failure to parse is "unreadable"
        raise DomainError(_l("The logo could not be read as a PNG or JPEG image. Save it "
                             "again from an image editor and upload it again."),
                          field="logo") from None
    if kind is None:
        raise DomainError(_l("The logo must be a PNG or JPEG image."), field="logo")
    if width > MAX_LOGO_SIDE or height > MAX_LOGO_SIDE or width * height > MAX_LOGO_PIXELS:
        raise DomainError(_l("The logo is %(width)s × %(height)s pixels: a logo may be at most "
                             "%(side)s × %(side)s pixels. Make it smaller and upload it again.",
                             width=format_number(width), height=format_number(height),
                             side=format_number(MAX_LOGO_SIDE)), field="logo")
    return kind


def published_keys() -> dict:
    """The document served at ``/.well-known/registry-keys.json``: every public key still
    published, the registry's base URL (a verifier warns when a QR's address is another), and
    the revoked keys - each key's entry says ``revoked_at`` too, and ``revoked_keys`` lists them
    (``offline.revoked_key_ids`` reads it)."""
    document = key_ring().published()
    revoked = {row.key_id: row for row in db.session.scalars(
        select(SigningKeyRevocation).order_by(SigningKeyRevocation.key_id))}
    revoked_at = {key_id: status_list.timestamp(row.revoked_at)
                  for key_id, row in revoked.items()}
    for entry in document["keys"]:
        if entry["key_id"] in revoked_at:
            entry["revoked_at"] = revoked_at[entry["key_id"]]
    document["base_url"] = current_app.config["REGISTRY_BASE_URL"]
    document["revoked_keys"] = [
        {"key_id": key_id, "revoked_at": revoked_at[key_id], "reason": row.reason}
        for key_id, row in revoked.items()]
    return document


def revoke_signing_key(key_id: str, *, actor, reason: str) -> SigningKeyRevocation:
    """Stop honouring ``key_id``'s signatures (admins only): registry-keys.json lists it as
    revoked, so offline verifiers refuse every QR it signed ("not issued by this registry")
    and the certificates it signed must be re-issued. The key that signs now cannot be
    revoked: make another key current first (``instance/signing-keys/current`` or
    ``REGISTRY_SIGNING_KEY``), or new certificates would be signed with a revoked key."""
    if getattr(actor, "role", None) != "admin":
        raise PermissionDenied(_l("Only an administrator can revoke a signing key."))
    ring = key_ring()
    key_id = (key_id or "").strip()
    reason = clean_name(reason)
    if key_id not in ring.public_keys:
        raise DomainError(_l("This registry publishes no key %(key_id)s.", key_id=key_id),
                          field="key_id")
    if key_id == ring.current.key_id:
        raise DomainError(_l("This key signs new certificates now: make another key current "
                             "first, then revoke this one."), field="key_id")
    if not reason:
        raise DomainError(_l("Say why the key is revoked."), field="reason")
    if db.session.get(SigningKeyRevocation, key_id) is not None:
        raise DomainError(_l("This key is already revoked."), field="key_id")
    revocation = SigningKeyRevocation(key_id=key_id, reason=reason[:200],
                                      revoked_by_id=getattr(actor, "id", None))
    db.session.add(revocation)
    db.session.flush()
    record(actor, "signing_key.revoke", record_type="signing_key_revocation",
           summary=key_id, details={"key_id": key_id, "reason": revocation.reason})
    return revocation


def rotate_signing_key(*, actor) -> signing.SigningKey:
    """Make a new key pair in ``instance/signing-keys/`` the one that signs from now on
    (admins only; audited as ``signing_key.rotate``). The previous key stays published, so
    everything it signed still verifies; revoke it afterwards if it leaked. Refused while
    ``REGISTRY_SIGNING_KEY`` names the key in the environment: that one always signs.
    Other processes (gunicorn workers, ``flask worker``) load keys once: restart them."""
    if getattr(actor, "role", None) != "admin":
        raise PermissionDenied(_l("Only an administrator can make a new signing key."))
    if current_app.config.get("REGISTRY_SIGNING_KEY"):
        raise DomainError(_l("REGISTRY_SIGNING_KEY sets the signing key: put the new key "
                             "there instead, and restart."))
    previous = key_ring().current.key_id
    key = signing.create_key(Path(current_app.instance_path) / signing.KEY_DIRECTORY)
    current_app.extensions.pop("registry_key_ring", None)  # reloaded with the new key
    record(actor, "signing_key.rotate", record_type="signing_key", summary=key.key_id,
           details={"key_id": key.key_id, "previous_key_id": previous})
    return key


def sign_certificate(certificate: Certificate, *, course_code: str | None = None) -> None:
    """Sign the revision's facts (the JSON payload of ``/v/<code>.json``) and, when it has a
    status-list index, make its signed QR payload (``course_code``: the course's code, which
    the QR names the course by) - both with the key that signs now. Refuses to sign with a
    revoked key (made current again by mistake): verifiers would refuse the paper."""
    key = key_ring().current
    if db.session.get(SigningKeyRevocation, key.key_id) is not None:
        raise DomainError(_l("The signing key in use has been revoked: an administrator must "
                             "make another key current before certificates are issued."))
    payload = signed_payload(certificate, key.key_id)
    certificate.key_id = key.key_id
    certificate.payload = signing.canonical_json(payload).decode("utf-8")
    certificate.signature = key.sign(payload)
    if certificate.status_index is not None:
        certificate.qr_payload = qr_payload.sign_payload(
            qr_facts(certificate, course_code or "", key.key_id), key.private_key)


def qr_facts(certificate: Certificate, course_code: str, key_id: str) -> qr_payload.QrFacts:
    """What the revision's QR carries (names over the cap shortened and flagged)."""
    return qr_payload.make_facts(
        code=certificate.public_code, key_id=key_id, status_index=certificate.status_index,
        issued_on=certificate.issued_on, valid_until=certificate.valid_until,
        prefix=certificate.prefix, year=certificate.year, serial=certificate.serial,
        revision=certificate.revision, course_code=course_code,
        holder_name=certificate.holder_name, holder_latin_name=certificate.holder_latin_name)


def signed_payload(certificate: Certificate, key_id: str) -> dict:
    """The facts a signature vouches for."""
    return {
        "v": signing.PAYLOAD_VERSION,
        "number": certificate.printed_number,
        "revision": certificate.revision,
        "code": certificate.public_code,
        **printed_facts(certificate),
        "key_id": key_id,
    }


def printed_facts(certificate: Certificate) -> dict:
    """What the paper says about holder, course and validity, as plain JSON values (the same
    in the signed payload and in the public JSON); ``texts``, each printed language's half,
    for revisions that have them (older ones were signed without)."""
    facts = {
        "holder": certificate.holder_name,
        "holder_latin": certificate.holder_latin_name,
        "course": certificate.course_title,
        "standards": certificate.standards,
        "hours": certificate.hours,
        "start_date": certificate.start_date.isoformat(),
        "end_date": certificate.end_date.isoformat(),
        "issued_on": certificate.issued_on.isoformat(),
        "valid_until": certificate.valid_until.isoformat() if certificate.valid_until else None,
        "issuer": certificate.issuer_name,
    }
    if certificate.printed_texts:
        facts["texts"] = [dict(entry) for entry in certificate.printed_texts]
    return facts
