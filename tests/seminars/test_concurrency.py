"""Capacity under real concurrency: threads with their own connections, released together.

Runs on whichever database the suite runs on (SQLite file, then PostgreSQL - see
tests/tools/run_suite.py). Each worker is one "request": it reads what it needs, waits at the
barrier, then registers (or cancels) in a writing transaction and commits.
"""
from __future__ import annotations

import time

from sqlalchemy import func, select

from registry.extensions import db
from registry.people.models import Person
from registry.seminars import services
from registry.seminars.models import Registration, Seminar
from tests import fixtures
from tests.concurrency import run_together

REPEATS = 20


class Register:
    def __init__(self, seminar_id):
        self.seminar_id = seminar_id

    def prepare(self, person_id):
        return db.session.get(Seminar, self.seminar_id), db.session.get(Person, person_id)

    def run(self, prepared):
        seminar, person = prepared
        return services.register_person(seminar, person, actor=None).status


class Cancel:
    def prepare(self, registration_id):
        return db.session.get(Registration, registration_id)

    def run(self, registration):
        promoted = services.cancel_registration(registration, actor=None)
        return "cancelled", promoted.id if promoted else None


def _db_state(seminar_id):
    db.session.rollback()  # a fresh transaction sees what the workers committed
    seminar = db.session.get(Seminar, seminar_id)
    counts = dict(db.session.execute(
        select(Registration.status, func.count()).where(Registration.seminar_id == seminar_id)
        .group_by(Registration.status)).all())
    return seminar, counts


def _full_seminar_but_one(capacity=3, waitlist=True):
    seminar = fixtures.create_seminar(capacity=capacity, waitlist=waitlist)
    for _ in range(capacity - 1):
        fixtures.create_registration(seminar)
    return seminar


def test_the_last_seat_goes_to_exactly_one_of_many(app):
    for repeat in range(REPEATS):
        seminar = _full_seminar_but_one()
        people = [fixtures.create_person(f"Өлзийбаяр Батболд {repeat}-{n}") for n in range(4)]
        results = run_together(app, [(Register(seminar.id), p.id) for p in people])
        assert sorted(map(str, results)) == ["registered"] + ["waitlisted"] * 3, results
        seminar, counts = _db_state(seminar.id)
        assert seminar.seats_taken == seminar.capacity == 3
        assert counts == {"registered": 3, "waitlisted": 3}


def test_without_waiting_list_the_others_are_told_it_is_full(app):
    for repeat in range(REPEATS):
        seminar = _full_seminar_but_one(waitlist=False)
        people = [fixtures.create_person(f"Trần Văn Đức {repeat}-{n}") for n in range(2)]
        results = run_together(app, [(Register(seminar.id), p.id) for p in people])
        winners = [r for r in results if r == "registered"]
        refused = [r for r in results if isinstance(r, services.SeminarFull)]
        assert len(winners) == 1 and len(refused) == 1, results
        assert "full" in str(refused[0].message)
        seminar, counts = _db_state(seminar.id)
        assert seminar.seats_taken == 3
        assert counts == {"registered": 3}


def test_the_same_person_twice_at_once_is_registered_once(app):
    for repeat in range(REPEATS):
        seminar = fixtures.create_seminar(capacity=5)
        person = fixtures.create_person(f"Мөнхзул Дорж {repeat}")
        results = run_together(app, [(Register(seminar.id), person.id)] * 2)
        assert sorted(type(r).__name__ for r in results) == ["Conflict", "str"], results
        seminar, counts = _db_state(seminar.id)
        assert seminar.seats_taken == 1
        assert counts == {"registered": 1}


