"""Every route × every role: who is refused (403), who is sent to sign in, who gets through.

A route missing from the matrix fails the test, so a new page cannot skip its permission check.
"""
from __future__ import annotations

import importlib
import pkgutil

import pytest

import tests
from tests.permission_world import ROLES, allows, build_world


def _route_modules():
    modules = [importlib.import_module("tests.routes")]
    for info in pkgutil.iter_modules(tests.__path__):
        if info.ispkg:
            try:
                modules.append(importlib.import_module(f"tests.{info.name}.routes"))
            except ModuleNotFoundError as error:
                if error.name != f"tests.{info.name}.routes":
                    raise
    return modules


MODULES = _route_modules()


def database_contents() -> str:
    """A digest of every row of every table (what a refused request must leave alone)."""
    import hashlib

    from sqlalchemy import select

    from registry.extensions import db

    db.session.rollback()
    digest = hashlib.sha256()
    for table in db.metadata.sorted_tables:
        columns = [c for c in table.columns if c.name not in ("last_login_at",)]
        for row in db.session.execute(select(*columns).order_by(*table.primary_key.columns)):
            digest.update(repr(tuple(row)).encode())
    db.session.rollback()
    return digest.hexdigest()
MATRIX = {endpoint: route for module in MODULES for endpoint, route in module.ROUTES.items()}


def test_every_route_is_in_the_matrix(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint != "static"}
    assert endpoints - MATRIX.keys() == set(), "routes missing from the permission matrix"
    assert MATRIX.keys() - endpoints == set(), "matrix names routes that do not exist"


@pytest.mark.parametrize("endpoint", sorted(MATRIX))
def test_route_permissions(app, client, login_as, endpoint):
    world = build_world()
    for module in MODULES:
        if hasattr(module, "setup"):
            module.setup(world)
    route = MATRIX[endpoint]
    url = route.url(world)
    for role in ROLES:
        with client.session_transaction() as session:
            session.clear()
        if role != "anonymous":
            login_as(world.users[role])
        data = route.data(world) if route.data else {}
        allowed = role != "anonymous" and allows(route, role)
        # Only a refusal is checked for leaving every row as it was: the digest of the whole
        # database is taken for the roles that must be refused, not for those let through.
        must_refuse = not allowed and not route.public
        before = database_contents() if must_refuse else None
        response = client.open(url, method=route.method, data=data)
        status = response.status_code
        if status in (302, 403) and must_refuse:
            assert database_contents() == before, f"{endpoint}: refused {role} changed data"
        assert status != 500, f"{endpoint} as {role}: 500"
        # The client posts the token of a rendered page (tests/client.py): a refusal must be
        # the permission check's 403 or 302, never a CSRF 400 hiding it (a template without
        # its token, a token the app does not accept).
        assert status != 400, f"{endpoint} as {role}: 400 (CSRF?) instead of an answer"
        if role == "anonymous":
            if route.public:
                assert status != 403, f"{endpoint} is public but refused anonymous"
            else:
                assert status == 302 and "/login" in response.headers["Location"], (
                    f"{endpoint}: anonymous got {status} instead of the login page")
        elif allowed:
            assert status != 403, f"{endpoint}: {role} should be allowed, got 403"
        else:
            assert status == 403, f"{endpoint}: {role} should get 403, got {status}"
