"""What the register and the public see: look-ups by public code and by number, the status a
verifier is shown, the public JSON facts, the register export and the public register of
certified auditors."""
from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from datetime import date

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, or_, select

from registry.catalog.models import Course
from registry.certificates import qr_payload, status_list
from registry.certificates.issuer import key_ring, printed_facts
from registry.certificates.models import Certificate, IssuerSettings
from registry.certificates.numbering import normalise_public_code
from registry.certificates.status import STATUS_LABELS, STATUS_REASONS
from registry.database import utcnow
from registry.extensions import db
from registry.people.models import Person
from registry.people.names import search_key, surname_key
from registry.spreadsheets import Sheet
from registry.search import every_word, key_contains

def find_by_public_code(text: str | None) -> Certificate | None:
    """The certificate revision a QR code or typed code points to (``None`` when unknown)."""
    code = normalise_public_code(text)
    if code is None:
        return None
    return db.session.scalars(select(Certificate).where(Certificate.public_code == code)).first()


def find_by_number(number: str) -> Certificate | None:
    """The newest revision of the certificate with this printed number (``/N`` ignored)."""
    base = (number or "").strip().upper().split("/")[0]
    return db.session.scalars(select(Certificate).where(Certificate.number == base)
                              .order_by(Certificate.revision.desc()).limit(1)).first()


def find_by_number_and_surname(number: str | None, surname: str | None) -> Certificate | None:
    """The newest revision of the certificate with ``number`` whose holder's name (as written
    or in Latin letters) contains every word of ``surname`` - or ``None``, without saying
    which half did not match (the public check form must not confirm numbers)."""
    wanted = set(search_key(surname).split())
    if not number or not wanted:
        return None
    certificate = find_by_number(number)
    if certificate is None:
        return None
    words = surname_key(certificate.holder_name) | surname_key(certificate.holder_latin_name)
    return certificate if wanted <= words else None


@dataclass(frozen=True)
class PublicStatus:
    """What the verification page says about a certificate revision on a given day."""

    word: str  # valid, expired, suspended, revoked, superseded
    since: date | None
    reason: str | None  # the public category's label, never the internal note
    superseded_by: Certificate | None


def public_status(certificate: Certificate, today: date | None = None) -> PublicStatus:
    """The status a verifier sees today, with the date it began and its public reason."""
    today = today or date.today()
    word = certificate.status_on(today)
    since, reason, newer = None, None, None
    if word == "superseded":
        newer = certificate.superseded_by
        while newer is not None and newer.superseded_by is not None:  # the newest revision
            newer = newer.superseded_by
        since = certificate.superseded_at.date() if certificate.superseded_at else None
    elif word in ("suspended", "revoked"):
        since = certificate.status_changed_at.date() if certificate.status_changed_at else None
        reason = STATUS_REASONS.get(certificate.status_reason or "", STATUS_REASONS["other"])
    elif word == "expired":
        since = certificate.valid_until
    return PublicStatus(word, since, str(reason) if reason else None, newer)


# What the verification page shows of a revision, and what its status is derived from (with
# the day): the facts a rendered page is kept under (public.py). The snapshot's columns as a
# whole - the halves of every language too, not only the one a page shows. ``status_changed_at``
# and ``superseded_by_id`` only ever move forward, so facts once left behind never return.
PAGE_FACTS = ("id", "public_code", "number", "revision", "holder_name", "holder_latin_name",
              "course_title", "standards", "issuer_name", "printed_texts", "hours",
              "start_date", "end_date", "issued_on", "valid_until", "status", "status_reason",
              "status_changed_at", "superseded_by_id", "superseded_at")
# What the page shows of the agency (the issuer settings public_agency() reads).
AGENCY_FACTS = ("issuer_name", "translations", "logo_type", "updated_at", "contact_url",
                "contact_email", "contact_phone")


@dataclass(frozen=True)
class PageLookup:
    """A verification page's one read of the database: the revision's ``PAGE_FACTS`` and the
    agency's ``AGENCY_FACTS`` as the database driver gives them (made hashable) - what says
    whether a kept rendering is still true. Not ORM objects: for a page kept rendered they
    cost more than the statement itself."""

    facts: tuple

    @property
    def certificate_id(self) -> int:
        return self.facts[0]

    @property
    def public_code(self) -> str:
        return self.facts[1]

    @property
    def superseded(self) -> bool:
        return self.facts[PAGE_FACTS.index("superseded_by_id")] is not None


@functools.cache
def _page_statement():
    # Built once (on first use), so a request neither makes the statement nor its cache key.
    certificate, settings = Certificate.__table__, IssuerSettings.__table__
    return (select(*(certificate.c[name] for name in PAGE_FACTS),
                   *(settings.c[name].label(f"agency_{name}") for name in AGENCY_FACTS))
            .select_from(certificate.outerjoin(settings, settings.c.id == 1))
            .where(certificate.c.public_code == bindparam("code")))


@functools.lru_cache(maxsize=8)
def _compiled_page_statement(dialect):
    compiled = _page_statement().compile(dialect=dialect)
    return str(compiled), compiled


