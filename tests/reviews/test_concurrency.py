"""Two officials deciding one review item at the same moment (real threads, own connections;
on PostgreSQL this is where a missing lock shows)."""
from __future__ import annotations

from sqlalchemy import func, select

from registry.audit.models import AuditEvent
from registry.auth.models import User
from registry.certificates.models import Certificate
from registry.errors import InvalidState
from registry.extensions import db
from registry.reviews import services
from registry.reviews.models import ReviewItem
from registry.seminars.corrections import correct_record
from tests import fixtures
from tests.concurrency import run_together

REPEATS = 20


class Decide:
    def __init__(self, official_id, decision):
        self.official_id, self.decision = official_id, decision

    def prepare(self, item_id):
        return db.session.get(ReviewItem, item_id), db.session.get(User, self.official_id)

    def run(self, prepared):
        item, official = prepared
        services.decide(item, self.decision, actor=official, reason=f"{self.decision} it")
        return self.decision


def test_two_officials_deciding_at_once_give_one_decision(app):
    corrector = fixtures.create_user("official")
    first, second = fixtures.create_user("official"), fixtures.create_user("official")
    for repeat in range(REPEATS):
        certificate = fixtures.create_certificate(f"Nguyễn Thị Hồng {repeat}")
        registration = certificate.registration
        item = correct_record(registration, actor=corrector, reason="Re-marked.",
                              exam_score=40,
                              attendance={day.id: True for day in registration.seminar.days}
                              ).review_item
        db.session.commit()
        results = run_together(app, [(Decide(first.id, "keep"), item.id),
                                     (Decide(second.id, "revoke"), item.id)])
        decided = [result for result in results if isinstance(result, str)]
        refused = [result for result in results if isinstance(result, InvalidState)]
        assert len(decided) == 1 and len(refused) == 1, results
        db.session.rollback()
        closed = db.session.get(ReviewItem, item.id)
        status = db.session.get(Certificate, certificate.id).status
        assert closed.decision == decided[0]
        assert status == ("revoked" if decided[0] == "revoke" else "valid")
        assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "review.decide", AuditEvent.record_id == item.id)) == 1
