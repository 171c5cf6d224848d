"""Query parameters out of range or of the wrong type (security review L6): never a 500.

* A number that no record can have - past 64 bits, or past PostgreSQL's ``integer`` - is a
  record that does not exist: a filter matches nothing, a look-up answers 404.
* A filter value that is not a number (or not a date) is ignored, and the page says so; a
  download with one goes to its page, which says so (as a report download with a wrong period
  goes to the dashboard).
* Dates at the calendar's edge (0001-01-01, 9999-12-31) are dates like any other.
* Query keys ``url_for`` treats specially (``_external``, ``_scheme``, ``endpoint``...) never
  reach it: links and redirects stay relative, on this site.
"""
from __future__ import annotations

import csv
import html
import io
import re
from datetime import date
from urllib.parse import parse_qsl, urlsplit

import openpyxl
import pytest

from registry.extensions import db
from tests import fixtures

PAST_64_BITS = "99999999999999999999999"
PAST_INTEGER = "3000000000"  # fits 64 bits (SQLite), not PostgreSQL's 32-bit ``integer``
TOO_LARGE = (PAST_64_BITS, "99999999999999999999", PAST_INTEGER)


@pytest.fixture
def world(client, login_as):
    """An admin signed in; a certificate of a seminar in a district, taught by a trainer, for
    a person of an organization (issuing it wrote audit events)."""
    login_as("admin")
    trainer = fixtures.create_user("trainer")
    region = fixtures.create_region("Fergana")
    district = fixtures.create_region("Rishton", kind="district", parent=region)
    organization = fixtures.create_organization("Rishton Ceramics", region=district)
    seminar = fixtures.create_completed_seminar((("Ғайратжон Ўроқов", 3, 90),),
                                                trainers=[trainer], region=district)
    seminar.registrations[0].person.organization = organization
    db.session.commit()
    from registry.certificates.services import issue_certificate

    certificate = issue_certificate(seminar.registrations[0],
                                    issued_by=fixtures.create_user("official"))
    # Expiring within 30 days, so that it is on the expiring list.
    certificate.valid_until = date.today()
    db.session.commit()
    return {"seminar": seminar, "certificate": certificate, "region": region,
            "organization": organization, "trainer": trainer}


def page_of(client, url: str, **query) -> str:
    response = client.get(url, query_string=query)
    assert response.status_code == 200, (url, query, response.status_code)
    return response.get_data(as_text=True)


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200, response.status_code
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))


def xlsx_rows(response) -> list[tuple]:
    assert response.status_code == 200, response.status_code
    return list(openpyxl.load_workbook(io.BytesIO(response.data)).active.iter_rows(
        values_only=True))


# --- a number no record can have: the record does not exist ----------------------------

@pytest.mark.parametrize("value", TOO_LARGE)
@pytest.mark.parametrize("key", ["region", "trainer", "course"])
def test_seminar_list_filter_by_an_id_past_any_record(client, world, key, value):
    title = world["seminar"].title
    assert title in page_of(client, "/seminars/")
    page = page_of(client, "/seminars/", **{key: value})
    assert title not in page and "No seminar matches these filters." in page


@pytest.mark.parametrize("value", TOO_LARGE)
@pytest.mark.parametrize("key", ["seminar", "course"])
def test_certificate_register_and_its_export_by_an_id_past_any_record(client, world, key,
                                                                      value):
    number = world["certificate"].number
    page = page_of(client, "/certificates/", **{key: value})
    assert number not in page and "No certificate matches these filters." in page
    rows = csv_rows(client.get("/certificates/register.csv", query_string={key: value}))
    assert len(rows) == 1  # the header, no certificate
    rows = xlsx_rows(client.get("/certificates/register.xlsx", query_string={key: value}))
    assert len(rows) == 1