def look_up_for_page(text: str | None) -> PageLookup | None:
    """The facts of the revision with the code ``text`` (read as ``find_by_public_code``
    reads it) and of the agency, for the verification page - ``None``: not in the register.

    One statement, run on a connection of the engine's pool by the driver itself, outside the
    request's session: the session's set-up, the ORM's execution and the transaction it opens
    cost three times what the statement does, and this is the only query a kept page needs.
    It reads what is committed, as any other request would."""
    code = normalise_public_code(text)
    if code is None:
        return None
    sql, compiled = _compiled_page_statement(db.engine.dialect)
    values = compiled.construct_params({"code": code})
    parameters = (tuple(values[name] for name in compiled.positiontup) if compiled.positional
                  else values)
    connection = db.engine.raw_connection()
    try:
        cursor = connection.cursor()
        try:
            cursor.execute(sql, parameters)
            row = cursor.fetchone()
        finally:
            cursor.close()
    finally:
        connection.close()  # back to the pool, which ends any transaction the driver began
    return None if row is None else PageLookup(tuple(map(_hashable, row)))


def _hashable(value):
    if isinstance(value, (list, dict)):  # a JSON column some drivers decode
        return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    return value


def public_facts(certificate: Certificate, today: date | None = None) -> dict:
    """The facts anyone may see (``/v/<code>.json``): no email, phone, organization or score."""
    status = public_status(certificate, today)
    keys_url = f"{current_app.config['REGISTRY_BASE_URL']}/.well-known/registry-keys.json"
    return {
        "number": certificate.printed_number,
        "revision": certificate.revision,
        "status": status.word,
        "status_since": status.since.isoformat() if status.since else None,
        "status_reason": status.reason,
        "superseded_by": verification_url(status.superseded_by) if status.superseded_by else None,
        **printed_facts(certificate),
        "verification_url": verification_url(certificate),
        "signed": {
            "payload": json.loads(certificate.payload) if certificate.payload else None,
            "signature": certificate.signature,
            "key_id": certificate.key_id,
            "keys_url": keys_url,
        },
    }


def verification_url(certificate: Certificate) -> str:
    """The address of the revision's verification page (printed under its QR, listed in
    exports): readable, without the payload."""
    return f"{current_app.config['REGISTRY_BASE_URL']}/v/{certificate.public_code}"


def qr_content(certificate: Certificate) -> str:
    """What the revision's QR holds: ``HTTPS://HOST/V/<CODE>#<payload>`` when it was issued
    with a signed payload (the one kept on the revision, so a reprint carries the same QR),
    else - revisions issued before - its verification URL as it always was."""
    if not certificate.qr_payload:
        return verification_url(certificate)
    return qr_payload.qr_url(current_app.config["REGISTRY_BASE_URL"], certificate.public_code,
                             certificate.qr_payload)


def status_entries() -> dict:
    """``{status_index: status}`` of every revision with a slot whose status is not "valid":
    read from the certificates themselves, so the list says what this very transaction
    says - a revocation, suspension, reinstatement or re-issue is in it the moment it is
    committed, and two at once both are (each changes only its own row)."""
    rows = db.session.execute(
        select(Certificate.status_index, Certificate.status, Certificate.superseded_by_id)
        .where(Certificate.status_index.is_not(None),
               or_(Certificate.status != "valid", Certificate.superseded_by_id.is_not(None))))
    return {index: "superseded" if superseded_by is not None else status
            for index, status, superseded_by in rows}


def status_list_document() -> dict:
    """The signed status list served at ``/.well-known/registry-status.json``
    (``status_list`` holds the format), signed with the key that signs now."""
    return status_list.status_document(status_entries(), key_ring().current,
                                       issued_at=utcnow(),
                                       base_url=current_app.config["REGISTRY_BASE_URL"])


def register_sheet(certificates, today: date | None = None):
    """Certificates as a table for the register export (the status as of ``today``)."""
    today = today or date.today()
    headers = [str(h) for h in (
        _l("Number"), _l("Holder"), _l("Name in Latin letters"), _l("Course"), _l("Standards"),
        _l("Hours"), _l("Training from"), _l("Training to"), _l("Issued on"), _l("Valid until"),
        _l("Status"), _l("Public reason"), _l("Verification address"))]
    rows = [[
        c.printed_number, c.holder_name, c.holder_latin_name, c.printed_text("course"),
        c.printed_text("standards"),
        c.hours, c.start_date, c.end_date, c.issued_on, c.valid_until,
        str(STATUS_LABELS[c.status_on(today)]),
        str(STATUS_REASONS[c.status_reason]) if c.status_reason in STATUS_REASONS else None,
        verification_url(c),
    ] for c in certificates]
    return Sheet(str(_l("Certificates")), headers, rows)


def public_register_query(term: str = "", today: date | None = None):
    """Holders of a valid internal-auditor certificate who agreed to be listed, by name.

    Current revisions only (not superseded), status valid and not expired; ``term`` matches
    the name as written or in Latin letters, or the number.
    """
    today = today or date.today()
    query = (select(Certificate)
             .join(Person, Person.id == Certificate.person_id)
             .join(Course, Course.id == Certificate.course_id)
             .where(Person.public_listing.is_(True),
                    Course.certificate_kind == "internal_auditor",
                    Certificate.superseded_by_id.is_(None),
                    Certificate.status == "valid",
                    or_(Certificate.valid_until.is_(None), Certificate.valid_until >= today)))
    query = query.where(*holder_matches(term))
    return query.order_by(Certificate.holder_name, Certificate.id)


def holder_matches(term: str) -> list:
    """Conditions (the query joins ``Person``) that every word of ``term`` matches the holder
    across scripts (their stored search key), or the name as printed, or the number."""
    return every_word(term, keys=[key_contains(Person.search_name)],
                      plain=[Certificate.holder_name, Certificate.holder_latin_name,
                             Certificate.number])
