"""Public trust (issue 19 item 2): a code the register does not know gets a verdict of its
own, and every public page says whose register this is and how to reach the agency."""
from __future__ import annotations

import io
import re

import pytest

from registry.audit.models import AuditEvent
from registry.certificates import services
from registry.certificates.models import IssuerSettings
from registry.extensions import db
from registry.localized import LOCALES
from tests import fixtures
from tests.certificates.test_public import _translated, page_text, verdict

UNKNOWN_CODES = ("7K3M9Q2X4Z8B6N1R5T0V2W4Y6A", "ZZZZZZZZZZZZZZZZZZZZZZZZZZ", "not-a-code")
NAMES = {"en": "Agency for Technical Regulation", "ru": "Агентство технического регулирования",
         "uz": "Texnik jihatdan tartibga solish agentligi",
         "uz_Cyrl": "Техник жиҳатдан тартибга солиш агентлиги",
         "mn": "Стандарт, хэмжил зүйн газар",
         "vi": "Tổng cục Tiêu chuẩn Đo lường Chất lượng"}


def png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (60, 30), (20, 60, 140)).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def agency():
    """Issuer settings with the agency's name in every language, a logo and a contact."""
    admin = fixtures.create_user("admin")
    services.update_issuer_settings(
        actor=admin, issuer_name=NAMES["en"], signatories=[], logo=png(),
        logo_type="image/png", translations={"issuer_name": NAMES})
    services.update_issuer_contact(actor=admin, url="uzstandard.uz",
                                   email="info@uzstandard.uz", phone="+998 (71) 202-00-11")
    db.session.commit()
    return admin


def lang(locale: str) -> str:
    return f"?lang={locale}"


@pytest.mark.parametrize("locale", LOCALES)
def test_an_unknown_code_is_not_in_this_register_in_every_language(client, locale):
    first = client.get(f"/v/{UNKNOWN_CODES[0]}{lang(locale)}")
    assert first.status_code == 404
    word = _translated(locale, "NOT IN THIS REGISTER")
    assert verdict(first) == word
    if locale != "en":
        assert word != "NOT IN THIS REGISTER"  # translated, not left in English
    text = page_text(first)
    assert _translated(locale, "What this can mean") in text
    assert _translated(locale, "Check by number") in text
    # Two other unknown codes, one of them not even well-formed: word for word the same page
    # (the language links carry each page's own address back; nothing else differs).
    bodies = {re.sub(r"next=[^\"&]*", "", client.get(f"/v/{code}").get_data(as_text=True))
              for code in UNKNOWN_CODES}
    assert len(bodies) == 1
    assert all(code not in text for code in UNKNOWN_CODES)


def test_the_unknown_code_page_says_what_it_can_mean_and_how_to_check_and_ask(client, agency):
    response = client.get(f"/v/{UNKNOWN_CODES[0]}")
    html, text = response.get_data(as_text=True), page_text(response)
    assert response.status_code == 404
    assert "typed or scanned wrongly" in text and "It may be forged" in text
    assert 'href="/check"' in html
    assert f"Only {NAMES['en']} can confirm" in text
    assert 'href="https://uzstandard.uz"' in html and 'href="mailto:info@uzstandard.uz"' in html
    assert 'href="tel:+998712020011"' in html and "+998 (71) 202-00-11" in text
    # Not the generic page whose only way on was the staff sign-in.
    assert "Not found" not in text


def test_the_json_variant_answers_404_with_a_reason(client):
    for code in UNKNOWN_CODES:
        response = client.get(f"/v/{code}.json")
        assert response.status_code == 404
        assert response.get_json() == {
            "status": "not_in_register", "error": "Not in this register",
            "reason": "No certificate with this code is in the register."}


def test_a_code_with_a_stray_slash_still_opens(client):
    certificate = fixtures.create_certificate()
    db.session.commit()
    response = client.get(f"/v/{certificate.public_code}/")
    assert response.status_code == 301
    assert response.headers["Location"].endswith(f"/v/{certificate.public_code}")


def test_a_check_by_number_that_matches_nothing_gets_the_same_verdict(client, agency):
    response = client.post("/check", data={"number": "IA-2026-99999", "surname": "Ўроқов"})
    assert response.status_code == 200
    assert verdict(response) == "NOT IN THIS REGISTER"
    text = page_text(response)
    assert "No certificate matches this number and surname." in text
    assert f"Only {NAMES['en']} can confirm" in text
    assert 'value="IA-2026-99999"' in response.get_data(as_text=True)  # to correct a typo


