"""A name with a character no certificate font can print is flagged where it is entered - a
warning that does not block (the print preflight would refuse it much later)."""
from __future__ import annotations

import io

from sqlalchemy import select

from registry.certificates.glyphs import unprintable
from registry.extensions import db
from registry.people.models import Person
from tests import fixtures
from tests.seminars.test_import import csv_text

# A Chinese surname: none of the certificate's fonts (Noto Serif/Sans, DejaVu) has it.
UNPRINTABLE = "李"


def test_the_entry_check_is_the_print_preflights_rule():
    assert unprintable("Ғайратжон Ўроқов Oʻlmas Nguyễn Thị Thắm Өлзийбаяр") == []
    assert unprintable(f"Anvar {UNPRINTABLE} Karimov {UNPRINTABLE}") == [UNPRINTABLE]


def test_the_person_form_warns_and_still_saves(client, login_as):
    login_as("official")
    client.get("/people/new")
    response = client.post("/people/new", data={"full_name": f"{UNPRINTABLE} Anvar Karimov"},
                           follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "added." in page and "which no certificate font can print" in page
    assert f"“{UNPRINTABLE}” (U+674E)" in page
    person = db.session.scalar(select(Person))
    assert person.full_name == f"{UNPRINTABLE} Anvar Karimov"
    # A printable name gets no warning; changing it back to an unprintable one warns again.
    client.get(f"/people/{person.id}/edit")
    fine = client.post(f"/people/{person.id}/edit", data={"full_name": "Anvar Karimov"},
                       follow_redirects=True).get_data(as_text=True)
    assert "saved." in fine and "no certificate font" not in fine
    again = client.post(f"/people/{person.id}/edit", data={
        "full_name": "Anvar Karimov", "latin_name": f"Anvar {UNPRINTABLE}"},
        follow_redirects=True).get_data(as_text=True)
    assert "no certificate font" in again


def test_registering_a_new_person_on_a_seminar_warns(client, login_as):
    trainer = login_as("trainer")
    seminar = fixtures.create_seminar(trainers=[trainer])
    client.get(f"/seminars/{seminar.id}/register/new")
    page = client.post(f"/seminars/{seminar.id}/register/new", data={
        "full_name": f"Bilguun {UNPRINTABLE}"}, follow_redirects=True).get_data(as_text=True)
    assert "is registered." in page and "no certificate font can print" in page


def test_the_import_preview_flags_the_line_and_still_imports(client, login_as):
    login_as("official")
    seminar = fixtures.create_seminar()
    client.get(f"/seminars/{seminar.id}/import")
    page = client.post(f"/seminars/{seminar.id}/import", data={"file": (io.BytesIO(csv_text([
        ["Full name"], ["Anvar Karimov"], [f"{UNPRINTABLE} Wei"]]).encode()), "list.csv")},
        content_type="multipart/form-data").get_data(as_text=True)
    assert "1 name contains a character no certificate font can print" in page
    assert f"line 3: {UNPRINTABLE} Wei – “{UNPRINTABLE}” (U+674E)" in page
    assert 'name="token"' in page  # a warning, not an error: the import can go on


def test_the_reissue_form_warns_and_still_reissues(client, login_as):
    certificate = fixtures.create_certificate("Gulnora Hasanova")
    login_as("official")
    client.get(f"/certificates/{certificate.id}/reissue")
    page = client.post(f"/certificates/{certificate.id}/reissue", data={
        "holder_name": f"Gulnora {UNPRINTABLE}", "course_title": certificate.course_title,
        "standards": certificate.standards, "hours": certificate.hours,
        "start_date": certificate.start_date.isoformat(),
        "end_date": certificate.end_date.isoformat(),
        "valid_until": certificate.valid_until.isoformat(), "reason": "Name corrected"},
        follow_redirects=True).get_data(as_text=True)
    assert f"{certificate.number}/2" in page
    assert f"“{UNPRINTABLE}” (U+674E), which no certificate font can print" in page
