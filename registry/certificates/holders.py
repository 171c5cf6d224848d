"""The certificate feature's part of merging two records of one person
(people.services.merge_people). Imports no other feature's services."""
from __future__ import annotations

from sqlalchemy import select, update

from registry.certificates.models import Certificate
from registry.extensions import db


def move_certificates(source, target) -> list[int]:
    """Make ``target`` the holder of ``source``'s certificates (what was printed stays in
    each certificate's signed snapshot); the ids moved, for the merge's audit event."""
    moved = list(db.session.scalars(
        select(Certificate.id).where(Certificate.person_id == source.id)))
    if moved:
        db.session.execute(update(Certificate).where(Certificate.person_id == source.id)
                           .values(person_id=target.id),
                           execution_options={"synchronize_session": False})
    return moved
