"""The records the route × role permission matrix runs against, and how routes are described.

Each feature lists its routes in ``tests/<feature>/routes.py``::

    ROUTES = {
        "seminars.show": Route(lambda w: f"/seminars/{w.seminar.id}", allowed=STAFF_ON_OWN),
        "seminars.cancel": Route(lambda w: f"/seminars/{w.seminar.id}/cancel", method="POST",
                                 allowed=OFFICE | {"trainer"}),
    }
    def setup(world): ...   # optional: add feature records to the world (world.extra[...])

``allowed`` is the set of roles that must NOT get 403: "admin", "official", "trainer" (the
trainer assigned to ``world.seminar``), "other_trainer" (a trainer of no seminar here).
Anonymous visitors are sent to the login page unless ``public=True``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

ALL_STAFF = frozenset({"admin", "official", "trainer", "other_trainer"})
OFFICE = frozenset({"admin", "official"})
ADMIN = frozenset({"admin"})
# Seminar-scoped actions: everyone in the office, and the trainer assigned to the seminar.
STAFF_ON_OWN = frozenset({"admin", "official", "trainer"})
ROLES = ("anonymous", "admin", "official", "trainer", "other_trainer")


@dataclass(frozen=True)
class Route:
    url: Callable
    allowed: frozenset = ALL_STAFF
    method: str = "GET"
    public: bool = False
    data: Callable | None = None  # form data for POST routes (defaults to empty)


@dataclass
class World:
    users: dict
    region: object
    sector: object
    organization: object
    course: object
    person: object
    seminar: object
    registration: object
    extra: dict = field(default_factory=dict)


def build_world() -> World:
    from tests import fixtures

    users = {role: fixtures.create_user(role) for role in ("admin", "official", "trainer")}
    users["other_trainer"] = fixtures.create_user("trainer")
    region = fixtures.create_region("Fergana Region")
    sector = fixtures.create_sector("Textiles")
    organization = fixtures.create_organization("“Andijon Tekstil” MChJ", region=region,
                                                sector=sector)
    course = fixtures.create_course()
    person = fixtures.create_person("Гулнора Ҳасанова", organization=organization,
                                    region=region)
    seminar = fixtures.create_seminar(course=course, trainers=[users["trainer"]],
                                      status="in_progress", region=region)
    registration = fixtures.create_registration(seminar, person, present_days=3, exam_score=88)
    return World(users=users, region=region, sector=sector, organization=organization,
                 course=course, person=person, seminar=seminar, registration=registration)
