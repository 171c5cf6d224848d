"""Hostile query strings on every list and report route, signed in as an administrator: never
a 500, never a redirect or a link off this site (security review L6).

The routes come from the app's url_map: every GET route without URL parameters (less the few
that read no query string of their own: static files, health, sign-in and out, the language
switch), the list and report routes whose URL parameters are a format, a breakdown or a kind of
reference data, and a few routes of one record. The keys of a query are the route's real
parameter names (``PARAMETERS``, which must name every route the url_map gives) and the ones
``url_for`` or the pager treat specially; the values are what breaks a careless ``int()`` or
``date`` (numbers past any id, the calendar's edges, non-ASCII digits, NUL, 5,000 characters).
"""
from __future__ import annotations

import html
import re
import tempfile
from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from registry.extensions import db
from tests import fixtures

# Endpoints of GET routes without URL parameters that are not lists or reports of their own.
NOT_FUZZED = {"static", "health.healthz", "auth.login", "auth.logout", "i18n.set_language"}

PERIOD = ("from", "to", "region")
AUDIT = ("actor", "action", "record_type", "record_id", "since", "until")
REGISTER = ("q", "status", "course", "seminar")
EXPIRING = ("within", "region", "organization", "course")
SEMINARS = ("q", "status", "course", "region", "since", "until", "trainer")

# The query parameters each route reads (beyond the common ones below).
PARAMETERS = {
    "reports.dashboard": PERIOD,
    "reports.breakdown_xlsx": PERIOD,
    "reports.expiring": EXPIRING,
    "reports.expiring_export": EXPIRING,
    "audit.index": AUDIT,
    "audit.export": AUDIT,
    "certificates.index": REGISTER,
    "certificates.export": REGISTER,
    "certificates.settings": (),
    "certificates.logo": (),
    "certificates.settings_preview": (),
    "certificates.show": (),
    "certificates.reissue": ("review",),
    "seminars.index": SEMINARS,
    "seminars.create": ("course", "language"),
    "seminars.show": (),
    "seminars.register": ("q",),
    "seminars.register_new": ("full_name",),
    "people.index": ("q",),
    "people.export": ("q",),
    "people.create": ("full_name",),
    "people.show": (),
    "people.merge": ("q", "target_id"),
    "reviews.index": ("status", "kind"),
    "reviews.show": (),
    "reviews.export": ("status", "kind"),
    "reviews.appeal": ("certificate", "registration"),
    "users.index": ("q", "role"),
    "users.create": (),
    "catalog.index": (),
    "catalog.list_records": ("q",),
    "catalog.create": ("parent",),
    "audit.show": (),
    "auth.change_password": (),
    "auth.account_sessions": (),
    "public.register": ("q",),
    "public.check": (),
    "public.keys": (),
    "public.status_list": (),
    "public.unknown": (),
    "public.logo": ("v",),  # a cache buster only: the logo is the same whatever it says
    "public.verifier": (),  # the page reads only the QR, in the browser
    "public.service_worker": (),
}
# What every route may be sent: url_for's own keywords (and its first argument's name), the
# pager and the sort, the language, where to go next.
COMMON = ("_external", "_scheme", "_anchor", "_method", "endpoint", "page", "sort", "per_page",
          "lang", "next")

# URL parameters of the list and report routes that have some.
URL_VALUES = {
    "fmt": ("xlsx", "csv"),
    "name": ("region", "sector", "course", "organization_kind", "time"),
    "kind": ("regions", "sectors", "organizations", "courses"),
}
# Routes of one record (their ids come from the world).
ONE_RECORD = {
    "seminars.show": lambda w: f"/seminars/{w['seminar'].id}",
    "seminars.register": lambda w: f"/seminars/{w['open_seminar'].id}/register",
    "seminars.register_new": lambda w: f"/seminars/{w['open_seminar'].id}/register/new",
    "people.show": lambda w: f"/people/{w['person'].id}",
    "people.merge": lambda w: f"/people/{w['person'].id}/merge",
    "certificates.show": lambda w: f"/certificates/{w['certificate'].id}",
    "certificates.reissue": lambda w: f"/certificates/{w['certificate'].id}/reissue",
    "reviews.show": lambda w: f"/reviews/{w['review'].id}",
}


def _fuzzed_routes() -> list[tuple[str, object]]:
    """``(endpoint, url or url-maker)`` for every route fuzzed, read from the url_map."""
    from registry import create_app

    # Collection comes before the suite's app exists: a throw-away app has the same url_map.
    with tempfile.TemporaryDirectory() as instance:
        app = create_app({"TESTING": True, "SECRET_KEY": "routes", "RATELIMIT_ENABLED": False,
                          "SQLALCHEMY_DATABASE_URI": "sqlite://"}, instance_path=instance)
    routes = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda rule: rule.rule):
        if "GET" not in rule.methods or rule.endpoint in NOT_FUZZED:
            continue
        if not rule.arguments:
            routes.append((rule.endpoint, rule.rule))
        elif rule.arguments <= URL_VALUES.keys():
            with app.test_request_context():
                from flask import url_for

                for argument in rule.arguments:  # one at most in this app
                    for value in URL_VALUES[argument]:
                        routes.append((rule.endpoint, url_for(rule.endpoint,
                                                              **{argument: value})))
    routes += list(ONE_RECORD.items())
    return routes


