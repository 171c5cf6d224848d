"""The import's duplicate check, one look-up for the whole file, against the row-by-row rule
(``find_duplicates`` per row, as the import ran it before): the same matches, the same new
people, the same errors - on SQLite and on PostgreSQL (the two lower an email in their own
way)."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from registry.extensions import db
from registry.people import services as people_services
from registry.people.models import Person
from registry.seminars import roster_import
from registry.seminars.roster_import import apply_import, plan_import
from tests import fixtures
from tests.seminars.test_import import xlsx


def row_by_row(descriptions, *, limit=10):
    """The reference: one ``find_duplicates`` query per description."""
    return [people_services.find_duplicates(
        full_name=d.full_name, national_id=d.national_id, email=d.email,
        organization_id=d.organization_id, region_id=d.region_id, limit=limit)
        for d in descriptions]


@pytest.fixture
def register():
    """People on file that each rule of duplicate detection finds - and some it must not."""
    tashkent = fixtures.create_region("Toshkent viloyati")
    chirchiq = fixtures.create_region("Chirchiq", kind="city", parent=tashkent)
    org = fixtures.create_organization("Chirchiq Tekstil MChJ", region=chirchiq)
    other_org = fixtures.create_organization("Angren Ko'mir", region=tashkent)
    people = {
        # by national identifier (kept without spaces, upper case)
        "nid": fixtures.create_person("Dilnoza Karimova", national_id="AB1234567"),
        # by email, stored in capitals by an older version: found through lower(email)
        "caps": fixtures.create_person("Shahzoda Rahimova", email="Shahzoda.R@Example.UZ"),
        # by name in the organization, and a namesake elsewhere who is not the same person
        "in_org": fixtures.create_person("Ғайратжон Ўроқов", organization=org),
        "namesake": fixtures.create_person("Ғайратжон Ўроқов", organization=other_org),
        # by name in the region
        "in_region": fixtures.create_person("Oʻktam Qodirov", region=chirchiq),
        # two records a row can match: the lower id is offered (one by name, one by email)
        "first": fixtures.create_person("Husan Hamroyev", organization=org),
        "second": fixtures.create_person("Boshqa Odam", email="husan@example.uz"),
        # an address with a non-ASCII capital: SQLite's lower() leaves it, PostgreSQL's not
        "unicode": fixtures.create_person("Ölzii Bat", email="Ölzii@example.mn"),
    }
    merged = fixtures.create_person("Merged Away", email="merged@example.uz")
    merged.merged_into_id = people["nid"].id
    db.session.commit()
    return {"people": people, "org": org, "region": chirchiq, "tashkent": tashkent}


HEADER = ("Full name", "National identifier", "Email", "Organization", "Region", "Sector")


def rows(register):
    return [
        HEADER,
        ("Dilnoza Karimova", "ab 123-4567", "", "", "", ""),  # national id, written loosely
        ("Shahzoda Rahimova", "", "shahzoda.r@example.uz", "", "", ""),  # email, any case
        ("ғайратжон ўроқов", "", "", "Chirchiq Tekstil MChJ", "", ""),  # name in organization
        ("Qodirov Oʻktam", "", "", "", "Toshkent viloyati / Chirchiq", ""),  # name in region
        ("Husan Hamroyev", "", "husan@example.uz", "Chirchiq Tekstil MChJ", "", ""),
        ("Ölzii Bat", "", "ölzii@example.mn", "", "", ""),
        ("Someone Merged", "", "merged@example.uz", "", "", ""),  # merged record: never offered
        ("Ғайратжон Ўроқов", "", "", "", "", ""),  # a name alone is no evidence
        ("Yangi Odam", "", "yangi@example.uz", "Yangi Tashkilot", "", ""),  # new, new org
        ("Dilnoza Karimova", "AB1234567", "", "", "", ""),  # the same person as line 2
        ("Bad Sector", "", "", "", "", "Nothing"),  # not a sector
        ("No Email", "", "not-an-address", "", "", ""),
        ("Yana Biri", "", "", "", "Chirchiq", ""),
        ("Oxirgi Odam", "", "oxirgi@example.uz", "", "", ""),  # past the seats, waiting list
    ]


def outcome(plan):
    return ([(row.line, row.outcome, row.person.id if row.person else None, row.matched_by,
              row.waitlisted, row.new_organization) for row in plan.rows],
            [(error.line, error.column, error.message) for error in plan.errors])


def test_one_lookup_finds_what_the_row_by_row_rule_finds(register):
    places = (register["org"].id, register["region"].id, None)
    descriptions = [people_services.Description(full_name=name, national_id=nid, email=email,
                                                organization_id=org, region_id=region)
                    for name, nid, email in (
                        ("Dilnoza Karimova", "ab 1234567", None),
                        (None, None, "SHAHZODA.R@example.uz"),
                        ("Ғайратжон  Ўроқов", None, None),
                        ("Oʻktam Qodirov", None, None),
                        ("Husan Hamroyev", None, "husan@example.uz"),
                        ("Ölzii Bat", None, "ölzii@example.mn"),
                        ("Merged Away", None, "merged@example.uz"),
                        ("Nobody", None, None))
                    for org in places for region in places[1:]]
    for limit in (1, 10):
        expected = row_by_row(descriptions, limit=limit)
        got = people_services.find_duplicates_of_many(descriptions, limit=limit)
        assert [[(c.person.id, c.reasons) for c in found] for found in got] == \
               [[(c.person.id, c.reasons) for c in found] for found in expected]
    # The rules were exercised: name in place, email in any case, national identifier.
    assert any(found for found in expected)
    assert sum(1 for found in expected if found) >= 10


def test_a_file_plans_and_imports_as_it_did_row_by_row(register, monkeypatch):
    seminar = fixtures.create_seminar(capacity=10, waitlist=True)
    data = xlsx(rows(register))

    set_based = plan_import(seminar, data)
    with monkeypatch.context() as patched:
        patched.setattr(roster_import.people_services, "find_duplicates_of_many", row_by_row)
        reference = plan_import(seminar, data)
    assert outcome(set_based) == outcome(reference)

    people = register["people"]
    matched = {row.line: (row.person.id, row.matched_by) for row in set_based.rows if row.person}
    assert matched[2] == (people["nid"].id, "national_id")
    assert matched[3] == (people["caps"].id, "email")
    assert matched[4] == (people["in_org"].id, "name")
    assert matched[5] == (people["in_region"].id, "name")
    assert matched[6] == (people["first"].id, "name")  # the lower id of two records
    assert 8 not in matched and 9 not in matched  # merged; a bare name
    assert {error.line for error in set_based.errors} == {11, 12, 13}
    assert [row.line for row in set_based.rows if row.waitlisted] == [15]

    # Without the erroneous rows the file imports: the same people created either way.
    good = [row for index, row in enumerate(rows(register)) if index not in (10, 11, 12)]
    data = xlsx(good)
    with monkeypatch.context() as patched:
        patched.setattr(roster_import.people_services, "find_duplicates_of_many", row_by_row)
        before = db.session.scalar(select(func.count()).select_from(Person))
        reference = apply_import(seminar, data, actor=fixtures.create_user("official"))
        reference_created = sorted(row.created.full_name for row in reference.rows
                                   if row.created)
        reference_existing = sorted(row.person.id for row in reference.rows if row.person)
        db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Person)) == before
    plan = apply_import(seminar, data, actor=fixtures.create_user("official"))
    db.session.commit()
    created = sorted(row.created.full_name for row in plan.rows if row.created)
    assert created == reference_created
    from registry.people.names import search_key

    assert all(row.created.search_name == search_key(row.created.full_name)
               for row in plan.rows if row.created)
    assert sorted(row.person.id for row in plan.rows if row.person) == reference_existing
    assert db.session.scalar(select(func.count()).select_from(Person)) == before + len(created)
    assert plan.waitlisted == 1
    # The new organization's audit event (written with the others in one go) joins the chain.
    from registry.audit.services import verify_chain

    assert verify_chain()[1] is None
