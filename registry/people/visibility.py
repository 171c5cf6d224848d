"""Which participants a user may see: the one rule behind the people list, its search, the
person page, the seminar registration search and the duplicate offers.

The office sees everyone - a regional office (a scoped account, ``registry.auth.scope``) the
people of its region: registered on a seminar held there, or whose own region lies there. A
trainer sees the people registered (in any status) on a seminar
they are assigned to, and the people they entered themselves that are not registered anywhere
yet - so the person they just added is not lost before they register them. Nobody else's
participants, and so nobody else's scores. A scoped trainer: of their seminars, those held
within their region.
"""
from __future__ import annotations

from sqlalchemy import and_, exists, or_, select

from registry.auth.scope import is_scoped, people_condition, seminar_ids_in_scope
from registry.extensions import db
from registry.people.models import Person
from registry.seminars.models import Registration, seminar_trainer

SEES_EVERYONE = frozenset({"admin", "official"})


def sees_everyone(user) -> bool:
    return getattr(user, "role", None) in SEES_EVERYONE and not is_scoped(user)


def visible_people(user):
    """A SQL condition on ``Person`` for the people ``user`` may see, or ``None`` (everyone)."""
    if sees_everyone(user):
        return None
    registered_anywhere = exists(select(Registration.id)
                                 .where(Registration.person_id == Person.id))
    entered_by_them = and_(Person.added_by_id == user.id, ~registered_anywhere)
    if getattr(user, "role", None) in SEES_EVERYONE:
        # A regional office: its region's people, and whom it just entered (not lost before
        # they are registered, as for a trainer).
        return or_(people_condition(user), entered_by_them)
    their_registration = [Registration.person_id == Person.id,
                          seminar_trainer.c.user_id == user.id]
    if is_scoped(user):
        their_registration.append(Registration.seminar_id.in_(seminar_ids_in_scope(user)))
    on_their_seminar = exists(
        select(Registration.id)
        .join(seminar_trainer, seminar_trainer.c.seminar_id == Registration.seminar_id)
        .where(*their_registration))
    return or_(on_their_seminar, entered_by_them)


def restrict_to_visible(query, user):
    """``query`` (a ``select`` involving ``Person``) limited to the people ``user`` may see."""
    condition = visible_people(user)
    return query if condition is None else query.where(condition)


def may_see(user, person: Person) -> bool:
    """May ``user`` see (and, with ``person.edit``, change) this participant?"""
    if sees_everyone(user):
        return True
    if person is None or person.id is None:
        return False
    return db.session.scalar(
        select(Person.id).where(Person.id == person.id, visible_people(user))) is not None


def visible_among(user, person_ids) -> set[int] | None:
    """Which of ``person_ids`` ``user`` may see, in one query (``None``: all of them)."""
    if sees_everyone(user):
        return None
    ids = {person_id for person_id in person_ids if person_id is not None}
    visible: set[int] = set()
    chunk = 500  # stays under every database's limit of bound parameters
    ordered = sorted(ids)
    for start in range(0, len(ordered), chunk):
        visible.update(db.session.scalars(select(Person.id).where(
            Person.id.in_(ordered[start:start + chunk]), visible_people(user))))
    return visible


def visible_seminar_ids(user):
    """The seminars whose registrations ``user`` may see on a person's page (None: all)."""
    if sees_everyone(user):
        return None
    in_scope = seminar_ids_in_scope(user)
    if getattr(user, "role", None) in SEES_EVERYONE:
        return in_scope
    own = select(seminar_trainer.c.seminar_id).where(seminar_trainer.c.user_id == user.id)
    return own if in_scope is None else own.where(seminar_trainer.c.seminar_id.in_(in_scope))
