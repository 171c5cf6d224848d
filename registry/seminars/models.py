from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from flask_babel import lazy_pgettext
from sqlalchemy import event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.database import TimestampMixin, UTCTimestamp, utcnow
from registry.extensions import db

SEMINAR_STATUSES = ("draft", "open", "in_progress", "completed", "cancelled")
REGISTRATION_STATUSES = ("registered", "waitlisted", "cancelled")
OUTCOMES = ("pending", "passed", "failed")
# A person may be registered (or cancel) while the seminar is planned or running.
REGISTRABLE_STATUSES = ("draft", "open", "in_progress")
# Attendance and results are recorded while the seminar runs; once it is completed they are
# evidence, frozen: only the office corrects them (``seminars.corrections``), with a reason.
RECORDING_STATUSES = ("in_progress",)
# Where attendance and results are there to be read (the forms show them, read-only after).
RECORDED_STATUSES = ("in_progress", "completed")

# The words shown for each state, defined once: pages, exports and messages all use these.
# The context tells translators which "Cancelled" or "Open" this is.
SEMINAR_STATUS_LABELS = {
    "draft": lazy_pgettext("seminar status", "Draft"),
    "open": lazy_pgettext("seminar status", "Open for registration"),
    "in_progress": lazy_pgettext("seminar status", "In progress"),
    "completed": lazy_pgettext("seminar status", "Completed"),
    "cancelled": lazy_pgettext("seminar status", "Cancelled"),
}
# The same states inside a sentence ("The seminar is a draft; ..."): other grammar, other words.
SEMINAR_STATUS_IN_SENTENCE = {
    "draft": lazy_pgettext("seminar status in a sentence", "a draft"),
    "open": lazy_pgettext("seminar status in a sentence", "open"),
    "in_progress": lazy_pgettext("seminar status in a sentence", "in progress"),
    "completed": lazy_pgettext("seminar status in a sentence", "completed"),
    "cancelled": lazy_pgettext("seminar status in a sentence", "cancelled"),
}
REGISTRATION_STATUS_LABELS = {
    "registered": lazy_pgettext("registration status", "Registered"),
    "waitlisted": lazy_pgettext("registration status", "Waiting list"),
    "cancelled": lazy_pgettext("registration status", "Cancelled"),
}
OUTCOME_LABELS = {
    "pending": lazy_pgettext("outcome", "Pending"),
    "passed": lazy_pgettext("outcome", "Passed"),
    "failed": lazy_pgettext("outcome", "Failed"),
}

