"""Certificates: issuing (one or a whole seminar), numbers, public codes, signatures,
re-issue, suspend, revoke, reinstate, and the PDFs kept for reprints.

Who may certify: officials and admins - never a trainer of the seminar concerned (training
and the certification decision are kept apart, as ISO/IEC 17024 asks). Every issuance first
locks the seminar row, so two batches (or a batch and a single issue) for one seminar run one
after the other and the second finds the certificates the first made; the unique key
``(registration_id, revision)`` is the database's own guard against a second certificate.

Numbers are ``PREFIX-YYYY-NNNNN``: the serial comes from a counter row per prefix and year,
advanced by one upsert inside the issuing transaction - concurrent issuers queue on that row,
and a rolled-back issuance gives its serials back, so the numbers stay gapless.
"""
from __future__ import annotations

import json
import secrets
from calendar import monthrange
from dataclasses import dataclass
from datetime import date

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from registry.audit.services import record
from registry.catalog.models import Course
from registry.certificates import signing
from registry.certificates.models import Certificate, CertificateNumberCounter, IssuerSettings
from registry.database import advance_counter, utcnow
from registry.errors import DomainError, InvalidState, NotFound, PermissionDenied
from registry.extensions import db
from registry.people.names import clean_name, search_key, surname_key
from registry.text import search_words
from registry.seminars.models import Registration, Seminar

CERTIFYING_ROLES = ("admin", "official")

# Public reasons (a short category shown on the verification page); the note stays internal.
STATUS_REASONS = {
    "issued_in_error": _l("Issued in error"),
    "details_incorrect": _l("Details incorrect"),
    "holder_request": _l("At the holder's request"),
    "under_review": _l("Under review"),
    "requirements_not_met": _l("Certification requirements no longer met"),
    "misconduct": _l("Misconduct or fraud"),
    "other": _l("Other reason"),
}

# action -> (statuses it applies to, status it leads to)
STATUS_ACTIONS = {
    "suspend": (("valid",), "suspended"),
    "revoke": (("valid", "suspended"), "revoked"),
    "reinstate": (("suspended",), "valid"),
}


class NotEligible(DomainError):
    """The registration does not (yet) qualify for a certificate."""


class AlreadyIssued(DomainError):
    status_code = 409


class UnprintableCharacter(DomainError):
    """A name or text holds a character that no font in use can print."""


# --- the pieces of a certificate ------------------------------------------------------------

CROCKFORD_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
PUBLIC_CODE_LENGTH = 26  # 26 × 5 = 130 random bits
_CROCKFORD_ALIASES = str.maketrans({"I": "1", "L": "1", "O": "0"})


def new_public_code() -> str:
    """A random public code of 130 bits in Crockford Base32 (no I, L, O, U)."""
    value = secrets.randbits(PUBLIC_CODE_LENGTH * 5)
    digits = []
    for _ in range(PUBLIC_CODE_LENGTH):
        value, digit = divmod(value, 32)
        digits.append(CROCKFORD_ALPHABET[digit])
    return "".join(reversed(digits))


def normalise_public_code(text: str | None) -> str | None:
    """The stored form of a code typed or scanned: case-insensitive, hyphens and spaces
    ignored, I/L read as 1 and O as 0. ``None`` when it cannot be a code at all."""
    if not text:
        return None
    code = "".join(text.split()).replace("-", "").upper().translate(_CROCKFORD_ALIASES)
    if len(code) != PUBLIC_CODE_LENGTH or any(ch not in CROCKFORD_ALPHABET for ch in code):
        return None
    return code


def format_number(prefix: str, year: int, serial: int) -> str:
    return f"{prefix}-{year}-{serial:05d}"