ROUTES = _fuzzed_routes()

HOSTILE = [
    "99999999999999999999999", "99999999999999999999", str(2**63), str(2**63 - 1), str(2**31),
    str(2**31 - 1), "3000000000", "0", "00", "-1", "-99999999999999999999", "1.5", "1e9",
    "0x1F", "+1", " 1 ", "01", "9999-12-31", "0001-01-01", "2026-02-30", "0000-00-00",
    "10000-01-01", "2026-13-01", "2026-W01-1", "20260101", "²", "١٢", "１２", "Ўзбекистон",
    "😀", "", " ", "\x00", "1\x00", "\u202e1", "9" * 5000, "x" * 5000, "%", "%00", "'", '"',
    "<script>alert(1)</script>", "javascript:alert(1)", "https://evil.example/",
    "//evil.example", "xlsx", "csv", "pdf", "-number", "holder", "-start", "open", "closed",
    "all", "admin", "trainer", "30", "90", "180", "1", "True", "POST",
]


def _value(world):
    ids = [str(record.id) for record in world.values() if hasattr(record, "id")]
    return st.one_of(
        st.sampled_from(HOSTILE),
        st.sampled_from(ids),
        st.integers(min_value=-(2**70), max_value=2**70).map(str),
        st.dates().map(lambda day: day.isoformat()),
        st.text(max_size=30),
    )


FUZZ = settings(max_examples=15, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])
OWN_HOSTS = ("", "localhost", "registry.test")  # the test client's, REGISTRY_BASE_URL's


def assert_on_this_site(url: str, sent) -> None:
    link = urlsplit(html.unescape(url))
    assert link.scheme in ("", "http", "https", "mailto", "data"), (url, sent)
    if link.scheme != "mailto" and link.scheme != "data":
        assert link.netloc in OWN_HOSTS, (url, sent)


@pytest.fixture
def world(client, login_as):
    """An admin signed in; a certificate (of a seminar in a district, with a trainer), an open
    seminar, a person, and a review item, so that the filters have real ids to meet."""
    from registry.reviews.models import ReviewItem

    admin = login_as("admin")
    trainer = fixtures.create_user("trainer")
    region = fixtures.create_region("Fergana")
    district = fixtures.create_region("Rishton", kind="district", parent=region)
    certificate = fixtures.create_certificate("Ғайратжон Ўроқов")
    seminar = certificate.seminar
    seminar.region = district
    seminar.trainers.append(trainer)
    registration = seminar.registrations[0]
    review = ReviewItem(kind="record_corrected", status="open", seminar_id=seminar.id,
                        registration_id=registration.id, summary="fuzz",
                        details={"corrections": []})
    db.session.add(review)
    db.session.commit()
    return {"admin": admin, "trainer": trainer, "region": region, "district": district,
            "certificate": certificate, "seminar": seminar, "registration": registration,
            "person": registration.person, "review": review,
            "open_seminar": fixtures.create_seminar(course=seminar.course, region=region),
            "organization": fixtures.create_organization("Rishton Ceramics", region=district)}


def test_every_route_of_the_url_map_names_its_parameters():
    """A new list or report route must say which query parameters it reads (and so is fuzzed)."""
    assert {endpoint for endpoint, _url in ROUTES} <= PARAMETERS.keys()
    assert {endpoint for endpoint, _url in ROUTES} >= {
        "reports.dashboard", "reports.breakdown_xlsx", "reports.expiring",
        "reports.expiring_export", "audit.index", "audit.export", "certificates.index",
        "certificates.export", "seminars.index", "people.index", "people.export",
        "reviews.index", "users.index", "catalog.list_records"}


@pytest.mark.parametrize("endpoint, url", ROUTES,
                         ids=[url if isinstance(url, str) else endpoint for endpoint, url in ROUTES])
def test_hostile_query_strings(client, world, endpoint, url, request):
    path = url if isinstance(url, str) else url(world)
    keys = st.sampled_from(PARAMETERS[endpoint] + COMMON)

    @FUZZ
    @given(query=st.lists(st.tuples(keys, _value(world)), min_size=1, max_size=5))
    def fuzz(query):
        sent = MultiDict(query)
        response = client.get(path, query_string=sent)
        assert response.status_code < 500, (path, query, response.status_code)
        if 300 <= response.status_code < 400:
            assert_on_this_site(response.headers["Location"], (path, query))
        elif response.mimetype == "text/html":
            page = response.get_data(as_text=True)
            for href in re.findall(r'(?:href|action|src)="([^"]*)"', page):
                assert_on_this_site(href, (path, query))
            assert "<script>alert(1)" not in page

    fuzz()
