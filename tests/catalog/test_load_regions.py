"""``flask catalog load-regions``: the shipped region files and how they merge with what
admins made (issue 17, item 3)."""
from __future__ import annotations

import difflib
import hashlib
import json

import pycountry
import pytest
from sqlalchemy import func, select

from registry.audit.models import AuditEvent
from registry.catalog.models import COUNTRIES, Region
from registry.catalog.regions_data import (RegionDataError, load_regions, name_keys, problems,
                                           read_region_file)
from registry.people.names import OKINA, clean_name, search_key
from tests import fixtures

FILES = {country: read_region_file(country) for country in COUNTRIES}
# pycountry's subdivision types -> our kinds
ISO_KINDS = {"Region": "region", "Republic": "region", "Province": "region", "City": "city",
             "Capital city": "city", "Municipality": "city"}


def iso_subdivisions(country: str) -> dict:
    return {sub.code: sub for sub in pycountry.subdivisions.get(country_code=country)}


def digest_of_regions(db) -> str:
    """Everything the region table holds, as one hash (a changed timestamp counts)."""
    db.session.expire_all()
    rows = db.session.execute(select(Region.__table__).order_by(Region.id)).mappings().all()
    text = json.dumps([dict(row) for row in rows], sort_keys=True, default=str,
                      ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def load_events(db) -> list[AuditEvent]:
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == "region.load")
                              .order_by(AuditEvent.id)).all()


def write_file(tmp_path, text: str):
    path = tmp_path / "regions.csv"
    path.write_text(text, encoding="utf-8")
    return path


UZ_HEADER = """# source: a test
# date: 2026-01-01
# default: uz
# required: uz, uz_Cyrl, ru, en
# designators: viloyati | Region
# script-check exceptions: {exceptions}
code,kind,parent_code,uz,uz_Cyrl,ru,en,also
"""


# --- the files themselves --------------------------------------------------------------

@pytest.mark.parametrize("country", COUNTRIES)
def test_every_code_is_an_iso_3166_2_code_of_that_country_and_kind(country):
    iso = iso_subdivisions(country)
    data = FILES[country]
    for row in data.rows:
        if row.code is None:
            continue
        assert row.code in iso, f"{row.code} ({data.default_name(row)}) is not in ISO 3166-2"
        # Huế became a centrally-run city on 1 January 2025; ISO still calls it a province.
        if row.code != "VN-26":
            assert ISO_KINDS[iso[row.code].type] == row.kind, row.code


@pytest.mark.parametrize("country", ["UZ", "MN"])
def test_every_iso_subdivision_of_uzbekistan_and_mongolia_is_a_row_named_like_it(country):
    """Each ISO code is on the row whose name is nearest ISO's (romanised) name: a code on
    the wrong row shows here."""
    data = FILES[country]
    by_code = {row.code: row for row in data.rows if row.code}
    assert set(by_code) == set(iso_subdivisions(country))

    def compact(name: str) -> str:
        key = min(name_keys(name, data.designators), key=len).replace(" ", "")
        for latin, common in (("x", "h"), ("y", "i"), ("dz", "z")):
            key = key.replace(latin, common)
        return key

    def likeness(iso_name: str, row) -> float:
        names = [row.names[locale] for locale in ("uz", "en") if locale in row.names]
        return max(difflib.SequenceMatcher(None, compact(iso_name), compact(name)).ratio()
                   for name in names)

    for code, sub in iso_subdivisions(country).items():
        scores = {row.code: likeness(sub.name, row) for row in data.rows if row.code}
        best = max(scores.values())
        assert best >= 0.85 and scores[code] == best, (code, sub.name, scores[code], best)


def test_vietnam_has_the_34_units_since_the_merger_made_of_the_63_before_it():
    data = FILES["VN"]
    assert len(data.rows) == 34
    assert sorted(row.kind for row in data.rows).count("city") == 6
    assert {data.default_name(row) for row in data.rows if row.kind == "city"} == {
        "Hà Nội", "Huế", "Hải Phòng", "Đà Nẵng", "Thành phố Hồ Chí Minh", "Cần Thơ"}
    # Every pre-merger province or city is part of exactly one unit ...
    parts = [code for row in data.rows for code in row.merged_from]
    assert sorted(parts) == sorted(iso_subdivisions("VN")) and len(parts) == 63
    # ... and a unit has an ISO code only when it is that very unit, unchanged.
    for row in data.rows:
        assert row.code is None or row.merged_from == (row.code,), data.default_name(row)
    assert sum(1 for row in data.rows if row.code) == 11
    assert "202/2025/QH15" in data.source and data.date.startswith("2025-06-12")


