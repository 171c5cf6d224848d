"""Complaints and appeals in the review queue: a problem reported from a verification page, an
appeal against a failed result or a revocation - each decided with a reason, all audited."""
from __future__ import annotations

import csv
import io
import re
import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from registry.audit.models import AuditEvent
from registry.certificates.models import Certificate
from registry.certificates.services import change_status
from registry.extensions import db
from registry.reviews import services
from registry.reviews.models import ReviewItem
from tests import fixtures
from tests.certificates.test_reissue_finishes import _reissue_form
from tests.concurrency import run_together


def _items() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(ReviewItem))


def _report(client, certificate, **overrides):
    page = f"/v/{certificate.public_code}/report"
    data = {"problem": "paper_differs", "statement": "The paper says Ўроқова, not Ўроқов.",
            "contact": "+998 90 123 45 67", "website": ""}
    data.update(overrides)
    return client.post(page, data=data, page=page)


def test_a_public_problem_report_becomes_a_case_an_official_decides(client, login_as):
    certificate = fixtures.create_certificate("Ғайратжон Ўроқов")
    page = client.get(f"/v/{certificate.public_code}").get_data(as_text=True)
    assert f'href="/v/{certificate.public_code}/report"' in page
    form = client.get(f"/v/{certificate.public_code}/report")
    assert form.status_code == 200 and 'name="csrf_token"' in form.get_data(as_text=True)
    sent = _report(client, certificate)
    assert sent.status_code == 303
    reference = sent.headers["Location"].rsplit("/", 1)[1]
    status = client.get(f"/cases/{reference}").get_data(as_text=True)
    assert "is looking at it" in status
    item = db.session.scalar(select(ReviewItem).where(ReviewItem.reference == reference))
    assert (item.kind, item.status, item.certificate_id) == (
        "problem_report", "open", certificate.id)
    assert item.deadline == date.today() + timedelta(days=30)
    raised = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "review.raise", AuditEvent.record_id == item.id)).one()
    assert raised.actor_id is None
    assert "+998" not in str(raised.details)  # the contact stays with the officials

    official = login_as("official")
    queue = client.get("/reviews/").get_data(as_text=True)
    assert "Problem reported by the public" in queue and certificate.printed_number in queue
    shown = client.get(f"/reviews/{item.id}").get_data(as_text=True)
    assert "The paper says Ўроқова" in shown and "+998 90 123 45 67" in shown
    decided = client.post(f"/reviews/{item.id}", data={
        "decision": "suspend", "status_reason": "under_review",
        "reason": "The holder's paper differs; asked the district for the original."})
    assert decided.status_code == 302
    db.session.expire_all()
    assert item.status == "closed" and item.decided_by_id == official.id
    assert db.session.get(Certificate, certificate.id).status == "suspended"
    assert item.action_taken["action"] == "suspended"
    assert db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "review.decide", AuditEvent.record_id == item.id)).one()
    assert db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "certificate.suspend", AuditEvent.record_id == certificate.id)).one()
    # The sender's page says it was decided, and nothing of the decision's reason.
    status = client.get(f"/cases/{reference}").get_data(as_text=True)
    assert "Decided on" in status and "asked the district" not in status


@pytest.mark.parametrize("overrides, message", [
    ({"statement": " "}, "This field is required."),
    ({"problem": "nonsense"}, "Not a valid choice"),
    ({"contact": "x" * 201}, "Field cannot be longer than 200 characters."),
])
def test_a_bad_report_says_why_and_keeps_nothing(client, overrides, message):
    certificate = fixtures.create_certificate()
    before = _items()
    response = _report(client, certificate, **overrides)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert _items() == before


def test_a_robot_filling_the_hidden_field_is_thanked_and_nothing_is_kept(client):
    certificate = fixtures.create_certificate()
    before = _items()
    response = _report(client, certificate, website="http://spam.example")
    assert response.status_code == 302
    assert "is looking at it" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert _items() == before
    assert client.get("/cases/ZZZZZZZZ").status_code == 404
    assert client.get(f"/v/{'A' * 26}/report").status_code == 404