@pytest.mark.parametrize("locale", LOCALES)
def test_public_pages_name_the_agency_in_their_language_with_logo_and_contact(
        client, agency, locale):
    certificate = fixtures.create_certificate()
    db.session.commit()
    for path in (f"/v/{certificate.public_code}", f"/v/{UNKNOWN_CODES[0]}", "/check",
                 "/register", "/no-such-page", "/login"):
        response = client.get(path + lang(locale))
        html = response.get_data(as_text=True)
        header = html.split("</header>")[0]
        footer = html.split('<footer class="site-footer">')[1]
        assert NAMES[locale] in header, path
        assert 'class="agency-logo" src="/agency-logo?v=' in header, path
        assert 'href="mailto:info@uzstandard.uz"' in footer, path
        assert _translated(locale, "This register is kept by %(agency)s.") % {
            "agency": NAMES[locale]} in page_text(response).replace("&#34;", '"'), path


def test_the_logo_is_served_to_anyone_and_cached(client, agency):
    response = client.get("/agency-logo")
    assert response.status_code == 200 and response.data == png()
    assert response.mimetype == "image/png"
    assert response.headers["Cache-Control"] == "public, max-age=86400"


def test_without_a_logo_or_contact_the_pages_still_name_the_agency(client, app):
    response = client.get("/check")
    html = response.get_data(as_text=True)
    assert app.config["REGISTRY_ISSUER_NAME"] in html.split("</header>")[0]
    assert 'class="agency-logo"' not in html and 'class="agency-contact"' not in html
    assert client.get("/agency-logo").status_code == 404


def test_the_anonymous_404_page_offers_the_public_pages_before_the_staff_sign_in(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    main = response.get_data(as_text=True).split('<main id="main"')[1].split("</main>")[0]
    links = re.findall(r'href="([^"]+)"', main)
    assert links == ["/check", "/register", "/login"]


def test_signed_in_staff_pages_keep_the_plain_header(client, login_as, agency):
    login_as("official")
    html = client.get("/certificates/").get_data(as_text=True)
    assert "agency-brand" not in html and "agency-footer" not in html
    # A public page seen by an official still says whose register it is.
    certificate = fixtures.create_certificate()
    db.session.commit()
    assert "agency-brand" in client.get(f"/v/{certificate.public_code}").get_data(as_text=True)


def contact_events() -> int:
    from sqlalchemy import func, select

    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "issuer.contact"))


def test_admin_sets_the_contact_in_its_own_fieldset(client, login_as):
    login_as("admin")
    page = client.get("/certificates/settings").get_data(as_text=True)
    fieldset = page.split('<fieldset class="issuer-contact">')[1].split("</fieldset>")[0]
    for name in ("contact_url", "contact_email", "contact_phone"):
        assert f'name="{name}"' in fieldset
    response = client.post("/certificates/settings", data={
        "issuer_name": "Agency", "contact_url": "https://uzstandard.uz/contacts",
        "contact_email": "Info@UzStandard.uz", "contact_phone": "+998 71 202 00 11"},
        follow_redirects=True)
    assert "Issuer details saved" in response.get_data(as_text=True)
    settings = db.session.get(IssuerSettings, 1)
    assert (settings.contact_url, settings.contact_email, settings.contact_phone) == (
        "https://uzstandard.uz/contacts", "info@uzstandard.uz", "+998 71 202 00 11")
    assert contact_events() == 1
    # Saved again unchanged: no second audit event about the contact.
    client.post("/certificates/settings", data={
        "issuer_name": "Agency", "contact_url": "https://uzstandard.uz/contacts",
        "contact_email": "info@uzstandard.uz", "contact_phone": "+998 71 202 00 11"})
    assert contact_events() == 1
    footer = client.get("/check").get_data(as_text=True)  # still signed in: public page
    assert "uzstandard.uz/contacts" in footer


@pytest.mark.parametrize("field,value,error", [
    ("contact_url", "javascript:alert(1)", "Enter the website as an address"),
    ("contact_url", "https://exa mple.uz", "Enter the website as an address"),
    ("contact_url", "ftp://example.uz", "Enter the website as an address"),
    ("contact_email", "not an address", "Enter the email address"),
    ("contact_phone", "call us", "Enter the phone number"),
    ("contact_phone", "12", "Enter the phone number"),
])
def test_a_contact_that_is_not_one_is_refused_on_its_field(client, login_as, count_rows,
                                                           field, value, error):
    login_as("admin")
    response = client.post("/certificates/settings", data={"issuer_name": "Agency",
                                                           field: value})
    assert response.status_code == 200
    match = re.search(rf'<p class="error" id="{field}-error"[^>]*>([^<]*)</p>',
                      response.get_data(as_text=True))
    assert match and error in match.group(1)
    assert count_rows(IssuerSettings) == 0


def test_only_an_admin_changes_the_contact(app):
    from registry.errors import PermissionDenied

    official = fixtures.create_user("official")
    with pytest.raises(PermissionDenied):
        services.update_issuer_contact(actor=official, url="https://example.uz")
