"""Registering, the waiting list and its promotion, through the service."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from registry.audit.models import AuditEvent
from registry.errors import Conflict, InvalidState
from registry.extensions import db
from registry.seminars import services
from registry.seminars.models import Registration
from tests import fixtures
from tests.seminars.conftest import seats_taken, statuses


def _register(seminar, person, actor):
    registration = services.register_person(seminar, person, actor=actor)
    db.session.commit()
    return registration


def test_a_free_seat_registers_and_is_counted(trainer):
    seminar = fixtures.create_seminar(trainers=[trainer], capacity=2)
    person = fixtures.create_person("Шаҳноза Ғуломова")
    registration = _register(seminar, person, trainer)
    assert registration.status == "registered"
    assert seats_taken(seminar) == 1
    event = db.session.scalar(select(AuditEvent).where(
        AuditEvent.action == "registration.create"))
    assert event.record_id == registration.id and event.actor_id == trainer.id


def test_a_full_seminar_puts_people_on_the_waiting_list(trainer):
    seminar = fixtures.create_seminar(trainers=[trainer], capacity=1)
    first = _register(seminar, fixtures.create_person(), trainer)
    second = _register(seminar, fixtures.create_person(), trainer)
    assert (first.status, second.status) == ("registered", "waitlisted")
    assert seats_taken(seminar) == 1
    assert statuses(seminar) == {"registered": 1, "waitlisted": 1}


def test_a_full_seminar_without_waiting_list_refuses_and_writes_nothing(trainer, count_rows):
    seminar = fixtures.create_seminar(trainers=[trainer], capacity=1, waitlist=False)
    _register(seminar, fixtures.create_person(), trainer)
    late = fixtures.create_person("Nguyễn Thị Thắm")
    before = count_rows(Registration), count_rows(AuditEvent)
    with pytest.raises(services.SeminarFull, match="full"):
        services.register_person(seminar, late, actor=trainer)
    db.session.rollback()
    assert (count_rows(Registration), count_rows(AuditEvent)) == before
    assert seats_taken(seminar) == 1


def test_a_person_is_registered_at_most_once(trainer, count_rows):
    seminar = fixtures.create_seminar(trainers=[trainer], capacity=5)
    person = fixtures.create_person()
    _register(seminar, person, trainer)
    with pytest.raises(Conflict, match="already on this seminar's list"):
        services.register_person(seminar, person, actor=trainer)
    db.session.rollback()
    assert count_rows(Registration) == 1
    assert seats_taken(seminar) == 1


@pytest.mark.parametrize("status", ["cancelled", "completed"])
def test_cancelled_and_completed_seminars_take_nobody(trainer, count_rows, status):
    seminar = fixtures.create_seminar(trainers=[trainer], status=status)
    with pytest.raises(InvalidState, match="nobody can register"):
        services.register_person(seminar, fixtures.create_person(), actor=trainer)
    db.session.rollback()
    assert count_rows(Registration) == 0
    assert seats_taken(seminar) == 0


def test_cancelling_frees_the_seat_for_the_first_person_waiting(trainer):
    seminar = fixtures.create_seminar(trainers=[trainer], capacity=2)
    holders = [_register(seminar, fixtures.create_person(), trainer) for _ in range(2)]
    waiting = [_register(seminar, fixtures.create_person(), trainer) for _ in range(3)]
    # Queue order is when people joined the list, not the id.
    waiting[0].status_changed_at += timedelta(minutes=5)
    db.session.commit()
    promoted = services.cancel_registration(holders[0], actor=trainer)
    db.session.commit()
    assert promoted.id == waiting[1].id
    db.session.expire_all()
    assert [reg.status for reg in waiting] == ["waitlisted", "registered", "waitlisted"]
    assert holders[0].status == "cancelled"
    assert seats_taken(seminar) == 2
    assert statuses(seminar) == {"registered": 2, "waitlisted": 2, "cancelled": 1}
    actions = db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.action.in_(["registration.cancel", "registration.promote"]))).all()
    assert sorted(actions) == ["registration.cancel", "registration.promote"]


def test_leaving_the_waiting_list_promotes_nobody(trainer):
    seminar = fixtures.create_seminar(trainers=[trainer], capacity=1)
    _register(seminar, fixtures.create_person(), trainer)
    first = _register(seminar, fixtures.create_person(), trainer)
    second = _register(seminar, fixtures.create_person(), trainer)
    assert services.cancel_registration(first, actor=trainer) is None
    db.session.commit()
    db.session.expire_all()
    assert (first.status, second.status) == ("cancelled", "waitlisted")
    assert seats_taken(seminar) == 1


def test_a_cancelled_registration_cannot_be_cancelled_again(trainer):
    seminar = fixtures.create_seminar(trainers=[trainer])
    registration = _register(seminar, fixtures.create_person(), trainer)
    services.cancel_registration(registration, actor=trainer)
    db.session.commit()
    with pytest.raises(InvalidState):
        services.cancel_registration(registration, actor=trainer)
    db.session.rollback()
    assert seats_taken(seminar) == 0


def test_registering_again_after_cancelling_reuses_the_record(trainer, count_rows):
    seminar = fixtures.create_seminar(trainers=[trainer], capacity=1)
    person = fixtures.create_person()
    registration = _register(seminar, person, trainer)
    services.cancel_registration(registration, actor=trainer)
    db.session.commit()
    _register(seminar, fixtures.create_person(), trainer)  # takes the seat meanwhile
    again = _register(seminar, person, trainer)
    assert again.id == registration.id
    assert again.status == "waitlisted"
    assert count_rows(Registration) == 2


def test_a_completed_seminars_list_cannot_change(trainer):
    seminar = fixtures.create_seminar(trainers=[trainer], status="completed")
    registration = fixtures.create_registration(seminar)
    with pytest.raises(InvalidState):
        services.cancel_registration(registration, actor=trainer)
    db.session.rollback()
    db.session.expire_all()
    assert registration.status == "registered"


def test_registering_a_merged_person_registers_the_record_kept(trainer):
    seminar = fixtures.create_seminar(trainers=[trainer])
    kept = fixtures.create_person()
    merged = fixtures.create_person()
    merged.merged_into_id = kept.id
    db.session.commit()
    registration = _register(seminar, merged, trainer)
    assert registration.person_id == kept.id


def test_registering_a_new_person_creates_and_registers_at_once(trainer, count_rows):
    seminar = fixtures.create_seminar(trainers=[trainer])
    registration = services.register_new_person(
        seminar, {"full_name": "  Oʼlmas   Gʻaniyev "}, actor=trainer)
    db.session.commit()
    assert registration.person.full_name == "O\u02bblmas G\u02bbaniyev"
    assert registration.status == "registered"
    assert count_rows(Registration) == 1
