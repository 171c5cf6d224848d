"""Every page in every language: catalogues complete, nothing left untranslated on a page."""
from __future__ import annotations

import re

import pytest

from registry.catalogues import LOCALES, TEMPLATE, _read, extract, problems
from tests.test_permission_matrix import MATRIX, MODULES
from tests.permission_world import build_world


def test_the_template_catalogue_holds_every_string_of_the_code():
    in_code = {m.id for m in extract() if m.id}
    in_template = {m.id for m in _read(TEMPLATE) if m.id}
    assert in_code - in_template == set(), "run `flask translations update`"
    assert in_template - in_code == set(), "run `flask translations update`"


@pytest.mark.parametrize("locale", LOCALES)
def test_each_catalogue_is_complete_without_fuzzy_entries(locale):
    found = [(p.kind, p.message_id) for p in problems(locale)]
    assert found == []


@pytest.mark.parametrize("locale", [l for l in LOCALES if l != "en"])
def test_translations_are_not_english_copies(locale):
    catalogue = _read(TEMPLATE.parent / locale / "LC_MESSAGES" / "messages.po")
    messages = [m for m in catalogue if m.id and isinstance(m.id, str) and len(m.id) > 12
                and re.search(r"[a-z]{4}", m.id)]
    copied = [m.id for m in messages if m.string == m.id]
    assert len(copied) <= len(messages) // 50, copied[:20]


def _html_get_routes():
    return sorted(endpoint for endpoint, route in MATRIX.items() if route.method == "GET")


@pytest.mark.parametrize("locale", LOCALES)
def test_every_page_renders_in_every_language_without_a_missing_string(app, client, login_as,
                                                                       monkeypatch, locale):
    monkeypatch.setitem(app.config, "REGISTRY_MARK_MISSING_TRANSLATIONS", True)
    world = build_world()
    for module in MODULES:
        if hasattr(module, "setup"):
            module.setup(world)
    checked = 0
    for endpoint in _html_get_routes():
        route = MATRIX[endpoint]
        with client.session_transaction() as session:
            session.clear()
            session["lang"] = locale
        if not route.public:
            login_as(world.users["admin"])
        response = client.get(route.url(world))
        if response.mimetype != "text/html" or response.status_code != 200:
            continue
        page = response.get_data(as_text=True)
        assert "⟦" not in page, (endpoint, re.findall(r"⟦[^⟧]*⟧", page)[:5])
        assert f'<html lang="{locale.replace("_", "-")}">' in page, endpoint
        checked += 1
    assert checked >= 40
