"""What the certificates feature shows on other features' pages (the person page, the seminar
page) and the status words of its macros: template globals, registered by the blueprint, so
that no other feature imports certificates to show them."""
from __future__ import annotations

from datetime import date

from flask_login import current_user
from sqlalchemy import select

from registry.auth.permissions import can
from registry.certificates.models import STATUS_LABELS, Certificate
from registry.extensions import db


def certificates_of_person(person) -> list[Certificate]:
    """The person's certificates (newest revisions), for the person page."""
    if not can(current_user, "certificate.view"):
        return []
    return db.session.scalars(
        select(Certificate).where(Certificate.person_id == person.id,
                                  Certificate.superseded_by_id.is_(None))
        .order_by(Certificate.issued_on.desc())).all()


def seminar_certificate_count(seminar) -> int:
    """How many certificates (newest revisions) a seminar has, for the seminar page."""
    return len(db.session.scalars(
        select(Certificate.id).where(Certificate.seminar_id == seminar.id,
                                     Certificate.superseded_by_id.is_(None))).all())


def seminar_certificates(seminar) -> dict[int, Certificate]:
    """Each participant's certificate as it stands (newest revision), by registration id -
    for the roster's certificate column, which trainers see too (status and number only:
    what the holder's paper says, which the public page shows anyone)."""
    if seminar.status != "completed":
        return {}
    certificates = db.session.scalars(
        select(Certificate).where(Certificate.seminar_id == seminar.id,
                                  Certificate.superseded_by_id.is_(None))).all()
    return {certificate.registration_id: certificate for certificate in certificates}


def certificate_status_on(certificate) -> str:
    """What the verification page says today."""
    return certificate.status_on(date.today())


def register(blueprint) -> None:
    """Make the panels' functions and the status labels template globals of the app."""
    for function in (certificates_of_person, seminar_certificate_count, seminar_certificates,
                     certificate_status_on):
        blueprint.add_app_template_global(function)
    blueprint.add_app_template_global(STATUS_LABELS, "certificate_status_labels")
