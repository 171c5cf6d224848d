"""Certificates about to expire: the 30/90/180-day windows, filters, order, pages, exports."""
from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta

import openpyxl
import pytest

from registry.certificates.services import change_status, issue_certificate, reissue_certificate
from registry.extensions import db
from registry.spreadsheets import CSV_MIMETYPE, XLSX_MIMETYPE
from tests import fixtures

TODAY = date.today()


@pytest.fixture
def expiring_world():
    """Certificates ending in 10, 20 (suspended), 25 (re-issued), 60, 120 and 200 days, one
    already expired and one revoked (ending in 5 days)."""
    official = fixtures.create_user("official")
    tashkent = fixtures.create_region("Tashkent")
    chilonzor = fixtures.create_region("Chilonzor", kind="district", parent=tashkent)
    fergana = fixtures.create_region("Fergana")
    org_a = fixtures.create_organization("Andijon Tekstil", region=fergana)
    org_b = fixtures.create_organization("Ministry of Energy", region=tashkent)
    ia = fixtures.create_course(prefix="IA", code="IA1", title="Internal Auditor")
    qm = fixtures.create_course(prefix="QM", code="QM1", title="Quality Manager")

    def certificate(name, days, *, region, organization, course):
        seminar = fixtures.create_completed_seminar(((name, 3, 90),), course=course,
                                                    region=region)
        registration = seminar.registrations[0]
        registration.person.organization = organization
        issued = issue_certificate(registration, issued_by=official,
                                   issued_on=TODAY - timedelta(days=400))
        issued.valid_until = TODAY + timedelta(days=days)
        db.session.commit()
        return issued

    made = {
        "d10": certificate("Aziza Ten", 10, region=chilonzor, organization=org_a, course=ia),
        "d20": certificate("Bobur Twenty", 20, region=fergana, organization=org_b, course=qm),
        "d25": certificate("Dilnoza Twentyfive", 25, region=tashkent, organization=org_b,
                           course=ia),
        "d60": certificate("Eldor Sixty", 60, region=fergana, organization=org_a, course=ia),
        "d120": certificate("Farida Hundredtwenty", 120, region=chilonzor, organization=org_b,
                            course=qm),
        "d200": certificate("Gulnora Twohundred", 200, region=fergana, organization=org_a,
                            course=ia),
        "expired": certificate("Hamid Expired", -5, region=fergana, organization=org_a,
                               course=ia),
        "revoked": certificate("Iroda Revoked", 5, region=fergana, organization=org_a,
                               course=ia),
    }
    change_status(made["d20"], "suspend", actor=official, reason="under_review")
    change_status(made["revoked"], "revoke", actor=official, reason="issued_in_error")
    made["d25b"] = reissue_certificate(made["d25"], {"holder_name": "Dilnoza Corrected"},
                                       actor=official, reason="spelling")
    db.session.commit()
    return {"certificates": made, "regions": {"tashkent": tashkent, "chilonzor": chilonzor,
                                              "fergana": fergana},
            "organizations": {"a": org_a, "b": org_b}, "courses": {"ia": ia, "qm": qm}}


def holders(page: str) -> list[str]:
    """Holder names in the table, in order."""
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0] if "<tbody>" in page else ""
    return [cells[2] for cells in (re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
                                   for row in re.findall(r"<tr>(.*?)</tr>", body, re.S))]


def listing(client, **args) -> list[str]:
    response = client.get("/reports/expiring", query_string=args)
    assert response.status_code == 200
    return holders(response.get_data(as_text=True))


def test_windows_list_current_certificates_soonest_first(client, login_as, expiring_world):
    login_as("official")
    soon = ["Aziza Ten", "Bobur Twenty", "Dilnoza Corrected"]
    assert listing(client, within=30) == soon
    assert listing(client, within=90) == soon + ["Eldor Sixty"]
    assert listing(client, within=180) == soon + ["Eldor Sixty", "Farida Hundredtwenty"]
    # Not in any window: the superseded revision, the revoked, the expired, the one in 200 days.
    page = client.get("/reports/expiring?within=180").get_data(as_text=True)
    for name in ("Dilnoza Twentyfive", "Iroda Revoked", "Hamid Expired", "Gulnora Twohundred"):
        assert name not in page
    assert "Suspended" in page
    # Any other window falls back to 30 days.
    assert listing(client, within=365) == soon
    assert listing(client) == soon


