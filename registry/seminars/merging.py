"""The seminar feature's part of merging two records of one person (people.services.merge_people):
moving registrations, which only this feature knows the rules of. Imports no other feature's
services, so people.services can call it without an import cycle."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from registry.certificates.models import Certificate
from registry.errors import Conflict
from registry.extensions import db
from registry.seminars.models import Registration


def move_registrations(source, target) -> dict:
    """Move ``source``'s registrations to ``target``. Where both are in one seminar the live
    registration is kept and a cancelled one nobody's certificate refers to is dropped;
    two live ones are refused (``Conflict``: cancel one first). Flushes; returns the ids
    moved and dropped, for the merge's audit event."""
    target_regs = {reg.seminar_id: reg for reg in db.session.scalars(
        select(Registration).where(Registration.person_id == target.id))}
    source_regs = list(db.session.scalars(
        select(Registration).where(Registration.person_id == source.id)))
    certified = set(db.session.scalars(
        select(Certificate.registration_id).where(Certificate.person_id.in_((source.id,
                                                                             target.id)))))
    moved, dropped = [], []
    for reg in source_regs:
        other = target_regs.get(reg.seminar_id)
        if other is None:
            moved.append(reg)
            continue
        if reg.status == "cancelled" and reg.id not in certified:
            dropped.append(reg)
        elif other.status == "cancelled" and other.id not in certified:
            dropped.append(other)
            moved.append(reg)
        else:
            raise Conflict(_l("Both people are registered to “%(seminar)s”. Cancel one of the "
                              "two registrations first.", seminar=reg.seminar.title),
                           field="target_id")
    ids = {"registrations_moved": [reg.id for reg in moved],
           "registrations_dropped": [reg.id for reg in dropped]}
    for reg in dropped:
        db.session.delete(reg)
    db.session.flush()
    for reg in moved:
        reg.person_id = target.id
    db.session.flush()
    # Relationship collections loaded before the move are stale now.
    for reg in moved:
        db.session.expire(reg)
    return ids