def add_months(day: date, months: int) -> date:
    """``day`` plus ``months`` calendar months (the 31st becomes the month's last day)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, monthrange(year, month)[1]))


def next_serials(prefix: str, year: int, count: int = 1) -> range:
    """Reserve ``count`` consecutive serials for ``prefix`` and ``year`` in this transaction.

    One upsert (``INSERT ... ON CONFLICT DO UPDATE ... RETURNING``) advances the counter row,
    which the database locks until the transaction ends: a concurrent issuer waits, then
    continues after the last serial taken; a rollback returns the serials.
    """
    table = CertificateNumberCounter.__table__
    (last,) = advance_counter(table, {"prefix": prefix, "year": year}, {"last_serial": count},
                              [table.c.last_serial])
    return range(last - count + 1, last + 1)


# --- signing keys and issuer ----------------------------------------------------------------

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


# --- issuing --------------------------------------------------------------------------------

def _check_certifier(actor, seminar: Seminar) -> None:
    if getattr(actor, "role", None) not in CERTIFYING_ROLES:
        raise PermissionDenied(_l("Only officials and administrators issue certificates."))
    if seminar.is_trainer(actor):
        raise PermissionDenied(_l("You taught this seminar, so you cannot certify its "
                                  "participants: another official must issue the certificates."))


def ineligibility(registration: Registration):
    """Why this registration cannot get a certificate (a message), or ``None`` if it can."""
    seminar = registration.seminar
    if seminar.status != "completed":
        return _l("Certificates are issued once the seminar is completed.")
    if registration.status != "registered":
        return _l("This person did not take part in the seminar.")
    outcome = registration.derive_outcome()
    if outcome == "passed":
        return None
    if outcome == "pending":
        return _l("The result is still pending.")
    if registration.fail_reason() == "score":
        return _l("The exam score is below the pass mark.")
    return _l("Attendance is below the course minimum.")


def _lock_seminar(seminar: Seminar) -> None:
    db.session.flush()
    db.session.execute(select(Seminar.id).where(Seminar.id == seminar.id).with_for_update())


def _issued_registration_ids(seminar: Seminar) -> set[int]:
    return set(db.session.scalars(
        select(Certificate.registration_id).where(Certificate.seminar_id == seminar.id)))


def current_revision(registration: Registration) -> Certificate | None:
    """The registration's certificate as it stands now (its newest revision), if any."""
    return db.session.scalars(
        select(Certificate).where(Certificate.registration_id == registration.id)
        .order_by(Certificate.revision.desc()).limit(1)).first()


