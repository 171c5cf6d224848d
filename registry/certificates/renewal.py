"""Renewal by a refresher seminar: a certificate that expires (internal auditors: three years)
is renewed when its holder completes a seminar of a course marked as the refresher for it.

The rules, here and nowhere else:

- A certificate is **renewable** while it is current (not superseded), valid (not suspended or
  revoked), has an expiry, has not been renewed yet, expires within ``WINDOW_DAYS`` and
  expired at most ``GRACE_DAYS`` ago.
- Completing the refresher makes the renewal **eligible**; it is issued by an official, never
  by a trainer's action: issuing the refresher seminar's certificates (``issuing``) gives each
  participant with a renewable certificate a **successor** linked to it
  (``Certificate.renews_registration_id``). Every other participant gets the refresher's
  certificate alone.
- A holder is **certified continuously since** the first issue date of the chain when every
  link was renewed before its predecessor expired or within the grace period.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import exists, select
from sqlalchemy.orm import aliased

from registry.catalog.models import Course
from registry.certificates.models import Certificate
from registry.extensions import db

# How long after its expiry a certificate can still be renewed (and the holder still counts as
# certified without a break).
GRACE_DAYS = 90
# How long before its expiry a certificate can be renewed (a refresher taken the year after
# the first certificate renews nothing).
WINDOW_DAYS = 180


def not_renewed():
    """A SQL condition on ``Certificate``: no renewal names its registration."""
    # Aliased here, not at import: aliasing configures the mappers, which needs every model
    # imported (a script importing the services first must not fail).
    successor = aliased(Certificate, name="successor")
    return ~exists(select(successor.id).where(
        successor.renews_registration_id == Certificate.registration_id))


def renewable_query(person_id: int, course_id: int, *, today: date):
    """The person's renewable certificates of ``course_id`` (see the module docstring)."""
    return (select(Certificate)
            .where(Certificate.person_id == person_id, Certificate.course_id == course_id,
                   Certificate.superseded_by_id.is_(None), Certificate.status == "valid",
                   Certificate.valid_until.is_not(None),
                   Certificate.valid_until >= today - timedelta(days=GRACE_DAYS),
                   Certificate.valid_until <= today + timedelta(days=WINDOW_DAYS),
                   not_renewed())
            .order_by(Certificate.valid_until.desc(), Certificate.id.desc()))


def renewable_predecessor(registration, *, today: date) -> Certificate | None:
    """The certificate ``registration`` (a participant of a refresher seminar) renews, if any:
    the holder's renewable certificate of the course the seminar's course refreshes, issued
    before the refresher ended."""
    refreshed = registration.seminar.course.refresher_for_id
    if refreshed is None:
        return None
    return db.session.scalars(
        renewable_query(registration.person_id, refreshed, today=today)
        .where(Certificate.issued_on <= registration.seminar.end_date)).first()


def continuous_since(certificate: Certificate) -> date | None:
    """The first issue date of ``certificate``'s chain of renewals when the holder has been
    certified without a break since then (each renewal issued before its predecessor's last
    revision expired, or within ``GRACE_DAYS``); None for a certificate that renews nothing."""
    # Each link is a first revision: it says when the certificate was renewed (a re-issue
    # keeps the link and the number, not the date).
    current = certificate if certificate.revision == 1 else db.session.scalar(
        select(Certificate).where(Certificate.registration_id == certificate.registration_id,
                                  Certificate.revision == 1)) or certificate
    since = None
    for _link in range(50):  # a chain is a few links; a loop in the data must not hang a page
        if current.renews_registration_id is None:
            break
        revisions = db.session.scalars(select(Certificate).where(
            Certificate.registration_id == current.renews_registration_id)
            .order_by(Certificate.revision)).all()
        if not revisions or revisions[-1].valid_until is None \
                or current.issued_on > revisions[-1].valid_until + timedelta(days=GRACE_DAYS):
            break
        since, current = revisions[0].issued_on, revisions[0]
    return since


@dataclass
class RenewalOutlook:
    """What renewal a holder of an expiring certificate is eligible for (the expiring list)."""

    refresher_done: object = None  # the passed registration of a refresher seminar, if any
    refresher_courses: tuple = ()  # the courses that would renew it

    @property
    def eligible(self) -> bool:
        return self.refresher_done is not None


def renewal_outlooks(certificates, *, today: date) -> dict[int, RenewalOutlook]:
    """``{certificate id: RenewalOutlook}`` for the certificates of a page, in a few queries."""
    from registry.certificates.issuing import ineligibility
    from registry.seminars.models import Registration, Seminar

    certificates = list(certificates)
    course_ids = {certificate.course_id for certificate in certificates}
    refreshers: dict[int, list] = {}
    for course in db.session.scalars(select(Course).where(
            Course.refresher_for_id.in_(course_ids), Course.active)):
        refreshers.setdefault(course.refresher_for_id, []).append(course)
    refresher_ids = [course.id for courses in refreshers.values() for course in courses]
    done: dict[tuple[int, int], object] = {}
    if refresher_ids:
        issued = select(Certificate.registration_id)
        registrations = db.session.scalars(
            select(Registration).join(Seminar, Seminar.id == Registration.seminar_id)
            .where(Seminar.course_id.in_(refresher_ids), Seminar.status == "completed",
                   Registration.status == "registered",
                   Registration.person_id.in_({c.person_id for c in certificates}),
                   Registration.id.not_in(issued))).all()
        for registration in registrations:
            if ineligibility(registration) is None:
                key = (registration.person_id, registration.seminar.course.refresher_for_id)
                done.setdefault(key, registration)
    return {certificate.id: RenewalOutlook(
        refresher_done=done.get((certificate.person_id, certificate.course_id)),
        refresher_courses=tuple(refreshers.get(certificate.course_id, ())))
        for certificate in certificates}
