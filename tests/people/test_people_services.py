"""Participants through the service: names as typed, duplicates, search, merge."""
from __future__ import annotations

import unicodedata
from datetime import date

import pytest
from sqlalchemy import select

from registry.audit.models import AuditEvent
from registry.certificates.models import Certificate
from registry.errors import Conflict, DomainError
from registry.extensions import db
from registry.people import services
from registry.people.models import Person
from registry.seminars.models import Registration
from tests import fixtures


@pytest.fixture
def trainer():
    return fixtures.create_user("trainer")


@pytest.fixture
def official():
    return fixtures.create_user("official")


def _create(actor, **values):
    person = services.create_person(values, actor=actor)
    db.session.commit()
    return person


def test_names_are_stored_as_typed_never_re_cased(trainer):
    person = _create(trainer, full_name="  gʻulomov   shahnoza ")
    assert person.full_name == "g\u02bbulomov shahnoza"  # not "GʻUlomov Shahnoza"
    assert person.search_name == "gulomov shahnoza"


@pytest.mark.parametrize("typed", ["G'ulomov", "G‘ulomov", "G`ulomov", "Gʻulomov", "G’ulomov"])
def test_uzbek_apostrophe_variants_become_the_turned_comma(trainer, typed):
    person = _create(trainer, full_name=f"Shahnoza {typed}", latin_name=f"Shahnoza {typed}")
    assert person.full_name == "Shahnoza G\u02bbulomov"
    assert person.latin_name == "Shahnoza G\u02bbulomov"


def test_decomposed_input_is_stored_composed(trainer):
    typed = unicodedata.normalize("NFD", "Nguyễn Thị Thắm")
    person = _create(trainer, full_name=typed)
    assert person.full_name == unicodedata.normalize("NFC", "Nguyễn Thị Thắm")
    assert len(person.full_name) == len("Nguyễn Thị Thắm")


def test_an_empty_name_is_refused(trainer, count_rows):
    with pytest.raises(DomainError) as refused:
        services.create_person({"full_name": "   "}, actor=trainer)
    db.session.rollback()
    assert refused.value.field == "full_name"
    assert count_rows(Person) == 0


def test_a_malformed_email_is_refused(trainer, count_rows):
    with pytest.raises(DomainError) as refused:
        services.create_person({"full_name": "Jasur Ergashev", "email": "jasur at mail"},
                               actor=trainer)
    db.session.rollback()
    assert refused.value.field == "email"
    assert count_rows(Person) == 0


def test_the_same_national_identifier_is_refused_even_when_confirmed(trainer, count_rows):
    existing = fixtures.create_person("Бахтиёр Юсупов", national_id="AB1234567")
    with pytest.raises(services.DuplicatePerson) as refused:
        services.create_person({"full_name": "Baxtiyor Yusupov", "national_id": "ab 123-4567"},
                               actor=trainer, allow_duplicates=True)
    db.session.rollback()
    assert refused.value.field == "national_id"
    assert [c.person.id for c in refused.value.candidates] == [existing.id]
    assert refused.value.candidates[0].reasons == ["national_id"]
    assert count_rows(Person) == 1


def test_the_same_email_is_offered_instead_of_a_second_person(trainer, count_rows):
    existing = fixtures.create_person("Нодира Абдуллаева", email="nodira@example.uz",
                                      added_by=trainer)  # theirs to see: not anonymous
    with pytest.raises(services.DuplicatePerson) as offered:
        services.create_person({"full_name": "Nodira Abdullayeva",
                                "email": " Nodira@Example.UZ "}, actor=trainer)
    db.session.rollback()
    assert [(c.person.id, c.reasons) for c in offered.value.candidates] == [
        (existing.id, ["email"])]
    assert count_rows(Person) == 1
    # After checking, the user may still say it is someone else.
    person = services.create_person({"full_name": "Nodira Abdullayeva",
                                     "email": "nodira@example.uz"}, actor=trainer,
                                    allow_duplicates=True)
    db.session.commit()
    assert person.email == "nodira@example.uz"
    assert count_rows(Person) == 2


