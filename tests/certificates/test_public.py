"""The public path, as someone holding a paper certificate and a phone meets it."""
from __future__ import annotations

import json
import re
from datetime import date, timedelta

import pytest

from registry.certificates import services
from registry.certificates.signing import public_keys_from_document, verify_signed_document
from registry.extensions import db
from tests import fixtures

BASE = "http://registry.test"  # REGISTRY_BASE_URL of the test app


def page_text(response) -> str:
    html = response.get_data(as_text=True)
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def verdict(response) -> str:
    match = re.search(r'class="verdict-word"[^>]*>([^<]+)<', response.get_data(as_text=True))
    return match.group(1) if match else ""


@pytest.fixture
def official():
    return fixtures.create_user("official")


@pytest.fixture
def certificate(official):
    organization = fixtures.create_organization("Toshkent Ip Yigiruv MChJ")
    seminar = fixtures.create_completed_seminar((("Ғайратжон Ўроқов", 3, 87),))
    person = seminar.registrations[0].person
    person.latin_name = "Gʻayratjon Oʻroqov"
    person.email = "gayrat@example.uz"
    person.national_id = "31203851234567"
    person.organization = organization
    issued = services.issue_certificate(seminar.registrations[0], issued_by=official)
    db.session.commit()
    return issued


def test_the_qr_code_on_the_paper_opens_a_page_that_says_valid(client, login_as, certificate,
                                                                pdf_reader):
    login_as("official")
    pdf = client.get(f"/certificates/{certificate.id}.pdf").data
    client.post("/logout")
    [url] = pdf_reader.qr_codes(pdf)
    # The signed QR: the address in upper case (QR alphanumeric mode), the payload after "#"
    # (a browser never sends it; tests/certificates/test_qr_payload.py checks it).
    address, _hash, payload = url.partition("#")
    assert address == f"{BASE.upper()}/V/{certificate.public_code}" and payload
    response = client.get(address.removeprefix(BASE.upper()))
    assert response.status_code == 200
    assert verdict(response) == "VALID"
    text = page_text(response)
    for fact in ("Ғайратжон Ўроқов", "Gʻayratjon Oʻroqov", certificate.course_title,
                 certificate.number, certificate.issuer_name):
        assert fact in text
    # Nothing else personal: no email, identifier, organization or score.
    for private in ("gayrat@example.uz", "31203851234567", "Toshkent Ip Yigiruv"):
        assert private not in text
    assert not re.search(r"\b87\b", text) and "score" not in text.lower()
    assert "Sign out" not in text and "Dashboard" not in text


def test_every_public_answer_is_private_and_every_unknown_code_gets_the_same_verdict(
        client, certificate):
    for path in (f"/v/{certificate.public_code}", f"/v/{certificate.public_code}.json",
                 "/v/7K3M9Q2X4Z8B6N1R5T0V2W4Y6A", "/v/not-a-code", "/.well-known/registry-keys.json",
                 f"/V/{certificate.public_code}", "/.well-known/registry-status.json"):
        response = client.get(path)
        assert response.headers["Cache-Control"] == "no-store", path
        assert response.headers["X-Robots-Tag"] == "noindex", path
        # same-origin: nothing leaks to other sites, and POSTs from the page pass the HTTPS
        # Referer check (a "Sign out" from a verification page used to answer 400).
        assert response.headers["Referrer-Policy"] == "same-origin", path
    unknown = client.get("/v/7K3M9Q2X4Z8B6N1R5T0V2W4Y6A")
    malformed = client.get("/v/<script>")
    no_code = client.get("/v/")
    nested = client.get("/v/7K3M9Q2X/4Z8B6N1R5T0V2W4Y6A")
    answers = (unknown, malformed, no_code, nested)
    assert {r.status_code for r in answers} == {404}
    # The same page, word for word, well-formed or not (the language links carry each page's
    # own address back): it tells nothing about the code typed.
    same_page = {re.sub(r"next=[^\"&]*", "", r.get_data(as_text=True)) for r in answers}
    assert len(same_page) == 1
    assert verdict(unknown) == "NOT IN THIS REGISTER"
    assert "7K3M9Q2X4Z8B6N1R5T0V2W4Y6A" not in page_text(unknown)
    # Elsewhere on the site, a missing page is the ordinary 404 page.
    elsewhere = client.get("/no-such-page")
    assert elsewhere.status_code == 404 and verdict(elsewhere) == ""
    # The printed number alone opens nothing.
    assert client.get(f"/v/{certificate.number}").status_code == 404