def test_problem_reports_are_limited_per_address(tmp_path, redis_url):
    """``RATELIMIT_PROBLEM_REPORT`` (README): past it a report is refused with 429."""
    from tests.test_security import make_app

    app = make_app(tmp_path, RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI=redis_url,
                   RATELIMIT_KEY_PREFIX=f"test-{uuid.uuid4().hex}",
                   RATELIMIT_PROBLEM_REPORT="2 per hour")
    try:
        with app.app_context():
            certificate = fixtures.create_certificate()
            client = app.test_client()
            codes = [_report(client, certificate).status_code for _ in range(3)]
            assert codes == [303, 303, 429]
            assert db.session.scalar(select(func.count()).select_from(ReviewItem).where(
                ReviewItem.certificate_id == certificate.id)) == 2
            db.session.execute(ReviewItem.__table__.delete().where(
                ReviewItem.certificate_id == certificate.id))
            db.session.commit()
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def _failed_registration():
    seminar = fixtures.create_completed_seminar((("Ойбек Тошматов", 3, 40),))
    db.session.commit()
    return seminar.registrations[0]


def test_an_appeal_against_a_failed_result_is_recorded_and_granted(client, login_as):
    registration = _failed_registration()
    login_as("official")
    page = client.get(f"/certificates/seminar/{registration.seminar_id}").get_data(as_text=True)
    assert f"/reviews/appeal?registration={registration.id}" in page
    url = f"/reviews/appeal?registration={registration.id}"
    recorded = client.post(url, data={"statement": "Two answers were marked wrong by mistake.",
                                      "received_on": date.today().isoformat()})
    assert recorded.status_code == 302
    item = db.session.scalars(select(ReviewItem).where(
        ReviewItem.kind == "appeal_result")).one()
    again = client.post(url, data={"statement": "Again", "received_on": ""})
    assert "already open" in again.get_data(as_text=True)
    assert _items() == 1
    decided = client.post(f"/reviews/{item.id}", data={
        "decision": "grant", "status_reason": "", "reason": "Marking error confirmed."})
    assert decided.status_code == 302
    shown = client.get(f"/reviews/{item.id}").get_data(as_text=True)
    assert "The appeal was granted" in shown
    assert f"/seminars/{registration.seminar_id}/registrations/{registration.id}/correct" in shown


def test_only_a_failed_result_or_a_suspended_or_revoked_certificate_can_be_appealed(login_as):
    from registry.errors import InvalidState

    official = fixtures.create_user("official")
    certificate = fixtures.create_certificate()
    with pytest.raises(InvalidState, match="suspended or revoked"):
        services.record_appeal(certificate=certificate, actor=official, statement="x")
    with pytest.raises(InvalidState, match="failed result"):
        services.record_appeal(registration=certificate.registration, actor=official,
                               statement="x")
    with pytest.raises(Exception, match="future"):
        services.record_appeal(registration=_failed_registration(), actor=official,
                               statement="x", received_on=date.today() + timedelta(days=1))
    db.session.rollback()


def test_a_granted_appeal_against_a_revocation_gives_a_new_valid_revision(client, login_as):
    certificate = fixtures.create_certificate("Билгүүн Өлзийбат")
    official = login_as("official")
    change_status(certificate, "revoke", actor=official, reason="misconduct")
    db.session.commit()
    shown = client.get(f"/certificates/{certificate.id}").get_data(as_text=True)
    assert f"/reviews/appeal?certificate={certificate.id}" in shown
    client.post(f"/reviews/appeal?certificate={certificate.id}",
                data={"statement": "The misconduct was another person's.", "received_on": ""})
    item = db.session.scalars(select(ReviewItem).where(
        ReviewItem.kind == "appeal_revocation")).one()
    client.post(f"/reviews/{item.id}", data={"decision": "grant", "status_reason": "",
                                             "reason": "Identity mix-up proven."})
    db.session.expire_all()
    old = db.session.get(Certificate, certificate.id)
    new = db.session.get(Certificate, old.superseded_by_id)
    assert old.status == "revoked" and new.status == "valid" and new.number == old.number
    page = client.get(f"/v/{new.public_code}").get_data(as_text=True)
    assert "VALID" in page.upper()
    assert item.action_taken == {"action": "reissued", "certificate_id": new.id,
                                 "number": new.printed_number, "supersedes": old.id}


