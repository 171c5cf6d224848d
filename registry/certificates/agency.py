"""The agency as the public meets it: the name, logo and contact that every public page shows,
so a visitor can tell whose register this is (a look-alike site would not know how to reach
the agency) and whom to ask about a paper the register does not know.

The name and logo come from the issuer settings (what certificates print); the contact
(website, email, phone) is kept next to them and changed by an admin on the same page."""
from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import SQLAlchemyError

from registry.audit.services import record
from registry.certificates.issuer import issuer_settings
from registry.errors import DomainError, PermissionDenied
from registry.extensions import db

# What a phone number may hold as typed on paper ("+998 (71) 202-00-11"); the link dials
# only its digits and the leading plus.
PHONE_CHARACTERS = re.compile(r"^\+?[0-9 ()\-.]+$")


@dataclass(frozen=True)
class Agency:
    """What a public page says about whose register it is."""

    name: str
    has_logo: bool = False
    logo_version: str = ""
    contact_url: str = ""
    contact_email: str = ""
    contact_phone: str = ""

    @property
    def has_contact(self) -> bool:
        return bool(self.contact_url or self.contact_email or self.contact_phone)

    @property
    def phone_link(self) -> str:
        """The ``tel:`` address of the phone number (digits and a leading plus only)."""
        digits = re.sub(r"[^0-9]", "", self.contact_phone)
        return f"tel:{'+' if self.contact_phone.startswith('+') else ''}{digits}"

    @property
    def website_label(self) -> str:
        """The website as people read it: no scheme, no trailing slash."""
        parts = urlsplit(self.contact_url)
        return (parts.netloc + parts.path).rstrip("/") or self.contact_url


def public_agency(locale: str | None = None) -> Agency:
    """The agency's name (in ``locale``, the page's when not given), logo and contact.

    Used by every public page and by the error pages, including the 500 page: when the
    database cannot answer, the configured name still says whose site this is."""
    try:
        settings = issuer_settings()
        return Agency(
            name=settings.localized("issuer_name", locale) or settings.issuer_name,
            has_logo=bool(settings.logo_type),
            logo_version=settings.updated_at.strftime("%Y%m%d%H%M%S")
            if settings.updated_at else "",
            contact_url=settings.contact_url or "",
            contact_email=settings.contact_email or "",
            contact_phone=settings.contact_phone or "",
        )
    except SQLAlchemyError:
        db.session.rollback()
        return Agency(name=current_app.config["REGISTRY_ISSUER_NAME"])


def update_issuer_contact(*, actor, url: str = "", email: str = "", phone: str = ""):
    """Change how the public reaches the agency (admins only): a website (http or https; a
    bare ``example.uz`` gets ``https://``), an email address and a phone number, each
    optional. Writes an audit event when something changed."""
    if getattr(actor, "role", None) != "admin":
        raise PermissionDenied(_l("Only an administrator can change the issuer details."))
    url, email, phone = clean_url(url), clean_email(email), clean_phone(phone)
    settings = issuer_settings()
    before = (settings.contact_url or "", settings.contact_email or "",
              settings.contact_phone or "")
    if before == (url, email, phone):
        return settings
    settings.contact_url, settings.contact_email, settings.contact_phone = url, email, phone
    db.session.add(settings)
    db.session.flush()
    record(actor, "issuer.contact", settings, summary=url or email or phone or "-",
           details={"url": url, "email": email, "phone": phone})
    return settings


def clean_url(text: str | None) -> str:
    """A website address the public may follow, or a ``DomainError`` on ``contact_url``.
    Only http and https: a ``javascript:`` address must never become a link."""
    text = (text or "").strip()
    if not text:
        return ""
    if "://" not in text:
        text = f"https://{text}"
    parts = urlsplit(text)
    if (parts.scheme.lower() not in ("http", "https") or not parts.hostname
            or "." not in parts.hostname or re.search(r"\s", text) or len(text) > 250):
        raise DomainError(_l("Enter the website as an address such as https://example.uz."),
                          field="contact_url")
    return text


def clean_email(text: str | None) -> str:
    """An email address (normalised), or a ``DomainError`` on ``contact_email``."""
    from email_validator import EmailNotValidError, validate_email

    text = (text or "").strip()
    if not text:
        return ""
    try:
        address = validate_email(text, check_deliverability=False).normalized
    except EmailNotValidError:
        address = ""
    if not address or len(address) > 120:
        raise DomainError(_l("Enter the email address as name@example.uz."),
                          field="contact_email")
    return address


def clean_phone(text: str | None) -> str:
    """A phone number as typed (spaces tidied), or a ``DomainError`` on ``contact_phone``."""
    text = " ".join((text or "").split())
    if not text:
        return ""
    digits = re.sub(r"[^0-9]", "", text)
    if not PHONE_CHARACTERS.match(text) or not 5 <= len(digits) <= 15 or len(text) > 40:
        raise DomainError(_l("Enter the phone number with digits only, such as "
                             "+998 71 202 00 11."), field="contact_phone")
    return text
