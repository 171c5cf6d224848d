"""The participant pages as each role: search, person page, create, edit, merge."""
from __future__ import annotations

from sqlalchemy import select

from registry.audit.models import AuditEvent
from registry.extensions import db
from registry.people.models import Person
from registry.seminars.models import Registration
from tests import fixtures


def _text(response) -> str:
    return response.get_data(as_text=True)


def test_search_finds_people_by_name_in_any_case(client, login_as):
    login_as("official")
    fixtures.create_person("Гулнора Ҳасанова", latin_name="Gulnora Hasanova")
    fixtures.create_person("Бахтиёр Юсупов")
    page = _text(client.get("/people/?q=ҲАСАНОВА"))
    assert "Гулнора Ҳасанова" in page and "Бахтиёр Юсупов" not in page
    empty = _text(client.get("/people/?q=nobody"))
    assert "Nobody matches “nobody”." in empty and "/people/new?full_name=nobody" in empty


def test_the_person_page_lists_registrations_and_hides_the_national_id_from_trainers(
        client, login_as):
    trainer = fixtures.create_user("trainer")
    person = fixtures.create_person("Шаҳноза Ғуломова", national_id="AA7654321")
    mine = fixtures.create_seminar(trainers=[trainer], title="Namangan auditors")
    theirs = fixtures.create_seminar(title="Bukhara auditors")
    fixtures.create_registration(mine, person)
    fixtures.create_registration(theirs, person, status="waitlisted", exam_score=41)
    login_as(trainer)
    page = _text(client.get(f"/people/{person.id}"))
    assert "Namangan auditors" in page and f'href="/seminars/{mine.id}"' in page
    # Another trainer's seminar, and the score there, are not theirs to see.
    assert "Bukhara auditors" not in page and ">41<" not in page
    assert "Only your seminars are shown." in page
    assert "AA7654321" not in page and "National identifier" not in page
    login_as("official")
    page = _text(client.get(f"/people/{person.id}"))
    assert "AA7654321" in page and f'href="/seminars/{theirs.id}"' in page and ">41<" in page


def test_a_trainer_edits_a_person_without_touching_the_national_id(client, login_as):
    trainer = login_as("trainer")
    person = fixtures.create_person("Ўктам Қодиров", national_id="UZ42")
    fixtures.create_registration(fixtures.create_seminar(trainers=[trainer]), person)
    form = _text(client.get(f"/people/{person.id}/edit"))
    assert 'name="national_id"' not in form
    response = client.post(f"/people/{person.id}/edit", data={
        "full_name": "Ўктам  Қодиров", "position": "Quality manager", "national_id": "HACK"})
    assert response.status_code == 302
    db.session.expire_all()
    assert (person.position, person.national_id) == ("Quality manager", "UZ42")


def test_an_official_edits_the_national_id_and_a_clash_is_refused(client, login_as):
    login_as("official")
    fixtures.create_person(national_id="UZ1")
    person = fixtures.create_person("Ўктам Қодиров")
    response = client.post(f"/people/{person.id}/edit", data={
        "full_name": "Ўктам Қодиров", "national_id": "uz1"})
    assert response.status_code == 200
    assert "Another person has this national identifier." in _text(response)
    db.session.expire_all()
    assert person.national_id is None


def test_creating_offers_the_likely_duplicate_first(client, login_as, count_rows):
    login_as("official")
    existing = fixtures.create_person("Jasur Ergashev", email="jasur@example.uz")
    data = {"full_name": "Ergashev Jasur", "email": "JASUR@example.uz"}
    page = _text(client.post("/people/new", data=data))
    assert "This person may already be registered." in page
    assert f'href="/people/{existing.id}"' in page and "same email" in page
    assert count_rows(Person) == 1
    response = client.post("/people/new", data={**data, "allow_duplicate": "y"})
    assert response.status_code == 302
    assert count_rows(Person) == 2


def test_a_person_without_a_name_is_refused(client, login_as, count_rows):
    login_as("trainer")
    response = client.post("/people/new", data={"full_name": "   "})
    assert response.status_code == 200 and "This field is required." in _text(response)
    assert count_rows(Person) == 0