def test_the_register_of_cases_downloads_with_deadlines_and_decisions(client, login_as):
    certificate = fixtures.create_certificate()
    late = services.report_problem(certificate, problem="suspected_fake",
                                   statement="The stamp looks printed.")
    late.deadline = date.today() - timedelta(days=1)
    db.session.commit()
    login_as("official")
    assert "Overdue" in client.get("/reviews/").get_data(as_text=True)
    response = client.get("/reviews/cases.csv?status=all")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][:2] == ["Reference", "Kind"]
    [row] = [row for row in rows[1:] if row[0] == late.reference]
    assert row[1] == "Problem reported by the public" and row[5] == "Overdue"
    assert re.match(r"\d{4}-\d{2}-\d{2}", row[4])


class Decide:
    """An official deciding one case; the result is the decision that stands afterwards."""

    def __init__(self, official_id: int, decision: str):
        self.official_id, self.decision = official_id, decision

    def prepare(self, item_id: int):
        from registry.auth.models import User

        return db.session.get(ReviewItem, item_id), db.session.get(User, self.official_id)

    def run(self, prepared):
        item, official = prepared
        return services.decide(item, self.decision, actor=official, reason="race",
                               status_reason="under_review").decision


class RecordAppeal:
    def __init__(self, official_id: int):
        self.official_id = official_id

    def prepare(self, registration_id: int):
        from registry.auth.models import User
        from registry.seminars.models import Registration

        return (db.session.get(Registration, registration_id),
                db.session.get(User, self.official_id))

    def run(self, prepared):
        registration, official = prepared
        return services.record_appeal(registration=registration, actor=official,
                                      statement="race").id


def test_two_officials_deciding_one_report_at_once_take_turns(app):
    certificate = fixtures.create_certificate()
    item = services.report_problem(certificate, problem="other", statement="Race.")
    first, second = fixtures.create_user("official"), fixtures.create_user("official")
    db.session.commit()
    results = run_together(app, [(Decide(first.id, "suspend"), item.id),
                                 (Decide(second.id, "revoke"), item.id)])
    decided = [result for result in results if isinstance(result, str)]
    refused = [result for result in results if not isinstance(result, str)]
    assert len(decided) == 1 and len(refused) == 1, results
    assert "already decided" in str(refused[0].message)
    db.session.expire_all()
    status = db.session.get(Certificate, certificate.id).status
    assert status == {"suspend": "suspended", "revoke": "revoked"}[decided[0]]
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "review.decide", AuditEvent.record_id == item.id)) == 1


def test_two_officials_recording_one_appeal_at_once_make_one_case(app):
    registration = _failed_registration()
    first, second = fixtures.create_user("official"), fixtures.create_user("official")
    db.session.commit()
    results = run_together(app, [(RecordAppeal(first.id), registration.id),
                                 (RecordAppeal(second.id), registration.id)])
    assert sum(isinstance(result, int) for result in results) == 1, results
    assert db.session.scalar(select(func.count()).select_from(ReviewItem).where(
        ReviewItem.registration_id == registration.id)) == 1


def test_an_appeal_against_a_suspension_is_granted_through_the_reissue_form(client, login_as):
    certificate = fixtures.create_certificate("Сарнай Батбаяр")
    official = login_as("official")
    change_status(certificate, "suspend", actor=official, reason="under_review")
    item = services.record_appeal(certificate=certificate, actor=official,
                                  statement="My name is spelt Сарнай Батбаярын.")
    db.session.commit()
    shown = client.get(f"/reviews/{item.id}").get_data(as_text=True)
    reissue = f"/certificates/{certificate.id}/reissue?review={item.id}"
    assert reissue in shown.replace("&amp;", "&")
    _page, data = _reissue_form(client, certificate, f"?review={item.id}")
    data.update(holder_name="Сарнай Батбаярын", reason="Appeal granted: name corrected.")
    response = client.post(reissue, data=data)
    assert response.status_code == 302, re.findall(r"(?:error|flash)[^>]*>([^<]+)", response.get_data(as_text=True))
    db.session.expire_all()
    old = db.session.get(Certificate, certificate.id)
    new = db.session.get(Certificate, old.superseded_by_id)
    assert new.holder_name == "Сарнай Батбаярын" and new.status == "valid"
    assert db.session.get(ReviewItem, item.id).action_taken["action"] == "reissued"
