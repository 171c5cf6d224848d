"""Workers for real-thread races (tests/concurrency.py ``run_together``) on certificates."""
from __future__ import annotations

from registry.auth.models import User
from registry.certificates.models import Certificate
from registry.certificates.services import change_status, issue_for_seminar
from registry.extensions import db


class Revoke:
    """An official revoking one certificate; the result is its status afterwards."""

    def __init__(self, official_id: int, reason: str = "issued_in_error"):
        self.official_id, self.reason = official_id, reason

    def prepare(self, certificate_id: int):
        return db.session.get(Certificate, certificate_id), db.session.get(User, self.official_id)

    def run(self, prepared) -> str:
        certificate, official = prepared
        return change_status(certificate, "revoke", actor=official, reason=self.reason).status


class IssueBatch:
    """An official issuing a seminar's certificates; the result is what ``summary`` says of
    the certificates issued (by default how many)."""

    def __init__(self, official_id: int, summary=len):
        self.official_id, self.summary = official_id, summary

    def prepare(self, seminar_id: int):
        from registry.seminars.models import Seminar

        return db.session.get(Seminar, seminar_id), db.session.get(User, self.official_id)

    def run(self, prepared):
        seminar, official = prepared
        return self.summary(issue_for_seminar(seminar, issued_by=official).issued)
