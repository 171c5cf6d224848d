"""Certificate pages as officials, admins and trainers use them."""
from __future__ import annotations

import io
import zipfile

import pytest
from sqlalchemy import select

from registry.certificates.models import Certificate, IssuerSettings
from registry.extensions import db
from tests import fixtures

PEOPLE = (("Ғайратжон Ўроқов Ҳамидович", 3, 90), ("Oʻrinboy Gʻulomov", 3, 75),
          ("Nguyễn Thị Hồng Phượng", 3, 30), ("Билгүүн Өлзийбат", 2, 95))


@pytest.fixture
def seminar():
    return fixtures.create_completed_seminar(PEOPLE, trainers=[fixtures.create_user("trainer")])


def test_issue_page_explains_who_is_not_eligible_and_issues_the_rest(client, login_as, seminar,
                                                                     count_rows):
    login_as("official")
    page = client.get(f"/certificates/seminar/{seminar.id}").get_data(as_text=True)
    assert "Issue all 2 eligible" in page
    assert "below the pass mark" in page and "Attendance is below" in page
    response = client.post(f"/certificates/seminar/{seminar.id}/issue", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "2 certificates issued" in page
    assert count_rows(Certificate) == 2
    again = client.post(f"/certificates/seminar/{seminar.id}/issue", follow_redirects=True)
    assert "no certificate was issued" in again.get_data(as_text=True)
    assert count_rows(Certificate) == 2


def test_the_trainer_of_the_seminar_cannot_open_or_issue(client, login_as, seminar, count_rows):
    login_as(seminar.trainers[0])
    assert client.get(f"/certificates/seminar/{seminar.id}").status_code == 403
    assert client.post(f"/certificates/seminar/{seminar.id}/issue").status_code == 403
    assert count_rows(Certificate) == 0


def test_issue_one_and_refuse_an_ineligible_one(client, login_as, seminar, count_rows):
    login_as("official")
    by_name = {r.person.full_name: r for r in seminar.registrations}
    ok = client.post(f"/certificates/registration/{by_name['Oʻrinboy Gʻulomov'].id}/issue",
                     follow_redirects=True)
    assert "issued to Oʻrinboy Gʻulomov" in ok.get_data(as_text=True)
    refused = client.post(
        f"/certificates/registration/{by_name['Nguyễn Thị Hồng Phượng'].id}/issue",
        follow_redirects=True)
    assert "below the pass mark" in refused.get_data(as_text=True)
    assert count_rows(Certificate) == 1


def test_register_lists_filters_and_searches(client, login_as):
    official = fixtures.create_user("official")
    kept = fixtures.create_certificate("Щербакова Юлия", issued_by=official)
    other = fixtures.create_certificate("Đặng Văn Ắc", issued_by=official)
    login_as("official")
    page = client.get("/certificates/").get_data(as_text=True)
    assert kept.number in page and other.number in page
    page = client.get("/certificates/?q=Щербакова").get_data(as_text=True)
    assert kept.number in page and other.number not in page
    client.post(f"/certificates/{other.id}/revoke",
                data={"reason": "issued_in_error", "note": "typo in list"})
    page = client.get("/certificates/?status=revoked").get_data(as_text=True)
    assert other.number in page and kept.number not in page
    empty = client.get("/certificates/?q=nobody-like-this").get_data(as_text=True)
    assert "No certificate matches" in empty


def test_certificate_pdf_prints_the_name_and_number_and_is_kept(client, login_as, pdf_reader):
    certificate = fixtures.create_certificate("Ғайратжон Ўроқов Ҳамидович")
    login_as("official")
    response = client.get(f"/certificates/{certificate.id}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = pdf_reader.text(response.data)
    assert "Ғайратжон Ўроқов Ҳамидович" in text and certificate.number in text
    db.session.expire_all()
    kept = db.session.get(Certificate, certificate.id)
    assert kept.pdf == response.data  # a reprint costs nothing: the same bytes come back
    assert client.get(f"/certificates/{certificate.id}.pdf").data == response.data


def test_seminar_print_gives_one_pdf_in_roster_order_and_a_zip_by_number(client, login_as,
                                                                          seminar, pdf_reader):
    login_as("official")
    client.post(f"/certificates/seminar/{seminar.id}/issue")
    certificates = sorted(db.session.scalars(select(Certificate)).all(),
                          key=lambda c: c.holder_name.casefold())
    response = client.get(f"/certificates/seminar/{seminar.id}/certificates.pdf")
    assert response.mimetype == "application/pdf"
    text = pdf_reader.text(response.data)
    pages = text.split("\f")
    assert [c.holder_name in pages[i] for i, c in enumerate(certificates)] == [True, True]
    archive = zipfile.ZipFile(io.BytesIO(
        client.get(f"/certificates/seminar/{seminar.id}/certificates.zip").data))
    assert sorted(archive.namelist()) == sorted(f"{c.number}.pdf" for c in certificates)
    preprinted = client.get(f"/certificates/seminar/{seminar.id}/certificates.pdf?preprinted=1")
    assert preprinted.data != response.data
    assert certificates[0].holder_name in pdf_reader.text(preprinted.data)


def test_a_name_no_font_can_print_stops_the_batch_naming_person_and_character(
        client, login_as):
    # U+1D11E (a musical clef) is in none of Noto Serif, Noto Sans, DejaVu: pasted from a
    # rich-text list, it would print as an empty box.
    seminar = fixtures.create_completed_seminar((("Anvar 𝄞 Karimov", 3, 90),
                                                 ("Щербакова Юлия", 3, 90)))
    login_as("official")
    client.post(f"/certificates/seminar/{seminar.id}/issue")
    response = client.get(f"/certificates/seminar/{seminar.id}/certificates.pdf",
                          follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.mimetype == "text/html"
    assert "Anvar 𝄞 Karimov" in page and "U+1D11E" in page
    assert all(c.pdf is None for c in db.session.scalars(select(Certificate)))


def test_reissue_form_makes_revision_two_and_shows_errors_next_to_fields(client, login_as,
                                                                         count_rows):
    certificate = fixtures.create_certificate("Gulnora Hasanova")
    login_as("official")
    form = {"holder_name": "Gulnora Hasanova", "course_title": certificate.course_title,
            "standards": certificate.standards, "hours": certificate.hours,
            "start_date": certificate.start_date.isoformat(),
            "end_date": certificate.end_date.isoformat(),
            "valid_until": certificate.valid_until.isoformat(), "reason": ""}
    response = client.post(f"/certificates/{certificate.id}/reissue", data=form)
    assert response.status_code == 200 and "This field is required" in response.get_data(True)
    form.update(reason="Spelling corrected at the holder's request")
    response = client.post(f"/certificates/{certificate.id}/reissue", data=form)
    assert "Nothing was changed" in response.get_data(as_text=True)
    assert count_rows(Certificate) == 1
    form.update(holder_name="Gulnora Hasanova-Karimova")
    response = client.post(f"/certificates/{certificate.id}/reissue", data=form,
                           follow_redirects=True)
    page = response.get_data(as_text=True)
    assert f"{certificate.number}/2" in page and "Gulnora Hasanova-Karimova" in page
    assert count_rows(Certificate) == 2


def test_status_changes_need_a_reason_and_keep_the_note_internal(client, login_as):
    certificate = fixtures.create_certificate()
    login_as("official")
    response = client.post(f"/certificates/{certificate.id}/suspend", data={"reason": ""})
    assert "Choose a reason" in response.get_data(as_text=True)
    client.post(f"/certificates/{certificate.id}/suspend",
                data={"reason": "under_review", "note": "complaint no. 17"})
    page = client.get(f"/certificates/{certificate.id}").get_data(as_text=True)
    assert "Under review" in page and "complaint no. 17" in page
    client.post(f"/certificates/{certificate.id}/reinstate", data={})
    db.session.expire_all()
    assert db.session.get(Certificate, certificate.id).status == "valid"


def test_admin_sets_issuer_name_logo_and_signatories(client, login_as, pdf_reader):
    from PIL import Image

    login_as("admin")
    buffer = io.BytesIO()
    Image.new("RGB", (40, 20), (200, 30, 30)).save(buffer, "PNG")
    response = client.post("/certificates/settings", data={
        "issuer_name": "Монгол Улсын Стандарт, хэмжил зүйн газар",
        "signatory_1_name": "Батбаяр Дорж", "signatory_1_title": "Дарга",
        "logo": (io.BytesIO(buffer.getvalue()), "logo.png")},
        content_type="multipart/form-data", follow_redirects=True)
    assert "Issuer details saved" in response.get_data(as_text=True)
    settings = db.session.get(IssuerSettings, 1)
    assert settings.logo_type == "image/png"
    assert settings.signatories == [{"name": "Батбаяр Дорж", "title": "Дарга"}]
    certificate = fixtures.create_certificate("Билгүүн Өлзийбат")
    text = pdf_reader.text(client.get(f"/certificates/{certificate.id}.pdf").data)
    assert "Монгол Улсын Стандарт" in text and "Батбаяр Дорж" in text


def test_a_renamed_executable_is_not_accepted_as_logo(client, login_as, count_rows):
    login_as("admin")
    response = client.post("/certificates/settings", data={
        "issuer_name": "Agency", "logo": (io.BytesIO(b"MZ\x90\x00" * 100), "logo.png")},
        content_type="multipart/form-data")
    assert "must be a PNG or JPEG" in response.get_data(as_text=True)
    assert count_rows(IssuerSettings) == 0


def png(size, mode="RGB", **options) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new(mode, size).save(buffer, "PNG", **options)
    return buffer.getvalue()


def post_logo(client, data: bytes):
    return client.post("/certificates/settings", data={
        "issuer_name": "Agency", "logo": (io.BytesIO(data), "logo.png")},
        content_type="multipart/form-data", follow_redirects=True)


def logo_error(response) -> str:
    """The error shown next to the logo field (the field macro's ``logo-error``)."""
    import re

    match = re.search(r'<p class="error" id="logo-error"[^>]*>([^<]*)</p>',
                      response.get_data(as_text=True))
    return match.group(1) if match else ""


def test_a_logo_of_too_many_pixels_is_refused_and_the_stored_logo_kept(client, login_as):
    # L7: a 13000 x 13000 1-bit PNG is a few KB, has PNG magic and passes the 1 MB limit, but
    # every certificate printed with it took 22 s and 1.6 GB.
    login_as("admin")
    normal = png((400, 200), optimize=True)
    assert "Issuer details saved" in post_logo(client, normal).get_data(as_text=True)
    assert db.session.get(IssuerSettings, 1).logo == normal

    bomb = png((13000, 13000), mode="1", optimize=True)
    assert len(bomb) < 100_000  # small on the wire: only its pixel count gives it away
    for data, size in ((bomb, "13,000 × 13,000"), (png((2001, 10)), "2,001 × 10")):
        response = post_logo(client, data)
        assert response.status_code == 200
        error = logo_error(response)
        assert f"The logo is {size} pixels" in error, error
        assert "at most 2,000 × 2,000 pixels" in error
        assert "Issuer details saved" not in response.get_data(as_text=True)
        db.session.expire_all()
        assert db.session.get(IssuerSettings, 1).logo == normal

    # Above 179 megapixels Pillow itself refuses to open it: the same refusal, without a size.
    response = post_logo(client, png((14000, 14000), mode="1", optimize=True))
    assert "The logo has too many pixels" in logo_error(response)
    assert "at most 2,000 × 2,000 pixels" in logo_error(response)
    db.session.expire_all()
    assert db.session.get(IssuerSettings, 1).logo == normal

    at_the_limit = png((2000, 2000), mode="1")
    assert "Issuer details saved" in post_logo(client, at_the_limit).get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(IssuerSettings, 1).logo == at_the_limit


def test_a_logo_pillow_cannot_read_is_refused(client, login_as):
    login_as("admin")
    normal = png((400, 200))
    post_logo(client, normal)
    broken = b"\x89PNG\r\n\x1a\n" + b"\x00" * 500  # PNG magic, nothing readable after it
    response = post_logo(client, broken)
    assert "could not be read as a PNG or JPEG image" in logo_error(response)
    db.session.expire_all()
    assert db.session.get(IssuerSettings, 1).logo == normal


def test_the_service_refuses_such_a_logo_whoever_calls_it(count_rows):
    from registry.certificates import services
    from registry.errors import DomainError

    admin = fixtures.create_user("admin")
    for data in (png((13000, 13000), mode="1", optimize=True), png((10, 2001)),
                 b"\x89PNG\r\n\x1a\n" + b"\x00" * 500):
        with pytest.raises(DomainError) as refused:
            services.update_issuer_settings(actor=admin, issuer_name="Agency", signatories=[],
                                            logo=data, logo_type="image/png")
        assert refused.value.field == "logo"
        db.session.rollback()
    assert count_rows(IssuerSettings) == 0


def test_person_and_seminar_pages_show_certificates(client, login_as):
    certificate = fixtures.create_certificate("Oʻrinboy Gʻulomov")
    login_as("official")
    person_page = client.get(f"/people/{certificate.person_id}").get_data(as_text=True)
    assert certificate.number in person_page
    seminar_page = client.get(f"/seminars/{certificate.seminar_id}").get_data(as_text=True)
    assert "1 certificate issued" in seminar_page
