"""Participant routes in the permission matrix (see tests/permission_world.py).

``world.person`` is registered on the first trainer's seminar: "other_trainer" may not open,
change or export them (``registry.people.visibility``).
"""
from tests.permission_world import ALL_STAFF, OFFICE, STAFF_ON_OWN, Route

ROUTES = {
    "people.index": Route(lambda w: "/people/?q=Ҳасанова", allowed=ALL_STAFF),
    "people.export": Route(lambda w: "/people/export.xlsx?q=Ҳасанова", allowed=OFFICE),
    "people.create": Route(lambda w: "/people/new", allowed=ALL_STAFF),
    "people.show": Route(lambda w: f"/people/{w.person.id}", allowed=STAFF_ON_OWN, scoped=True),
    "people.edit": Route(lambda w: f"/people/{w.person.id}/edit", allowed=STAFF_ON_OWN, scoped=True),
    "people.merge": Route(lambda w: f"/people/{w.person.id}/merge?target_id={w.extra['twin'].id}",
                          allowed=OFFICE, scoped=True),
}


def setup(world):
    from tests import fixtures

    world.extra["twin"] = fixtures.create_person("Гулнора Ҳасанова",
                                                 organization=world.organization,
                                                 region=world.region)
