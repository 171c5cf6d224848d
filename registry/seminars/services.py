"""Seminars: planning, the registration queue, attendance, exam results and completion.

Seats are counted in the seminar row (``seats_taken``, CHECK ``0 <= seats_taken <=
capacity``). Taking a seat is one conditional UPDATE -
``... SET seats_taken = seats_taken + 1 WHERE id = :id AND seats_taken < capacity`` - so when
two people ask for the last seat at the same moment the database lets exactly one row count
succeed; the other request sees ``rowcount == 0`` and joins the waiting list (or is told the
seminar is full). Whatever else changes seats (a cancellation, a new capacity) first locks the
seminar row, so the waiting list is promoted by one transaction at a time. On SQLite the
writing transaction began with BEGIN IMMEDIATE (see ``registry.database``), which serialises
writers in the same way.
"""
from __future__ import annotations

from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from registry.audit.services import record, save_with_audit
from registry.auth.models import User
from registry.catalog.models import Course, Region
from registry.auth.scope import region_condition, region_in_scope, within_scope
from registry.catalog.services import region_and_below
from registry.database import utcnow
from registry.errors import Conflict, DomainError, InvalidState, NotFound
from registry.extensions import db
from registry.people import services as people_services
from registry.people.models import Person
from registry.search import every_word, key_contains
from registry.people.names import clean_name
from registry.seminars.models import (
    OUTCOME_LABELS,
    REGISTRABLE_STATUSES,
    REGISTRATION_STATUS_LABELS,
    SEMINAR_STATUS_IN_SENTENCE,
    SEMINAR_STATUSES,
    Attendance,
    Registration,
    Seminar,
    SeminarDay,
)
from registry.spreadsheets import Sheet

MAX_DAYS = 60
MAX_CAPACITY = 1000
LANGUAGES = ("en", "ru", "uz", "uz_Cyrl", "mn", "vi")

# status -> the statuses it may move to (cancelling has its own function: it needs a reason)
TRANSITIONS = {
    "draft": ("open",),
    "open": ("in_progress",),
    "in_progress": ("completed",),
    "completed": (),
    "cancelled": (),
}


class SeminarFull(Conflict):
    """No seat is free and the seminar keeps no waiting list."""


# --- planning ---------------------------------------------------------------------------------

def plan_days(course: Course, *, start_date: date | None, end_date: date | None = None,
              dates: list[date] | None = None) -> list[date]:
    """The seminar's days: the listed ``dates`` if any (not necessarily consecutive), otherwise
    every day from ``start_date`` to ``end_date`` - or, without an end date, the course's
    number of days in a row."""
    if dates:
        days = sorted(set(dates))
    else:
        if start_date is None:
            raise DomainError(_l("Enter the start date (or list the dates)."), field="start_date")
        if end_date is not None and end_date < start_date:
            raise DomainError(_l("The end date is before the start date."), field="end_date")
        if end_date is not None and (end_date - start_date).days >= MAX_DAYS:
            raise DomainError(_l("A seminar has at most %(n)s days.", n=MAX_DAYS),
                              field="end_date")
        count = course.days if end_date is None else (end_date - start_date).days + 1
        try:
            days = [start_date + timedelta(days=n) for n in range(count)]
        except OverflowError:
            raise DomainError(_l("This date is out of range."), field="start_date") from None
    if len(days) > MAX_DAYS:
        raise DomainError(_l("A seminar has at most %(n)s days.", n=MAX_DAYS),
                          field="dates" if dates else "end_date")
    return days


def _check_trainers(trainers: list[User], actor) -> None:
    if not trainers:
        raise DomainError(_l("Choose at least one trainer."), field="trainer_ids")
    for trainer in trainers:
        if trainer.role != "trainer" or not trainer.active:
            raise DomainError(_l("%(name)s is not an active trainer.", name=trainer.name),
                              field="trainer_ids")
    if actor is not None and actor.role == "trainer" and all(t.id != actor.id for t in trainers):
        raise DomainError(_l("You must stay one of the seminar's trainers."), field="trainer_ids")


