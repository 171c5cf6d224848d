"""Who signs and issues: the signing keys, the issuer settings (name, logo, signatories),
and the signature over the facts a certificate prints."""
from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l

from registry.audit.services import record
from registry.certificates import signing
from registry.certificates.models import Certificate, IssuerSettings
from registry.errors import DomainError, PermissionDenied
from registry.extensions import db
from registry.people.names import clean_name

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
                           remove_logo: bool = False) -> IssuerSettings:
    """Change what future certificates print about the issuer (admins only)."""
    if getattr(actor, "role", None) != "admin":
        raise PermissionDenied(_l("Only an administrator can change the issuer details."))
    issuer_name = clean_name(issuer_name)
    if not issuer_name:
        raise DomainError(_l("Enter the issuer's name."), field="issuer_name")
    settings = issuer_settings()
    settings.issuer_name = issuer_name
    settings.signatories = [
        {"name": clean_name(entry.get("name")), "title": clean_name(entry.get("title"))}
        for entry in signatories if clean_name(entry.get("name"))
    ]
    if remove_logo:
        settings.logo, settings.logo_type = None, None
    elif logo is not None:
        if logo_type not in ("image/png", "image/jpeg"):
            raise DomainError(_l("The logo must be a PNG or JPEG image."), field="logo")
        settings.logo, settings.logo_type = logo, logo_type
    db.session.add(settings)
    db.session.flush()
    record(actor, "issuer.update", settings, summary=issuer_name,
           details={"signatories": settings.signatories, "logo": bool(settings.logo)})
    return settings


def sign_certificate(certificate: Certificate) -> None:
    key = key_ring().current
    payload = signed_payload(certificate, key.key_id)
    certificate.key_id = key.key_id
    certificate.payload = signing.canonical_json(payload).decode("utf-8")
    certificate.signature = key.sign(payload)


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
