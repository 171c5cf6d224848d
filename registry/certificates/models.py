from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from flask_babel import lazy_pgettext
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from registry.database import UTCTimestamp, utcnow
from registry.extensions import db
from registry.localized import Localized

CERTIFICATE_STATUSES = ("valid", "suspended", "revoked")
# What a certificate's status (as of a day, see ``status_on``) is called, defined once:
# pages, exports, reports and messages all use these.
STATUS_LABELS = {
    "valid": lazy_pgettext("certificate status", "Valid"),
    "expired": lazy_pgettext("certificate status", "Expired"),
    "suspended": lazy_pgettext("certificate status", "Suspended"),
    "revoked": lazy_pgettext("certificate status", "Revoked"),
    "superseded": lazy_pgettext("certificate status", "Superseded"),
}


class CertificateNumberCounter(db.Model):
    """The last serial used per prefix and year; incremented inside the issuing transaction so
    that printed numbers are gapless and unique even under concurrent issuance."""

    __tablename__ = "certificate_number_counter"
    __table_args__ = (CheckConstraint("last_serial >= 0", name="last_serial_non_negative"),)

    prefix: Mapped[str] = mapped_column(String(10), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    last_serial: Mapped[int] = mapped_column(default=0, nullable=False)


class Certificate(db.Model):
    """One revision of an issued certificate: a snapshot of what was printed.

    Three identities are kept apart: ``id`` (database), ``number`` (printed, gapless per
    prefix and year; revisions share it) and ``public_code`` (random, in the QR link).
    Nothing here is ever deleted; a correction is a new revision that supersedes this one.
    """

    __tablename__ = "certificate"
    __table_args__ = (
        UniqueConstraint("prefix", "year", "serial", "revision"),
        UniqueConstraint("registration_id", "revision"),
        CheckConstraint("status IN ('valid', 'suspended', 'revoked')", name="status"),
        CheckConstraint("revision >= 1", name="revision_positive"),
        CheckConstraint("serial >= 1", name="serial_positive"),
        CheckConstraint(
            "valid_until IS NULL OR valid_until >= issued_on", name="valid_after_issue"
        ),
        CheckConstraint(
            "status = 'valid' OR status_reason IS NOT NULL", name="status_has_reason"
        ),
        Index("ix_certificate_number", "number"),
        Index("ix_certificate_person_id", "person_id"),
        Index("ix_certificate_seminar_id", "seminar_id"),
        Index("ix_certificate_course_issued", "course_id", "issued_on"),
        # Reports: certificates issued in a period; certificates about to expire.
        Index("ix_certificate_issued_on", "issued_on"),
        Index("ix_certificate_valid_until", "valid_until"),
        # A certificate is renewed once (its successor's revisions share the link).
        Index("uq_certificate_renews_registration", "renews_registration_id", unique=True,
              sqlite_where=text("revision = 1"), postgresql_where=text("revision = 1")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registration.id", ondelete="RESTRICT"), nullable=False
    )
    person_id: Mapped[int] = mapped_column(
        ForeignKey("person.id", ondelete="RESTRICT"), nullable=False
    )
    course_id: Mapped[int] = mapped_column(
        ForeignKey("course.id", ondelete="RESTRICT"), nullable=False
    )
    seminar_id: Mapped[int] = mapped_column(
        ForeignKey("seminar.id", ondelete="RESTRICT"), nullable=False
    )

    prefix: Mapped[str] = mapped_column(String(10), nullable=False)
    year: Mapped[int] = mapped_column(nullable=False)
    serial: Mapped[int] = mapped_column(nullable=False)
    number: Mapped[str] = mapped_column(String(40), nullable=False)
    revision: Mapped[int] = mapped_column(default=1, nullable=False)
    public_code: Mapped[str] = mapped_column(String(40), unique=True, nullable=False)

    # What was printed (a snapshot: later edits of the person or course do not change it).
    holder_name: Mapped[str] = mapped_column(String(250), nullable=False)
    holder_latin_name: Mapped[str | None] = mapped_column(String(250))
    course_title: Mapped[str] = mapped_column(String(250), nullable=False)
    standards: Mapped[str] = mapped_column(String(250), default="", nullable=False)
    hours: Mapped[int] = mapped_column(nullable=False)
    start_date: Mapped[date] = mapped_column(Date, nullable=False)
    end_date: Mapped[date] = mapped_column(Date, nullable=False)
    issuer_name: Mapped[str] = mapped_column(String(250), nullable=False)
    signatories: Mapped[list] = mapped_column(JSON, default=list, nullable=False)
    issued_on: Mapped[date] = mapped_column(Date, nullable=False)
    valid_until: Mapped[date | None] = mapped_column(Date)

    status: Mapped[str] = mapped_column(String(20), default="valid", nullable=False)
    status_reason: Mapped[str | None] = mapped_column(String(60))  # public category
    status_note: Mapped[str | None] = mapped_column(Text)  # internal, staff only
    status_changed_at: Mapped[datetime | None] = mapped_column(UTCTimestamp())
    status_changed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="RESTRICT")
    )
    superseded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("certificate.id", ondelete="RESTRICT")
    )
    superseded_at: Mapped[datetime | None] = mapped_column(UTCTimestamp())
    # A renewal: the registration of the certificate this one renews (its predecessor; every
    # revision of a certificate shares its registration). ``certificates.renewal``.
    renews_registration_id: Mapped[int | None] = mapped_column(
        ForeignKey("registration.id", ondelete="RESTRICT"))

    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="RESTRICT"))
    issued_at: Mapped[datetime] = mapped_column(UTCTimestamp(), default=utcnow, nullable=False)

    payload: Mapped[str] = mapped_column(Text, default="", nullable=False)
    signature: Mapped[str] = mapped_column(String(200), default="", nullable=False)
    key_id: Mapped[str] = mapped_column(String(40), default="", nullable=False)
    # What each printed language's half says, in print order (signed with the rest):
    # [{"language", "kind", "course", "standards", "issuer", "place"}]. Empty for revisions issued
    # before texts per language (they print their one course title and issuer name).
    printed_texts: Mapped[list] = mapped_column(JSON, default=list, server_default="[]",
                                                nullable=False)
    # The signed QR payload (Base32, docs/qr-format.md) made when this revision was issued, so
    # every reprint carries the QR its first print has. None for revisions issued before
    # signed QRs: they keep their URL-only QR.
    qr_payload: Mapped[str | None] = mapped_column(Text)
    # This revision's slot in the signed status list (/.well-known/registry-status.json):
    # random, so an index tells nothing about when or how many were issued; None before.
    status_index: Mapped[int | None] = mapped_column(unique=True)
    # The rendered PDF of this revision, kept once made so a reprint costs nothing.
    pdf: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))

    registration = relationship("Registration", foreign_keys=[registration_id])
    person = relationship("Person")
    course = relationship("Course")
    seminar = relationship("Seminar")
    superseded_by = relationship("Certificate", remote_side=[id])

    @property
    def printed_number(self) -> str:
        return self.number if self.revision == 1 else f"{self.number}/{self.revision}"

    def printed_text(self, key: str, locale: str | None = None) -> str:
        """What the paper says for ``key`` ("course", "standards", "issuer"): the half in
        ``locale`` (the page's when not given; the other Uzbek script next) if one was
        printed, else the first half - never today's catalogue, only the snapshot."""
        from registry.localized import OTHER_SCRIPT, current_locale

        defaults = {"course": self.course_title, "standards": self.standards,
                    "issuer": self.issuer_name}
        texts = self.printed_texts or []
        if not texts:
            return defaults[key]
        locale = locale or current_locale()
        by_language = {entry.get("language"): entry for entry in texts}
        entry = by_language.get(locale) or by_language.get(OTHER_SCRIPT.get(locale)) or texts[0]
        return entry.get(key) or defaults[key]

    def status_on(self, day: date) -> str:
        """What the verification page says on ``day``: superseded, revoked, suspended,
        expired or valid (in that order of precedence)."""
        if self.superseded_by_id is not None:
            return "superseded"
        if self.status in ("revoked", "suspended"):
            return self.status
        if self.valid_until is not None and day > self.valid_until:
            return "expired"
        return "valid"