def test_the_same_name_in_the_same_organization_is_a_likely_duplicate(trainer):
    organization = fixtures.create_organization("“Margʻilon Ipagi” AJ")
    existing = fixtures.create_person("Dilfuza Toʻxtayeva", organization=organization)
    # Word order, case and the apostrophe variant do not make another person.
    candidates = services.find_duplicates(full_name="TO'XTAYEVA dilfuza",
                                          organization_id=organization.id)
    assert [(c.person.id, c.reasons) for c in candidates] == [(existing.id, ["name"])]


def test_the_same_name_in_the_same_district_is_a_likely_duplicate(trainer):
    district = fixtures.create_region("Rishton", kind="district")
    existing = fixtures.create_person("Ўктам Қодиров", region=district)
    candidates = services.find_duplicates(full_name="ўктам қодиров", region_id=district.id)
    assert [c.person.id for c in candidates] == [existing.id]


def test_the_same_name_elsewhere_is_not_a_duplicate(trainer):
    fixtures.create_person("Ўктам Қодиров", organization=fixtures.create_organization())
    other = fixtures.create_organization()
    assert services.find_duplicates(full_name="Ўктам Қодиров", organization_id=other.id) == []
    person = _create(trainer, full_name="Ўктам Қодиров", organization_id=other.id)
    assert person.id is not None


def test_merged_records_are_never_offered(trainer):
    kept = fixtures.create_person(email="a@example.mn")
    gone = fixtures.create_person(email="a@example.mn")
    gone.merged_into_id = kept.id
    db.session.commit()
    assert [c.person.id for c in services.find_duplicates(email="a@example.mn")] == [kept.id]


def test_update_refuses_anothers_national_identifier(trainer, official):
    fixtures.create_person(national_id="MN99")
    person = fixtures.create_person()
    with pytest.raises(Conflict) as refused:
        services.update_person(person, {"national_id": "mn99"}, actor=official)
    db.session.rollback()
    assert refused.value.field == "national_id"
    db.session.expire_all()
    assert person.national_id is None


def test_update_keeps_what_it_is_not_given(trainer):
    person = fixtures.create_person("Жасур Эргашев", national_id="UZ777")
    services.update_person(person, {"full_name": "Жасур  Эргашев ", "position": "Export manager"},
                           actor=trainer)
    db.session.commit()
    assert (person.full_name, person.position, person.national_id) == (
        "Жасур Эргашев", "Export manager", "UZ777")
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "person.update"))
    assert event.details["changes"]["position"] == [None, "Export manager"]


@pytest.mark.parametrize("term", ["ҳасанова", "Гулнора", "hasanova", "Andijon", "gulnora@",
                                  "гулнора andijon"])
def test_people_are_found_by_name_latin_name_organization_or_email(term, official):
    organization = fixtures.create_organization("Andijon Tekstil")
    wanted = fixtures.create_person("Гулнора Ҳасанова", latin_name="Gulnora Hasanova",
                                    organization=organization, email="gulnora@example.uz")
    fixtures.create_person("Бахтиёр Юсупов")
    found = db.session.scalars(services.people_query(term, viewer=official)).all()
    assert [p.id for p in found] == [wanted.id]


def _certificate(registration):
    seminar = registration.seminar
    certificate = Certificate(
        registration_id=registration.id, person_id=registration.person_id,
        course_id=seminar.course_id, seminar_id=seminar.id, prefix="IA", year=2026, serial=1,
        number="IA-2026-00001", public_code="code-" + str(registration.id),
        holder_name=registration.person.full_name, course_title=seminar.course.title, hours=24,
        start_date=seminar.start_date, end_date=seminar.end_date, issuer_name="Uzstandard",
        issued_on=date(2026, 3, 10))
    db.session.add(certificate)
    db.session.commit()
    return certificate