def test_an_official_merges_two_records(client, login_as):
    official = login_as("official")
    source = fixtures.create_person("Oʻlmas Gʻaniyev", email="olmas@example.uz")
    target = fixtures.create_person("Oʻlmas Gʻaniyev")
    registration = fixtures.create_registration(fixtures.create_seminar(), source)
    choose = _text(client.get(f"/people/{source.id}/merge"))
    assert "Probably the same person" not in choose  # no shared org/district/email
    found = _text(client.get(f"/people/{source.id}/merge?q=ganiyev"))
    assert f"target_id={target.id}" in found
    confirm = _text(client.get(f"/people/{source.id}/merge?target_id={target.id}"))
    assert "data-confirm" in confirm and "Merge into" in confirm
    response = client.post(f"/people/{source.id}/merge", data={"target_id": str(target.id)})
    assert response.headers["Location"].endswith(f"/people/{target.id}")
    db.session.expire_all()
    assert source.merged_into_id == target.id and registration.person_id == target.id
    assert target.email == "olmas@example.uz"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "person.merge"))
    assert event.actor_id == official.id
    # The old address still leads to the person.
    response = client.get(f"/people/{source.id}", follow_redirects=True)
    assert "This record was merged into Oʻlmas Gʻaniyev." in _text(response)
    # Merged records no longer appear in searches.
    assert _text(client.get("/people/?q=ganiyev")).count(">Oʻlmas Gʻaniyev<") == 1


def test_a_refused_merge_explains_and_writes_nothing(client, login_as, count_rows):
    login_as("official")
    seminar = fixtures.create_seminar(title="Andijon guruhi")
    source, target = fixtures.create_person(), fixtures.create_person()
    fixtures.create_registration(seminar, source)
    fixtures.create_registration(seminar, target)
    response = client.post(f"/people/{source.id}/merge", data={"target_id": str(target.id)},
                           follow_redirects=True)
    assert "Both people are registered to “Andijon guruhi”" in _text(response)
    db.session.expire_all()
    assert source.merged_into_id is None
    assert count_rows(AuditEvent) == 0 and count_rows(Registration) == 2


def test_trainers_cannot_merge(client, login_as, count_rows):
    login_as("trainer")
    source, target = fixtures.create_person(), fixtures.create_person()
    response = client.post(f"/people/{source.id}/merge", data={"target_id": str(target.id)})
    assert response.status_code == 403
    db.session.expire_all()
    assert source.merged_into_id is None
    assert count_rows(AuditEvent) == 0


def test_merging_into_an_unknown_person_is_404(client, login_as):
    login_as("official")
    source = fixtures.create_person()
    assert client.post(f"/people/{source.id}/merge",
                       data={"target_id": "999999"}).status_code == 404
    assert client.get("/people/999999").status_code == 404


def test_consent_to_the_public_register_is_off_by_default_and_its_date_is_kept(client,
                                                                              login_as):
    login_as("official")
    person = fixtures.create_person("Ўктам Қодиров")
    assert person.public_listing is False
    assert 'name="public_listing"' in _text(client.get(f"/people/{person.id}/edit"))
    client.post(f"/people/{person.id}/edit", data={"full_name": "Ўктам Қодиров",
                                                   "public_listing": "y"})
    db.session.expire_all()
    assert person.public_listing is True and person.public_listing_since is not None
    client.post(f"/people/{person.id}/edit", data={"full_name": "Ўктам Қодиров"})
    db.session.expire_all()
    assert person.public_listing is False and person.public_listing_since is None


def test_an_edit_form_opened_before_a_reissue_corrected_the_name_does_not_revert_it(
        client, login_as):
    """A certificate re-issue corrects the person's name while an official has the person's
    edit form open; saving that form (it still holds the old name) must not undo the
    correction unseen: it is refused, saying what the record says now."""
    from registry.certificates.services import reissue_certificate
    from tests.deployed.web import forms_of, text_of

    certificate = fixtures.create_certificate("Shohruh Yoʻldoshev")
    person_id = certificate.person_id
    login_as("official")
    page = client.get(f"/people/{person_id}/edit").get_data(as_text=True)
    values = next(f for f in forms_of(page) if "full_name" in dict(f.fields)).values()
    assert values["name_seen"] == "Shohruh Yoʻldoshev"
    reissue_certificate(certificate, {"holder_name": "Shohrux Yoʻldoshev"},
                        actor=fixtures.create_user("official"), reason="passport",
                        correct_person=True)
    db.session.commit()
    values["phone"] = "+998 90 123 45 67"
    response = client.post(f"/people/{person_id}/edit", data=values)
    assert response.status_code == 200
    assert ("The person's record was changed meanwhile: it now says “Shohrux Yoʻldoshev”"
            in text_of(_text(response)))
    db.session.expire_all()
    person = db.session.get(Person, person_id)
    assert (person.full_name, person.phone) == ("Shohrux Yoʻldoshev", None)
    # Re-read and saved again, the phone goes through and the corrected name stays.
    page = client.get(f"/people/{person_id}/edit").get_data(as_text=True)
    values = next(f for f in forms_of(page) if "full_name" in dict(f.fields)).values()
    values["phone"] = "+998 90 123 45 67"
    client.post(f"/people/{person_id}/edit", data=values)
    db.session.expire_all()
    person = db.session.get(Person, person_id)
    assert (person.full_name, person.phone) == ("Shohrux Yoʻldoshev", "+998 90 123 45 67")