def _check_details(*, title: str, venue: str, region_id: int | None, language: str,
                   capacity: int | None) -> None:
    if not title:
        raise DomainError(_l("Enter a title."), field="title")
    if len(title) > 250:
        raise DomainError(_l("The title is too long (at most 250 characters)."), field="title")
    if len(venue) > 250:
        raise DomainError(_l("The venue is too long (at most 250 characters)."), field="venue")
    if language not in LANGUAGES:
        raise DomainError(_l("Choose a language."), field="language")
    if capacity is None or not 1 <= capacity <= MAX_CAPACITY:
        raise DomainError(_l("The capacity must be between 1 and %(n)s.", n=MAX_CAPACITY),
                          field="capacity")
    if region_id and db.session.get(Region, region_id) is None:
        raise DomainError(_l("Choose an existing region or district."), field="region_id")


def _check_scope(actor, region_id: int | None, trainers: list[User]) -> None:
    """A regional office plans within its region, and a seminar is taught by trainers whose
    own region (if any) it lies in - else they could not open the seminar they teach."""
    if not region_in_scope(actor, region_id):
        raise DomainError(_l("Choose a region or district within your own region."),
                          field="region_id")
    for trainer in trainers:
        if not region_in_scope(trainer, region_id):
            raise DomainError(_l("%(name)s works within another region: choose a region or "
                                 "district within theirs, or another trainer.",
                                 name=trainer.name), field="trainer_ids")


def _check_course_titles(course: Course, language: str) -> None:
    """A course printing two languages needs its title in the seminar's language."""
    from registry.i18n import LANGUAGE_NAMES

    if course.titles_missing_for([language]):
        raise DomainError(_l(
            "“%(course)s” prints its certificates in two languages but has no title in "
            "%(language)s yet: an administrator adds it under Reference data → Courses.",
            course=course.label, language=LANGUAGE_NAMES.get(language, language)),
            field="language")


def _clean_text(value: str | None) -> str:
    return clean_name(value or "")


def create_seminar(*, course: Course, actor, title: str | None = None,
                   start_date: date | None = None, end_date: date | None = None,
                   dates: list[date] | None = None, venue: str = "",
                   region_id: int | None = None, language: str = "en", capacity: int | None,
                   waitlist_enabled: bool = True, trainers: list[User]) -> Seminar:
    """Plan a seminar of ``course`` (status ``draft``). The title defaults to the course's."""
    if course is None or not course.active:
        raise DomainError(_l("Choose a course that is offered."), field="course_id")
    title = _clean_text(title) or course.title
    venue = _clean_text(venue)
    _check_details(title=title, venue=venue, region_id=region_id, language=language,
                   capacity=capacity)
    _check_course_titles(course, language)
    days = plan_days(course, start_date=start_date, end_date=end_date, dates=dates)
    _check_trainers(trainers, actor)
    _check_scope(actor, region_id or None, trainers)
    seminar = Seminar(course=course, title=title, start_date=days[0], end_date=days[-1],
                      venue=venue, region_id=region_id or None, language=language,
                      capacity=capacity, waitlist_enabled=waitlist_enabled, status="draft",
                      created_by_id=getattr(actor, "id", None))
    seminar.trainers = list(trainers)
    seminar.days = [SeminarDay(day=day) for day in days]
    save_with_audit(actor, "seminar.create", seminar, summary=seminar.title,
                    extra={"days": [day.isoformat() for day in days],
                           "trainers": [t.id for t in trainers]})
    return seminar


def _lock(seminar: Seminar) -> Seminar:
    """Lock the seminar row for the rest of the transaction and reload it (PostgreSQL:
    SELECT ... FOR UPDATE; SQLite: the writing transaction already holds the lock)."""
    db.session.flush()
    locked = db.session.scalars(select(Seminar).where(Seminar.id == seminar.id)
                                .with_for_update().execution_options(populate_existing=True)
                                ).one()
    return locked