def test_merging_moves_registrations_and_certificates_and_is_audited(official):
    source = fixtures.create_person("Oʻlmas Gʻaniyev", national_id="UZ1", email=None)
    target = fixtures.create_person("Ўлмас Ғаниев", email="olmas@example.uz")
    done = fixtures.create_seminar(status="completed")
    registration = fixtures.create_registration(done, source, present_days=3, exam_score=90)
    certificate = _certificate(registration)
    fixtures.create_registration(fixtures.create_seminar(), target)

    services.merge_people(source, target, actor=official)
    db.session.commit()
    db.session.expire_all()
    assert registration.person_id == target.id
    assert certificate.person_id == target.id
    assert source.merged_into_id == target.id
    assert (target.national_id, source.national_id) == ("UZ1", None)  # moved, still unique
    assert target.email == "olmas@example.uz"
    assert services.resolve(source).id == target.id
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "person.merge"))
    assert event.actor_id == official.id and event.record_id == target.id
    assert event.details["registrations_moved"] == [registration.id]
    assert event.details["certificates_moved"] == [certificate.id]
    assert "UZ1" not in str(event.details)


def test_two_national_identifiers_mean_two_people(official, count_rows):
    source = fixtures.create_person(national_id="UZ1")
    target = fixtures.create_person(national_id="UZ2")
    with pytest.raises(Conflict, match="different national identifiers"):
        services.merge_people(source, target, actor=official)
    db.session.rollback()
    db.session.expire_all()
    assert source.merged_into_id is None
    assert count_rows(AuditEvent) == 0


def test_both_registered_to_one_seminar_must_cancel_one_first(official, count_rows):
    seminar = fixtures.create_seminar()
    source, target = fixtures.create_person(), fixtures.create_person()
    fixtures.create_registration(seminar, source)
    fixtures.create_registration(seminar, target)
    with pytest.raises(Conflict, match="Cancel one"):
        services.merge_people(source, target, actor=official)
    db.session.rollback()
    db.session.expire_all()
    assert source.merged_into_id is None
    assert count_rows(Registration) == 2


def test_a_cancelled_twin_registration_is_dropped(official, count_rows):
    seminar = fixtures.create_seminar()
    source, target = fixtures.create_person(), fixtures.create_person()
    cancelled = fixtures.create_registration(seminar, source, status="cancelled")
    kept = fixtures.create_registration(seminar, target)
    services.merge_people(source, target, actor=official)
    db.session.commit()
    assert count_rows(Registration) == 1
    assert db.session.scalar(select(Registration.id)) == kept.id
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "person.merge"))
    assert event.details["registrations_dropped"] == [cancelled.id]


def test_a_person_cannot_be_merged_into_itself_or_twice(official):
    person, other, third = (fixtures.create_person() for _ in range(3))
    with pytest.raises(DomainError):
        services.merge_people(person, person, actor=official)
    services.merge_people(person, other, actor=official)
    db.session.commit()
    with pytest.raises(DomainError, match="already merged"):
        services.merge_people(person, third, actor=official)
    db.session.rollback()


@pytest.mark.parametrize("typed,stored", [
    ("Bilguun", "Билгүүн Батболд"),              # Latin finds Mongolian Cyrillic
    ("Nguyen Van An", "Nguyễn Văn An"),           # without tones finds with tones
    ("Oʻrinboy", "Ўринбой Қодиров"),              # Uzbek Latin finds Uzbek Cyrillic
    ("orinboy", "Ўринбой Қодиров"),               # typed without the turned comma
    ("Ўринбой", "Oʻrinboy Qodirov"),              # and the other way round
    ("Khasanov", "Хасанов Алишер"),               # Russian-style passport spelling
    ("Щербакова", "Shcherbakova Yuliya"),         # Russian Cyrillic finds its Latin form
])
def test_search_finds_people_across_scripts_and_diacritics(typed, stored, official):
    wanted = fixtures.create_person(stored)
    fixtures.create_person("Someone Else Entirely")
    found = db.session.scalars(services.people_query(typed, viewer=official)).all()
    assert found == [wanted]


def test_the_same_person_typed_in_the_other_script_is_offered_as_a_duplicate(trainer):
    organization = fixtures.create_organization("Chirchiq Tekstil")
    existing = fixtures.create_person("Ғайратжон Ўроқов", organization=organization)
    candidates = services.find_duplicates(full_name="Gʻayratjon Oʻroqov",
                                          organization_id=organization.id)
    assert [c.person for c in candidates] == [existing]
