"""Reference data in the UI: regions tree, sectors, organizations, courses - with the audit trail."""
from __future__ import annotations

from sqlalchemy import select

from registry.audit.models import AuditEvent
from registry.catalog.models import Course, Region, Sector
from registry.catalog.models import Organization
from tests import fixtures

COURSE_FORM = {
    "code": "iso9001-ia", "title": "ISO 9001:2015 Internal Auditor",
    "standards": "ISO 9001:2015, ISO 19011:2018", "description": "",
    "certificate_kind": "internal_auditor", "hours": "24", "days": "3", "pass_mark": "70",
    "min_attendance_percent": "100", "validity_months": "36", "number_prefix": "ia",
    "languages": "seminar,en", "active": "y",
}


def audit_actions(db):
    return [event.action for event in db.session.scalars(select(AuditEvent).order_by(
        AuditEvent.id))]


def test_admin_builds_the_region_tree(client, login_as, db):
    login_as("admin")
    client.post("/reference/regions/new", data={"country": "MN", "name": "Улаанбаатар",
                                                "kind": "city", "parent_id": ""})
    city = db.session.scalar(select(Region).where(Region.name == "Улаанбаатар"))
    form = client.get(f"/reference/regions/new?parent={city.id}").get_data(as_text=True)
    assert f'<option selected value="{city.id}">' in form
    client.post("/reference/regions/new", data={"country": "MN", "name": "  Баянзүрх ",
                                                "kind": "district", "parent_id": str(city.id)})
    district = db.session.scalar(select(Region).where(Region.parent_id == city.id))
    assert district.name == "Баянзүрх"  # trimmed, as typed otherwise
    client.post("/reference/regions/new", data={"country": "MN", "name": "1-р хороо",
                                                "kind": "khoroo", "parent_id": str(district.id)})
    page = client.get("/reference/regions").get_data(as_text=True)
    page = page[page.index('<details class="tree"'):]
    assert page.index("Улаанбаатар") < page.index("Баянзүрх") < page.index("1-р хороо")
    assert audit_actions(db) == ["region.create"] * 3


def test_region_cannot_move_under_its_own_child(client, login_as, db):
    login_as("admin")
    region = fixtures.create_region("Fergana Region")
    child = fixtures.create_region("Quva", kind="district", parent=region)
    page = client.post(f"/reference/regions/{region.id}", data={
        "country": "UZ", "name": "Fergana Region", "kind": "region",
        "parent_id": str(child.id)}).get_data(as_text=True)
    assert "A region cannot be placed under itself." in page
    db.session.refresh(region)
    assert region.parent_id is None
    assert audit_actions(db) == []


def test_duplicate_region_name_under_same_parent_is_refused(client, login_as, db, count_rows):
    login_as("admin")
    region = fixtures.create_region("Fergana Region")
    fixtures.create_region("Quva", kind="district", parent=region)
    before = count_rows(Region)
    page = client.post("/reference/regions/new", data={
        "country": "UZ", "name": "Quva", "kind": "district",
        "parent_id": str(region.id)}).get_data(as_text=True)
    assert 'id="name-error"' in page
    assert "already exists" in page
    assert count_rows(Region) == before and audit_actions(db) == []


def test_a_region_added_by_hand_gets_a_code_unique_in_its_country(client, login_as, db,
                                                                  count_rows):
    login_as("admin")
    client.post("/reference/regions/new", data={"country": "UZ", "name": "Yangi tuman",
                                                "code": "uz-yt1", "kind": "district"})
    region = db.session.scalar(select(Region).where(Region.name == "Yangi tuman"))
    assert region.code == "UZ-YT1"  # codes are written in capitals
    edit = client.get(f"/reference/regions/{region.id}").get_data(as_text=True)
    assert 'name="code"' in edit and 'value="UZ-YT1"' in edit
    before = count_rows(Region)
    page = client.post("/reference/regions/new", data={
        "country": "UZ", "name": "Boshqa tuman", "code": "UZ-YT1", "kind": "district"}
    ).get_data(as_text=True)
    assert 'id="code-error"' in page and "Another region of this country has the code UZ-YT1." \
        in page
    assert count_rows(Region) == before
    # Without a code, as many regions as wanted; the same code in another country is another.
    for country, name in (("UZ", "Birinchi"), ("UZ", "Ikkinchi"), ("MN", "Нэгдүгээр")):
        client.post("/reference/regions/new", data={"country": country, "name": name,
                                                    "code": "UZ-YT1" if country == "MN" else "",
                                                    "kind": "district"})
    assert count_rows(Region) == before + 3
    assert db.session.scalar(select(Region.code).where(Region.name == "Birinchi")) is None