def update_seminar(seminar: Seminar, *, actor, title: str | None = None,
                   start_date: date | None = None, end_date: date | None = None,
                   dates: list[date] | None = None, venue: str = "",
                   region_id: int | None = None, language: str = "en", capacity: int | None,
                   waitlist_enabled: bool = True, trainers: list[User]) -> Seminar:
    """Change a planned or running seminar. The capacity cannot go below the participants
    already registered; a larger one promotes people from the waiting list. A day cannot be
    removed once attendance is recorded on it."""
    seminar = _lock(seminar)
    if not seminar.is_editable:
        raise InvalidState(_l("A completed or cancelled seminar cannot be changed."))
    title = _clean_text(title) or seminar.course.title
    venue = _clean_text(venue)
    _check_details(title=title, venue=venue, region_id=region_id, language=language,
                   capacity=capacity)
    _check_course_titles(seminar.course, language)
    if capacity < seminar.seats_taken:
        raise DomainError(_l("%(n)s participants are already registered: the capacity cannot be "
                             "lower.", n=seminar.seats_taken), field="capacity")
    days = plan_days(seminar.course, start_date=start_date, end_date=end_date, dates=dates)
    _check_trainers(trainers, actor)
    _check_scope(actor, region_id or None, trainers)

    old_days = {day.day: day for day in seminar.days}
    removed = [day for when, day in old_days.items() if when not in set(days)]
    if removed:
        marked = set(db.session.scalars(select(Attendance.seminar_day_id).where(
            Attendance.seminar_day_id.in_([day.id for day in removed]))))
        for day in removed:
            if day.id in marked:
                raise DomainError(_l("Attendance is recorded on %(day)s: that day cannot be "
                                     "removed.", day=day.day.isoformat()),
                                  field="dates" if dates else "start_date")
    for day in removed:
        seminar.days.remove(day)
    for when in days:
        if when not in old_days:
            seminar.days.append(SeminarDay(day=when))
    old_trainers = sorted(t.id for t in seminar.trainers)
    seminar.title, seminar.venue, seminar.region_id = title, venue, region_id or None
    seminar.language, seminar.capacity = language, capacity
    seminar.waitlist_enabled = waitlist_enabled
    seminar.start_date, seminar.end_date = days[0], days[-1]
    seminar.trainers = list(trainers)
    extra = {}
    if removed or len(days) != len(old_days):
        extra["days"] = [day.isoformat() for day in days]
    if sorted(t.id for t in trainers) != old_trainers:
        extra["trainers"] = [t.id for t in trainers]
    try:
        event = save_with_audit(actor, "seminar.update", seminar, summary=seminar.title,
                                extra=extra)
        if event is None and extra:
            record(actor, "seminar.update", seminar, summary=seminar.title, details=extra)
            db.session.flush()
    except IntegrityError:
        # The CHECK on seats_taken <= capacity said no (the lock makes this a last resort); the
        # caller rolls back on the DomainError.
        raise DomainError(_l("The capacity cannot be lower than the participants registered."),
                          field="capacity") from None
    if seminar.status == "in_progress":
        # A trainer who joins a running seminar teaches it too; one who leaves still taught it.
        seminar.record_teaching()
        db.session.flush()
    promoted = _fill_free_seats(seminar, actor=actor)
    if promoted:
        record(actor, "seminar.waitlist_promoted", seminar, summary=seminar.title,
               details={"registrations": [reg.id for reg in promoted]})
        db.session.flush()
    return seminar


def change_status(seminar: Seminar, new_status: str, *, actor) -> Seminar:
    """Move a seminar one step along ``draft → open → in_progress`` (completing and cancelling
    have their own functions)."""
    seminar = _lock(seminar)
    if new_status not in ("open", "in_progress"):
        raise DomainError(_l("This status change is not possible here."))
    if new_status not in TRANSITIONS[seminar.status]:
        raise InvalidState(_l("A seminar that is %(status)s cannot become %(new)s.",
                              status=_status_label(seminar.status),
                              new=_status_label(new_status)))
    old = seminar.status
    seminar.status = new_status
    save_with_audit(actor, f"seminar.{new_status}", seminar, summary=seminar.title,
                    extra={"from": old})
    if new_status == "in_progress":
        # After the audit: loading who taught it would flush the change before it is recorded.
        seminar.record_teaching()
        db.session.flush()
    return seminar


def cancel_seminar(seminar: Seminar, *, actor, reason: str) -> Seminar:
    """Cancel a seminar that has not been completed; the reason is kept and shown."""
    seminar = _lock(seminar)
    reason = (reason or "").strip()
    if seminar.status in ("completed", "cancelled"):
        raise InvalidState(_l("A completed or cancelled seminar cannot be cancelled."))
    if not reason:
        raise DomainError(_l("Give the reason for cancelling."), field="reason")
    if len(reason) > 2000:
        raise DomainError(_l("The reason is too long."), field="reason")
    old = seminar.status
    seminar.status, seminar.cancel_reason = "cancelled", reason
    save_with_audit(actor, "seminar.cancel", seminar, summary=seminar.title,
                    extra={"from": old})
    return seminar


