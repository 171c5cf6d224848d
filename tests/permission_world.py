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

The scope dimension (regional offices, ``registry.auth.scope``): every route is also opened by
an official and a trainer whose accounts work within ``world.region`` - where every record of
the world lies - and by an official and a trainer working within another region (the trainer
still assigned to the world's seminars). The first two get what "official" and "trainer" get;
the other two too, except on a route marked ``scoped=True`` (its URL names a record of the
world's region), where they are refused with 403 and nothing changes.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

ALL_STAFF = frozenset({"admin", "official", "trainer", "other_trainer"})
OFFICE = frozenset({"admin", "official"})
ADMIN = frozenset({"admin"})
# Seminar-scoped actions: everyone in the office, and the trainer assigned to the seminar.
STAFF_ON_OWN = frozenset({"admin", "official", "trainer"})
ROLES = ("anonymous", "admin", "official", "trainer", "other_trainer",
         "region_official", "outside_official", "region_trainer", "outside_trainer")
# A scoped role gets what its unscoped role gets (``allows``).
UNSCOPED_ROLE = {"region_official": "official", "outside_official": "official",
                 "region_trainer": "trainer", "outside_trainer": "trainer"}


@dataclass(frozen=True)
class Route:
    url: Callable
    allowed: frozenset = ALL_STAFF
    method: str = "GET"
    public: bool = False
    data: Callable | None = None  # form data for POST routes (defaults to empty)
    scoped: bool = False  # the URL names a record of world.region (see the module docstring)


def allows(route: Route, role: str) -> bool:
    """Must ``role`` get through ``route`` (not 403)?"""
    if UNSCOPED_ROLE.get(role, role) not in route.allowed:
        return False
    return not (route.scoped and role.startswith("outside_"))


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


def seminar_trainers(users) -> list:
    """The trainers assigned to the world's seminars: the unscoped one, and one working within
    the world's region and one working within another (an account moved to another office)."""
    return [users["trainer"], users["region_trainer"], users["outside_trainer"]]


def build_world() -> World:
    from tests import fixtures

    users = {role: fixtures.create_user(role) for role in ("admin", "official", "trainer")}
    users["other_trainer"] = fixtures.create_user("trainer")
    region = fixtures.create_region("Fergana Region")
    elsewhere = fixtures.create_region("Samarqand Region")
    for role, within in (("region_official", region), ("outside_official", elsewhere),
                         ("region_trainer", region), ("outside_trainer", elsewhere)):
        users[role] = fixtures.create_user(UNSCOPED_ROLE[role], region=within)
    sector = fixtures.create_sector("Textiles")
    organization = fixtures.create_organization("“Andijon Tekstil” MChJ", region=region,
                                                sector=sector)
    course = fixtures.create_course()
    person = fixtures.create_person("Гулнора Ҳасанова", organization=organization,
                                    region=region)
    seminar = fixtures.create_seminar(course=course, trainers=seminar_trainers(users),
                                      status="in_progress", region=region)
    registration = fixtures.create_registration(seminar, person, present_days=3, exam_score=88)
    return World(users=users, region=region, sector=sector, organization=organization,
                 course=course, person=person, seminar=seminar, registration=registration)