class IssuerSettings(Localized, db.Model):
    """What every certificate prints about its issuer, set by an admin: the agency's name
    (with a value per language in ``translations``), its logo and the signatories. One row
    (``id = 1``); a certificate keeps its own snapshot of name and signatories, so a later
    change does not alter what was already issued."""

    __tablename__ = "issuer_settings"
    __table_args__ = (
        CheckConstraint("id = 1", name="single_row"),
        CheckConstraint(
            "logo_type IS NULL OR logo_type IN ('image/png', 'image/jpeg')", name="logo_type"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True, default=1)
    issuer_name: Mapped[str] = mapped_column(String(250), nullable=False)
    # The city printed on certificates ("Issued in Tashkent"); empty: not printed.
    place_of_issue: Mapped[str] = mapped_column(String(120), default="", server_default="",
                                                nullable=False)
    logo: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    logo_type: Mapped[str | None] = mapped_column(String(20))
    signatories: Mapped[list] = mapped_column(JSON, default=list, nullable=False)
    # How the public reaches the agency: every public page names it with these, so a paper
    # that looks wrong can be asked about (empty: not shown).
    contact_url: Mapped[str] = mapped_column(String(250), default="", server_default="",
                                             nullable=False)
    contact_email: Mapped[str] = mapped_column(String(120), default="", server_default="",
                                               nullable=False)
    contact_phone: Mapped[str] = mapped_column(String(40), default="", server_default="",
                                               nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCTimestamp(), default=utcnow, onupdate=utcnow,
                                                 nullable=False)


class SigningKeyRevocation(db.Model):
    """A signing key whose signatures are no longer honoured (it leaked, or was retired in
    haste): published in registry-keys.json, so an offline verifier refuses what it signed.
    Never deleted."""

    __tablename__ = "signing_key_revocation"

    key_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    reason: Mapped[str] = mapped_column(String(200), nullable=False)
    revoked_at: Mapped[datetime] = mapped_column(UTCTimestamp(), default=utcnow, nullable=False)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id",
                                                                 ondelete="RESTRICT"))


