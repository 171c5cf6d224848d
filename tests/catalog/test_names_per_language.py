"""Reference data in the reader's language: regions, sectors and courses keep a value per
interface language, with the fallback asked locale → the other Uzbek script → the default."""
from __future__ import annotations

import io
from datetime import date

import pytest
from sqlalchemy import select

from registry.audit.models import AuditEvent
from registry.catalog.models import Region
from registry.extensions import db
from registry.localized import pick
from tests import fixtures
from tests.reports.conftest import PERIOD, breakdown_table, held_seminar
from tests.seminars.test_import import csv_text


@pytest.mark.parametrize("locale,expected", [
    ("uz", "Fargʻona viloyati"),
    ("uz_Cyrl", "Фарғона вилояти"),
    ("ru", "Ферганская область"),
    ("mn", "Fergana Region"),  # none of its own: the default
])
def test_the_fallback_is_the_locale_then_the_other_script_then_the_default(locale, expected):
    values = {"uz": "Fargʻona viloyati", "uz_Cyrl": "Фарғона вилояти",
              "ru": "Ферганская область"}
    assert pick(values, "Fergana Region", locale) == expected
    only_latin = {"uz": "Fargʻona viloyati"}
    assert pick(only_latin, "Fergana Region", "uz_Cyrl") == "Fargʻona viloyati"
    assert pick({"uz_Cyrl": "Фарғона вилояти", "uz": "  "}, "Fergana Region",
                "uz") == "Фарғона вилояти"


def test_the_uzbek_dashboard_lists_uzbek_region_sector_and_course_names(client, login_as):
    region = fixtures.create_region("Fergana Region")
    region.set_values("name", {"uz": "Fargʻona viloyati", "uz_Cyrl": "Фарғона вилояти"})
    sector = fixtures.create_sector("Silk")
    sector.set_values("name", {"uz": "Ipakchilik", "ru": "Шелководство"})
    course = fixtures.create_course(title="ISO 9001:2015 Internal Auditor")
    course.set_values("title", {"uz": "ISO 9001:2015 ichki auditori"})
    organization = fixtures.create_organization("Margʻilon Ipak", sector=sector)
    people = [(fixtures.create_person(organization=organization), 3, 90, "registered")]
    held_seminar(course=course, region=region, start=date(2025, 3, 10),
                 trainers=[fixtures.create_user("trainer")], participants=people)
    login_as("official")
    page = client.get("/", query_string={**PERIOD, "lang": "uz"}).get_data(as_text=True)
    assert list(breakdown_table(page, "region")) == ["Fargʻona viloyati"]
    assert list(breakdown_table(page, "sector")) == ["Ipakchilik"]
    assert list(breakdown_table(page, "course")) == ["ISO 9001:2015 ichki auditori"]
    cyrillic = client.get("/", query_string={**PERIOD, "lang": "uz_Cyrl"}).get_data(
        as_text=True)
    assert list(breakdown_table(cyrillic, "region")) == ["Фарғона вилояти"]
    assert list(breakdown_table(cyrillic, "sector")) == ["Ipakchilik"]  # the other script
    mongolian = client.get("/", query_string={**PERIOD, "lang": "mn"}).get_data(as_text=True)
    assert list(breakdown_table(mongolian, "region")) == ["Fergana Region"]  # the default


def test_an_admin_edits_every_language_on_one_page_and_sees_what_is_missing(client, login_as):
    admin = login_as("admin")
    region = fixtures.create_region("Fergana Region")
    form = client.get(f"/reference/regions/{region.id}").get_data(as_text=True)
    for locale in ("en", "ru", "uz", "uz_Cyrl", "mn", "vi"):
        assert f'name="name__{locale}"' in form
    assert "6 languages have none of their own" in form
    response = client.post(f"/reference/regions/{region.id}", data={
        "country": "UZ", "name": "Fergana Region", "kind": "region", "parent_id": "",
        "name__uz": "  Fargʻona viloyati ", "name__uz_Cyrl": "Фарғона вилояти",
        "name__ru": "Ферганская область"})
    assert response.status_code == 302
    db.session.expire_all()
    assert region.values_of("name") == {"uz": "Fargʻona viloyati", "uz_Cyrl": "Фарғона вилояти",
                                        "ru": "Ферганская область"}
    form = client.get(f"/reference/regions/{region.id}").get_data(as_text=True)
    assert 'value="Фарғона вилояти"' in form
    assert "3 languages have none of their own" in form
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "region.update"))
    assert event.actor_id == admin.id and "Фарғона вилояти" in str(event.details)
    # Too long a name in one language is refused next to its field, nothing saved.
    response = client.post(f"/reference/regions/{region.id}", data={
        "country": "UZ", "name": "Fergana Region", "kind": "region", "parent_id": "",
        "name__vi": "x" * 151})
    assert response.status_code == 200 and "Field cannot be longer than 150 characters." in \
        response.get_data(as_text=True)
    db.session.expire_all()
    assert "vi" not in region.values_of("name")


def test_a_course_title_shows_in_the_page_language(client, login_as):
    trainer = login_as("trainer")
    course = fixtures.create_course(title="ISO 9001:2015 Internal Auditor")
    course.set_values("title", {"ru": "Внутренний аудитор ISO 9001:2015"})
    seminar = fixtures.create_seminar(course=course, trainers=[trainer])
    db.session.commit()
    assert "Внутренний аудитор ISO 9001:2015" in client.get(
        f"/seminars/{seminar.id}?lang=ru").get_data(as_text=True)
    assert "ISO 9001:2015 Internal Auditor" in client.get(
        f"/seminars/{seminar.id}?lang=en").get_data(as_text=True)


def test_an_imported_list_may_name_the_district_in_any_of_its_languages(client, login_as):
    login_as("official")
    region = fixtures.create_region("Fergana Region")
    region.set_values("name", {"uz_Cyrl": "Фарғона вилояти"})
    district = fixtures.create_region("Margilan", kind="city", parent=region)
    district.set_values("name", {"uz": "Margʻilon"})
    db.session.commit()
    seminar = fixtures.create_seminar()
    client.get(f"/seminars/{seminar.id}/import")
    page = client.post(f"/seminars/{seminar.id}/import", data={"file": (io.BytesIO(csv_text([
        ["Full name", "Region"], ["Anvar Karimov", "Фарғона вилояти / Margʻilon"]]).encode()),
        "list.csv")}, content_type="multipart/form-data").get_data(as_text=True)
    assert 'class="outcome-new"' in page and "not a region or district" not in page
    assert db.session.scalar(select(Region.id).where(Region.name == "Margilan")) == district.id