def test_a_code_typed_from_paper_in_lower_case_or_with_o_for_zero_still_opens(client,
                                                                               certificate):
    typed = certificate.public_code.lower().replace("0", "o").replace("1", "l")
    response = client.get(f"/v/{typed}")
    assert response.status_code == 301
    assert response.headers["Location"].endswith(f"/v/{certificate.public_code}")


def test_reissue_suspend_reinstate_revoke_change_the_page_on_the_next_request(
        client, certificate, official):
    url = f"/v/{certificate.public_code}"
    revision_two = services.reissue_certificate(
        certificate, {"holder_name": "Ғайратжон Ўроқов Ҳамидович"}, actor=official,
        reason="Patronymic was missing")
    db.session.commit()
    old = client.get(url)
    assert verdict(old) == "SUPERSEDED"
    assert "revision 2" in page_text(old)
    assert f'href="/v/{revision_two.public_code}"' in old.get_data(as_text=True)
    new_url = f"/v/{revision_two.public_code}"
    assert verdict(client.get(new_url)) == "VALID"
    assert f"{certificate.number}/2" in page_text(client.get(new_url))

    services.change_status(revision_two, "suspend", actor=official, reason="under_review",
                           note="Complaint from the employer, file 17/4")
    db.session.commit()
    suspended = client.get(new_url)
    assert verdict(suspended) == "SUSPENDED"
    assert "Under review" in page_text(suspended)
    assert "Complaint" not in page_text(suspended)  # the internal note stays internal

    services.change_status(revision_two, "reinstate", actor=official)
    db.session.commit()
    assert verdict(client.get(new_url)) == "VALID"

    services.change_status(revision_two, "revoke", actor=official, reason="misconduct")
    db.session.commit()
    revoked = client.get(new_url)
    assert revoked.status_code == 200  # revoked is never "not found"
    assert verdict(revoked) == "REVOKED" and "Misconduct or fraud" in page_text(revoked)
    assert client.get(f"{new_url}.json").get_json()["status"] == "revoked"


def test_an_expired_certificate_says_since_when(client, official):
    seminar = fixtures.create_completed_seminar(
        (("Batbayar Dorj", 3, 90),), course=fixtures.create_course(validity_months=1),
        start=date.today() - timedelta(days=70))
    expired = services.issue_certificate(seminar.registrations[0], issued_by=official,
                                         issued_on=date.today() - timedelta(days=60))
    db.session.commit()
    assert expired.valid_until < date.today()
    response = client.get(f"/v/{expired.public_code}")
    assert verdict(response) == "EXPIRED"
    assert "expired on" in page_text(response)


def test_the_json_signature_verifies_with_only_the_public_key(client, certificate):
    document = client.get(f"/v/{certificate.public_code}.json").get_json()
    assert document["status"] == "valid" and document["holder"] == "Ғайратжон Ўроқов"
    assert "email" not in json.dumps(document) and "gayrat" not in json.dumps(document)
    keys = public_keys_from_document(client.get("/.well-known/registry-keys.json").get_json())
    assert document["signed"]["key_id"] in keys
    assert verify_signed_document(document["signed"], keys)

    forged = json.loads(json.dumps(document["signed"]))
    forged["payload"]["holder"] = "Ғайратжон Ўроқова"  # one character changed
    assert not verify_signed_document(forged, keys)
    other_key = {document["signed"]["key_id"]: "A" * 43 + "="}
    assert not verify_signed_document(document["signed"], other_key)


