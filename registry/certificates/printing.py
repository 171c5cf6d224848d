"""Printing: the plain data a certificate PDF is made from, one PDF or a seminar's PDFs
(checked against the fonts first), the full-design PDFs kept for reprints, and a seminar as
one PDF for the printer (``print_seminar``: background + overlays, ``overlay.py``).
``jobs.py`` runs the last in the background.

``registry.certificates.pdf`` imports WeasyPrint's machinery lazily itself; it is imported
here at module level.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from registry.certificates.glyphs import missing_glyphs
from registry.certificates.issuer import issuer_settings
from registry.certificates.models import Certificate, IssuerSettings
from registry.certificates.pdf import (
    PrintedCertificate, PrintedText, Signatory, render_certificate, render_certificates,
)
from registry.certificates.verification import qr_content, verification_url
from registry.errors import DomainError
from registry.extensions import db
from registry.seminars.models import Seminar

class UnprintableCharacter(DomainError):
    """A name or text holds a character that no font in use can print."""


def printed_certificate(certificate: Certificate, *, settings: IssuerSettings | None = None):
    """The plain data a certificate PDF is made from (what rendering may know, nothing more)."""
    settings = settings or issuer_settings()
    texts = tuple(PrintedText(entry["language"], entry.get("kind") or "",
                              entry.get("course") or certificate.course_title,
                              entry.get("standards") or "",
                              entry.get("issuer") or certificate.issuer_name,
                              entry.get("place") or "")
                  for entry in certificate.printed_texts or [])
    # The languages the revision was issued in (older revisions: the course's, as before).
    languages = (tuple(text.language for text in texts) if texts
                 else certificate.course.certificate_languages(certificate.seminar.language))
    return PrintedCertificate(
        number=certificate.printed_number, holder_name=certificate.holder_name,
        holder_latin_name=certificate.holder_latin_name, course_title=certificate.course_title,
        standards=certificate.standards, hours=certificate.hours,
        start_date=certificate.start_date, end_date=certificate.end_date,
        issued_on=certificate.issued_on, valid_until=certificate.valid_until,
        issuer_name=certificate.issuer_name, issuer_logo=settings.logo,
        issuer_logo_type=settings.logo_type,
        signatories=tuple(Signatory.of(entry) for entry in certificate.signatories or []),
        verification_url=verification_url(certificate), qr_content=qr_content(certificate),
        languages=languages, texts=texts,
    )


def _check_printable(documents) -> None:
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


def print_seminar(seminar: Seminar, target, *, preprinted: bool = False, progress=None) -> int:
    """Every printable certificate of ``seminar`` as one PDF written to ``target``, in roster
    order; returns how many. Every text is checked against the fonts before anything renders.
    A certificate whose full design is kept goes in as it is; the others are rendered as the
    seminar's background once and each person's overlay on it (nothing is kept: a batch page
    is not a certificate's own PDF - a reprint renders and keeps that)."""
    from registry.certificates.overlay import render_batch

    settings = issuer_settings()
    items, documents = [], []
    for certificate in printable_certificates(seminar):
        if certificate.pdf and not preprinted:
            items.append(certificate.pdf)
        else:
            document = printed_certificate(certificate, settings=settings)
            documents.append(document)
            items.append(document)
    _check_printable(documents)
    if not items:
        raise DomainError(_l("This seminar has no certificates to print yet."))
    return render_batch(items, target, preprinted=preprinted, progress=progress)


def keep_new_pdfs(documents) -> None:
    """Keep the full-design PDFs of ``[(certificate, pdf)]`` for the certificates that have
    none kept yet - for reprints (flushes)."""
    ids = [certificate.id for certificate, _pdf in documents]
    without = set(db.session.scalars(select(Certificate.id).where(
        Certificate.id.in_(ids), Certificate.pdf.is_(None))))
    rows = [{"id": certificate.id, "pdf": pdf} for certificate, pdf in documents
            if certificate.id in without]
    if rows:
        db.session.execute(update(Certificate), rows)
    db.session.flush()