seminar_trainer = Table(
    "seminar_trainer",
    db.Model.metadata,
    Column("seminar_id", ForeignKey("seminar.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("user.id", ondelete="RESTRICT"), primary_key=True),
    Index("ix_seminar_trainer_user_id", "user_id"),
)

# Who taught the seminar: everyone who was one of its trainers once it was in progress. A fact,
# kept apart from the trainer list (which may change later) and never shortened, so that a
# trainer later made an official can never certify a seminar they taught.
seminar_taught_by = Table(
    "seminar_taught_by",
    db.Model.metadata,
    Column("seminar_id", ForeignKey("seminar.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("user.id", ondelete="RESTRICT"), primary_key=True),
    Index("ix_seminar_taught_by_user_id", "user_id"),
)


class Seminar(TimestampMixin, db.Model):
    """One run of a course. ``seats_taken`` is the number of registered (not waiting)
    participants, kept in the row so that taking a seat is one atomic conditional UPDATE."""

    __tablename__ = "seminar"
    __table_args__ = (
        CheckConstraint(
            "status IN ('draft', 'open', 'in_progress', 'completed', 'cancelled')", name="status"
        ),
        CheckConstraint("end_date >= start_date", name="dates_ordered"),
        CheckConstraint("capacity > 0", name="capacity_positive"),
        CheckConstraint("seats_taken >= 0 AND seats_taken <= capacity", name="seats_within"),
        CheckConstraint(
            "status <> 'cancelled' OR cancel_reason IS NOT NULL", name="cancel_has_reason"
        ),
        Index("ix_seminar_status_start", "status", "start_date"),
        Index("ix_seminar_course_id", "course_id"),
        Index("ix_seminar_region_id", "region_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="RESTRICT"),
                                           nullable=False)
    title: Mapped[str] = mapped_column(String(250), nullable=False)
    start_date: Mapped[date] = mapped_column(Date, nullable=False)
    end_date: Mapped[date] = mapped_column(Date, nullable=False)
    venue: Mapped[str] = mapped_column(String(250), default="", nullable=False)
    # Title and venue in matching form (see ``seminar_search_text``), kept on every save.
    search_text: Mapped[str] = mapped_column(String(520), default="", nullable=False)
    region_id: Mapped[int | None] = mapped_column(ForeignKey("region.id", ondelete="RESTRICT"))
    language: Mapped[str] = mapped_column(String(10), default="en", nullable=False)
    capacity: Mapped[int] = mapped_column(nullable=False)
    seats_taken: Mapped[int] = mapped_column(default=0, nullable=False)
    waitlist_enabled: Mapped[bool] = mapped_column(default=True, nullable=False)
    status: Mapped[str] = mapped_column(String(20), default="draft", nullable=False)
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="RESTRICT"))

    course = relationship("Course")
    region = relationship("Region")
    trainers = relationship("User", secondary=seminar_trainer, order_by="User.name")
    taught_by = relationship("User", secondary=seminar_taught_by, order_by="User.name")
    days: Mapped[list[SeminarDay]] = relationship(
        back_populates="seminar", order_by="SeminarDay.day", cascade="all, delete-orphan"
    )
    registrations: Mapped[list[Registration]] = relationship(
        back_populates="seminar", order_by="Registration.id"
    )

    def is_trainer(self, user) -> bool:
        return any(trainer.id == getattr(user, "id", None) for trainer in self.trainers)

    def was_taught_by(self, user) -> bool:
        """Whether ``user`` is or was one of this seminar's trainers while it ran."""
        user_id = getattr(user, "id", None)
        return self.is_trainer(user) or any(t.id == user_id for t in self.taught_by)

    def record_teaching(self) -> None:
        """Add the current trainers to who taught the seminar (once it is in progress)."""
        known = {t.id for t in self.taught_by}
        self.taught_by.extend(t for t in self.trainers if t.id not in known)

    @property
    def accepts_registrations(self) -> bool:
        return self.status in REGISTRABLE_STATUSES

    @property
    def records_results(self) -> bool:
        return self.status in RECORDING_STATUSES

    @property
    def has_records(self) -> bool:
        """Whether attendance and results exist to be shown (running or completed)."""
        return self.status in RECORDED_STATUSES

    @property
    def records_frozen(self) -> bool:
        return self.status == "completed"

    @property
    def is_editable(self) -> bool:
        return self.status in REGISTRABLE_STATUSES

    def registered(self) -> list[Registration]:
        """Participants holding a seat, by name."""
        return sorted((r for r in self.registrations if r.status == "registered"),
                      key=lambda r: (r.person.full_name.casefold(), r.id))

    def waiting_list(self) -> list[Registration]:
        """Waiting participants in queue order (who joined the list first)."""
        return sorted((r for r in self.registrations if r.status == "waitlisted"),
                      key=lambda r: (r.status_changed_at, r.id))

    @property
    def free_seats(self) -> int:
        return max(0, self.capacity - self.seats_taken)

    def __str__(self) -> str:
        return self.title


class SeminarDay(db.Model):
    """One day of a seminar (days need not be consecutive)."""

    __tablename__ = "seminar_day"
    __table_args__ = (UniqueConstraint("seminar_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    seminar_id: Mapped[int] = mapped_column(
        ForeignKey("seminar.id", ondelete="CASCADE"), nullable=False
    )
    day: Mapped[date] = mapped_column(Date, nullable=False)

    seminar: Mapped[Seminar] = relationship(back_populates="days")


class Registration(TimestampMixin, db.Model):
    """A person in a seminar: registered, waiting, or cancelled; attendance and exam score.

    The outcome is derived (see ``derive_outcome``), except that a trainer may explicitly
    leave it pending when completing a seminar.
    """

    __tablename__ = "registration"
    __table_args__ = (
        UniqueConstraint("seminar_id", "person_id"),
        CheckConstraint(
            "status IN ('registered', 'waitlisted', 'cancelled')", name="status"
        ),
        CheckConstraint(
            "exam_score IS NULL OR (exam_score BETWEEN 0 AND 100)", name="exam_score_range"
        ),
        Index("ix_registration_person_id", "person_id"),
        Index("ix_registration_seminar_status", "seminar_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    seminar_id: Mapped[int] = mapped_column(
        ForeignKey("seminar.id", ondelete="RESTRICT"), nullable=False
    )
    person_id: Mapped[int] = mapped_column(
        ForeignKey("person.id", ondelete="RESTRICT"), nullable=False
    )
    status: Mapped[str] = mapped_column(String(20), nullable=False)
    # The queue order of the waiting list: when the person (last) joined it.
    status_changed_at: Mapped[datetime] = mapped_column(
        UTCTimestamp(), default=utcnow, nullable=False
    )
    exam_score: Mapped[int | None]
    left_pending: Mapped[bool] = mapped_column(default=False, nullable=False)

    seminar: Mapped[Seminar] = relationship(back_populates="registrations")
    person = relationship("Person")
    attendance: Mapped[list[Attendance]] = relationship(
        back_populates="registration", cascade="all, delete-orphan"
    )

    def attendance_percent(self) -> int:
        """Share of the seminar's days this person was marked present on (0-100, rounded down)."""
        total_days = len(self.seminar.days)
        if total_days == 0:
            return 0
        present_days = sum(1 for mark in self.attendance if mark.present)
        return present_days * 100 // total_days

    def attendance_counts(self) -> tuple[int, int, int]:
        """``(present, absent, unmarked)`` days of this registration."""
        marks = {mark.seminar_day_id: mark.present for mark in self.attendance}
        present = sum(1 for day in self.seminar.days if marks.get(day.id) is True)
        absent = sum(1 for day in self.seminar.days if marks.get(day.id) is False)
        return present, absent, len(self.seminar.days) - present - absent

    def assess(self) -> tuple[str, str | None]:
        """The course rules applied to what is recorded: ``(outcome, reason)``.

        ``outcome`` is ``pending`` | ``passed`` | ``failed``; ``reason`` says why it is not
        ``passed``: ``attendance`` (below the course minimum, or it can no longer be reached),
        ``score`` (below the pass mark), ``attendance_missing`` (a day is not marked yet),
        ``score_missing`` (no exam score yet), ``not_registered`` (waiting or cancelled).
        This does not look at the seminar's status: the roster shows it while the seminar
        runs; ``derive_outcome`` is the final word.
        """
        if self.status != "registered":
            return "pending", "not_registered"
        course = self.seminar.course
        total = len(self.seminar.days)
        present, _absent, unmarked = self.attendance_counts()
        minimum = course.min_attendance_percent
        # Failing is certain when even a perfect record on the unmarked days stays below it.
        best_possible = (present + unmarked) * 100 // total if total else 0
        if best_possible < minimum:
            return "failed", "attendance"
        needs_exam = course.certificate_kind == "internal_auditor"
        if needs_exam and self.exam_score is not None and self.exam_score < (course.pass_mark or 0):
            return "failed", "score"
        if unmarked:
            return "pending", "attendance_missing"
        if needs_exam and self.exam_score is None:
            return "pending", "score_missing"
        return "passed", None

    def derive_outcome(self) -> str:
        """``pending`` | ``passed`` | ``failed`` from attendance, exam score and the course rules.

        Attendance courses pass on attendance alone; internal-auditor courses also need an exam
        score at or above the pass mark. Missing data (a day not marked, no score) keeps it
        ``pending``. Until the seminar is completed (or while the trainer explicitly left it
        pending) the outcome is ``pending``.
        """
        if self.status != "registered" or self.left_pending:
            return "pending"
        if self.seminar.status != "completed":
            return "pending"
        return self.assess()[0]

    def roster_outcome(self) -> tuple[str, str | None, bool]:
        """What a roster shows: ``(outcome, reason, provisional)``. Final - ``derive_outcome``
        - once the seminar is completed; before that the course rules applied to what is
        recorded so far, and a passed/failed is marked provisional (it may still change)."""
        if self.seminar.status == "completed":
            result = self.derive_outcome()
            if result == "failed":
                return result, self.fail_reason(), False
            return result, (None if self.left_pending else self.assess()[1]), False
        result, reason = self.assess()
        return result, reason, result != "pending"

    def fail_reason(self) -> str | None:
        """Why the (derived) outcome is ``failed``: ``attendance`` or ``score``; else ``None``."""
        return self.assess()[1] if self.derive_outcome() == "failed" else None

    @property
    def is_decided(self) -> bool:
        """Whether completing the seminar would give a passed/failed outcome (or the trainer
        explicitly left it pending)."""
        return self.left_pending or self.assess()[0] != "pending"


class Attendance(db.Model):
    """Whether a registered person was present on one seminar day."""

    __tablename__ = "attendance"
    __table_args__ = (
        UniqueConstraint("registration_id", "seminar_day_id"),
        Index("ix_attendance_seminar_day_id", "seminar_day_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registration.id", ondelete="CASCADE"), nullable=False
    )
    seminar_day_id: Mapped[int] = mapped_column(
        ForeignKey("seminar_day.id", ondelete="CASCADE"), nullable=False
    )
    present: Mapped[bool] = mapped_column(nullable=False)

    registration: Mapped[Registration] = relationship(back_populates="attendance")
    seminar_day = relationship("SeminarDay")


def seminar_search_text(title: str | None, venue: str | None) -> str:
    """Title and venue in the matching form of names (``people.names.search_key``: Latin
    letters, case and diacritics folded), so that the list's search crosses scripts."""
    from registry.people.names import search_key

    return f"{search_key(title)} | {search_key(venue)}"[:520]


@event.listens_for(Seminar, "before_insert")
@event.listens_for(Seminar, "before_update")
def _keep_search_text(_mapper, _connection, seminar: Seminar) -> None:
    seminar.search_text = seminar_search_text(seminar.title, seminar.venue)