def test_mongolia_has_its_aimags_the_capital_and_the_capitals_nine_districts():
    data = FILES["MN"]
    top = [row for row in data.rows if row.parent_code is None]
    districts = [row for row in data.rows if row.parent_code is not None]
    assert len(top) == 22 and sum(row.kind == "city" for row in top) == 1
    assert len(districts) == 9
    assert all(row.parent_code == "MN-1" and row.kind == "district" and row.code is None
               for row in districts)
    assert "Баянгол дүүрэг" in {row.names["mn"] for row in districts}
    # Mongolian Cyrillic, with its own letters where the names have them.
    assert all("ө" in row.names["mn"].lower() or "ү" in row.names["mn"].lower()
               for row in top if row.code in ("MN-071", "MN-041", "MN-053", "MN-047"))


@pytest.mark.parametrize("country,required", [
    ("UZ", {"uz", "uz_Cyrl", "ru", "en"}), ("MN", {"mn", "ru", "en"}), ("VN", {"vi", "en"})])
def test_every_row_names_the_required_languages(country, required):
    data = FILES[country]
    assert set(data.required) == required
    assert data.default_locale in required
    assert data.source and data.date
    assert problems(data) == []
    for row in data.rows:
        assert required <= set(row.names), row.line
        assert all(name == clean_name(name) for name in row.names.values()), row.line


def test_a_row_without_a_required_language_is_a_problem_and_is_not_loaded(tmp_path, db):
    path = write_file(tmp_path, UZ_HEADER.format(exceptions="none") +
                      "UZ-FA,region,,Fargʻona viloyati,Фарғона вилояти,,Fergana Region,\n")
    data = read_region_file("UZ", path)
    assert problems(data) == ["line 8 (Fargʻona viloyati): no name in ru."]
    with pytest.raises(RegionDataError):
        load_regions("UZ", data=data)
    assert db.session.scalar(select(func.count()).select_from(Region)) == 0


def test_uzbek_latin_and_cyrillic_names_spell_the_same_name():
    data = FILES["UZ"]
    for row in data.rows:
        latin, cyrillic = row.names["uz"], row.names["uz_Cyrl"]
        if row.code in data.script_exceptions:
            continue
        assert search_key(latin) == search_key(cyrillic), (row.code, latin, cyrillic)
    # gʻ (Fargʻona, Qoraqalpogʻiston) with the turned comma the app writes, never an
    # apostrophe look-alike.
    latin_names = " ".join(row.names["uz"] for row in data.rows)
    assert latin_names.count(f"g{OKINA}") == 2
    assert not set("'‘’`ʼ") & set(latin_names)


def test_the_script_check_takes_the_listed_exceptions_only(tmp_path):
    mismatched = "UZ-FA,region,,Fargʻona viloyati,Фергана вилояти,Ферганская область,Fergana,\n"
    unlisted = read_region_file("UZ", write_file(tmp_path, UZ_HEADER.format(
        exceptions="none") + mismatched))
    assert len(problems(unlisted)) == 1 and "do not spell the same name" in problems(unlisted)[0]
    listed = read_region_file("UZ", write_file(tmp_path, UZ_HEADER.format(
        exceptions="UZ-FA (a test)") + mismatched))
    assert listed.script_exceptions == {"UZ-FA"} and problems(listed) == []
    needless = read_region_file("UZ", write_file(tmp_path, UZ_HEADER.format(
        exceptions="UZ-FA (a test)") + mismatched.replace("Фергана", "Фарғона")))
    assert "listed as a script-check exception" in problems(needless)[0]


def test_a_name_is_matched_with_or_without_the_word_for_its_kind():
    designators = FILES["UZ"].designators
    assert name_keys("Fergana Region", designators) == {"fergana region", "fergana"}
    assert name_keys("Fargʻona viloyati", designators) & name_keys("Фарғона вилояти",
                                                                   designators)
    assert name_keys("Fergana", designators) == {"fergana"}
    vietnamese = FILES["VN"].designators
    assert name_keys("TP. Hồ Chí Minh", vietnamese) == {"chi ho minh tp", "chi ho minh"}
    assert "hoa thanh" in name_keys("Thanh Hóa", vietnamese)  # "thanh" is not "thành phố"
    assert name_keys("Tỉnh Thanh Hóa", vietnamese) == {"hoa thanh tinh", "hoa thanh"}


# --- loading -----------------------------------------------------------------------------

