"""Exports as a spreadsheet program reads them: formula-like text stays text, names intact."""
from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from registry.certificates import services as certificate_services
from registry.extensions import db
from tests import fixtures

HOSTILE = ["=HYPERLINK(\"http://evil.test\",\"Click\")", "+7 (495) 123", "-2+3", "@SUM(A1:A9)",
           "\tTabbed", "\rReturned"]


def read_xlsx(data: bytes) -> list[list]:
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def read_xlsx_types(data: bytes) -> list[list]:
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    return [[cell.data_type for cell in row] for row in sheet.iter_rows()]


def read_csv(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")  # BOM: Excel opens the Cyrillic correctly
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


@pytest.fixture
def hostile_people():
    organization = fixtures.create_organization("=cmd|' /C calc'!A0")
    people = [fixtures.create_person(f"Ўроқов {i}", organization=organization) for i in range(3)]
    for person, phone in zip(people, HOSTILE):
        person.phone = phone
    people[0].position = "@SUM(A1:A9)"
    db.session.commit()
    return people


def test_people_export_keeps_formula_like_cells_as_text(client, login_as, hostile_people):
    login_as("official")
    response = client.get("/people/export.xlsx?q=Ўроқов")
    assert response.headers["Content-Disposition"] == 'attachment; filename="people.xlsx"'
    rows, types = read_xlsx(response.data), read_xlsx_types(response.data)
    header, body = rows[0], rows[1:]
    assert header[:3] == ["Full name", "Name in Latin letters", "Organization"]
    assert "National identifier" in header  # an official may see it
    assert sorted(row[0] for row in body) == ["Ўроқов 0", "Ўроқов 1", "Ўроқов 2"]
    organization_column, phone_column = header.index("Organization"), header.index("Phone")
    for row, kinds in zip(body, types[1:]):
        assert row[organization_column] == "=cmd|' /C calc'!A0"
        assert kinds[organization_column] == "s"  # a string, not a formula
        assert kinds[phone_column] == "s" and row[phone_column] in HOSTILE

    text = read_csv(client.get("/people/export.csv?q=Ўроқов").data)
    assert all(row[organization_column] == "'=cmd|' /C calc'!A0" for row in text[1:])
    assert {row[phone_column] for row in text[1:]} == {"'" + value for value in HOSTILE[:3]}


def test_the_people_register_is_exported_by_the_office_only(client, login_as):
    fixtures.create_person("Ҳасанова Дилноза", national_id="31203851234567")
    login_as("trainer")
    response = client.get("/people/export.xlsx")
    assert response.status_code == 403 and b"31203851234567" not in response.data
    login_as("official")
    rows = read_xlsx(client.get("/people/export.xlsx").data)
    assert rows[0][-1] == "National identifier" and rows[1][-1] == "31203851234567"


def test_roster_export_has_attendance_and_results(client, login_as):
    trainer = fixtures.create_user("trainer")
    seminar = fixtures.create_completed_seminar(
        (("Ғайратжон Ўроқов", 3, 90), ("=Evil Name", 2, 40)), trainers=[trainer])
    login_as(trainer)
    response = client.get(f"/seminars/{seminar.id}/roster.xlsx")
    rows = read_xlsx(response.data)
    header = rows[0]
    days = [day.day.isoformat() for day in sorted(seminar.days, key=lambda d: d.day)]
    assert header[8:11] == days
    by_name = {row[0]: row for row in rows[1:]}
    assert by_name["Ғайратжон Ўроқов"][8:] == [1, 1, 1, 100, 90, "Passed"]
    assert by_name["=Evil Name"][8:] == [1, 1, 0, 2 * 100 // 3, 40, "Failed"]  # as the page shows
    assert read_xlsx_types(response.data)[1 + list(by_name).index("=Evil Name")][0] == "s"
    csv_rows = read_csv(client.get(f"/seminars/{seminar.id}/roster.csv").data)
    assert [row[0] for row in csv_rows[1:]] == [row[0] if not row[0].startswith("=")
                                               else "'" + row[0] for row in rows[1:]]
    assert client.get(f"/seminars/{seminar.id}/roster.pdf").status_code == 404


def test_certificate_register_export_follows_the_filters(client, login_as):
    official = fixtures.create_user("official")
    kept = fixtures.create_certificate("Nguyễn Thị Thắm", issued_by=official)
    revoked = fixtures.create_certificate("Батбаяр Дорж", issued_by=official)
    certificate_services.change_status(revoked, "revoke", actor=official, reason="misconduct")
    db.session.commit()
    login_as(official)
    rows = read_xlsx(client.get("/certificates/register.xlsx?status=valid").data)
    assert [row[0] for row in rows[1:]] == [kept.number]
    assert rows[1][rows[0].index("Status")] == "Valid"
    everything = read_csv(client.get("/certificates/register.csv").data)
    status = everything[0].index("Status")
    assert sorted((row[1], row[status]) for row in everything[1:]) == sorted(
        [("Nguyễn Thị Thắm", "Valid"), ("Батбаяр Дорж", "Revoked")])
    assert everything[1][everything[0].index("Verification address")].startswith(
        "http://registry.test/v/")
