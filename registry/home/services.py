"""The next step for each of a trainer's seminars, and an official's work queue.

Nothing here changes the register: these are read-only questions ("what is waiting for
me?") answered from the same rules the actions themselves enforce - eligibility from
``certificates.issuing.ineligibility``, the re-issue and correction requests from the review
queue of ``registry.reviews`` (not a second mechanism), expiry from the reports' list.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import exists, func, select
from sqlalchemy.orm import selectinload

from registry.auth.scope import region_condition, scope_region_id, within_scope
from registry.certificates.issuing import ineligibility
from registry.certificates.models import Certificate, PrintJob
from registry.database import utcnow
from registry.extensions import db
from registry.reports.cache import kept_until_changed
from registry.seminars.models import Attendance, Registration, Seminar, SeminarDay, \
    seminar_trainer

# A completed seminar stays on its trainer's list this long, with its certificate status.
RECENTLY_COMPLETED = timedelta(days=60)
# How far ahead the official's queue counts certificates about to expire.
EXPIRING_WITHIN_DAYS = 30
# At most this many seminars awaiting certificates are listed (the rest: "and N more").
QUEUE_LENGTH = 10


@dataclass
class NextStep:
    """One seminar and what its trainer does next: ``kind`` names the step (the template
    words it), ``day`` is the seminar day it concerns, ``done``/``total`` its progress."""

    seminar: Seminar
    kind: str  # open, register, start, attendance, results, complete, wait, certificates
    day: SeminarDay | None = None
    day_number: int | None = None
    done: int = 0
    total: int = 0

    today: date | None = None  # the day the step was worked out for

    @property
    def is_today(self) -> bool:
        return self.day is not None and self.day.day == (self.today or date.today())


def _recorded_days(seminar_ids) -> dict[int, int]:
    """Per seminar day: how many participants have attendance recorded on it."""
    if not seminar_ids:
        return {}
    rows = db.session.execute(
        select(Attendance.seminar_day_id, func.count())
        .join(SeminarDay, SeminarDay.id == Attendance.seminar_day_id)
        .where(SeminarDay.seminar_id.in_(seminar_ids))
        .group_by(Attendance.seminar_day_id))
    return dict(rows.all())


def _certificates_by_seminar(seminar_ids) -> dict[int, int]:
    if not seminar_ids:
        return {}
    rows = db.session.execute(
        select(Certificate.seminar_id, func.count())
        .where(Certificate.seminar_id.in_(seminar_ids), Certificate.superseded_by_id.is_(None))
        .group_by(Certificate.seminar_id))
    return dict(rows.all())


def _step(seminar: Seminar, today: date, recorded: dict[int, int],
          certificates: dict[int, int]) -> NextStep:
    """The one thing to do next on ``seminar`` as of ``today``."""
    step = _which_step(seminar, today, recorded, certificates)
    step.today = today
    return step


def _which_step(seminar: Seminar, today: date, recorded: dict[int, int],
                certificates: dict[int, int]) -> NextStep:
    """The one thing to do next on ``seminar`` (in the order the work is done)."""
    registered = seminar.registered()
    if seminar.status == "draft":
        return NextStep(seminar, "open")
    if seminar.status == "open":
        if seminar.start_date <= today:
            return NextStep(seminar, "start", done=len(registered), total=seminar.capacity)
        return NextStep(seminar, "register", done=len(registered), total=seminar.capacity)
    if seminar.status == "in_progress":
        days = list(enumerate(seminar.days, start=1))
        # Today's attendance first, then any earlier day left unmarked.
        for number, day in sorted(days, key=lambda d: (d[1].day != today, d[1].day)):
            if day.day <= today and recorded.get(day.id, 0) < len(registered):
                return NextStep(seminar, "attendance", day=day, day_number=number,
                                done=recorded.get(day.id, 0), total=len(registered))
        upcoming = [(number, day) for number, day in days if day.day > today]
        if upcoming:
            number, day = upcoming[0]
            return NextStep(seminar, "wait", day=day, day_number=number)
        if seminar.course.is_internal_auditor:
            scored = sum(1 for r in registered if r.exam_score is not None or r.left_pending)
            if scored < len(registered):
                return NextStep(seminar, "results", done=scored, total=len(registered))
        return NextStep(seminar, "complete", total=len(registered))
    # Completed: what happens next is the agency's; the trainer sees how far it has got.
    eligible = sum(1 for r in registered if ineligibility(r) is None)
    return NextStep(seminar, "certificates", done=certificates.get(seminar.id, 0),
                    total=eligible)


def next_step(seminar: Seminar, *, today: date | None = None) -> NextStep:
    """What to do next on one seminar (the seminar page shows it as its main button)."""
    ids = [seminar.id]
    return _step(seminar, today or date.today(), _recorded_days(ids),
                 _certificates_by_seminar(ids))


def trainer_steps(user, *, today: date | None = None) -> list[NextStep]:
    """The seminars ``user`` trains that are not over (and those completed lately), each
    with its next step; today's work first, then by start date."""
    today = today or date.today()
    seminars = db.session.scalars(
        select(Seminar)
        .join(seminar_trainer, seminar_trainer.c.seminar_id == Seminar.id)
        .where(seminar_trainer.c.user_id == user.id,
               (Seminar.status.in_(("draft", "open", "in_progress")))
               | ((Seminar.status == "completed")
                  & (Seminar.end_date >= today - RECENTLY_COMPLETED)))
        .options(selectinload(Seminar.days), selectinload(Seminar.course),
                 selectinload(Seminar.registrations).selectinload(Registration.person),
                 selectinload(Seminar.registrations).selectinload(Registration.attendance))
        .order_by(Seminar.start_date, Seminar.id)).unique().all()
    ids = [s.id for s in seminars]
    recorded, certificates = _recorded_days(ids), _certificates_by_seminar(ids)
    steps = [_step(s, today, recorded, certificates) for s in seminars]
    urgent = {"attendance", "start", "results", "complete"}
    return sorted(steps, key=lambda step: (step.kind not in urgent, step.kind == "certificates",
                                           step.seminar.start_date, step.seminar.id))