def undecided(seminar: Seminar) -> list[Registration]:
    """Registered participants whose outcome would still be pending and who were not
    explicitly left pending."""
    return [reg for reg in seminar.registered() if not reg.is_decided]


def complete_seminar(seminar: Seminar, *, actor, leave_undecided_pending: bool = False) -> Seminar:
    """Complete a running seminar. Every participant's outcome must be decided (passed or
    failed) or explicitly left pending; ``leave_undecided_pending`` says so for all the rest."""
    seminar = _lock(seminar)
    if seminar.status != "in_progress":
        raise InvalidState(_l("Only a seminar in progress can be completed."))
    open_ones = undecided(seminar)
    if open_ones and not leave_undecided_pending:
        names = ", ".join(reg.person.full_name for reg in open_ones[:10])
        raise InvalidState(_l("The outcome of %(n)s participants is not decided yet (%(names)s). "
                              "Enter their attendance and results, or leave them pending "
                              "explicitly.", n=len(open_ones), names=names))
    for reg in open_ones:
        reg.left_pending = True
    seminar.status = "completed"
    save_with_audit(actor, "seminar.complete", seminar, summary=seminar.title,
                    extra={"left_pending": [reg.id for reg in open_ones]})
    return seminar


# --- registration ------------------------------------------------------------------------------

def _take_seat(seminar_id: int) -> bool:
    """Count one more seat taken, if one is free and the seminar accepts people; atomically."""
    result = db.session.execute(
        update(Seminar)
        .where(Seminar.id == seminar_id, Seminar.seats_taken < Seminar.capacity,
               Seminar.status.in_(REGISTRABLE_STATUSES))
        .values(seats_taken=Seminar.seats_taken + 1)
        .execution_options(synchronize_session=False))
    return result.rowcount == 1


def _release_seat(seminar_id: int) -> None:
    db.session.execute(
        update(Seminar).where(Seminar.id == seminar_id, Seminar.seats_taken > 0)
        .values(seats_taken=Seminar.seats_taken - 1)
        .execution_options(synchronize_session=False))


def _refresh(seminar: Seminar) -> None:
    db.session.refresh(seminar, ["seats_taken", "status"])


def register_person(seminar: Seminar, person: Person, *, actor) -> Registration:
    """Register ``person``: a seat if one is free, else the waiting list; a seminar without a
    waiting list refuses with ``SeminarFull``. Registering again after a cancellation reuses
    the same record; a person is in a seminar at most once."""
    person = people_services.resolve(person)
    if person is None:
        raise NotFound(_l("This person does not exist."))
    if not seminar.accepts_registrations:
        raise InvalidState(_l("“%(title)s” is %(status)s: nobody can register any more.",
                              title=seminar.title, status=_status_label(seminar.status)))
    existing = db.session.scalar(select(Registration).where(
        Registration.seminar_id == seminar.id, Registration.person_id == person.id))
    if existing is not None and existing.status != "cancelled":
        raise Conflict(_l("%(name)s is already on this seminar's list.", name=person.full_name))

    try:
        with db.session.begin_nested():
            got_seat = _take_seat(seminar.id)
            if not got_seat:
                # Full (or its status changed meanwhile). Decide under the seminar's lock, so
                # that a seat freed a moment ago is not missed while we join the queue.
                seminar = _lock(seminar)
                if not seminar.accepts_registrations:
                    raise InvalidState(_l("“%(title)s” is %(status)s: nobody can register any "
                                          "more.", title=seminar.title,
                                          status=_status_label(seminar.status)))
                got_seat = _take_seat(seminar.id)
                if not got_seat and not seminar.waitlist_enabled:
                    raise SeminarFull(_l("“%(title)s” is full (%(n)s seats) and keeps no waiting "
                                         "list.", title=seminar.title, n=seminar.capacity))
            status = "registered" if got_seat else "waitlisted"
            if existing is not None:
                # Conditional, so that two requests cannot both revive the same record.
                revived = db.session.execute(
                    update(Registration)
                    .where(Registration.id == existing.id, Registration.status == "cancelled")
                    .values(status=status, status_changed_at=utcnow(), left_pending=False)
                    .execution_options(synchronize_session=False))
                if revived.rowcount != 1:
                    raise Conflict(_l("%(name)s is already on this seminar's list.",
                                      name=person.full_name))
                registration = existing
            else:
                registration = Registration(seminar_id=seminar.id, person_id=person.id,
                                            status=status, status_changed_at=utcnow())
                db.session.add(registration)
            db.session.flush()
    except IntegrityError:
        # The same person was registered by someone else a moment ago.
        raise Conflict(_l("%(name)s is already on this seminar's list.",
                          name=person.full_name)) from None
    _refresh(seminar)
    db.session.refresh(registration)
    record(actor, "registration.create" if existing is None else "registration.renew",
           registration, summary=f"{person.full_name} → {seminar.title}",
           details={"status": status, "seminar_id": seminar.id, "person_id": person.id})
    db.session.flush()
    return registration