def test_loading_all_three_then_again_changes_nothing(db):
    results = [load_regions(country) for country in COUNTRIES]
    db.session.commit()
    assert [len(result.added) for result in results] == [14, 31, 34]
    assert len(load_events(db)) == 3
    before = digest_of_regions(db)

    again = [load_regions(country) for country in COUNTRIES]
    db.session.commit()
    assert not any(result.changed for result in again)
    assert [len(result.unchanged) for result in again] == [14, 31, 34]
    assert digest_of_regions(db) == before
    assert len(load_events(db)) == 3  # no change, no audit event

    fergana = db.session.scalar(select(Region).where(Region.code == "UZ-FA"))
    assert fergana.name == "Fargʻona viloyati" and fergana.kind == "region"
    assert fergana.values_of("name") == {"uz": "Fargʻona viloyati", "uz_Cyrl": "Фарғона вилояти",
                                         "ru": "Ферганская область", "en": "Fergana Region"}
    bayangol = db.session.scalar(select(Region).where(Region.name == "Баянгол дүүрэг"))
    assert (bayangol.kind, bayangol.parent.code, bayangol.code) == ("district", "MN-1", None)
    assert bayangol.localized("name", "en") == "Bayangol District"
    hanoi = db.session.scalar(select(Region).where(Region.country == "VN",
                                                   Region.code == "VN-HN"))
    assert (hanoi.name, hanoi.kind, hanoi.localized("name", "ru")) == ("Hà Nội", "city", "Ханой")


def test_an_admins_fergana_region_gets_the_code_and_the_names_not_a_twin(db):
    admin = fixtures.create_user(role="admin")
    fergana = fixtures.create_region("Fergana Region")
    fergana.set_values("name", {"en": "Fergana Region", "ru": "Фергана"})
    db.session.commit()

    result = load_regions("UZ", actor=admin)
    db.session.commit()
    top = db.session.scalars(select(Region).where(Region.country == "UZ",
                                                  Region.parent_id.is_(None))).all()
    assert len(top) == 14 and len(result.added) == 13
    db.session.refresh(fergana)
    assert fergana.code == "UZ-FA"
    assert fergana.name == "Fergana Region"  # the admin's default name stays
    assert fergana.values_of("name") == {
        "en": "Fergana Region", "ru": "Фергана",  # the admin's Russian stays too
        "uz": "Fargʻona viloyati", "uz_Cyrl": "Фарғона вилояти"}
    assert result.updated == ["Fergana Region: code UZ-FA; names in uz, uz_Cyrl"]
    assert "Fergana Region: its ru name “Фергана” (the file: “Ферганская область”)" in \
        result.kept
    event, = load_events(db)
    assert event.actor_id == admin.id and event.details["updated"] == result.updated
    assert "13 added, 1 updated" in event.summary


def test_an_admins_regions_are_matched_by_any_of_their_names_at_their_level(db):
    ulaanbaatar = fixtures.create_region("Улаанбаатар", country="MN", kind="city")
    bayangol = fixtures.create_region("Баянгол", country="MN", kind="district",
                                      parent=ulaanbaatar)
    district_as_aimag = fixtures.create_region("Sükhbaatar Province", country="MN")
    latin = fixtures.create_region("Arhangay", country="MN")  # ISO's transliteration
    db.session.commit()

    result = load_regions("MN")
    db.session.commit()
    assert (ulaanbaatar.code, bayangol.code, district_as_aimag.code, latin.code) == (
        "MN-1", None, "MN-051", "MN-073")
    assert bayangol.values_of("name")["mn"] == "Баянгол дүүрэг"
    assert db.session.scalar(select(func.count()).select_from(Region)) == 31
    # The district Сүхбаатар (under the capital) is not the aimag Сүхбаатар.
    assert db.session.scalar(select(func.count()).select_from(Region).where(
        Region.parent_id == ulaanbaatar.id)) == 9
    assert len(result.updated) == 4 and len(result.added) == 27