PRINT_JOB_STATUSES = ("queued", "running", "done", "failed", "expired")


class PrintJob(db.Model):
    """Printing a seminar's certificates in the background: progress, outcome, the file.

    The id is random (it appears in addresses); the finished PDF lives in
    ``instance/print-jobs/<id>.pdf`` for a day."""

    __tablename__ = "print_job"
    __table_args__ = (
        CheckConstraint(
            "status IN ('queued', 'running', 'done', 'failed', 'expired')", name="status"),
        Index("ix_print_job_seminar_id", "seminar_id"),
        Index("ix_print_job_created_at", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    seminar_id: Mapped[int] = mapped_column(ForeignKey("seminar.id", ondelete="RESTRICT"),
                                            nullable=False)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id",
                                                                   ondelete="RESTRICT"))
    preprinted: Mapped[bool] = mapped_column(default=False, nullable=False)
    status: Mapped[str] = mapped_column(String(20), default="queued", nullable=False)
    done: Mapped[int] = mapped_column(default=0, nullable=False)
    total: Mapped[int] = mapped_column(default=0, nullable=False)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCTimestamp(), default=utcnow, nullable=False)
    started_at: Mapped[datetime | None] = mapped_column(UTCTimestamp())
    finished_at: Mapped[datetime | None] = mapped_column(UTCTimestamp())

    seminar = relationship("Seminar")
    requested_by = relationship("User")