def test_flask_verify_certificate_needs_only_the_saved_files(app, client, certificate, tmp_path):
    saved = tmp_path / "certificate.json"
    saved.write_text(client.get(f"/v/{certificate.public_code}.json").get_data(as_text=True),
                     encoding="utf-8")
    keys = tmp_path / "keys.json"
    keys.write_bytes(client.get("/.well-known/registry-keys.json").data)
    runner = app.test_cli_runner()

    result = runner.invoke(args=["verify-certificate", str(saved), "--keys", str(keys)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("VERIFIED: " + certificate.number)

    text = saved.read_text(encoding="utf-8")
    saved.write_text(text.replace(certificate.number, certificate.number[:-1] + "9"),
                     encoding="utf-8")
    result = runner.invoke(args=["verify-certificate", str(saved), "--keys", str(keys)])
    assert result.exit_code == 1 and "NOT VERIFIED" in result.output

    saved.write_text("{not json", encoding="utf-8")
    result = runner.invoke(args=["verify-certificate", str(saved)])
    assert result.exit_code != 0 and "is not JSON" in result.output


@pytest.fixture
def saved(client, certificate, tmp_path):
    """The certificate's page JSON and the published keys, saved as a verifier would."""
    document = json.loads(client.get(f"/v/{certificate.public_code}.json").get_data(as_text=True))
    keys = tmp_path / "keys.json"
    keys.write_bytes(client.get("/.well-known/registry-keys.json").data)
    return document, keys


def verify_cli(app, tmp_path, text: str, keys):
    path = tmp_path / "certificate.json"
    path.write_text(text, encoding="utf-8")
    return app.test_cli_runner().invoke(
        args=["verify-certificate", str(path), "--keys", str(keys)])


def assert_not_verified(result, reason: str) -> None:
    """Refused with a reason, by the command itself: no traceback, no VERIFIED line."""
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "NOT VERIFIED" in result.output and reason in result.output, result.output
    assert "VERIFIED:" not in result.output.replace("NOT VERIFIED:", "")


def test_verify_certificate_prints_only_what_is_signed(app, tmp_path, saved, certificate):
    # L5: the page's top-level status is not signed; it was printed after VERIFIED as if it were.
    document, keys = saved
    document["status"] = "valid (trust me)"
    result = verify_cli(app, tmp_path, json.dumps(document, ensure_ascii=False), keys)
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"VERIFIED: {certificate.number} - Ғайратжон Ўроқов")
    assert "trust me" not in result.output and "Status when saved" not in result.output


@pytest.mark.parametrize("where", ["payload", "top"])
def test_verify_certificate_refuses_a_key_given_twice(app, tmp_path, saved, where):
    # Python keeps the last of two equal keys, other parsers the first: a forged first
    # "holder" followed by the real one verified, and another tool would show the forgery.
    document, keys = saved
    if where == "payload":
        real = json.dumps(document["signed"]["payload"], ensure_ascii=False)
        document["signed"]["payload"] = "@PAYLOAD@"
        text = json.dumps(document, ensure_ascii=False).replace(
            '"@PAYLOAD@"', '{"holder": "Forged Holder", ' + real[1:])
        key = "holder"
    else:
        real = json.dumps(document, ensure_ascii=False)
        text = '{"signed": {"payload": {"holder": "Forged Holder"}}, ' + real[1:]
        key = "signed"
    assert json.loads(text)["signed"]["payload"]["holder"] == "Ғайратжон Ўроқов"
    assert_not_verified(verify_cli(app, tmp_path, text, keys), f'"{key}" appears twice')


def test_verify_certificate_refuses_text_that_is_not_nfc(app, tmp_path, saved):
    # NFD spells Ў as У + a combining breve: it looks the same, is not the signed text, and
    # verified only because it was normalised before the check.
    import unicodedata

    document, keys = saved
    decomposed = unicodedata.normalize("NFD", document["signed"]["payload"]["holder"])
    assert decomposed != document["signed"]["payload"]["holder"]
    document["signed"]["payload"]["holder"] = decomposed
    assert_not_verified(verify_cli(app, tmp_path, json.dumps(document, ensure_ascii=False), keys),
                        "not in Unicode NFC")


@pytest.mark.parametrize("signature,reason", [
    (None, "no signature"), (123, "signature is not text"), ([], "signature is not text"),
    ("not base64!", "signature is not base64"), ("", "no signature"),
])
def test_verify_certificate_refuses_a_malformed_signature_with_the_reason(
        app, tmp_path, saved, signature, reason):
    document, keys = saved
    document["signed"]["signature"] = signature
    assert_not_verified(verify_cli(app, tmp_path, json.dumps(document), keys), reason)


def test_verify_certificate_refuses_a_payload_without_a_key_id(app, tmp_path, saved):
    document, keys = saved
    del document["signed"]["payload"]["key_id"]
    assert_not_verified(verify_cli(app, tmp_path, json.dumps(document), keys),
                        "names no signing key")
    document["signed"]["payload"]["key_id"] = ["a", "list"]
    assert_not_verified(verify_cli(app, tmp_path, json.dumps(document), keys),
                        "names no signing key")


@pytest.mark.parametrize("entries", [None, [1, None], [{"public_key": 5}], [{"public_key": None}]])
def test_verify_certificate_with_a_malformed_keys_file_says_so(app, tmp_path, saved, entries):
    document, keys = saved
    if entries and isinstance(entries[0], dict):  # the right key id, no usable key
        entries = [dict(entry, key_id=document["signed"]["key_id"]) for entry in entries]
    keys.write_text(json.dumps({"keys": entries}), encoding="utf-8")
    assert_not_verified(verify_cli(app, tmp_path, json.dumps(document), keys),
                        "is not among these public keys")


def test_check_form_needs_the_number_and_the_surname(client, certificate):
    # The check form renders no CSRF token (the route is exempt, registry/certificates/
    # public.py): a visitor's browser posts it as it is, so these posts carry none either.
    assert "csrf_token" not in client.get("/check").get_data(as_text=True)
    found = client.post("/check", data={"number": certificate.number.lower(),
                                        "surname": "ўроқов"}, csrf=False)
    assert found.status_code == 303
    assert found.headers["Location"].endswith(f"/v/{certificate.public_code}")
    # The Latin spelling of the surname finds the Cyrillic name too.
    assert client.post("/check", data={"number": certificate.number,
                                       "surname": "Oʻroqov"}, csrf=False).status_code == 303

    wrong_name = client.post("/check", data={"number": certificate.number, "surname": "Karimov"},
                             csrf=False)
    wrong_number = client.post("/check", data={"number": "IA-2026-99999", "surname": "Ўроқов"},
                               csrf=False)
    assert wrong_name.status_code == wrong_number.status_code == 200
    assert "No certificate matches this number and surname" in page_text(wrong_name)
    # Neutral: a right number with a wrong name reads exactly like a wrong number.
    assert page_text(wrong_name) == page_text(wrong_number).replace("IA-2026-99999",
                                                                     certificate.number)

    empty = client.post("/check", data={"number": "", "surname": ""}, csrf=False)
    assert empty.status_code == 200
    # Under each of the two fields, and again in the error summary at the top.
    assert page_text(empty).count("This field is required.") == 4


@pytest.fixture
def limited_app(tmp_path):
    from registry import create_app
    from tests.client import install as install_browser_client
    from tests.conftest import TEST_CONFIG

    app = create_app({**TEST_CONFIG, "RATELIMIT_ENABLED": True, "RATELIMIT_VERIFY": "3 per minute",
                      "RATELIMIT_CHECK": "2 per minute",
                      "SQLALCHEMY_DATABASE_URI": db.engine.url.render_as_string(False)},
                     instance_path=str(tmp_path))
    install_browser_client(app)
    yield app
    with app.app_context():  # its own connection pool: closed here, not by the garbage collector
        db.session.remove()
        db.engine.dispose()


def test_verification_and_the_check_form_are_rate_limited_with_a_retry_time(limited_app,
                                                                             certificate):
    client = limited_app.test_client()
    url = f"/v/{certificate.public_code}"
    assert [client.get(url).status_code for _ in range(3)] == [200, 200, 200]
    refused = client.get(url)
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    assert "Too many requests" in page_text(refused)

    form = {"number": certificate.number, "surname": "Nobody"}
    # The check form has no token to send (see above).
    assert [client.post("/check", data=form, csrf=False).status_code
            for _ in range(2)] == [200, 200]
    assert client.post("/check", data=form, csrf=False).status_code == 429
    assert client.get("/check").status_code == 200  # reading the form is not limited


def test_the_public_register_lists_only_consenting_holders_of_valid_auditor_certificates(
        client, official):
    def certified(name, *, listed=True, kind="internal_auditor", status=None):
        course = fixtures.create_course(kind=kind, pass_mark=70 if kind == "internal_auditor"
                                        else None)
        issued = fixtures.create_certificate(name, issued_by=official, course=course)
        issued.person.public_listing = listed
        issued.person.email = f"{abs(hash(name))}@example.uz"
        if status:
            services.change_status(issued, status, actor=official, reason="misconduct")
        db.session.commit()
        return issued

    listed = certified("Ғайратжон Ўроқов")
    second = certified("Batbayar Dorj")
    certified("Not Listed Person", listed=False)
    certified("Attendance Only", kind="attendance")
    certified("Revoked Auditor", status="revoke")
    corrected = certified("Nguyen Thi Tham")
    services.reissue_certificate(corrected, {"holder_name": "Nguyễn Thị Thắm"}, actor=official,
                                 reason="diacritics")
    db.session.commit()

    response = client.get("/register")
    assert response.status_code == 200
    text = page_text(response)
    rows = re.findall(r"<tr>\s*<td>([^<]+)", response.get_data(as_text=True))
    assert rows == sorted(["Ғайратжон Ўроқов", "Batbayar Dorj", "Nguyễn Thị Thắm"])
    assert listed.number in text and second.number in text and f"{corrected.number}/2" in text
    for hidden in ("Not Listed", "Attendance Only", "Revoked Auditor", "@example.uz"):
        assert hidden not in text

    found = page_text(client.get("/register?q=Ўроқов"))
    assert "Ғайратжон Ўроқов" in found and "Batbayar" not in found
    assert "Nobody in the register matches" in page_text(client.get("/register?q=Zzz"))


def test_the_public_register_pages(client, official, app, monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_SIZE", 2)
    for index in range(5):
        issued = fixtures.create_certificate(f"Auditor {index}", issued_by=official)
        issued.person.public_listing = True
    db.session.commit()
    first = page_text(client.get("/register"))
    assert "1–2 of 5" in first and "Auditor 0" in first and "Auditor 2" not in first
    last = page_text(client.get("/register?page=3"))
    assert "Auditor 4" in last and "5–5 of 5" in last


def _translated(locale: str, message: str) -> str:
    from babel.support import Translations

    from registry.catalogues import TRANSLATIONS

    return Translations.load(str(TRANSLATIONS), [locale]).gettext(message)


@pytest.mark.parametrize("accept,locale", [
    ("mn-MN,mn;q=0.9,en;q=0.5", "mn"), ("vi", "vi"), ("uz-Cyrl-UZ,uz;q=0.8", "uz_Cyrl"),
    ("uz-UZ", "uz"), ("ru-RU,ru;q=0.9", "ru"), ("de-DE,en;q=0.7", "en"), ("fr", "en"),
])
def test_the_verification_page_speaks_the_visitors_language(client, certificate, accept, locale):
    response = client.get(f"/v/{certificate.public_code}", headers={"Accept-Language": accept})
    assert f'<html lang="{locale.replace("_", "-")}">' in response.get_data(as_text=True)
    assert verdict(response) == _translated(locale, "VALID")
    if locale != "en":
        assert verdict(response) != "VALID"


def test_a_lang_parameter_overrides_the_browser_for_the_rest_of_the_visit(client, certificate):
    url = f"/v/{certificate.public_code}"
    assert verdict(client.get(url + "?lang=mn", headers={"Accept-Language": "en"})) == \
        _translated("mn", "VALID")
    assert verdict(client.get(url, headers={"Accept-Language": "en"})) == \
        _translated("mn", "VALID")