def _sign(certificate: Certificate) -> None:
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
    in the signed payload and in the public JSON)."""
    return {
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


def _new_certificate(registration: Registration, serial: int, *, issued_on: date,
                     issued_by, settings: IssuerSettings) -> Certificate:
    seminar, person = registration.seminar, registration.person
    course: Course = seminar.course
    certificate = Certificate(
        registration_id=registration.id, person_id=person.id, course_id=course.id,
        seminar_id=seminar.id, prefix=course.number_prefix, year=issued_on.year, serial=serial,
        number=format_number(course.number_prefix, issued_on.year, serial), revision=1,
        public_code=new_public_code(), holder_name=person.full_name,
        holder_latin_name=person.latin_name, course_title=course.title,
        standards=course.standards or "", hours=course.hours, start_date=seminar.start_date,
        end_date=seminar.end_date, issuer_name=settings.issuer_name,
        signatories=list(settings.signatories or []), issued_on=issued_on,
        valid_until=(add_months(issued_on, course.validity_months)
                     if course.validity_months else None),
        status="valid", issued_by_id=issued_by.id, issued_at=utcnow(),
    )
    _sign(certificate)
    db.session.add(certificate)
    return certificate


def issue_certificate(registration: Registration, *, issued_by,
                      issued_on: date | None = None) -> Certificate:
    """Issue the certificate of one eligible participant.

    Refuses a trainer of the seminar and anyone but officials and admins, an ineligible
    registration (with the reason), and a second certificate for the same registration.
    """
    seminar = registration.seminar
    _check_certifier(issued_by, seminar)
    _lock_seminar(seminar)
    if registration.id in _issued_registration_ids(seminar):
        raise AlreadyIssued(_l("%(name)s already has a certificate for this seminar.",
                               name=registration.person.full_name))
    reason = ineligibility(registration)
    if reason is not None:
        raise NotEligible(reason)
    issued_on = issued_on or date.today()
    serial = next_serials(seminar.course.number_prefix, issued_on.year)[0]
    certificate = _new_certificate(registration, serial, issued_on=issued_on,
                                   issued_by=issued_by, settings=issuer_settings())
    db.session.flush()
    record(issued_by, "certificate.issue", certificate, summary=certificate.number,
           details={"holder": certificate.holder_name, "seminar_id": seminar.id})
    return certificate


@dataclass
class BatchResult:
    issued: list
    already_issued: int
    not_eligible: int


def issue_for_seminar(seminar: Seminar, *, issued_by, issued_on: date | None = None) -> BatchResult:
    """Issue a certificate to every eligible participant of a completed seminar who has none.

    Run twice, or twice at once, it still gives exactly one certificate per eligible person:
    the seminar row is locked first, so the second run sees what the first issued. Numbers
    follow the roster order (by name).
    """
    _check_certifier(issued_by, seminar)
    if seminar.status != "completed":
        raise InvalidState(_l("Certificates are issued once the seminar is completed."))
    _lock_seminar(seminar)
    done = _issued_registration_ids(seminar)
    candidates = [r for r in seminar.registered() if r.id not in done]
    eligible = [r for r in candidates if ineligibility(r) is None]
    issued_on = issued_on or date.today()
    issued = []
    if eligible:
        settings = issuer_settings()
        serials = next_serials(seminar.course.number_prefix, issued_on.year, len(eligible))
        issued = [_new_certificate(registration, serial, issued_on=issued_on,
                                   issued_by=issued_by, settings=settings)
                  for registration, serial in zip(eligible, serials)]
        db.session.flush()
        record(issued_by, "certificate.issue_batch", seminar, summary=seminar.title,
               details={"issued": [c.number for c in issued]})
    return BatchResult(issued=issued, already_issued=len(done & {r.id for r in seminar.registered()}),
                       not_eligible=len(candidates) - len(eligible))


# --- corrections and status -----------------------------------------------------------------

REISSUABLE_FIELDS = ("holder_name", "holder_latin_name", "course_title", "standards", "hours",
                     "start_date", "end_date", "valid_until")


def _check_current(certificate: Certificate) -> None:
    if certificate.superseded_by_id is not None:
        raise InvalidState(_l("This revision has been superseded; act on the newest revision."))


def _check_office(actor, certificate: Certificate) -> None:
    _check_certifier(actor, certificate.seminar)


def reissue_certificate(certificate: Certificate, changes: dict, *, actor, reason: str) -> Certificate:
    """Correct printed details: a new revision with the same number (``.../2``), a new public
    code and signature; the old revision is superseded (its QR then says so), never deleted."""
    _check_office(actor, certificate)
    _check_current(certificate)
    if certificate.status == "revoked":
        raise InvalidState(_l("A revoked certificate cannot be re-issued."))
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_l("Say why the certificate is re-issued."), field="reason")
    values = {field: getattr(certificate, field) for field in REISSUABLE_FIELDS}
    for field, value in changes.items():
        if field not in REISSUABLE_FIELDS:
            raise DomainError(_l("This detail cannot be changed."), field=field)
        values[field] = clean_name(value) if isinstance(value, str) else value
    values["holder_latin_name"] = values["holder_latin_name"] or None
    if not values["holder_name"]:
        raise DomainError(_l("Enter the holder's name."), field="holder_name")
    if values["end_date"] < values["start_date"]:
        raise DomainError(_l("The last day cannot be before the first."), field="end_date")
    today = date.today()
    if values["valid_until"] is not None and values["valid_until"] < today:
        raise DomainError(_l("The new revision would already be expired."), field="valid_until")
    changed = {field: [str(getattr(certificate, field)), str(values[field])]
               for field in REISSUABLE_FIELDS if getattr(certificate, field) != values[field]}
    if not changed:
        raise DomainError(_l("Nothing was changed: a re-issue corrects at least one detail."))
    _lock_seminar(certificate.seminar)
    revision = Certificate(
        registration_id=certificate.registration_id, person_id=certificate.person_id,
        course_id=certificate.course_id, seminar_id=certificate.seminar_id,
        prefix=certificate.prefix, year=certificate.year, serial=certificate.serial,
        number=certificate.number, revision=certificate.revision + 1,
        public_code=new_public_code(), issuer_name=certificate.issuer_name,
        signatories=list(certificate.signatories or []), issued_on=today,
        status=certificate.status, status_reason=certificate.status_reason,
        status_note=certificate.status_note, issued_by_id=actor.id, issued_at=utcnow(),
        **values,
    )
    _sign(revision)
    db.session.add(revision)
    db.session.flush()
    certificate.superseded_by_id = revision.id
    certificate.superseded_at = utcnow()
    db.session.flush()
    record(actor, "certificate.reissue", revision, summary=revision.printed_number,
           details={"reason": reason, "changes": changed, "supersedes": certificate.id})
    return revision


def change_status(certificate: Certificate, action: str, *, actor, reason: str | None = None,
                  note: str = "") -> Certificate:
    """Suspend, revoke or reinstate a certificate. Suspending and revoking need a public
    reason (a category from ``STATUS_REASONS``); ``note`` is internal, for staff only.
    The verification page shows the new status on the very next request."""
    if action not in STATUS_ACTIONS:
        raise NotFound(_l("Unknown action."))
    _check_office(actor, certificate)
    _check_current(certificate)
    from_statuses, new_status = STATUS_ACTIONS[action]
    if certificate.status not in from_statuses:
        raise InvalidState(_l("The certificate's status is “%(status)s”; it cannot be changed "
                              "this way.", status=STATUS_LABELS[certificate.status]))
    if new_status != "valid" and reason not in STATUS_REASONS:
        raise DomainError(_l("Choose a reason."), field="reason")
    old_status = certificate.status
    certificate.status = new_status
    certificate.status_reason = None if new_status == "valid" else reason
    certificate.status_note = (note or "").strip() or None
    certificate.status_changed_at = utcnow()
    certificate.status_changed_by_id = actor.id
    db.session.flush()
    record(actor, f"certificate.{action}", certificate, summary=certificate.printed_number,
           details={"from": old_status, "to": new_status, "reason": reason,
                    "note": certificate.status_note})
    return certificate


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
    return f"{current_app.config['REGISTRY_BASE_URL']}/v/{certificate.public_code}"


# --- printing -------------------------------------------------------------------------------

def printed_certificate(certificate: Certificate, *, settings: IssuerSettings | None = None):
    """The plain data a certificate PDF is made from (what rendering may know, nothing more)."""
    from registry.certificates.pdf import PrintedCertificate, Signatory

    settings = settings or issuer_settings()
    languages = certificate.course.certificate_languages(certificate.seminar.language)
    return PrintedCertificate(
        number=certificate.printed_number, holder_name=certificate.holder_name,
        holder_latin_name=certificate.holder_latin_name, course_title=certificate.course_title,
        standards=certificate.standards, hours=certificate.hours,
        start_date=certificate.start_date, end_date=certificate.end_date,
        issued_on=certificate.issued_on, valid_until=certificate.valid_until,
        issuer_name=certificate.issuer_name, issuer_logo=settings.logo,
        issuer_logo_type=settings.logo_type,
        signatories=tuple(Signatory(entry.get("name", ""), entry.get("title", ""))
                          for entry in certificate.signatories or []),
        verification_url=verification_url(certificate),
        languages=languages,
    )


def _check_printable(documents) -> None:
    from registry.certificates.glyphs import missing_glyphs

    missing = missing_glyphs(documents)
    if missing:
        first = missing[0]
        raise UnprintableCharacter(_l(
            "Nothing was printed: the name or text of %(who)s contains “%(character)s” "
            "(%(codepoint)s), which no font on the certificate can print. Correct it first.",
            who=first.who, character=first.character, codepoint=first.codepoint))


def certificate_pdf(certificate: Certificate, *, preprinted: bool = False) -> bytes:
    """The PDF of one certificate revision. The full design is rendered once and kept, so a
    reprint costs nothing; the pre-printed-paper variant is made on demand."""
    from registry.certificates.pdf import render_certificate

    if not preprinted and certificate.pdf:
        return certificate.pdf
    document = printed_certificate(certificate)
    _check_printable([document])
    pdf = render_certificate(document, preprinted=preprinted)
    if not preprinted:
        certificate.pdf = pdf
        db.session.flush()
    return pdf


def printable_certificates(seminar: Seminar) -> list[Certificate]:
    """The certificates of a seminar that go to the printer: the newest revision of each,
    not revoked, in roster order (by name)."""
    certificates = db.session.scalars(
        select(Certificate).where(Certificate.seminar_id == seminar.id,
                                  Certificate.superseded_by_id.is_(None),
                                  Certificate.status != "revoked")).all()
    return sorted(certificates, key=lambda c: (c.holder_name.casefold(), c.id))


def seminar_pdfs(seminar: Seminar, *, preprinted: bool = False, progress=None,
                 keep: bool = True) -> list:
    """``[(certificate, pdf bytes)]`` for every printable certificate of ``seminar``.

    Checks every text against the fonts before anything renders; renders only what is not
    kept yet (spread over the CPU cores) and keeps each new full-design PDF - unless
    ``keep`` is false (the caller then keeps them with ``keep_new_pdfs`` when it writes).
    """
    from registry.certificates.pdf import render_certificates

    certificates = printable_certificates(seminar)
    settings = issuer_settings()
    missing = [c for c in certificates if preprinted or not c.pdf]
    documents = [printed_certificate(c, settings=settings) for c in missing]
    _check_printable(documents)
    rendered = dict(zip((c.id for c in missing),
                        render_certificates(documents, preprinted=preprinted, progress=progress)
                        if documents else []))
    if keep and not preprinted:
        for certificate in missing:
            certificate.pdf = rendered[certificate.id]
        db.session.flush()
    return [(c, rendered.get(c.id) or c.pdf) for c in certificates]


def keep_new_pdfs(documents) -> None:
    """Keep the full-design PDFs of ``[(certificate, pdf)]`` for the certificates that have
    none kept yet - for reprints (flushes)."""
    from sqlalchemy import update

    ids = [certificate.id for certificate, _pdf in documents]
    without = set(db.session.scalars(select(Certificate.id).where(
        Certificate.id.in_(ids), Certificate.pdf.is_(None))))
    rows = [{"id": certificate.id, "pdf": pdf} for certificate, pdf in documents
            if certificate.id in without]
    if rows:
        db.session.execute(update(Certificate), rows)
    db.session.flush()


# --- export ------------------------------------------------------------------------------------

STATUS_LABELS = {"valid": _l("Valid"), "expired": _l("Expired"), "suspended": _l("Suspended"),
                 "revoked": _l("Revoked"), "superseded": _l("Superseded")}


def register_sheet(certificates, today: date | None = None):
    """Certificates as a table for the register export (the status as of ``today``)."""
    from registry.spreadsheets import Sheet

    today = today or date.today()
    headers = [str(h) for h in (
        _l("Number"), _l("Holder"), _l("Name in Latin letters"), _l("Course"), _l("Standards"),
        _l("Hours"), _l("Training from"), _l("Training to"), _l("Issued on"), _l("Valid until"),
        _l("Status"), _l("Public reason"), _l("Verification address"))]
    rows = [[
        c.printed_number, c.holder_name, c.holder_latin_name, c.course_title, c.standards,
        c.hours, c.start_date, c.end_date, c.issued_on, c.valid_until,
        str(STATUS_LABELS[c.status_on(today)]),
        str(STATUS_REASONS[c.status_reason]) if c.status_reason in STATUS_REASONS else None,
        verification_url(c),
    ] for c in certificates]
    return Sheet(str(_l("Certificates")), headers, rows)


# --- the public register of certified auditors ----------------------------------------------

def public_register_query(term: str = "", today: date | None = None):
    """Holders of a valid internal-auditor certificate who agreed to be listed, by name.

    Current revisions only (not superseded), status valid and not expired; ``term`` matches
    the name as written or in Latin letters, or the number.
    """
    from sqlalchemy import or_

    from registry.people.models import Person

    today = today or date.today()
    query = (select(Certificate)
             .join(Person, Person.id == Certificate.person_id)
             .join(Course, Course.id == Certificate.course_id)
             .where(Person.public_listing.is_(True),
                    Course.certificate_kind == "internal_auditor",
                    Certificate.superseded_by_id.is_(None),
                    Certificate.status == "valid",
                    or_(Certificate.valid_until.is_(None), Certificate.valid_until >= today)))
    for word in search_words(term):
        like = f"%{word}%"
        query = query.where(or_(Certificate.holder_name.ilike(like),
                                Certificate.holder_latin_name.ilike(like),
                                Certificate.number.ilike(like)))
    return query.order_by(Certificate.holder_name, Certificate.id)
