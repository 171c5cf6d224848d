"""A regional office's scope: the part of the country an official's or a trainer's account
works within.

An account with a region (``User.region_id``) is *scoped*: what counts for it is the seminars
held in that region or anywhere below it (its districts, khoroos) - their registrations,
certificates, print jobs and review items - and the people registered on those seminars or
whose own region lies in the subtree. An account without a region, and every administrator,
works on the whole country. ``registry.auth.permissions.can`` applies the scope to single
records; the lists, exports and reports ask for the SQL conditions here, so a page and its
export never disagree about what a regional office sees.
"""
from __future__ import annotations

from flask import has_request_context, request
from sqlalchemy import exists, or_, select

from registry.catalog.services import region_and_below
from registry.extensions import db


def scope_region_id(user) -> int | None:
    """The region ``user`` is limited to, or None (the whole country)."""
    if user is None or getattr(user, "role", None) == "admin":
        return None
    return getattr(user, "region_id", None)


def is_scoped(user) -> bool:
    return scope_region_id(user) is not None


def scope_region(user):
    """The ``Region`` of a scoped account (for "figures for ... and below"), else None."""
    region_id = scope_region_id(user)
    if region_id is None:
        return None
    from registry.catalog.models import Region

    return db.session.get(Region, region_id)


def region_ids_in_scope(user) -> frozenset[int] | None:
    """The ids of the regions ``user`` works within (None: all of them). Asked once per
    request: the permission checks of one page ask it for every record they look at."""
    region_id = scope_region_id(user)
    if region_id is None:
        return None
    if has_request_context():
        # Kept in the request's environ, not in ``g``: an app context (and so ``g``) can
        # outlive a request, and a region's districts can change between two requests.
        cache = request.environ.setdefault("registry.region_scope_ids", {})
        if region_id not in cache:
            cache[region_id] = frozenset(db.session.scalars(region_and_below(region_id)))
        return cache[region_id]
    return frozenset(db.session.scalars(region_and_below(region_id)))


def region_in_scope(user, region_id: int | None) -> bool:
    """Does ``region_id`` lie within ``user``'s scope? A record without a region lies in no
    regional office's area."""
    ids = region_ids_in_scope(user)
    return ids is None or (region_id is not None and region_id in ids)


def seminar_in_scope(user, seminar) -> bool:
    return seminar is None or region_in_scope(user, seminar.region_id)


def region_condition(user, region_column):
    """A SQL condition on ``region_column`` (a seminar's or a person's region) for the
    regions ``user`` works within, or None (no limit). The subtree's ids are listed (a
    region has tens of districts, a capital a few hundred khoroos) rather than asked for
    with the recursive query: one statement may need the condition more than once."""
    ids = region_ids_in_scope(user)
    if ids is None:
        return None
    return region_column.in_(sorted(ids))


def seminar_ids_in_scope(user):
    """The ids of the seminars held within ``user``'s scope (a subquery), or None (all)."""
    from registry.seminars.models import Seminar

    condition = region_condition(user, Seminar.region_id)
    return None if condition is None else select(Seminar.id).where(condition)


def seminar_column_condition(user, seminar_id_column):
    """A SQL condition on a column naming a seminar (a certificate's, a review item's), or
    None. A record without a seminar is outside every regional scope."""
    seminars = seminar_ids_in_scope(user)
    return None if seminars is None else seminar_id_column.in_(seminars)


def within_scope(query, condition):
    """``query`` limited by a scope ``condition`` of this module (None: no limit)."""
    return query if condition is None else query.where(condition)


def people_condition(user):
    """A SQL condition on ``Person`` for the people of ``user``'s scope - registered (in any
    status) on a seminar held there, or living/working in a region there - or None."""
    from registry.people.models import Person
    from registry.seminars.models import Registration

    seminars = seminar_ids_in_scope(user)
    if seminars is None:
        return None
    registered_there = exists(select(Registration.id).where(
        Registration.person_id == Person.id, Registration.seminar_id.in_(seminars)))
    return or_(registered_there, region_condition(user, Person.region_id))
