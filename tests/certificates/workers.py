"""Workers for real-thread races (tests/concurrency.py ``run_together``) on certificates."""
from __future__ import annotations

from registry.auth.models import User
from registry.certificates.models import Certificate
from registry.certificates.services import change_status
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