def test_a_name_that_fits_two_rows_or_two_regions_for_one_row_is_left_to_an_admin(db):
    tashkent = fixtures.create_region("Tashkent")  # the city or the region?
    fergana = fixtures.create_region("Fergana")
    ferghana = fixtures.create_region("Ferghana Region")
    elsewhere = fixtures.create_region("Aral Sea shore")
    db.session.commit()
    before = {region.id: (region.name, region.code) for region in (tashkent, fergana,
                                                                     ferghana, elsewhere)}

    result = load_regions("UZ")
    db.session.commit()
    for region in (tashkent, fergana, ferghana, elsewhere):
        db.session.refresh(region)
        assert (region.name, region.code) == before[region.id]
        assert region.values_of("name") == {}
    # Both Tashkents are loaded; the Fergana row waits until the admin merges the two.
    assert {"Toshkent shahri (UZ-TK)", "Toshkent viloyati (UZ-TO)"} <= set(result.added)
    assert not any(added.startswith("Fargʻona") for added in result.added)
    assert sorted(result.left) == sorted([
        "Tashkent: looks like several rows of the file (Toshkent shahri, Toshkent viloyati), "
        "left as it is",
        "Fergana: one of 2 regions that look like Fargʻona viloyati: merge them, then load "
        "again",
        "Ferghana Region: one of 2 regions that look like Fargʻona viloyati: merge them, then "
        "load again",
        "Aral Sea shore: not in the file, left as it is"])


def test_a_loaded_region_is_found_again_by_its_code_whatever_an_admin_renamed_it_to(db):
    load_regions("UZ")
    db.session.commit()
    fergana = db.session.scalar(select(Region).where(Region.code == "UZ-FA"))
    fergana.name = "Vodiy"
    fergana.set_values("name", {"en": "The Valley"})
    db.session.commit()

    result = load_regions("UZ")
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Region)) == 14
    assert result.added == [] and result.updated == ["Vodiy (UZ-FA): names in uz, uz_Cyrl, ru"]
    assert (fergana.name, fergana.localized("name", "en"),
            fergana.localized("name", "uz_Cyrl")) == ("Vodiy", "The Valley", "Фарғона вилояти")


def test_a_region_added_later_under_another_spelling_is_shown_as_a_twin(db):
    load_regions("UZ")
    db.session.commit()
    twin = fixtures.create_region("Ferghana")
    # Toshkent shahri is there already (found by its code); "Tashkent" is still not taken
    # for the one Tashkent row left open.
    tashkent = fixtures.create_region("Tashkent")
    db.session.commit()
    result = load_regions("UZ")
    assert not result.changed and twin.code is None and tashkent.code is None
    assert result.left == [
        "Ferghana: looks like Fargʻona viloyati (UZ-FA), which is already there: merge them",
        "Tashkent: looks like several rows of the file (Toshkent shahri, Toshkent viloyati), "
        "left as it is"]


# --- the command -------------------------------------------------------------------------

def test_the_command_loads_says_what_it_did_and_then_that_nothing_changed(app, db):
    fixtures.create_region("Fergana Region")
    db.session.commit()
    runner = app.test_cli_runner()

    first = runner.invoke(args=["catalog", "load-regions", "UZ"])
    assert first.exit_code == 0, first.output
    assert "Regions of UZ: names as of 2023-04-30." in first.output
    assert "added (13):" in first.output and "Andijon viloyati (UZ-AN)" in first.output
    assert "updated (1):\n    Fergana Region: code UZ-FA; names in uz, uz_Cyrl, ru, en" in \
        first.output
    assert "Fergana Region: its name (the file: “Fargʻona viloyati”)" in first.output
    assert first.output.rstrip().endswith("13 added, 1 updated.")
    db.session.remove()
    assert db.session.scalar(select(func.count()).select_from(Region)) == 14  # committed
    before = digest_of_regions(db)

    second = runner.invoke(args=["catalog", "load-regions", "uz"])
    assert second.exit_code == 0, second.output
    assert second.output.rstrip().endswith("Nothing changed.")
    assert "already complete (14)" in second.output and "added" not in second.output
    assert digest_of_regions(db) == before
    assert len(load_events(db)) == 1


def test_the_command_records_who_loaded_and_refuses_what_it_does_not_know(app, db):
    official = fixtures.create_user(role="official", email="malika@registry.test")
    db.session.commit()
    runner = app.test_cli_runner()
    unknown = runner.invoke(args=["catalog", "load-regions", "KZ"])
    assert unknown.exit_code == 2 and "KZ" in unknown.output
    nobody = runner.invoke(args=["catalog", "load-regions", "VN", "--by", "nobody@x.test"])
    assert nobody.exit_code == 1 and "No active staff account" in nobody.output
    assert db.session.scalar(select(func.count()).select_from(Region)) == 0

    loaded = runner.invoke(args=["catalog", "load-regions", "VN", "--by",
                                 "Malika@registry.test"])
    assert loaded.exit_code == 0, loaded.output
    assert "34 added, 0 updated." in loaded.output
    event, = load_events(db)
    assert event.actor_id == official.id and event.details["country"] == "VN"