@dataclass
class AwaitingCertificates:
    seminar: Seminar
    eligible: int  # participants who may get a certificate and have none yet


@dataclass
class OfficeQueue:
    """What waits for an official: seminars to certify, finished print jobs, open review
    items, certificates about to expire."""

    awaiting: list[AwaitingCertificates] = field(default_factory=list)
    more_awaiting: bool = False
    print_jobs: list[PrintJob] = field(default_factory=list)
    open_reviews: int = 0
    expiring: int = 0
    expiring_within: int = EXPIRING_WITHIN_DAYS

    @property
    def empty(self) -> bool:
        return not (self.awaiting or self.print_jobs or self.open_reviews or self.expiring)


def _awaiting_certificates(limit: int, user) -> tuple[list[AwaitingCertificates], bool]:
    """Completed seminars with a registered participant who has no certificate, newest
    first, kept when at least one of them is eligible (outcomes are derived in Python, as
    issuing does). Finding them reads every registration and up to ``limit * 5`` rosters
    (~0.5 s on a register of 200,000 registrations), on the page every official opens first:
    what was found is kept until the register changes (``registry.reports.cache``), and only
    the seminars shown are loaded. A regional office's queue holds its region's seminars."""
    found, more = kept_until_changed(("awaiting_certificates", limit, scope_region_id(user)),
                                     lambda: _find_awaiting_certificates(limit, user))
    seminars = {seminar.id: seminar for seminar in db.session.scalars(
        select(Seminar).where(Seminar.id.in_([seminar_id for seminar_id, _ in found])))}
    return [AwaitingCertificates(seminars[seminar_id], eligible)
            for seminar_id, eligible in found if seminar_id in seminars], more


def _find_awaiting_certificates(limit: int, user) -> tuple[list[tuple[int, int]], bool]:
    """``([(seminar id, eligible participants)...], more)``, counted now."""
    without_certificate = (
        select(Registration.seminar_id)
        .where(Registration.status == "registered",
               ~exists().where(Certificate.registration_id == Registration.id)))
    completed = within_scope(select(Seminar), region_condition(user, Seminar.region_id))
    candidates = db.session.scalars(
        completed.where(Seminar.status == "completed", Seminar.id.in_(without_certificate))
        .options(selectinload(Seminar.days), selectinload(Seminar.course),
                 selectinload(Seminar.registrations).selectinload(Registration.attendance),
                 selectinload(Seminar.registrations).selectinload(Registration.person))
        .order_by(Seminar.end_date.desc(), Seminar.id.desc())
        .limit(limit * 5)).unique().all()
    issued = set(db.session.scalars(
        select(Certificate.registration_id)
        .where(Certificate.seminar_id.in_([s.id for s in candidates]))))
    found = []
    for seminar in candidates:
        eligible = sum(1 for r in seminar.registered()
                       if r.id not in issued and ineligibility(r) is None)
        if eligible:
            found.append((seminar.id, eligible))
    return found[:limit], len(found) > limit


def office_queue(user, *, today: date | None = None) -> OfficeQueue:
    """The official's queue (see ``OfficeQueue``); print jobs are the user's own of the last
    day, while their file is kept."""
    from registry.reports.services import expiring_certificates
    from registry.reviews.services import open_count

    today = today or date.today()
    awaiting, more = _awaiting_certificates(QUEUE_LENGTH, user)
    jobs = db.session.scalars(
        select(PrintJob).where(PrintJob.requested_by_id == user.id,
                               PrintJob.status.in_(("queued", "running", "done")),
                               PrintJob.created_at >= utcnow() - timedelta(days=1))
        .options(selectinload(PrintJob.seminar))
        .order_by(PrintJob.created_at.desc()).limit(5)).all()
    expiring = expiring_certificates(EXPIRING_WITHIN_DAYS, today=today,
                                     viewer=user).order_by(None)
    return OfficeQueue(
        awaiting=awaiting, more_awaiting=more, print_jobs=list(jobs),
        open_reviews=open_count(user),
        expiring=db.session.scalar(select(func.count()).select_from(expiring.subquery())) or 0)