@pytest.mark.parametrize("value", TOO_LARGE)
@pytest.mark.parametrize("key", ["region", "organization", "course"])
def test_expiring_list_and_export_by_an_id_past_any_record(client, world, key, value):
    holder = world["certificate"].holder_name
    assert holder in page_of(client, "/reports/expiring")
    page = page_of(client, "/reports/expiring", **{key: value})
    assert holder not in page and "No certificate matches these filters." in page
    assert len(csv_rows(client.get("/reports/expiring.csv", query_string={key: value}))) == 1


@pytest.mark.parametrize("value", TOO_LARGE)
def test_dashboard_and_breakdown_by_a_region_past_any_record(client, world, value):
    # A region that does not exist opens no region: the breakdown by region, as without one.
    page = page_of(client, "/", region=value)
    assert "Fergana" in page
    response = client.get("/reports/breakdown/region.xlsx", query_string={"region": value})
    assert response.status_code == 200
    assert any(row[0] == "Fergana" for row in xlsx_rows(response))


@pytest.mark.parametrize("value", TOO_LARGE)
def test_audit_filters_by_an_id_past_any_record(client, world, value):
    for key in ("actor", "record_id"):
        page = page_of(client, "/admin/audit/", **{key: value})
        assert "No event matches these filters." in page
        assert len(xlsx_rows(client.get("/admin/audit/events.xlsx",
                                        query_string={key: value}))) == 1


@pytest.mark.parametrize("value", TOO_LARGE)
def test_look_ups_by_an_id_past_any_record(client, world, value):
    # In the path: no such record.
    for url in (f"/seminars/{value}", f"/certificates/{value}", f"/people/{value}",
                f"/admin/audit/{value}", f"/reviews/{value}", f"/admin/users/{value}",
                f"/reference/sectors/{value}", f"/seminars/{world['seminar'].id}/days/{value}/"
                                               "attendance"):
        assert client.get(url).status_code == 404, url
    # In the query string: the merge's other record does not exist; a new district's parent
    # is not filled in.
    person = world["certificate"].person
    assert client.get(f"/people/{person.id}/merge",
                      query_string={"target_id": value}).status_code == 404
    page = page_of(client, "/reference/regions/new", parent=value)
    assert 'selected value="district"' not in page


# --- not a number: ignored, and the page says so ----------------------------------------

NOT_NUMBERS = ("abc", "-1", "1.5", "²", "１２", " ", "1e3")


@pytest.mark.parametrize("value", NOT_NUMBERS)
def test_seminar_list_ignores_a_filter_that_is_not_a_number_and_says_so(client, world, value):
    page = page_of(client, "/seminars/", region=value)
    if not value.strip():
        assert "was ignored" not in page  # an empty filter is no filter
    else:
        assert "The filter “region” was ignored: it is not a number." in page
    assert world["seminar"].title in page


@pytest.mark.parametrize("value", ["abc", "²", "-5"])
def test_the_other_lists_ignore_a_filter_that_is_not_a_number(client, world, value):
    for url, key in (("/certificates/", "seminar"), ("/reports/expiring", "region"),
                     ("/reports/expiring", "organization"), ("/", "region"),
                     ("/admin/audit/", "record_id"), ("/admin/audit/", "actor")):
        page = page_of(client, url, **{key: value})
        assert f"The filter “{key}” was ignored: it is not a number." in page, (url, key)
    assert world["certificate"].number in page_of(client, "/certificates/", seminar=value)


@pytest.mark.parametrize("url, page, key", [
    ("/certificates/register.csv", "/certificates/", "seminar"),
    ("/certificates/register.xlsx", "/certificates/", "course"),
    ("/reports/expiring.xlsx", "/reports/expiring", "organization"),
    ("/admin/audit/events.xlsx", "/admin/audit/", "since"),
    ("/reports/breakdown/region.xlsx", "/", "region"),
])
def test_a_download_with_an_unreadable_filter_goes_to_its_page_which_says_so(client, world,
                                                                             url, page, key):
    response = client.get(url, query_string={key: "x²", "q": "kept", "sort": "holder"})
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert (location.scheme, location.netloc, location.path) == ("", "", page)
    assert key not in location.query  # the unreadable filter is dropped...
    assert "q=kept" in location.query or page in ("/", "/reports/expiring",
                                                  "/admin/audit/")  # ...the others kept
    shown = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"The filter “{key}” was ignored" in shown
    assert "was ignored" not in client.get(page).get_data(as_text=True)  # said once


