"""Participant routes in the permission matrix (see tests/permission_world.py)."""
from tests.permission_world import ALL_STAFF, OFFICE, Route

ROUTES = {
    "people.index": Route(lambda w: "/people/?q=Ҳасанова", allowed=ALL_STAFF),
    "people.export": Route(lambda w: "/people/export.xlsx?q=Ҳасанова", allowed=ALL_STAFF),
    "people.create": Route(lambda w: "/people/new", allowed=ALL_STAFF),
    "people.show": Route(lambda w: f"/people/{w.person.id}", allowed=ALL_STAFF),
    "people.edit": Route(lambda w: f"/people/{w.person.id}/edit", allowed=ALL_STAFF),
    "people.merge": Route(lambda w: f"/people/{w.person.id}/merge?target_id={w.extra['twin'].id}",
                          allowed=OFFICE),
}


def setup(world):
    from tests import fixtures

    world.extra["twin"] = fixtures.create_person("Гулнора Ҳасанова",
                                                 organization=world.organization)
