"""Attendance, exam results, derived outcomes and completing a seminar."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from registry.audit.models import AuditEvent
from registry.errors import DomainError, InvalidState
from registry.extensions import db
from registry.seminars import services
from registry.seminars.models import Attendance, Registration
from tests import fixtures


def _auditor_seminar(trainer, status="in_progress", **course):
    course = fixtures.create_course(kind="internal_auditor", pass_mark=70, min_attendance=100,
                                    **course)
    return fixtures.create_seminar(course=course, trainers=[trainer], status=status)


def _attendance_seminar(trainer, status="in_progress", min_attendance=80, days=5):
    course = fixtures.create_course(kind="attendance", pass_mark=None, days=days,
                                    min_attendance=min_attendance, prefix="AT")
    return fixtures.create_seminar(course=course, trainers=[trainer], status=status)


def _complete(seminar):
    seminar.status = "completed"
    db.session.commit()


@pytest.mark.parametrize("present_days, score, outcome, reason", [
    (3, 70, "passed", None),
    (3, 100, "passed", None),
    (3, 69, "failed", "score"),
    (2, 95, "failed", "attendance"),
    (3, None, "pending", "score_missing"),
    (None, 90, "pending", "attendance_missing"),
])
def test_internal_auditor_outcomes(trainer, present_days, score, outcome, reason):
    seminar = _auditor_seminar(trainer)
    registration = fixtures.create_registration(seminar, present_days=present_days,
                                                exam_score=score)
    assert registration.assess() == (outcome, reason)
    assert registration.derive_outcome() == "pending"  # not final before completion
    # The roster shows it meanwhile, marked provisional when it says passed or failed.
    assert registration.roster_outcome() == (outcome, reason, outcome != "pending")
    _complete(seminar)
    assert registration.derive_outcome() == outcome
    assert registration.fail_reason() == (reason if outcome == "failed" else None)
    assert registration.roster_outcome() == (outcome, reason, False)


@pytest.mark.parametrize("present_days, outcome", [(5, "passed"), (4, "passed"), (3, "failed"),
                                                   (None, "pending")])
def test_attendance_courses_pass_on_attendance_alone(trainer, present_days, outcome):
    seminar = _attendance_seminar(trainer)  # 5 days, 80 % needed
    registration = fixtures.create_registration(seminar, present_days=present_days)
    _complete(seminar)
    assert registration.exam_score is None
    assert registration.derive_outcome() == outcome


def test_failing_is_known_as_soon_as_the_minimum_cannot_be_reached(trainer):
    seminar = _auditor_seminar(trainer)
    registration = fixtures.create_registration(seminar)
    first_day = seminar.days[0]
    services.record_attendance(first_day, [], actor=trainer)
    db.session.commit()
    assert registration.attendance_counts() == (0, 1, 2)
    assert registration.assess() == ("failed", "attendance")


def test_left_pending_keeps_the_outcome_pending(trainer):
    seminar = _auditor_seminar(trainer)
    registration = fixtures.create_registration(seminar, present_days=3, exam_score=90)
    registration.left_pending = True
    _complete(seminar)
    assert registration.derive_outcome() == "pending"
    assert registration.fail_reason() is None


def test_waiting_people_have_no_outcome(trainer):
    seminar = _auditor_seminar(trainer)
    registration = fixtures.create_registration(seminar, status="waitlisted")
    _complete(seminar)
    assert registration.derive_outcome() == "pending"


def test_attendance_is_recorded_for_everyone_each_day(trainer, count_rows):
    seminar = _auditor_seminar(trainer)
    anna, bolor, chi = (fixtures.create_registration(seminar) for _ in range(3))
    fixtures.create_registration(seminar, status="waitlisted")
    counts = services.record_attendance(seminar.days[0], [anna.id, chi.id], actor=trainer)
    db.session.commit()
    assert counts == {"present": 2, "absent": 1}
    assert count_rows(Attendance) == 3  # one mark per registered person, none for the waiting
    # Marking the day again changes the marks, never duplicates them.
    services.record_attendance(seminar.days[0], [bolor.id], actor=trainer)
    db.session.commit()
    assert count_rows(Attendance) == 3
    db.session.expire_all()
    assert [anna.attendance_percent(), bolor.attendance_percent()] == [0, 33]
    assert db.session.scalar(select(AuditEvent.details).where(
        AuditEvent.action == "seminar.attendance").order_by(AuditEvent.id.desc()).limit(1)
    )["present"] == 1


def test_attendance_waits_until_the_seminar_runs(trainer, count_rows):
    seminar = _auditor_seminar(trainer, status="open")
    registration = fixtures.create_registration(seminar)
    with pytest.raises(InvalidState):
        services.record_attendance(seminar.days[0], [registration.id], actor=trainer)
    db.session.rollback()
    assert count_rows(Attendance) == 0


def test_attendance_of_strangers_is_refused(trainer, count_rows):
    seminar = _auditor_seminar(trainer)
    fixtures.create_registration(seminar)
    elsewhere = fixtures.create_registration(_auditor_seminar(trainer))
    with pytest.raises(DomainError):
        services.record_attendance(seminar.days[0], [elsewhere.id], actor=trainer)
    db.session.rollback()
    assert count_rows(Attendance) == 0


def test_results_are_saved_all_together(trainer):
    seminar = _auditor_seminar(trainer)
    anna, bolor = fixtures.create_registration(seminar), fixtures.create_registration(seminar)
    changed = services.record_results(seminar, {anna.id: (88, False), bolor.id: (None, True)},
                                      actor=trainer)
    db.session.commit()
    assert changed == 2
    db.session.expire_all()
    assert (anna.exam_score, anna.left_pending) == (88, False)
    assert (bolor.exam_score, bolor.left_pending) == (None, True)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "seminar.results"))
    assert event.details["changed"][str(anna.id)]["score"] == [None, 88]


@pytest.mark.parametrize("bad", [101, -1, 1000])
def test_a_score_outside_0_100_writes_nothing(trainer, count_rows, bad):
    seminar = _auditor_seminar(trainer)
    good, wrong = fixtures.create_registration(seminar), fixtures.create_registration(seminar)
    with pytest.raises(DomainError) as refused:
        services.record_results(seminar, {good.id: (80, False), wrong.id: (bad, False)},
                                actor=trainer)
    db.session.rollback()
    assert refused.value.field == f"score-{wrong.id}"
    db.session.expire_all()
    assert good.exam_score is None
    assert count_rows(AuditEvent) == 0


@pytest.mark.parametrize("status", ["draft", "open", "cancelled"])
def test_results_wait_until_the_seminar_runs(trainer, status):
    seminar = _auditor_seminar(trainer, status=status)
    registration = fixtures.create_registration(seminar)
    with pytest.raises(InvalidState):
        services.record_results(seminar, {registration.id: (90, False)}, actor=trainer)
    db.session.rollback()
    db.session.expire_all()
    assert registration.exam_score is None


def test_results_and_attendance_are_frozen_once_completed(trainer):
    """M2: a completed seminar's record is evidence; the trainer's forms no longer change it
    (the office corrects it, with a reason - tests/seminars/test_corrections.py)."""
    seminar = _auditor_seminar(trainer, status="completed")
    registration = fixtures.create_registration(seminar, present_days=3, exam_score=60)
    assert registration.derive_outcome() == "failed"
    with pytest.raises(InvalidState, match="frozen"):
        services.record_results(seminar, {registration.id: (75, False)}, actor=trainer)
    db.session.rollback()
    with pytest.raises(InvalidState, match="frozen"):
        services.record_attendance(seminar.days[0], [], actor=trainer)
    db.session.rollback()
    db.session.expire_all()
    assert registration.exam_score == 60 and registration.derive_outcome() == "failed"
    assert registration.attendance_counts() == (3, 0, 0)


def test_an_attendance_course_takes_no_score(trainer):
    seminar = _attendance_seminar(trainer)
    registration = fixtures.create_registration(seminar)
    with pytest.raises(DomainError, match="no exam"):
        services.record_results(seminar, {registration.id: (90, False)}, actor=trainer)
    db.session.rollback()


def test_completing_needs_every_outcome_decided(trainer):
    seminar = _auditor_seminar(trainer)
    decided = fixtures.create_registration(seminar, present_days=3, exam_score=90)
    open_one = fixtures.create_registration(seminar, present_days=3)  # no score yet
    with pytest.raises(InvalidState, match="not decided"):
        services.complete_seminar(seminar, actor=trainer)
    db.session.rollback()
    db.session.expire_all()
    assert seminar.status == "in_progress"
    services.record_results(seminar, {decided.id: (90, False), open_one.id: (None, True)},
                            actor=trainer)
    services.complete_seminar(seminar, actor=trainer)
    db.session.commit()
    assert seminar.status == "completed"
    assert (decided.derive_outcome(), open_one.derive_outcome()) == ("passed", "pending")


def test_completing_can_leave_the_undecided_pending_explicitly(trainer):
    seminar = _auditor_seminar(trainer)
    failed = fixtures.create_registration(seminar, present_days=1, exam_score=99)
    open_one = fixtures.create_registration(seminar)
    services.complete_seminar(seminar, actor=trainer, leave_undecided_pending=True)
    db.session.commit()
    db.session.expire_all()
    assert (failed.left_pending, open_one.left_pending) == (False, True)
    assert failed.derive_outcome() == "failed"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "seminar.complete"))
    assert event.details["left_pending"] == [open_one.id]


@pytest.mark.parametrize("status", ["draft", "open", "completed", "cancelled"])
def test_only_a_running_seminar_can_be_completed(trainer, status):
    seminar = _auditor_seminar(trainer, status=status)
    with pytest.raises(InvalidState):
        services.complete_seminar(seminar, actor=trainer)
    db.session.rollback()


def test_registrations_count_matches_seats(trainer):
    seminar = _auditor_seminar(trainer)
    for _ in range(3):
        services.register_person(seminar, fixtures.create_person(), actor=trainer)
    db.session.commit()
    registered = db.session.scalars(select(Registration).where(
        Registration.status == "registered")).all()
    assert len(registered) == seminar.seats_taken == 3
