"""M2: a completed seminar's attendance and results are evidence. The trainer's forms stop
changing them; the office corrects a record with a reason, audited, and a certificate already
issued on it goes to the review queue."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from registry.audit.models import AuditEvent
from registry.certificates.models import Certificate
from registry.extensions import db
from registry.reviews.models import ReviewItem
from registry.seminars.models import Registration
from tests import fixtures
from tests.deployed.web import text_of


def _page(response) -> str:
    return text_of(response.get_data(as_text=True))


def _roster_form(*registrations, **scores) -> dict:
    """What the results form sends: which participants it listed, and their scores."""
    data = {"listed": [str(reg.id) for reg in registrations]}
    for reg in registrations:
        data[f"score-{reg.id}"] = str(scores.get(f"r{reg.id}", reg.exam_score or ""))
    return data


def _certified(official=None, *, score=90, full_name="Ғайратжон Ўроқов"):
    """A completed seminar with one passed, certified participant and one who failed."""
    trainer = fixtures.create_user("trainer")
    seminar = fixtures.create_completed_seminar(((full_name, 3, score), ("Батбаяр Дорж", 3, 55)),
                                                trainers=[trainer])
    passed, failed = sorted(seminar.registrations, key=lambda reg: -reg.exam_score)
    from registry.certificates.services import issue_certificate

    certificate = issue_certificate(passed, issued_by=official or fixtures.create_user("official"))
    db.session.commit()
    return seminar, trainer, passed, failed, certificate


def _reg(registration_id) -> Registration:
    db.session.expire_all()
    return db.session.get(Registration, registration_id)


def test_a_trainer_cannot_rewrite_a_completed_seminars_results(client, login_as):
    seminar, trainer, passed, failed, _certificate = _certified()
    login_as(trainer)
    page = _page(client.get(f"/seminars/{seminar.id}/results"))
    assert "its attendance and results are frozen" in page
    assert "Ask the office to correct a record" in page
    # The review's repro: the failed 55 raised to 95 after completion.
    response = client.post(f"/seminars/{seminar.id}/results",
                           data=_roster_form(passed, failed, **{f"r{failed.id}": 95}),
                           follow_redirects=True)
    assert "frozen" in _page(response)
    assert _reg(failed.id).exam_score == 55
    response = client.post(f"/seminars/{seminar.id}/days/{seminar.days[0].id}/attendance",
                           data={"listed": [str(passed.id), str(failed.id)]},
                           follow_redirects=True)
    assert "frozen" in _page(response)
    assert _reg(passed.id).attendance_counts() == (3, 0, 0)
    # The official is not offered a certificate for the one who failed.
    login_as("official")
    assert "Issue 1 certificate" not in _page(client.get(f"/certificates/seminar/{seminar.id}"))


def test_a_results_form_that_lacks_a_participant_saves_nothing(client, login_as):
    trainer = login_as("trainer")
    seminar = fixtures.create_seminar(trainers=[trainer], status="in_progress",
                                      start=date.today() - timedelta(days=3))
    people = [fixtures.create_registration(seminar, present_days=3, exam_score=score)
              for score in (92, 85, 64)]
    first = people[0]
    # The review's repro: only score-1 sent; the others were read as "no score" and wiped.
    for data in ({f"score-{first.id}": "5"},
                 {f"score-{first.id}": "5", "listed": [str(reg.id) for reg in people]}):
        response = client.post(f"/seminars/{seminar.id}/results", data=data,
                               follow_redirects=True)
        assert "nothing was saved" in _page(response).lower()
        assert [_reg(reg.id).exam_score for reg in people] == [92, 85, 64]


def test_a_form_opened_before_someone_registered_saves_nothing(client, login_as):
    trainer = login_as("trainer")
    seminar = fixtures.create_seminar(trainers=[trainer], status="in_progress")
    shown = fixtures.create_registration(seminar)
    late = fixtures.create_registration(seminar)  # registered after the page was opened
    response = client.post(f"/seminars/{seminar.id}/days/{seminar.days[0].id}/attendance",
                           data={"present": [str(shown.id)], "listed": [str(shown.id)]},
                           follow_redirects=True)
    assert "participant list changed" in _page(response)
    assert _reg(late.id).attendance == [] and _reg(shown.id).attendance == []


def test_the_office_corrects_a_record_with_a_reason_and_the_certificate_goes_to_review(
        client, login_as):
    seminar, _trainer, passed, _failed, certificate = _certified()
    official = login_as("official", name="Дилноза Раҳимова")
    url = f"/seminars/{seminar.id}/registrations/{passed.id}/correct"
    assert "Correct the record" in _page(client.get(f"/seminars/{seminar.id}"))
    page = client.get(url).get_data(as_text=True)
    days = {f"day-{day.id}": "present" for day in seminar.days}
    # No reason: refused next to the field, nothing changes.
    response = client.post(url, data={**days, "exam_score": "40", "reason": ""})
    assert response.status_code == 200 and 'id="reason-error"' in response.get_data(as_text=True)
    assert _reg(passed.id).exam_score == 90
    assert 'name="day-' in page
    response = client.post(url, data={**days, "exam_score": "40",
                                      "reason": "Exam papers of two groups were swapped."},
                           follow_redirects=True)
    text = _page(response)
    assert "The record of Ғайратжон Ўроқов was corrected." in text
    assert "Their certificate is in the review queue" in text
    registration = _reg(passed.id)
    assert registration.exam_score == 40 and registration.derive_outcome() == "failed"
    event = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "registration.correct")).one()
    assert event.actor_id == official.id
    assert event.details["reason"] == "Exam papers of two groups were swapped."
    assert (event.details["before"]["score"], event.details["after"]["score"]) == (90, 40)
    assert (event.details["before"]["outcome"], event.details["after"]["outcome"]) == (
        "passed", "failed")
    item = db.session.scalars(select(ReviewItem)).one()
    assert (item.kind, item.status, item.certificate_id) == (
        "record_corrected", "open", certificate.id)
    assert "Exam papers of two groups were swapped." in text and "40" in text
    # The certificate is untouched until an official decides.
    assert db.session.get(Certificate, certificate.id).status == "valid"


def test_a_correction_without_a_certificate_raises_no_review_and_opens_issuing(client,
                                                                               login_as):
    seminar, _trainer, _passed, failed, _certificate = _certified()
    login_as("official")
    days = {f"day-{day.id}": "present" for day in seminar.days}
    client.post(f"/seminars/{seminar.id}/registrations/{failed.id}/correct",
                data={**days, "exam_score": "75", "reason": "Re-marked after appeal 12/3."})
    assert _reg(failed.id).derive_outcome() == "passed"
    assert db.session.scalars(select(ReviewItem)).all() == []
    assert "Issue 1 certificate" in _page(client.get(f"/certificates/seminar/{seminar.id}"))


def test_a_second_correction_before_a_decision_joins_the_open_item(client, login_as):
    seminar, _trainer, passed, _failed, _certificate = _certified()
    login_as("official")
    url = f"/seminars/{seminar.id}/registrations/{passed.id}/correct"
    first_day = seminar.days[0]
    days = {f"day-{day.id}": "present" for day in seminar.days}
    client.post(url, data={**days, "exam_score": "80", "reason": "Typing error."})
    client.post(url, data={**days, f"day-{first_day.id}": "absent", "exam_score": "80",
                           "reason": "Was not there on day 1 (sign-in sheet)."})
    item = db.session.scalars(select(ReviewItem)).one()
    assert [entry["reason"] for entry in item.corrections] == [
        "Typing error.", "Was not there on day 1 (sign-in sheet)."]
    assert item.corrections[1]["after"]["attendance"][first_day.day.isoformat()] is False


def test_nothing_changed_is_refused(client, login_as):
    seminar, _trainer, passed, _failed, _certificate = _certified()
    login_as("official")
    days = {f"day-{day.id}": "present" for day in seminar.days}
    response = client.post(f"/seminars/{seminar.id}/registrations/{passed.id}/correct",
                           data={**days, "exam_score": "90", "reason": "Checking."})
    assert "Nothing was changed." in _page(response)
    assert db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "registration.correct")).all() == []


def test_a_form_without_every_day_is_refused_never_read_as_absent(client, login_as):
    seminar, _trainer, passed, _failed, _certificate = _certified()
    login_as("official")
    first = seminar.days[0]
    response = client.post(f"/seminars/{seminar.id}/registrations/{passed.id}/correct",
                           data={f"day-{first.id}": "absent", "exam_score": "90",
                                 "reason": "Absent on day 1."})
    assert response.status_code == 200 and "Choose present or absent." in _page(response)
    assert _reg(passed.id).attendance_counts() == (3, 0, 0)


@pytest.mark.parametrize("who", ["trainer", "taught"])
def test_trainers_and_whoever_taught_it_may_not_correct(client, login_as, who):
    seminar, trainer, passed, _failed, _certificate = _certified()
    if who == "taught":
        official = fixtures.create_user("official")
        seminar.trainers.append(official)
        seminar.record_teaching()
        db.session.commit()
        login_as(official)
    else:
        login_as(trainer)
    url = f"/seminars/{seminar.id}/registrations/{passed.id}/correct"
    assert client.get(url).status_code == 403
    days = {f"day-{day.id}": "absent" for day in seminar.days}
    assert client.post(url, data={**days, "reason": "x"}).status_code == 403
    assert _reg(passed.id).attendance_counts() == (3, 0, 0)


def test_a_running_seminar_is_not_corrected_here(client, login_as):
    login_as("official")
    seminar = fixtures.create_seminar(status="in_progress")
    registration = fixtures.create_registration(seminar)
    response = client.get(f"/seminars/{seminar.id}/registrations/{registration.id}/correct",
                          follow_redirects=True)
    assert "entered on its pages" in _page(response)