def register_new_person(seminar: Seminar, values: dict, *, actor,
                        allow_duplicates: bool = False) -> Registration:
    """Create a participant (refusing likely duplicates, see ``people.services``) and register
    them in one step."""
    if not seminar.accepts_registrations:
        raise InvalidState(_l("“%(title)s” is %(status)s: nobody can register any more.",
                              title=seminar.title, status=_status_label(seminar.status)))
    person = people_services.create_person(values, actor=actor,
                                           allow_duplicates=allow_duplicates)
    return register_person(seminar, person, actor=actor)


def _fill_free_seats(seminar: Seminar, *, actor) -> list[Registration]:
    """Give free seats to the waiting list in queue order (the caller holds the seminar lock)."""
    promoted = []
    while True:
        first = db.session.scalar(
            select(Registration)
            .where(Registration.seminar_id == seminar.id, Registration.status == "waitlisted")
            .order_by(Registration.status_changed_at, Registration.id).limit(1))
        if first is None or not _take_seat(seminar.id):
            break
        first.status, first.status_changed_at = "registered", utcnow()
        db.session.flush()
        promoted.append(first)
    _refresh(seminar)
    for registration in promoted:
        record(actor, "registration.promote", registration,
               summary=f"{registration.person.full_name} → {seminar.title}",
               details={"seminar_id": seminar.id})
    return promoted


def cancel_registration(registration: Registration, *, actor) -> Registration | None:
    """Cancel a registration (or a place on the waiting list). A freed seat goes to the first
    person waiting; returns that person's registration, if any."""
    seminar = _lock(registration.seminar)
    if not seminar.accepts_registrations:
        raise InvalidState(_l("“%(title)s” is %(status)s: its list cannot change any more.",
                              title=seminar.title, status=_status_label(seminar.status)))
    db.session.refresh(registration)
    if registration.status == "cancelled":
        raise InvalidState(_l("This registration is already cancelled."))
    held_seat = registration.status == "registered"
    old = registration.status
    registration.status, registration.status_changed_at = "cancelled", utcnow()
    db.session.flush()
    record(actor, "registration.cancel", registration,
           summary=f"{registration.person.full_name} → {seminar.title}",
           details={"from": old, "seminar_id": seminar.id})
    promoted = []
    if held_seat:
        _release_seat(seminar.id)
        promoted = _fill_free_seats(seminar, actor=actor)
    _refresh(seminar)
    db.session.flush()
    return promoted[0] if promoted else None


# --- attendance and results --------------------------------------------------------------------

def _check_recording(seminar: Seminar, shown_ids, registered: list[Registration]) -> None:
    """The seminar is running (a completed one's records are frozen), and the form the user
    filled listed exactly today's participants - a form from before someone was registered
    or cancelled would otherwise read their missing fields as "absent" or "no score"."""
    if seminar.records_frozen:
        raise InvalidState(_l("The seminar is completed: its attendance and results are "
                              "frozen. The office corrects a record, with a reason."))
    if not seminar.records_results:
        raise InvalidState(_l("Attendance and results are recorded once the seminar is in "
                              "progress."))
    if shown_ids is not None and set(shown_ids) != {reg.id for reg in registered}:
        raise DomainError(_l("The participant list changed since this page was opened: "
                             "nothing was saved. Reload the page and enter it again."))


