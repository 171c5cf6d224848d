"""The review queue: a results change after issue is listed; the official's decision - keep,
revoke or re-issue - closes it, with its reason, audited, and is carried out."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from registry.audit.models import AuditEvent
from registry.certificates.models import Certificate
from registry.errors import DomainError, InvalidState, PermissionDenied
from registry.extensions import db
from registry.reviews import services
from registry.reviews.models import ReviewItem
from registry.seminars.corrections import correct_record
from tests import fixtures
from tests.deployed.web import text_of


def _page(response) -> str:
    return text_of(response.get_data(as_text=True))


def _flagged(new_score=40, *, holder="Билгүүн Өлзийбат"):
    """An issued certificate whose exam score an official corrected afterwards."""
    certificate = fixtures.create_certificate(holder)
    registration = certificate.registration
    corrector = fixtures.create_user("official", name="Дилноза Раҳимова")
    result = correct_record(registration, actor=corrector, reason="Papers swapped (memo 7).",
                            exam_score=new_score,
                            attendance={day.id: True for day in registration.seminar.days})
    db.session.commit()
    return result.review_item, certificate


def _item(item_id) -> ReviewItem:
    db.session.expire_all()
    return db.session.get(ReviewItem, item_id)


def test_the_queue_lists_a_results_change_after_issue(client, login_as):
    item, certificate = _flagged()
    login_as("official")
    page = _page(client.get("/reviews/"))
    assert "Record corrected after issue" in page
    assert "Билгүүн Өлзийбат" in page and certificate.printed_number in page
    assert "Review queue 1" in _page(client.get("/seminars/"))  # the count in the menu
    detail = _page(client.get(f"/reviews/{item.id}"))
    assert "Papers swapped (memo 7)." in detail and "Дилноза Раҳимова" in detail
    assert "does not qualify for a certificate" in detail
    assert "Under review" in _page(client.get(f"/certificates/{certificate.id}"))


def test_keeping_closes_the_item_with_the_reason_audited(client, login_as):
    item, certificate = _flagged(new_score=85)  # still passes
    official = login_as("official", name="Сарнай Болд")
    response = client.post(f"/reviews/{item.id}", data={
        "decision": "keep", "reason": "Score changed, still above the pass mark.",
        "status_reason": "requirements_not_met"}, follow_redirects=True)
    page = _page(response)
    assert "Decided: Keep the certificate as it is." in page
    assert f"Certificate {certificate.printed_number} kept unchanged." in page
    closed = _item(item.id)
    assert (closed.status, closed.decision, closed.decided_by_id) == (
        "closed", "keep", official.id)
    assert closed.decision_reason == "Score changed, still above the pass mark."
    event = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "review.decide")).one()
    assert event.record_id == item.id and event.details["decision"] == "keep"
    assert db.session.get(Certificate, certificate.id).status == "valid"
    assert "Nothing to review" in _page(client.get("/reviews/"))
    assert "Сарнай Болд" in _page(client.get("/reviews/?status=closed"))
    # Decided once: a second decision is refused and changes nothing.
    response = client.post(f"/reviews/{item.id}", data={"decision": "revoke", "reason": "x"},
                           follow_redirects=True)
    assert "already decided" in _page(response)
    assert db.session.get(Certificate, certificate.id).status == "valid"


def test_revoking_revokes_the_certificate_for_every_verifier(client, login_as):
    item, certificate = _flagged(new_score=40)
    login_as("official")
    client.post(f"/reviews/{item.id}", data={
        "decision": "revoke", "reason": "Failed the exam once the papers were re-marked.",
        "status_reason": "requirements_not_met"})
    db.session.expire_all()
    revoked = db.session.get(Certificate, certificate.id)
    assert revoked.status == "revoked" and revoked.status_reason == "requirements_not_met"
    assert revoked.status_note == "Failed the exam once the papers were re-marked."
    assert _item(item.id).action_taken["action"] == "revoked"
    public = client.get(f"/v/{certificate.public_code}").get_data(as_text=True)
    assert 'id="status-word">REVOKED<' in public


def test_reissuing_through_the_reissue_form_closes_the_item(client, login_as):
    item, certificate = _flagged(new_score=80)
    login_as("official")
    page = client.get(f"/reviews/{item.id}").get_data(as_text=True)
    link = f"/certificates/{certificate.id}/reissue?review={item.id}"
    assert link.replace("&", "&amp;") in page or link in page
    form_page = _page(client.get(link))
    assert "This re-issue is the decision on the review item" in form_page
    response = client.post(link, data={
        "holder_name": "Билгүүн Өлзийбат", "holder_latin_name": "Bilguun Ulziibat",
        "course_title": certificate.course_title, "standards": certificate.standards,
        "hours": str(certificate.hours), "start_date": certificate.start_date.isoformat(),
        "end_date": certificate.end_date.isoformat(),
        "valid_until": certificate.valid_until.isoformat() if certificate.valid_until else "",
        "reason": "Re-marked; the Latin name was missing too."}, follow_redirects=True)
    assert f"Revision 2 of {certificate.number} issued" in _page(response)
    closed = _item(item.id)
    assert closed.status == "closed" and closed.decision == "reissue"
    assert closed.action_taken["number"] == f"{certificate.number}/2"
    assert db.session.get(Certificate, certificate.id).superseded_by_id is not None


def test_reissuing_a_record_that_no_longer_qualifies_is_refused(login_as):
    item, certificate = _flagged(new_score=40)
    official = fixtures.create_user("official")
    with pytest.raises(DomainError, match="no longer qualifies"):
        services.decide(item, "reissue", actor=official, reason="x",
                        changes={"holder_latin_name": "Bilguun"})
    db.session.rollback()
    assert _item(item.id).status == "open"
    assert db.session.get(Certificate, certificate.id).superseded_by_id is None


def test_a_decision_needs_a_reason_and_one_of_the_kinds_decisions(login_as):
    item, _certificate = _flagged()
    official = fixtures.create_user("official")
    with pytest.raises(DomainError) as refused:
        services.decide(item, "keep", actor=official, reason="  ")
    assert refused.value.field == "reason"
    db.session.rollback()
    with pytest.raises(DomainError) as refused:
        services.decide(_item(item.id), "delete", actor=official, reason="x")
    assert refused.value.field == "decision"
    db.session.rollback()
    assert _item(item.id).status == "open"


def test_whoever_taught_the_seminar_does_not_decide(client, login_as):
    item, _certificate = _flagged()
    official = fixtures.create_user("official")
    seminar = item.seminar
    seminar.trainers.append(official)
    seminar.record_teaching()
    db.session.commit()
    with pytest.raises(PermissionDenied):
        services.decide(item, "keep", actor=official, reason="mine")
    db.session.rollback()
    login_as(official)
    assert "another official decides" in _page(client.get(f"/reviews/{item.id}"))
    assert client.post(f"/reviews/{item.id}",
                       data={"decision": "keep", "reason": "x"}).status_code == 403
    assert _item(item.id).status == "open"


def test_trainers_see_no_queue(client, login_as):
    item, _certificate = _flagged()
    login_as("trainer")
    assert client.get("/reviews/").status_code == 403
    assert client.get(f"/reviews/{item.id}").status_code == 403
    assert "Review queue" not in _page(client.get("/seminars/"))


def test_a_decided_item_refuses_a_second_decision_in_the_service(login_as):
    item, _certificate = _flagged()
    official = fixtures.create_user("official")
    services.decide(item, "keep", actor=official, reason="Fine.")
    db.session.commit()
    with pytest.raises(InvalidState):
        services.decide(_item(item.id), "revoke", actor=official, reason="Changed my mind.")
    db.session.rollback()