def test_simultaneous_cancellations_promote_each_waiting_person_once(app):
    for repeat in range(REPEATS):
        seminar = fixtures.create_seminar(capacity=2)
        holders = [fixtures.create_registration(seminar) for _ in range(2)]
        waiting = [fixtures.create_registration(seminar, status="waitlisted") for _ in range(3)]
        results = run_together(app, [(Cancel(), reg.id) for reg in holders])
        promoted = sorted(result[1] for result in results)
        assert promoted == sorted([waiting[0].id, waiting[1].id]), results
        seminar, counts = _db_state(seminar.id)
        assert seminar.seats_taken == 2
        assert counts == {"registered": 2, "waitlisted": 1, "cancelled": 2}


def test_a_cancellation_racing_a_registration_leaves_no_seat_unused(app):
    for repeat in range(REPEATS):
        seminar = fixtures.create_seminar(capacity=2)
        holder = fixtures.create_registration(seminar)
        fixtures.create_registration(seminar)
        newcomer = fixtures.create_person(f"Үүрцайх Гантулга {repeat}")
        results = run_together(app, [(Cancel(), holder.id), (Register(seminar.id),
                                                                newcomer.id)])
        assert not any(isinstance(r, Exception) for r in results), results
        seminar, counts = _db_state(seminar.id)
        # Whichever came first, the newcomer ends up in the freed seat.
        assert seminar.seats_taken == 2
        assert counts == {"registered": 2, "cancelled": 1}


# --- M2: completing and recording take turns --------------------------------------------------

class Complete:
    def __init__(self, trainer_id):
        self.trainer_id = trainer_id

    def prepare(self, seminar_id):
        from registry.auth.models import User

        return db.session.get(Seminar, seminar_id), db.session.get(User, self.trainer_id)

    def run(self, prepared):
        seminar, trainer = prepared
        services.complete_seminar(seminar, actor=trainer, leave_undecided_pending=True)
        return "completed"


class RecordResults:
    def __init__(self, trainer_id, score, pause):
        self.trainer_id, self.score, self.pause = trainer_id, score, pause

    def prepare(self, seminar_id):
        from registry.auth.models import User

        seminar = db.session.get(Seminar, seminar_id)
        results = {reg.id: (self.score, False) for reg in seminar.registered()}
        return seminar_id, results, db.session.get(User, self.trainer_id)

    def run(self, prepared):
        seminar_id, results, trainer = prepared
        # As the view does: the request loads the seminar and its roster, reads the form, then
        # saves. The pause (0-40 ms, varying by round) spreads the save across the other
        # request's completion, so both orders - and the stale-read window - are exercised.
        seminar = db.session.get(Seminar, seminar_id)
        services.load_roster(seminar)
        time.sleep(self.pause)
        return services.record_results(seminar, results, actor=trainer)


def test_results_never_land_after_the_seminar_is_completed(app):
    """A trainer saving results while another completes the seminar: either the results are
    in before completion (and completion judged them) or they are refused as frozen - never
    a change written after completion, outside the office's correction."""
    from registry.audit.models import AuditEvent

    trainer = fixtures.create_user("trainer")
    for repeat in range(REPEATS):
        seminar = fixtures.create_seminar(trainers=[trainer], status="in_progress")
        for n in range(12):
            fixtures.create_registration(
                seminar, fixtures.create_person(f"Ўктам Қодиров {repeat}-{n}"),
                present_days=3, exam_score=50)
        results = run_together(app, [(Complete(trainer.id), seminar.id),
                                     (RecordResults(trainer.id, 90, repeat * 0.002),
                                      seminar.id)])
        assert results[0] == "completed", results
        db.session.rollback()
        events = db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.record_type == "seminar",
                                            AuditEvent.record_id == seminar.id)
            .order_by(AuditEvent.id)).all()
        scores = set(db.session.scalars(select(Registration.exam_score).where(
            Registration.seminar_id == seminar.id)))
        if isinstance(results[1], Exception):
            assert "frozen" in str(results[1].message), results
            assert events == ["seminar.complete"]
            assert scores == {50}
        else:
            assert events == ["seminar.results", "seminar.complete"], events
            assert scores == {90}