def record_attendance(seminar_day: SeminarDay, present_ids, *, actor, shown_ids=None) -> dict:
    """Mark, for one day, every registered participant present (``present_ids``: registration
    ids) or absent (everyone else). ``shown_ids``: the participants the form listed (refused
    when that is no longer the roster). Returns ``{"present": n, "absent": n}``.
    Takes the seminar's lock first, so completing the seminar and recording take turns."""
    seminar = _lock(seminar_day.seminar)
    db.session.expire(seminar, ["registrations"])  # someone registered meanwhile is seen
    registered = seminar.registered()
    _check_recording(seminar, shown_ids, registered)
    present_ids = {int(value) for value in present_ids}
    unknown = present_ids - {reg.id for reg in registered}
    if unknown:
        raise DomainError(_l("Some of the people marked are not registered to this seminar."))
    marks = {mark.registration_id: mark for mark in db.session.scalars(
        select(Attendance).where(Attendance.seminar_day_id == seminar_day.id))}
    changed = {}
    for reg in registered:
        present = reg.id in present_ids
        mark = marks.get(reg.id)
        if mark is None:
            db.session.add(Attendance(registration_id=reg.id, seminar_day_id=seminar_day.id,
                                      present=present))
            changed[str(reg.id)] = present
        elif mark.present != present:
            mark.present = present
            changed[str(reg.id)] = present
    db.session.flush()
    for reg in registered:
        db.session.expire(reg, ["attendance"])
    counts = {"present": len(present_ids), "absent": len(registered) - len(present_ids)}
    if changed:
        record(actor, "seminar.attendance", seminar, summary=f"{seminar.title}: "
               f"{seminar_day.day.isoformat()}",
               details={"day": seminar_day.day.isoformat(), **counts, "changed": changed})
        db.session.flush()
    return counts


class InvalidScores(DomainError):
    """Scores that may not be recorded, every one of them: ``errors = {registration_id:
    message}`` (the form marks them all at once); ``field`` names the first."""

    def __init__(self, errors: dict):
        first = next(iter(errors))
        super().__init__(errors[first], field=f"score-{first}")
        self.errors = errors


def score_errors(seminar: Seminar, results: dict) -> dict:
    """What is wrong with each score of ``results = {registration_id: (score, left_pending)}``,
    checked for every row in one pass: ``{registration_id: message}`` (empty when all may be
    recorded). A score is a whole number from 0 to 100, and only for a course with an exam."""
    needs_exam = seminar.course.is_internal_auditor
    errors = {}
    for registration_id, (score, _left_pending) in results.items():
        if score is None:
            continue
        if not needs_exam:
            errors[registration_id] = _l(
                "This course has no exam: it is passed on attendance alone.")
        elif not (isinstance(score, int) and 0 <= score <= 100):
            errors[registration_id] = _l("A score is a whole number from 0 to 100.")
    return errors


def record_results(seminar: Seminar, results: dict, *, actor) -> int:
    """Enter exam scores (0-100, or None) and the "left pending" flag for every participant:
    ``results = {registration_id: (score, left_pending)}``, one entry per registered
    participant (a missing one is refused, never read as "no score"). All or nothing: one
    bad score and nothing is written (``InvalidScores`` names every bad one, see
    ``score_errors``). Returns how many participants changed. Takes the seminar's lock first,
    so completing the seminar and recording take turns."""
    seminar = _lock(seminar)
    db.session.expire(seminar, ["registrations"])  # someone registered meanwhile is seen
    registered = seminar.registered()
    _check_recording(seminar, list(results), registered)
    by_id = {reg.id: reg for reg in registered}
    needs_exam = seminar.course.is_internal_auditor
    if any(registration_id not in by_id for registration_id in results):
        raise DomainError(_l("Some of these people are not registered to this seminar."))
    errors = score_errors(seminar, results)
    if errors:
        raise InvalidScores(errors)
    changed = {}
    for registration_id, (score, left_pending) in results.items():
        reg = by_id[registration_id]
        new_score = score if needs_exam else reg.exam_score
        if reg.exam_score != new_score or reg.left_pending != bool(left_pending):
            changed[str(reg.id)] = {"score": [reg.exam_score, new_score],
                                    "left_pending": [reg.left_pending, bool(left_pending)]}
            reg.exam_score, reg.left_pending = new_score, bool(left_pending)
    db.session.flush()
    if changed:
        record(actor, "seminar.results", seminar, summary=seminar.title,
               details={"changed": changed})
        db.session.flush()
    return len(changed)