def test_sector_crud_with_one_event_per_change(client, login_as, db):
    login_as("admin")
    client.post("/reference/sectors/new", data={"code": "silk", "name": "Silk"})
    sector = db.session.scalar(select(Sector))
    assert sector.code == "SILK"
    client.post(f"/reference/sectors/{sector.id}", data={"code": "SILK",
                                                         "name": "Silk and sericulture"})
    client.post(f"/reference/sectors/{sector.id}", data={"code": "SILK",
                                                         "name": "Silk and sericulture"})
    db.session.refresh(sector)
    assert sector.name == "Silk and sericulture"
    assert audit_actions(db) == ["sector.create", "sector.update"]  # no change, no event
    update = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "sector.update"))
    assert update.details["changes"] == {"name": ["Silk", "Silk and sericulture"]}
    page = client.get(f"/reference/sectors/{sector.id}/delete").get_data(as_text=True)
    assert "Delete “Silk and sericulture”?" in page
    client.post(f"/reference/sectors/{sector.id}/delete")
    assert db.session.scalar(select(Sector)) is None
    assert audit_actions(db)[-1] == "sector.delete"


def test_record_in_use_cannot_be_deleted(client, login_as, db, count_rows):
    login_as("admin")
    sector = fixtures.create_sector("Textiles")
    fixtures.create_organization("“Andijon Tekstil” MChJ", sector=sector)
    page = client.post(f"/reference/sectors/{sector.id}/delete",
                       follow_redirects=True).get_data(as_text=True)
    assert "“Textiles” is still in use and cannot be deleted." in page
    assert count_rows(Sector) == 1 and audit_actions(db) == []


def test_region_with_districts_cannot_be_deleted(client, login_as, db, count_rows):
    login_as("admin")
    region = fixtures.create_region("Fergana Region")
    fixtures.create_region("Quva", kind="district", parent=region)
    page = client.post(f"/reference/regions/{region.id}/delete",
                       follow_redirects=True).get_data(as_text=True)
    assert "still in use" in page
    assert count_rows(Region) == 2
    db.session.expire_all()
    assert db.session.scalar(select(Region).where(Region.name == "Quva")).parent_id == region.id


def test_organization_with_sector_and_district(client, login_as, db):
    login_as("admin")
    sector = fixtures.create_sector("Silk")
    district = fixtures.create_region("Margʻilon", kind="district",
                                      parent=fixtures.create_region("Fergana Region"))
    client.post("/reference/organizations/new", data={
        "name": "“Margʻilon Ipagi” AJ", "kind": "enterprise", "sector_id": str(sector.id),
        "region_id": str(district.id)})
    organization = db.session.scalar(select(Organization))
    assert (organization.sector_id, organization.region_id) == (sector.id, district.id)
    page = client.get("/reference/organizations?q=ipagi").get_data(as_text=True)
    assert "“Margʻilon Ipagi” AJ" in page and "Fergana Region › Margʻilon" in page


def test_course_created_from_the_form(client, login_as, db):
    login_as("admin")
    response = client.post("/reference/courses/new", data=COURSE_FORM, follow_redirects=True)
    assert "“ISO 9001:2015 Internal Auditor” added." in response.get_data(as_text=True)
    course = db.session.scalar(select(Course))
    assert (course.code, course.number_prefix, course.pass_mark, course.days) == \
        ("ISO9001-IA", "IA", 70, 3)


def test_auditor_course_needs_a_pass_mark_and_sane_numbers(client, login_as, count_rows):
    login_as("admin")
    page = client.post("/reference/courses/new", data={
        **COURSE_FORM, "pass_mark": "", "days": "0", "min_attendance_percent": "150",
        "number_prefix": "I-A"}).get_data(as_text=True)
    for field in ("pass_mark", "days", "min_attendance_percent", "number_prefix"):
        assert f'id="{field}-error"' in page
    assert "An internal-auditor course needs a pass mark." in page
    assert count_rows(Course) == 0


def test_duplicate_course_code_is_refused(client, login_as, count_rows):
    login_as("admin")
    fixtures.create_course(code="ISO9001-IA")
    page = client.post("/reference/courses/new", data=COURSE_FORM).get_data(as_text=True)
    assert 'id="code-error"' in page
    assert count_rows(Course) == 1


def test_staff_may_look_but_not_change(client, login_as):
    login_as("official")
    sector = fixtures.create_sector("Poultry")
    page = client.get("/reference/sectors").get_data(as_text=True)
    assert "Poultry" in page and "/reference/sectors/new" not in page
    assert client.post("/reference/sectors/new", data={"code": "X", "name": "X"}).status_code \
        == 403
    assert client.post(f"/reference/sectors/{sector.id}/delete").status_code == 403


def test_lists_paginate_and_have_empty_states(client, login_as):
    login_as("admin")
    assert "Nothing here yet." in client.get("/reference/sectors").get_data(as_text=True)
    for number in range(27):
        fixtures.create_sector(f"Sector {number:02d}")
    page = client.get("/reference/sectors").get_data(as_text=True)
    assert "1–25 of 27" in page and "Sector 24" in page and "Sector 25" not in page
    page = client.get("/reference/sectors?page=2").get_data(as_text=True)
    assert "Sector 26" in page
    assert "Nothing matches “zzz”." in client.get("/reference/sectors?q=zzz").get_data(
        as_text=True)


def test_unknown_kind_or_id_is_404(client, login_as):
    login_as("admin")
    assert client.get("/reference/planets").status_code == 404
    assert client.get("/reference/sectors/424242").status_code == 404
