"""The results form marks every wrong score in one pass - 101 and -5 entered together are
both marked, nothing is saved - and the error summary lists them in the table's order, each
a link to its score; a correction's wrong day is summed up too."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from registry.extensions import db
from registry.seminars import services
from tests import fixtures
from tests.test_error_summary import linked_fields, read


def test_the_results_form_marks_every_score_out_of_range_at_once(client, login_as, count_rows):
    from registry.audit.models import AuditEvent

    trainer = login_as("trainer")
    seminar = fixtures.create_seminar(trainers=[trainer], status="in_progress",
                                      start=date.today() - timedelta(days=3))
    first, second, third = (fixtures.create_registration(seminar, fixtures.create_person(name),
                                                         present_days=3)
                            for name in ("Ғайратжон Ўроқов", "Мөнхзул Дорж", "Nguyễn Thị Lan"))
    listed = [str(reg.id) for reg in (first, second, third)]
    client.get(f"/seminars/{seminar.id}/results?lang=uz")
    events = count_rows(AuditEvent)
    response = client.post(f"/seminars/{seminar.id}/results", data={
        "listed": listed, f"score-{first.id}": "101", f"score-{second.id}": "80",
        f"score-{third.id}": "-5"})
    html = response.get_data(as_text=True)
    page = read(response)
    # Both marked in the table, both in the summary (row order), nothing saved.
    assert f'id="score-{first.id}-error"' in html and f'id="score-{third.id}-error"' in html
    assert f'id="score-{second.id}-error"' not in html
    # In the table's order (Latin names before Cyrillic ones), each after its person's name.
    assert linked_fields(page) == [f"score-{third.id}", f"score-{first.id}"]
    assert page.ids.index(f"score-{third.id}") < page.ids.index(f"score-{first.id}")
    assert page.links[0][1].startswith("Nguyễn Thị Lan: ")
    assert page.links[1][1].startswith("Ғайратжон Ўроқов: ")
    assert page.title.startswith("Xato: ")
    db.session.expire_all()
    assert [reg.exam_score for reg in (first, second, third)] == [None, None, None]
    assert count_rows(AuditEvent) == events


def test_a_number_that_is_not_one_and_one_out_of_range_are_marked_together(client, login_as):
    trainer = login_as("trainer")
    seminar = fixtures.create_seminar(trainers=[trainer], status="in_progress",
                                      start=date.today() - timedelta(days=3))
    first, second = (fixtures.create_registration(seminar, present_days=3) for _ in range(2))
    response = client.post(f"/seminars/{seminar.id}/results", data={
        "listed": [str(first.id), str(second.id)], f"score-{first.id}": "7O",
        f"score-{second.id}": "101"})
    page = read(response)
    in_table_order = sorted([f"score-{first.id}", f"score-{second.id}"], key=page.ids.index)
    assert linked_fields(page) == in_table_order


def test_the_service_names_every_wrong_score(app):
    trainer = fixtures.create_user("trainer")
    seminar = fixtures.create_seminar(trainers=[trainer], status="in_progress")
    good, high, low = (fixtures.create_registration(seminar) for _ in range(3))
    with pytest.raises(services.InvalidScores) as refused:
        services.record_results(seminar, {good.id: (80, False), high.id: (101, False),
                                          low.id: (-5, False)}, actor=trainer)
    db.session.rollback()
    assert set(refused.value.errors) == {high.id, low.id}


def test_a_correction_with_a_day_left_out_sums_it_up(client, login_as):
    login_as("official")
    seminar = fixtures.create_completed_seminar((("Ғайратжон Ўроқов", 3, 90),))
    registration = seminar.registrations[0]
    days = seminar.days
    url = f"/seminars/{seminar.id}/registrations/{registration.id}/correct"
    response = client.post(url, data={f"day-{days[0].id}": "present",
                                      f"day-{days[1].id}": "maybe",
                                      f"day-{days[2].id}": "present",
                                      "exam_score": "95", "reason": "Typo on the sheet"})
    page = read(response)
    assert linked_fields(page) == [f"day-{days[1].id}"]
    assert page.links[0][1] == "Day 2: Choose present or absent."
