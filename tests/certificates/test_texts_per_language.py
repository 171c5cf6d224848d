"""Each half of a two-language certificate speaks its language: the course title, standards
line and issuer of that language, under the heading of the course's kind - a snapshot, signed,
that later changes to the catalogue leave alone (issue 17 item 2)."""
from __future__ import annotations

import re

import json

import pytest

from registry.catalog.models import Course
from registry.certificates.issuer import issuer_settings
from registry.extensions import db
from tests import fixtures
from tests.certificates.test_pdf import squeeze

UZ_TITLE, EN_TITLE = "ISO 9001:2015 boʻyicha ichki auditor", "ISO 9001:2015 Internal Auditor"
UZ_ISSUER, EN_ISSUER = "Oʻzbekiston standartlashtirish agentligi", "Uzbek Agency for Standardization"


@pytest.fixture
def bilingual_certificate():
    course = fixtures.create_course(title=EN_TITLE)
    course.languages = "seminar,en"
    course.set_values("title", {"uz": UZ_TITLE})
    course.set_values("standards", {"uz": "ISO 9001:2015, ISO 19011:2018 (oʻzbekcha)"})
    settings = issuer_settings()
    settings.issuer_name = EN_ISSUER
    settings.set_values("issuer_name", {"uz": UZ_ISSUER})
    settings.place_of_issue = "Tashkent"
    settings.set_values("place_of_issue", {"uz": "Toshkent"})
    settings.signatories = [{"name": "A. Karimov", "title": "Director",
                             "titles": {"uz": "Direktor"}}]
    db.session.add(settings)
    db.session.commit()
    seminar = fixtures.create_completed_seminar((("Дилфуза Тўхтаева", 3, 90),), course=course)
    seminar.language = "uz"
    registration = seminar.registrations[0]
    registration.person.latin_name = "Dilfuza Toʻxtayeva"
    from registry.certificates.services import issue_certificate

    certificate = issue_certificate(registration, issued_by=fixtures.create_user("official"))
    db.session.commit()
    return certificate


def test_each_half_prints_its_own_language(client, login_as, bilingual_certificate, pdf_reader):
    login_as("official")
    data = client.get(f"/certificates/{bilingual_certificate.id}.pdf").data
    local, english = (squeeze(pdf_reader.text_of_half(data, side)) for side in ("left", "right"))
    assert UZ_TITLE in local and EN_TITLE not in local
    assert EN_TITLE in english and UZ_TITLE not in english
    assert "(oʻzbekcha)" in local and "(oʻzbekcha)" not in english
    both = squeeze(pdf_reader.text(data))
    # The place and date of issue: one line per language over the signatures.
    assert re.search(r"Toshkent, \d{4}-yil \d{1,2}-\w+ Tashkent, \d{1,2} \w+ \d{4}", both)
    assert UZ_ISSUER in both and EN_ISSUER in both
    assert "Direktor / Director" in both
    # The heading says what kind of certificate it is, in each language.
    assert "CERTIFICATE OF INTERNAL AUDITOR" in english  # set in capitals by the design


def test_the_halves_are_a_signed_snapshot_later_edits_leave_alone(client, login_as,
                                                                 bilingual_certificate):
    payload = json.loads(bilingual_certificate.payload)
    assert [(text["language"], text["course"]) for text in payload["texts"]] == [
        ("uz", UZ_TITLE), ("en", EN_TITLE)]
    course = db.session.get(Course, bilingual_certificate.course_id)
    course.set_values("title", {"uz": "Yangi nom"})
    db.session.commit()
    page = client.get(f"/v/{bilingual_certificate.public_code}?lang=uz").get_data(as_text=True)
    assert UZ_TITLE in page and "Yangi nom" not in page
    english = client.get(f"/v/{bilingual_certificate.public_code}?lang=en").get_data(
        as_text=True)
    assert EN_TITLE in english
    # A language that was not printed shows the first half (the paper's own words).
    russian = client.get(f"/v/{bilingual_certificate.public_code}?lang=ru").get_data(
        as_text=True)
    assert UZ_TITLE in russian


def test_a_course_cannot_print_two_languages_without_a_title_in_each(client, login_as):
    login_as("admin")
    course = fixtures.create_course(title=EN_TITLE)
    course.languages = "seminar"
    fixtures.create_seminar(course=course).language = "mn"
    db.session.commit()
    form = client.get(f"/reference/courses/{course.id}")
    assert form.status_code == 200
    data = {"code": course.code, "title": EN_TITLE, "standards": "", "description": "",
            "certificate_kind": "internal_auditor", "hours": "24", "days": "3",
            "pass_mark": "70", "min_attendance_percent": "100", "validity_months": "36",
            "number_prefix": "IA", "languages": "seminar,en", "active": "y"}
    refused = client.post(f"/reference/courses/{course.id}", data=data)
    assert refused.status_code == 200
    assert "need the course title in each: add it in Монгол" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Course, course.id).languages == "seminar"
    accepted = client.post(f"/reference/courses/{course.id}",
                           data={**data, "title__mn": "ISO 9001:2015 дотоод аудитор"})
    assert accepted.status_code == 302
    db.session.expire_all()
    assert db.session.get(Course, course.id).languages == "seminar,en"


def test_the_offline_check_prints_each_signed_half(app, client, bilingual_certificate,
                                                   tmp_path):
    saved = tmp_path / "certificate.json"
    saved.write_text(client.get(f"/v/{bilingual_certificate.public_code}.json").get_data(
        as_text=True), encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["verify-certificate", str(saved)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("VERIFIED:")
    assert f"printed in uz: {UZ_TITLE} - {UZ_ISSUER}" in result.output
    assert f"printed in en: {EN_TITLE} - {EN_ISSUER}" in result.output


def test_the_admin_gives_the_issuer_a_name_in_each_language(client, login_as):
    login_as("admin")
    page = client.get("/certificates/settings").get_data(as_text=True)
    assert 'name="issuer_name__uz_Cyrl"' in page and "6 languages have none of their own" in page
    response = client.post("/certificates/settings", data={
        "issuer_name": EN_ISSUER, "issuer_name__uz": UZ_ISSUER,
        "issuer_name__uz_Cyrl": "Ўзбекистон стандартлаштириш агентлиги",
        "place_of_issue": "Tashkent", "place_of_issue__uz": "Toshkent",
        "signatory_1_name": "A. Karimov", "signatory_1_title": "Director",
        "signatory_1_title__uz": "Direktor"})
    assert response.status_code == 302
    db.session.expire_all()
    settings = issuer_settings()
    assert settings.localized("issuer_name", "uz") == UZ_ISSUER
    assert settings.localized("issuer_name", "uz_Cyrl") == "Ўзбекистон стандартлаштириш агентлиги"
    assert settings.localized("issuer_name", "mn") == EN_ISSUER
    assert settings.localized("place_of_issue", "uz") == "Toshkent"
    assert settings.signatories == [{"name": "A. Karimov", "title": "Director",
                                     "titles": {"uz": "Direktor"}}]
    page = client.get("/certificates/settings").get_data(as_text=True)
    assert 'value="Direktor"' in page and 'value="Toshkent"' in page