def test_dates_that_are_not_dates_are_ignored_and_the_page_says_so(client, world):
    for url in ("/seminars/", "/admin/audit/"):
        for value in ("2026-02-30", "yesterday", "31/12/2026", "０００１-01-01"):
            page = page_of(client, url, since=value)
            assert "The filter “since” was ignored: it is not a date (YYYY-MM-DD)." in page
    assert world["seminar"].title in page_of(client, "/seminars/", until="2026-02-30")


def test_links_on_the_page_drop_the_ignored_filter(app, client, world, monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_SIZE", 1)
    fixtures.create_seminar()
    page = page_of(client, "/seminars/", region="abc", q="")
    assert "region=abc" not in page  # in no pager, sort or download link, no hidden field


# --- dates at the calendar's edge -------------------------------------------------------

def test_audit_until_the_last_day_of_the_calendar(client, world):
    page = page_of(client, "/admin/audit/", until="9999-12-31")
    assert "certificate.issue" in page
    rows = xlsx_rows(client.get("/admin/audit/events.xlsx", query_string={"until": "9999-12-31"}))
    assert any(row[2] == "certificate.issue" for row in rows[1:])
    page = page_of(client, "/admin/audit/", since="0001-01-01", until="0001-01-01")
    assert "No event matches these filters." in page
    page = page_of(client, "/admin/audit/", since="9999-12-31")
    assert "No event matches these filters." in page
    assert "certificate.issue" in page_of(client, "/admin/audit/", since="0001-01-01")


def test_seminars_between_the_first_and_last_days_of_the_calendar(client, world):
    title = world["seminar"].title
    assert title in page_of(client, "/seminars/", since="0001-01-01", until="9999-12-31")
    assert title not in page_of(client, "/seminars/", since="9999-12-31")
    assert title not in page_of(client, "/seminars/", until="0001-01-01")


@pytest.mark.parametrize("period", [
    {"from": "0001-01-01"}, {"to": "0001-12-31"}, {"from": "0001-01-01", "to": "0001-01-01"},
    {"from": "9999-01-01"}, {"to": "9999-12-31"}, {"from": "9999-12-31", "to": "9999-12-31"},
    {"from": "9990-01-01", "to": "9999-12-31"},
])
def test_report_periods_at_the_calendar_edge(client, world, period):
    page = page_of(client, "/", **period)
    assert "Something went wrong" not in page
    for name in ("region", "course", "time"):
        response = client.get(f"/reports/breakdown/{name}.xlsx", query_string=period)
        assert response.status_code == 200, (name, period, response.status_code)


# --- keys that url_for treats specially -------------------------------------------------

SPECIAL_KEYS = [
    {"_external": "1", "_scheme": "javascript"},
    {"_external": "1"},
    {"_scheme": "https", "_anchor": "x"},
    {"_method": "POST"},
    {"endpoint": "people.index"},
]


def hrefs(page: str) -> list[str]:
    return re.findall(r'href="([^"]*)"', page)


@pytest.mark.parametrize("special", SPECIAL_KEYS)
@pytest.mark.parametrize("url", ["/certificates/", "/seminars/", "/people/", "/admin/audit/",
                                 "/reports/expiring", "/admin/users/", "/reference/sectors"])
def test_special_keys_never_reach_url_for(app, client, world, monkeypatch, url, special):
    # Two of everything and a page of one: every list shows its pager (and sort links).
    monkeypatch.setitem(app.config, "PAGE_SIZE", 1)
    fixtures.create_certificate("Đặng Văn Ắc")
    fixtures.create_sector("Silk")
    fixtures.create_sector("Cotton")
    page = page_of(client, url, **special)
    if url not in ("/admin/audit/", "/reports/expiring"):  # these two: the download links
        assert 'rel="next"' in page, url
    for href in hrefs(page):
        link = urlsplit(html.unescape(href))
        assert (link.scheme, link.netloc) == ("", ""), href
        keys = [key for key, _value in parse_qsl(link.query, keep_blank_values=True)]
        assert not [key for key in keys if key.startswith("_") or key == "endpoint"], href


def test_a_query_key_named_like_a_link_s_own_argument(app, client, world, monkeypatch):
    # The download links name their format; the pager names the route's own arguments.
    for url in ("/certificates/", "/reports/expiring"):
        assert ".csv" in page_of(client, url, fmt="pdf")
    monkeypatch.setitem(app.config, "PAGE_SIZE", 1)
    fixtures.create_sector("Silk")
    fixtures.create_sector("Cotton")
    page = page_of(client, "/reference/sectors", kind="regions")
    # The route's own kind wins over the query's (which it shadows).
    assert "/reference/sectors?page=2" in html.unescape(page)


def test_a_report_download_with_a_wrong_period_redirects_on_this_site(client, world):
    response = client.get("/reports/breakdown/course.xlsx",
                          query_string={"from": "x", "_scheme": "https", "_external": "1"})
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert (location.scheme, location.netloc, location.path) == ("", "", "/")
    assert location.query == "from=x"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Not a valid date value." in page


# --- numbers that are digits to Python but not to int() ----------------------------------

@pytest.mark.parametrize("url, key", [
    ("/seminars/", "page"), ("/certificates/", "page"), ("/reports/expiring", "within"),
    ("/people/", "page"), ("/reference/sectors", "page"),
])
def test_unicode_digits_are_not_numbers(client, world, url, key):
    page_of(client, url, **{key: "²"})


@pytest.mark.parametrize("value", ["²", "9" * 5000, PAST_64_BITS, PAST_INTEGER],
                         ids=["superscript-two", "5000-nines", "past-64-bits", "past-integer"])
def test_a_link_s_own_record_id_that_names_no_record(client, world, value):
    certificate = world["certificate"]
    # The re-issue of a review item that does not exist: 404, as for any missing item.
    assert client.get(f"/certificates/{certificate.id}/reissue",
                      query_string={"review": value}).status_code == 404
    # Prefilled forms fill nothing in.
    page_of(client, "/seminars/new", course=value)
    page_of(client, "/reference/regions/new", parent=value)
    response = client.get(f"/people/{certificate.person.id}/merge",
                          query_string={"target_id": value})
    assert response.status_code == (200 if value == "²" else 404)


@pytest.mark.parametrize("value", ["9" * 5000, "0" * 30 + "1"],
                         ids=["5000-nines", "leading-zeros"])
def test_very_long_numbers(client, world, value):
    page_of(client, "/seminars/", page=value, region=value)
    page_of(client, "/certificates/", page=value, seminar=value)


def test_posted_ids_out_of_range_or_not_numbers_are_refused_not_a_500(client, login_as):
    from tests import fixtures

    trainer = login_as("trainer")
    seminar = fixtures.create_seminar(trainers=[trainer], status="in_progress")
    fixtures.create_registration(seminar)
    day = seminar.days[0]
    for raw in ("99999999999999999999", "²", "3000000000", "-1"):
        client.get(f"/seminars/{seminar.id}/register")
        response = client.post(f"/seminars/{seminar.id}/register", data={"person_id": raw})
        assert response.status_code in (302, 400, 404), raw
        client.get(f"/seminars/{seminar.id}/days/{day.id}/attendance")
        response = client.post(f"/seminars/{seminar.id}/days/{day.id}/attendance",
                               data={"present": [raw], "listed": [raw]})
        assert response.status_code != 500, raw