def test_filters_by_region_organization_and_course(client, login_as, expiring_world):
    login_as("official")
    regions, orgs, courses = (expiring_world["regions"], expiring_world["organizations"],
                              expiring_world["courses"])
    # A region takes in its districts.
    assert listing(client, within=180, region=regions["tashkent"].id) == [
        "Aziza Ten", "Dilnoza Corrected", "Farida Hundredtwenty"]
    assert listing(client, within=180, region=regions["chilonzor"].id) == [
        "Aziza Ten", "Farida Hundredtwenty"]
    assert listing(client, within=180, organization=orgs["a"].id) == ["Aziza Ten", "Eldor Sixty"]
    assert listing(client, within=180, course=courses["qm"].id) == [
        "Bobur Twenty", "Farida Hundredtwenty"]
    assert listing(client, within=180, course=courses["qm"].id, organization=orgs["a"].id) == []
    page = client.get("/reports/expiring", query_string={"within": 180,
                                                         "course": courses["qm"].id,
                                                         "organization": orgs["a"].id})
    assert "No certificate matches these filters." in page.get_data(as_text=True)


def test_the_list_is_paginated(app, client, login_as, expiring_world, monkeypatch):
    login_as("official")
    monkeypatch.setitem(app.config, "PAGE_SIZE", 2)
    first = client.get("/reports/expiring?within=180").get_data(as_text=True)
    assert holders(first) == ["Aziza Ten", "Bobur Twenty"]
    assert "Page 1 of 3" in first and "page=2" in first
    assert listing(client, within=180, page=3) == ["Farida Hundredtwenty"]


def test_exports_hold_the_whole_filtered_list(client, login_as, expiring_world):
    login_as("official")
    certificates = expiring_world["certificates"]
    response = client.get("/reports/expiring.xlsx?within=90")
    assert response.status_code == 200 and response.mimetype == XLSX_MIMETYPE
    assert "attachment" in response.headers["Content-Disposition"]
    rows = [list(row) for row in openpyxl.load_workbook(io.BytesIO(response.data))
            .active.iter_rows(values_only=True)]
    assert rows[0] == ["Number", "Holder", "Organization", "Course", "Region", "Issued on",
                       "Valid until", "Status"]
    assert [row[1] for row in rows[1:]] == ["Aziza Ten", "Bobur Twenty", "Dilnoza Corrected",
                                            "Eldor Sixty"]
    assert rows[1][0] == certificates["d10"].printed_number
    assert rows[3][0] == certificates["d25b"].printed_number  # the current revision: .../2
    assert rows[2][7] == "Suspended"
    assert rows[1][4] == "Tashkent › Chilonzor"

    response = client.get("/reports/expiring.csv",
                          query_string={"within": 180,
                                        "region": expiring_world["regions"]["chilonzor"].id})
    assert response.status_code == 200 and response.mimetype == CSV_MIMETYPE
    table = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert table[0][1] == "Holder"
    assert [(row[1], row[6]) for row in table[1:]] == [
        ("Aziza Ten", (TODAY + timedelta(days=10)).isoformat()),
        ("Farida Hundredtwenty", (TODAY + timedelta(days=120)).isoformat())]
    assert client.get("/reports/expiring.pdf").status_code == 404


def test_empty_window_says_so_and_offers_a_longer_one(client, login_as):
    login_as("official")
    page = client.get("/reports/expiring?within=30").get_data(as_text=True)
    assert "No certificate expires within 30 days." in page
    assert "within=180" in page


def test_the_dashboard_links_to_the_list_for_the_office_only(client, login_as):
    login_as("official")
    assert "/reports/expiring" in client.get("/").get_data(as_text=True)
    login_as("trainer")
    assert client.get("/reports/expiring").status_code == 403
    assert client.get("/reports/expiring.xlsx").status_code == 403