def _status_label(status: str):
    return SEMINAR_STATUS_IN_SENTENCE.get(status, status)


# --- export ------------------------------------------------------------------------------------



def roster_sheet(seminar: Seminar):
    """The seminar's list as a table: every registration (seated, waiting, cancelled) with
    its attendance per day, attendance percentage, exam score and outcome."""
    days = sorted(seminar.days, key=lambda d: d.day)
    headers = [str(h) for h in (_l("Full name"), _l("Name in Latin letters"), _l("Organization"),
                                _l("Position"), _l("Region or district"), _l("Email"),
                                _l("Phone"), _l("Registration"))]
    headers += [day.day.isoformat() for day in days]
    headers += [str(_l("Attendance %")), str(_l("Exam score")), str(_l("Outcome"))]
    order = {"registered": 0, "waitlisted": 1, "cancelled": 2}
    registrations = sorted(seminar.registrations, key=lambda r: (
        order.get(r.status, 3), r.person.full_name.casefold(), r.id))
    rows = []
    for reg in registrations:
        person = reg.person
        marks = {mark.seminar_day_id: mark.present for mark in reg.attendance}
        present = [{True: 1, False: 0}.get(marks.get(day.id), None) for day in days]
        seated = reg.status == "registered"
        rows.append([
            person.full_name, person.latin_name, person.organization.name
            if person.organization else None, person.position,
            person.region.label if person.region else None, person.email, person.phone,
            str(REGISTRATION_STATUS_LABELS.get(reg.status, reg.status)), *present,
            reg.attendance_percent() if seated else None, reg.exam_score,
            str(OUTCOME_LABELS[reg.derive_outcome()]) if seated else None,
        ])
    return Sheet(str(_l("Participants")), headers, rows)


def visible_seminars(user):
    """Seminars ``user`` may see: all of them for the office, their own for a trainer - of a
    regional office's account, only those held within its region (``auth.scope``)."""
    query = within_scope(select(Seminar), region_condition(user, Seminar.region_id))
    if user.role == "trainer":
        query = query.where(Seminar.trainers.any(User.id == user.id))
    return query


def find_seminars(user, *, status: str = "", course_id: int | None = None,
                  region_id: int | None = None, trainer_id: int | None = None,
                  since: date | None = None, until: date | None = None, term: str = ""):
    """The seminars ``user`` may see that match the list's filters (joined to their course);
    a region includes its districts, a period keeps seminars overlapping it."""
    query = visible_seminars(user).join(Seminar.course)
    if status in SEMINAR_STATUSES:
        query = query.where(Seminar.status == status)
    if course_id is not None:
        query = query.where(Seminar.course_id == course_id)
    if region_id is not None:
        query = query.where(Seminar.region_id.in_(region_and_below(region_id)))
    if trainer_id is not None:
        query = query.where(Seminar.trainers.any(User.id == trainer_id))
    if since:
        query = query.where(Seminar.end_date >= since)
    if until:
        query = query.where(Seminar.start_date <= until)
    # Title, venue and trainers across scripts; the course by its title or code as typed.
    query = query.where(*every_word(term, keys=[
        key_contains(Seminar.search_text),
        lambda key: Seminar.trainers.any(key_contains(User.search_name)(key))],
        plain=[Course.title, Course.code]))
    return query


def load_roster(seminar: Seminar) -> None:
    """Load the registrations with their people and attendance in a few queries."""
    db.session.scalars(
        select(Registration).where(Registration.seminar_id == seminar.id)
        .options(selectinload(Registration.person).selectinload(Person.organization),
                 selectinload(Registration.attendance))).all()


def roster_figures(seminar: Seminar, registered: list[Registration]) -> dict:
    """The seminar page's figures; outcomes are provisional until the seminar is completed."""
    final = seminar.status == "completed"
    outcomes = [reg.derive_outcome() if final else reg.assess()[0] for reg in registered]
    return {
        "registered": seminar.seats_taken,
        "capacity": seminar.capacity,
        "waiting": sum(1 for reg in seminar.registrations if reg.status == "waitlisted"),
        "attended": sum(1 for reg in registered if any(m.present for m in reg.attendance)),
        "passed": outcomes.count("passed"),
        "failed": outcomes.count("failed"),
        "final": final,
    }
