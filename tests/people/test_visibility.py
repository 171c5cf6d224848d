"""A trainer sees only their own participants (M3, L4 of the security review): in the list and
its search, on the person page, when registering, in the duplicate offers and the import
report; exports and consent to the public register are the office's."""
from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import select

from registry.extensions import db
from registry.people.models import Person
from registry.seminars.models import Registration
from tests import fixtures
from tests.seminars.test_import import csv_text


def _text(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def two_trainers(login_as):
    """The first trainer signed in; the second teaches another seminar with one participant."""
    first = login_as("trainer")
    second = fixtures.create_user("trainer")
    own_seminar = fixtures.create_seminar(trainers=[first], title="Namangan auditors")
    other_seminar = fixtures.create_seminar(trainers=[second], title="Bukhara auditors")
    organization = fixtures.create_organization("“Buxoro Gilam” AJ")
    mine = fixtures.create_person("Шаҳноза Ғуломова")
    fixtures.create_registration(own_seminar, mine)
    theirs = fixtures.create_person("Мөнхзул Дорж", email="monkhzul@example.mn",
                                    national_id="MN1234567", organization=organization)
    fixtures.create_registration(other_seminar, theirs, exam_score=93)
    return {"first": first, "second": second, "own_seminar": own_seminar,
            "other_seminar": other_seminar, "mine": mine, "theirs": theirs,
            "organization": organization}


def test_the_list_and_its_search_show_only_the_trainers_own_people(client, two_trainers):
    unregistered = fixtures.create_person("Trần Văn Đức", added_by=two_trainers["first"])
    fixtures.create_person("Nguyễn Thị Thắm")  # added before anyone was recorded: the office's
    page = _text(client.get("/people/"))
    assert "Шаҳноза Ғуломова" in page and "Trần Văn Đức" in page
    assert "Мөнхзул Дорж" not in page and "Nguyễn Thị Thắm" not in page
    assert "You see the people registered on your seminars" in page
    assert "Мөнхзул Дорж" not in _text(client.get("/people/?q=дорж"))
    assert "monkhzul@example.mn" not in _text(client.get("/people/?q=monkhzul@"))
    # Once the office registers "their" unregistered person on someone else's seminar, the
    # trainer no longer sees them.
    fixtures.create_registration(two_trainers["other_seminar"], unregistered)
    assert "Trần Văn Đức" not in _text(client.get("/people/"))


def test_another_trainers_participant_is_refused_and_unchanged(client, two_trainers):
    theirs = two_trainers["theirs"]
    assert client.get(f"/people/{theirs.id}").status_code == 403
    assert client.get(f"/people/{theirs.id}/edit").status_code == 403
    form = client.get(f"/people/{two_trainers['mine'].id}/edit")  # a real token
    assert form.status_code == 200
    response = client.post(f"/people/{theirs.id}/edit",
                           data={"full_name": "Changed", "position": "Spy"})
    assert response.status_code == 403
    db.session.expire_all()
    assert (theirs.full_name, theirs.position) == ("Мөнхзул Дорж", None)


def test_exports_are_the_offices(client, login_as, two_trainers):
    assert client.get("/people/export.xlsx").status_code == 403
    assert client.get("/people/export.csv").status_code == 403
    assert "/people/export." not in _text(client.get("/people/"))
    login_as("official")
    assert "/people/export.xlsx" in _text(client.get("/people/"))
    exported = client.get("/people/export.csv")
    assert exported.status_code == 200 and "Мөнхзул Дорж" in _text(exported)


def test_registering_searches_only_visible_people_and_refuses_others(client, two_trainers,
                                                                    count_rows):
    seminar = two_trainers["own_seminar"]
    found = _text(client.get(f"/seminars/{seminar.id}/register?q=дорж"))
    assert "Мөнхзул Дорж" not in found
    client.get(f"/seminars/{seminar.id}/register")  # the page's token for the post
    response = client.post(f"/seminars/{seminar.id}/register",
                           data={"person_id": str(two_trainers["theirs"].id)})
    assert response.status_code == 403
    assert count_rows(Registration) == 2


@pytest.mark.parametrize("typed", [
    {"full_name": "Monkhzul Dorj", "email": "MONKHZUL@example.mn"},
    {"full_name": "дорж мөнхзул", "organization_id": "ORG"},
])
def test_an_invisible_duplicate_is_offered_without_a_name(client, two_trainers, count_rows,
                                                          typed):
    seminar = two_trainers["own_seminar"]
    theirs = two_trainers["theirs"]
    data = {key: (str(two_trainers["organization"].id) if value == "ORG" else value)
            for key, value in typed.items()}
    client.get(f"/seminars/{seminar.id}/register/new")
    page = _text(client.post(f"/seminars/{seminar.id}/register/new", data=data))
    assert "Already on file – ask the office to register them." in page
    assert "probably already on file: ask the office to register them" in page
    assert "Мөнхзул Дорж" not in page and f"/people/{theirs.id}" not in page
    assert "Buxoro Gilam" not in page.split("Is it one of these people?")[1].split("<form")[0]
    assert "This is a different person" not in page  # they cannot tell: the office decides
    # Insisting anyway (a hand-made post) creates nobody.
    client.post(f"/seminars/{seminar.id}/register/new", data={**data, "allow_duplicate": "y"})
    assert (count_rows(Person), count_rows(Registration)) == (2, 2)


def test_a_national_identifier_hit_never_says_whose(client, login_as, two_trainers,
                                                    count_rows):
    # Even their own participant: the trainer never sees national identifiers.
    mine = two_trainers["mine"]
    mine.national_id = "UZ7777777"
    db.session.commit()
    for national_id, name in (("MN 1234567", "Мөнхзул Дорж"),
                              ("uz7777777", "Шаҳноза Ғуломова")):
        client.get("/people/new")
        page = _text(client.post("/people/new", data={"full_name": "Someone Typed",
                                                       "national_id": national_id}))
        assert "A person with this national identifier is already registered." in page
        assert name not in page.split("</h1>")[1].split("<form")[0]
    assert count_rows(Person) == 2
    # The office sees whose it is.
    login_as("official")
    client.get("/people/new")
    page = _text(client.post("/people/new", data={"full_name": "Someone Typed",
                                                   "national_id": "MN1234567"}))
    assert f'href="/people/{two_trainers["theirs"].id}"' in page


def test_consent_to_the_public_register_is_recorded_by_the_office_only(client, login_as,
                                                                      two_trainers):
    mine = two_trainers["mine"]
    form = _text(client.get(f"/people/{mine.id}/edit"))
    assert 'name="public_listing"' not in form
    assert 'name="public_listing"' not in _text(client.get("/people/new"))
    client.post(f"/people/{mine.id}/edit", data={"full_name": mine.full_name,
                                                 "public_listing": "y"})
    client.get("/people/new")
    client.post("/people/new", data={"full_name": "Bilguun Batbold", "public_listing": "y"})
    db.session.expire_all()
    created = db.session.scalar(select(Person).where(Person.full_name == "Bilguun Batbold"))
    assert mine.public_listing is False and created.public_listing is False
    login_as("official")
    assert 'name="public_listing"' in _text(client.get(f"/people/{mine.id}/edit"))
    client.post(f"/people/{mine.id}/edit", data={"full_name": mine.full_name,
                                                 "public_listing": "y"})
    db.session.expire_all()
    assert mine.public_listing is True and mine.public_listing_since is not None


def test_who_added_a_person_is_recorded_on_every_path(client, two_trainers):
    first = two_trainers["first"]
    seminar = two_trainers["own_seminar"]
    client.get("/people/new")
    client.post("/people/new", data={"full_name": "Oʻlmas Gʻaniyev"})
    client.get(f"/seminars/{seminar.id}/register/new")
    client.post(f"/seminars/{seminar.id}/register/new", data={"full_name": "Bilguun Batbold"})
    client.get(f"/seminars/{seminar.id}/import")
    page = _text(client.post(f"/seminars/{seminar.id}/import", data={"file": (io.BytesIO(
        csv_text([["Full name"], ["Nguyễn Văn An"]]).encode()), "list.csv")},
        content_type="multipart/form-data"))
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', page).group(1)
    assert client.post(f"/seminars/{seminar.id}/import/confirm",
                       data={"token": token}).status_code == 302
    added = dict(db.session.execute(select(Person.full_name, Person.added_by_id).where(
        Person.full_name.in_(["Oʻlmas Gʻaniyev", "Bilguun Batbold", "Nguyễn Văn An"]))).all())
    assert added == {"Oʻlmas Gʻaniyev": first.id, "Bilguun Batbold": first.id,
                     "Nguyễn Văn An": first.id}
    # The one added by hand and not registered yet is on the trainer's list.
    assert "Oʻlmas Gʻaniyev" in _text(client.get("/people/"))


def test_the_import_report_does_not_name_a_person_the_trainer_may_not_see(client,
                                                                         two_trainers):
    seminar = two_trainers["own_seminar"]
    client.get(f"/seminars/{seminar.id}/import")
    page = _text(client.post(f"/seminars/{seminar.id}/import", data={"file": (io.BytesIO(
        csv_text([["Full name", "Email"], ["M. Dorj", "monkhzul@example.mn"]]).encode()),
        "list.csv")}, content_type="multipart/form-data"))
    assert "Person on file (their record is shown to the office only)" in page
    assert "Мөнхзул Дорж" not in page and f"/people/{two_trainers['theirs'].id}" not in page
