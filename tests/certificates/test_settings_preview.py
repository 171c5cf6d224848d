"""Issuer settings show the next certificate before it is issued (issue 19 item 1): a preview
of the saved details on the page, and of the details as typed (not saved) on "Preview"; and
the issue page shows, before issuing, the Latin form a certificate will print."""
from __future__ import annotations

import re

from sqlalchemy import func, select

from registry.audit.models import AuditEvent
from registry.certificates import services
from registry.certificates.models import Certificate, IssuerSettings
from registry.extensions import db
from tests import fixtures
from tests.certificates.test_public_trust import png


def saved_agency(admin):
    services.update_issuer_settings(
        actor=admin, issuer_name="Agency for Technical Regulation", signatories=[
            {"name": "Ботир Каримов", "title": "Director", "titles": {"ru": "Директор"}}],
        logo=png(), logo_type="image/png", place_of_issue="Tashkent",
        translations={"issuer_name": {"ru": "Агентство технического регулирования"},
                      "place_of_issue": {"ru": "Ташкент"}})
    db.session.commit()


def test_the_settings_page_shows_a_preview_of_the_saved_details(client, login_as, pdf_reader):
    admin = login_as("admin")
    saved_agency(admin)
    page = client.get("/certificates/settings?lang=ru").get_data(as_text=True)
    frame = re.search(r'<iframe src="([^"]+)"', page)
    assert frame and frame.group(1) == "/certificates/settings/preview.pdf?lang=ru"
    response = client.get(frame.group(1))
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    # The page frames it: this response alone may be framed, by the site itself only.
    assert "frame-ancestors 'self'" in response.headers["Content-Security-Policy"]
    data = response.get_data()
    russian, english = pdf_reader.text_of_half(data, "left"), pdf_reader.text_of_half(data, "right")
    text = " ".join(pdf_reader.text(data).split())
    # The agency's name in both languages leads the page, across both halves.
    assert text.startswith("Агентство технического регулирования Agency for Technical Regulation")
    assert "Ботир Каримов" in text and "Директор / Director" in text
    assert re.search(r"Ташкент, \d{1,2} \w+ \d{4}\s*г\. Tashkent, \d{1,2} \w+ \d{4}", text)
    # The sample holder is written in Cyrillic: the English half shows the derived form.
    assert "Щербакова Юлия Сергеевна" in russian
    assert "Shcherbakova Iuliia Sergeevna" in english


def test_preview_with_these_changes_shows_them_and_saves_nothing(client, login_as, pdf_reader,
                                                                 count_rows):
    login_as("admin")
    page = client.get("/certificates/settings?lang=uz").get_data(as_text=True)
    assert 'formaction="/certificates/settings/preview.pdf?lang=uz"' in page
    response = client.post("/certificates/settings/preview.pdf?lang=uz", data={
        "issuer_name": "Draft Agency", "issuer_name__uz": "Qoralama agentlik",
        "place_of_issue__uz": "Samarqand", "signatory_1_name": "Karimov Botir",
        "signatory_1_title": "Director", "signatory_1_title__uz": "Direktor"},
        page="/certificates/settings?lang=uz")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = " ".join(pdf_reader.text(response.get_data()).split())
    for typed in ("Qoralama agentlik", "Draft Agency", "Samarqand,", "Karimov Botir",
                  "Direktor / Director"):
        assert typed in text, typed
    assert count_rows(IssuerSettings) == 0
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == 0


def test_a_preview_of_details_that_are_not_valid_shows_the_form_with_the_error(client, login_as):
    login_as("admin")
    response = client.post("/certificates/settings/preview.pdf?lang=en",
                           data={"issuer_name": ""}, page="/certificates/settings")
    assert response.status_code == 400
    assert re.search(r'<p class="error" id="issuer_name-error"', response.get_data(as_text=True))


def test_a_preview_in_a_language_the_registry_does_not_have_is_refused(client, login_as):
    login_as("admin")
    response = client.get("/certificates/settings/preview.pdf?lang=xx")
    assert response.status_code == 400
    assert "There is no certificate language “xx”." in response.get_data(as_text=True)


def test_the_issue_page_shows_the_latin_form_a_certificate_will_print(client, login_as):
    seminar = fixtures.create_completed_seminar((("Ғуломов Ўткир", 3, 90),
                                                 ("Каримова Дилноза", 3, 90)), language="uz_Cyrl")
    with_latin = seminar.registrations[1].person
    with_latin.latin_name = "Karimova Dilnoza"
    db.session.commit()
    official = login_as("official")
    page = client.get(f"/certificates/seminar/{seminar.id}").get_data(as_text=True)
    assert "In Latin letters (derived): Gʻulomov Oʻtkir" in page
    assert "(derived): Karimova" not in page and "Karimova Dilnoza" in page
    services.issue_for_seminar(seminar, issued_by=official)
    db.session.commit()
    latin = {c.holder_name: c.holder_latin_name for c in db.session.scalars(select(Certificate))}
    # What was shown is what the certificate records (and prints on its English half).
    assert latin == {"Ғуломов Ўткир": "Gʻulomov Oʻtkir", "Каримова Дилноза": "Karimova Dilnoza"}
    page = client.get(f"/certificates/seminar/{seminar.id}").get_data(as_text=True)
    assert "(derived)" not in page  # issued: the certificate shows its own


def test_a_name_already_in_latin_letters_records_no_second_form():
    certificate = fixtures.create_certificate("Nguyễn Thị Thắm")
    assert certificate.holder_latin_name is None
