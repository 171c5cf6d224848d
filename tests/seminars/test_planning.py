"""Planning a seminar through the service: days, details, trainers, status changes."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from registry.audit.models import AuditEvent
from registry.errors import DomainError, InvalidState
from registry.extensions import db
from registry.seminars import services
from registry.seminars.models import Attendance, Seminar, SeminarDay
from tests import fixtures
from tests.seminars.conftest import statuses

MONDAY = date(2026, 3, 2)


def _plan(course, trainer, actor=None, **overrides):
    values = dict(course=course, actor=actor or trainer, start_date=MONDAY, venue=" Fergana ",
                  region_id=None, language="uz", capacity=10, trainers=[trainer])
    values.update(overrides)
    seminar = services.create_seminar(**values)
    db.session.commit()
    return seminar


def test_a_seminar_defaults_to_the_course_title_and_its_number_of_days(trainer):
    course = fixtures.create_course(days=3)
    seminar = _plan(course, trainer)
    assert seminar.title == course.title
    assert seminar.status == "draft"
    assert seminar.venue == "Fergana"
    assert [d.day for d in seminar.days] == [MONDAY, MONDAY + timedelta(1), MONDAY + timedelta(2)]
    assert (seminar.start_date, seminar.end_date) == (MONDAY, MONDAY + timedelta(2))
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "seminar.create"))
    assert event.record_id == seminar.id and event.actor_id == trainer.id


def test_listed_dates_need_not_be_consecutive(trainer):
    course = fixtures.create_course(days=3)
    dates = [MONDAY + timedelta(7), MONDAY, MONDAY + timedelta(2)]
    seminar = _plan(course, trainer, start_date=None, dates=dates, title="Weekly group")
    assert [d.day for d in seminar.days] == sorted(dates)
    assert (seminar.start_date, seminar.end_date) == (MONDAY, MONDAY + timedelta(7))
    assert seminar.title == "Weekly group"


def test_an_explicit_end_date_sets_the_days(trainer):
    seminar = _plan(fixtures.create_course(days=3), trainer, end_date=MONDAY + timedelta(4))
    assert len(seminar.days) == 5


@pytest.mark.parametrize("overrides, field", [
    ({"end_date": MONDAY - timedelta(1)}, "end_date"),
    ({"start_date": None}, "start_date"),
    ({"capacity": 0}, "capacity"),
    ({"capacity": None}, "capacity"),
    ({"language": "xx"}, "language"),
    ({"trainers": []}, "trainer_ids"),
    ({"end_date": MONDAY + timedelta(100)}, "end_date"),
])
def test_bad_plans_are_refused_and_nothing_is_written(trainer, count_rows, overrides, field):
    course = fixtures.create_course()
    before = count_rows(Seminar), count_rows(SeminarDay), count_rows(AuditEvent)
    with pytest.raises(DomainError) as refused:
        services.create_seminar(**{**dict(course=course, actor=trainer, start_date=MONDAY,
                                          capacity=10, trainers=[trainer]), **overrides})
    db.session.rollback()
    assert refused.value.field == field
    assert (count_rows(Seminar), count_rows(SeminarDay), count_rows(AuditEvent)) == before


def test_trainers_must_be_active_trainer_accounts(trainer, official):
    course = fixtures.create_course()
    with pytest.raises(DomainError, match="not an active trainer"):
        services.create_seminar(course=course, actor=official, start_date=MONDAY, capacity=5,
                                trainers=[official])
    retired = fixtures.create_user("trainer", active=False)
    with pytest.raises(DomainError, match="not an active trainer"):
        services.create_seminar(course=course, actor=official, start_date=MONDAY, capacity=5,
                                trainers=[retired])


def test_a_trainer_cannot_plan_a_seminar_for_someone_else_only(trainer):
    colleague = fixtures.create_user("trainer")
    with pytest.raises(DomainError) as refused:
        services.create_seminar(course=fixtures.create_course(), actor=trainer,
                                start_date=MONDAY, capacity=5, trainers=[colleague])
    assert refused.value.field == "trainer_ids"


def test_an_inactive_course_cannot_be_planned(trainer):
    course = fixtures.create_course()
    course.active = False
    db.session.commit()
    with pytest.raises(DomainError) as refused:
        _plan(course, trainer)
    assert refused.value.field == "course_id"


def _edit_values(seminar, **overrides):
    values = dict(title=seminar.title, start_date=seminar.start_date, end_date=seminar.end_date,
                  dates=None, venue=seminar.venue, region_id=seminar.region_id,
                  language=seminar.language, capacity=seminar.capacity,
                  waitlist_enabled=seminar.waitlist_enabled, trainers=list(seminar.trainers))
    values.update(overrides)
    return values


def test_capacity_cannot_go_below_the_registered_participants(trainer, count_rows):
    seminar = fixtures.create_seminar(trainers=[trainer], capacity=5)
    for _ in range(3):
        fixtures.create_registration(seminar)
    with pytest.raises(DomainError) as refused:
        services.update_seminar(seminar, actor=trainer, **_edit_values(seminar, capacity=2))
    db.session.rollback()
    assert refused.value.field == "capacity"
    db.session.expire_all()
    assert db.session.get(Seminar, seminar.id).capacity == 5
    assert count_rows(AuditEvent) == 0


def test_more_capacity_promotes_the_waiting_list_in_order(trainer):
    seminar = fixtures.create_seminar(trainers=[trainer], capacity=1)
    fixtures.create_registration(seminar)
    first = services.register_person(seminar, fixtures.create_person(), actor=trainer)
    second = services.register_person(seminar, fixtures.create_person(), actor=trainer)
    third = services.register_person(seminar, fixtures.create_person(), actor=trainer)
    db.session.commit()
    assert statuses(seminar) == {"registered": 1, "waitlisted": 3}
    services.update_seminar(seminar, actor=trainer, **_edit_values(seminar, capacity=3))
    db.session.commit()
    db.session.expire_all()
    assert [first.status, second.status, third.status] == ["registered", "registered",
                                                           "waitlisted"]
    assert db.session.get(Seminar, seminar.id).seats_taken == 3


def test_a_day_with_attendance_cannot_be_removed(trainer):
    seminar = fixtures.create_seminar(trainers=[trainer], status="in_progress")
    fixtures.create_registration(seminar, present_days=3)
    with pytest.raises(DomainError, match="Attendance is recorded"):
        services.update_seminar(seminar, actor=trainer,
                                **_edit_values(seminar, end_date=seminar.start_date))
    db.session.rollback()
    db.session.expire_all()
    assert len(db.session.get(Seminar, seminar.id).days) == 3


def test_days_without_attendance_can_be_moved(trainer, count_rows):
    seminar = fixtures.create_seminar(trainers=[trainer], status="open")
    new_start = seminar.start_date + timedelta(days=7)
    services.update_seminar(seminar, actor=trainer,
                            **_edit_values(seminar, start_date=new_start, end_date=None))
    db.session.commit()
    assert [d.day for d in seminar.days] == [new_start + timedelta(n) for n in range(3)]
    assert count_rows(SeminarDay) == 3
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "seminar.update"))
    assert event.details["changes"]["start_date"][1] == new_start.isoformat()


def test_status_moves_forward_one_step_at_a_time(trainer):
    seminar = fixtures.create_seminar(trainers=[trainer], status="draft")
    with pytest.raises(InvalidState):
        services.change_status(seminar, "in_progress", actor=trainer)
    db.session.rollback()
    services.change_status(seminar, "open", actor=trainer)
    services.change_status(seminar, "in_progress", actor=trainer)
    db.session.commit()
    assert seminar.status == "in_progress"
    with pytest.raises(DomainError):
        services.change_status(seminar, "completed", actor=trainer)  # has its own function
    db.session.rollback()
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == ["seminar.open", "seminar.in_progress"]


def test_cancelling_needs_a_reason_and_is_final(trainer):
    seminar = fixtures.create_seminar(trainers=[trainer], status="open")
    with pytest.raises(DomainError) as refused:
        services.cancel_seminar(seminar, actor=trainer, reason="  ")
    assert refused.value.field == "reason"
    db.session.rollback()
    services.cancel_seminar(seminar, actor=trainer, reason="The hall is being repaired")
    db.session.commit()
    assert (seminar.status, seminar.cancel_reason) == ("cancelled",
                                                       "The hall is being repaired")
    with pytest.raises(InvalidState):
        services.cancel_seminar(seminar, actor=trainer, reason="again")
    db.session.rollback()
    with pytest.raises(InvalidState):
        services.update_seminar(seminar, actor=trainer, **_edit_values(seminar))
    db.session.rollback()


def test_completed_seminars_cannot_be_changed(trainer):
    seminar = fixtures.create_seminar(trainers=[trainer], status="completed")
    with pytest.raises(InvalidState):
        services.update_seminar(seminar, actor=trainer, **_edit_values(seminar))
    db.session.rollback()
    with pytest.raises(InvalidState):
        services.cancel_seminar(seminar, actor=trainer, reason="too late")
    db.session.rollback()
    assert db.session.scalar(select(Attendance.id)) is None


def test_a_date_at_the_end_of_the_calendar_is_refused_not_a_crash(trainer):
    with pytest.raises(DomainError) as refused:
        services.create_seminar(course=fixtures.create_course(days=3), actor=trainer,
                                start_date=date(9999, 12, 31), capacity=5, trainers=[trainer])
    assert refused.value.field == "start_date"
