"""The test app runs with CSRF on, and the test client (tests/client.py) posts forms with the
token of a rendered page, as a browser does."""
from __future__ import annotations

from html.parser import HTMLParser

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from registry.catalog.models import Sector
from registry.extensions import db
from tests.client import BrowserClient, token_in


@pytest.fixture
def sent(monkeypatch):
    """Every request the client really sends: (method, path, form data, response)."""
    requests = []
    real_open = FlaskClient.open

    def recording_open(self, *args, **kwargs):
        target = args[0]  # a path, or the built request of a redirect being followed
        if isinstance(target, str):
            method, path, data = kwargs.get("method", "GET"), target, kwargs.get("data")
        else:
            method, path, data = target.method, target.path, None
        requests.append([method, path, dict(data) if isinstance(data, dict) else data, None])
        entry = requests[-1]
        entry[3] = real_open(self, *args, **kwargs)
        return entry[3]

    monkeypatch.setattr(FlaskClient, "open", recording_open)
    return requests


def sectors() -> list[str]:
    db.session.expire_all()
    names = list(db.session.scalars(select(Sector.name)))
    db.session.rollback()
    return names


def test_the_test_app_has_csrf_on(app, client, login_as):
    assert app.config["WTF_CSRF_ENABLED"] is True
    assert isinstance(client, BrowserClient)
    login_as("admin")
    refused = client.post("/reference/sectors/new", data={"code": "TX", "name": "Textiles"},
                          csrf=False)
    assert refused.status_code == 400
    assert sectors() == []
    forged = client.post("/reference/sectors/new",
                         data={"code": "TX", "name": "Textiles", "csrf_token": "forged"})
    assert forged.status_code == 400
    assert sectors() == []


def test_csrf_false_sends_the_form_exactly_as_given(client, login_as, sent):
    login_as("admin")
    client.post("/reference/sectors/new", data={"code": "TX", "name": "Textiles"}, csrf=False)
    assert [(method, path, data) for method, path, data, _ in sent] == [
        ("POST", "/reference/sectors/new", {"code": "TX", "name": "Textiles"})]


def test_the_token_is_taken_from_the_form_page_itself(client, login_as, sent):
    login_as("admin")
    response = client.post("/reference/sectors/new", data={"code": "TX", "name": "Textiles"})
    assert response.status_code == 302
    assert sectors() == ["Textiles"]
    (get, page, _, shown), (post, target, data, _) = sent
    assert (get, page, post, target) == ("GET", "/reference/sectors/new",
                                        "POST", "/reference/sectors/new")
    assert data["csrf_token"] == token_in(shown.get_data(as_text=True))
    assert {key: value for key, value in data.items() if key != "csrf_token"} == {
        "code": "TX", "name": "Textiles"}


def test_page_is_honoured_and_must_show_a_token(client, login_as, sent):
    login_as("admin")
    response = client.post("/reference/sectors/new", data={"code": "TX", "name": "Textiles"},
                           page="/people/new")
    assert response.status_code == 302
    assert [(method, path) for method, path, _, _ in sent] == [
        ("GET", "/people/new"), ("POST", "/reference/sectors/new")]
    with client.session_transaction() as session:
        session.clear()
    with pytest.raises(AssertionError, match="no csrf_token on /check"):
        client.post("/login", data={"email": "x@registry.test", "password": "x"}, page="/check")


def test_without_a_form_page_the_token_comes_from_login_or_the_dashboard(client, login_as,
                                                                         sent):
    # Signed in: /logout only answers POST, so the token is the sign-out form's, on the
    # dashboard /login redirects to.
    login_as("admin")
    response = client.post("/logout")
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert [(method, path) for method, path, _, _ in sent] == [
        ("GET", "/logout"), ("GET", "/login"), ("GET", "/"), ("POST", "/logout")]
    dashboard = sent[2][3]
    assert dashboard.status_code == 200 and 'action="/logout"' in dashboard.get_data(as_text=True)
    assert sent[3][2]["csrf_token"] == token_in(dashboard.get_data(as_text=True))
    # Signed out, the login form's own token.
    sent.clear()
    assert client.post("/login", data={"email": "x@registry.test", "password": "x"}
                       ).status_code == 200
    assert [(method, path) for method, path, _, _ in sent] == [("GET", "/login"),
                                                               ("POST", "/login")]


def test_a_cleared_session_gets_a_fresh_token(client, login_as):
    """The test's app context outlives its requests; Flask-WTF's token cached on ``g`` must not
    outlive the session it belongs to (tests/client.py forgets it before each request)."""
    for name in ("Textiles", "Mining"):
        with client.session_transaction() as session:
            session.clear()
        login_as("admin")
        assert client.post("/reference/sectors/new",
                           data={"code": name[:2].upper(), "name": name}).status_code == 302
    assert sorted(sectors()) == ["Mining", "Textiles"]


class PostForms(HTMLParser):
    """The POST forms of a page: their action and whether they carry a csrf_token input
    (named ``<prefix>-csrf_token`` in a form with a prefix, which Flask-WTF accepts)."""

    def __init__(self):
        super().__init__()
        self.forms, self._open = [], None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and (attrs.get("method") or "get").lower() == "post":
            self._open = [attrs.get("action") or "", False]
        elif tag == "input" and self._open and attrs.get("value") and (
                attrs.get("name") or "").split("-")[-1] == "csrf_token":  # "reset-csrf_token"
            self._open[1] = True

    def handle_endtag(self, tag):
        if tag == "form" and self._open:
            self.forms.append(tuple(self._open))
            self._open = None


def test_every_post_form_on_the_staff_pages_renders_its_own_token(client, login_as):
    """The client would find a token on any signed-in page (the sign-out form has one), so a
    form missing its own would go unnoticed there: look at the forms themselves."""
    from tests.permission_world import build_world
    from tests.test_permission_matrix import MATRIX, MODULES

    world = build_world()
    for module in MODULES:
        if hasattr(module, "setup"):
            module.setup(world)
    checked = 0
    for role in ("anonymous", "admin"):  # the public pages, then every staff page
        if role == "admin":
            login_as(world.users["admin"])
        for endpoint, route in sorted(MATRIX.items()):
            url = route.url(world)
            if route.method != "GET" or url.split("?")[0].endswith((".pdf", ".zip", ".xlsx",
                                                                      ".csv", ".json")):
                continue
            response = client.get(url)
            if response.status_code != 200 or response.mimetype != "text/html":
                continue
            parser = PostForms()
            parser.feed(response.get_data(as_text=True))
            for action, has_token in parser.forms:
                checked += 1
                # /check is exempt: an anonymous look-up whose form has no token by design.
                assert has_token or action == "/check", (
                    f"{endpoint} ({url}) as {role}: a form to {action or 'itself'} has no "
                    f"csrf_token")
    assert checked > 20  # the login form, the layout's sign-out form and the pages' own
