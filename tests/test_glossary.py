"""The agencies' own words on what the public reads (issue 17 item 6).

For each interface language the key terms of the glossary in
``../shared/notes/terminology.md`` - certificate, internal auditor, valid, revoked,
suspended - must be the glossary's word (its first choice where it gives two) on the printed
certificate and on the verification page, and the words the review found wrong must not come
back. The pages are rendered through the app and the PDF is read with pdftotext, so a
catalogue edit, a template change or a CSS ``text-transform`` that broke a term fails here.
"""
from __future__ import annotations

import re

import pytest

from registry.certificates import services
from registry.extensions import db
from tests import fixtures
from tests.certificates.test_public import page_text, verdict

# Word stems (matched case-insensitively, so inflected forms and the capitals of the printed
# heading count): per language, per concept.
GLOSSARY = {
    "ru": {"certificate": "сертификат", "internal auditor": r"внутренн\w* аудитор",
           "valid": "действител", "revoked": "аннулирован", "suspended": "приостановлен"},
    "uz": {"certificate": "sertifikat", "internal auditor": r"ichki auditor",
           "valid": "amalda", "revoked": "bekor qilingan",
           "suspended": "toʻxtatib turilgan"},
    "uz_Cyrl": {"certificate": "сертификат", "internal auditor": r"ички аудитор",
                "valid": "амалда", "revoked": "бекор қилинган",
                "suspended": "тўхтатиб турилган"},
    "mn": {"certificate": "гэрчилгээ", "internal auditor": r"дотоод аудитор",
           "valid": "хүчинтэй", "revoked": "хүчингүй болгосон",
           "suspended": "түдгэлзүүлсэн"},
    "vi": {"certificate": "chứng chỉ", "internal auditor": r"chuyên gia đánh giá nội bộ",
           "valid": "còn hiệu lực", "revoked": "thu hồi", "suspended": "tạm đình chỉ"},
}

# Words the review found in the catalogues for these concepts and asked to replace.
NOT_ON_THE_PUBLIC_SIDE = {
    "ru": [],
    "uz": ["sertifikatlash "],
    "uz_Cyrl": ["ҳақиқий деб", "сертификатлаш "],
    "mn": ["сертификат", "баталгаажуулах", "хүчингүй болсон"],
    "vi": ["hội thảo", "đánh giá viên", "bị đình chỉ"],
}


def has(text: str, pattern: str) -> bool:
    return re.search(pattern, text, flags=re.IGNORECASE) is not None


@pytest.fixture
def certificate_in():
    """A certificate of an internal-auditor course, issued for a seminar held in ``locale``."""
    def make(locale):
        seminar = fixtures.create_completed_seminar((("Ғайратжон Ўроқов", 3, 87),),
                                                    language=locale)
        official = fixtures.create_user("official")
        certificate = services.issue_certificate(seminar.registrations[0], issued_by=official)
        db.session.commit()
        return certificate, official
    return make


@pytest.mark.parametrize("locale", sorted(GLOSSARY))
def test_the_certificate_uses_the_glossary_words(locale, client, login_as, certificate_in,
                                                 pdf_reader):
    certificate, _ = certificate_in(locale)
    login_as("official")
    printed = " ".join(pdf_reader.text(client.get(f"/certificates/{certificate.id}.pdf").data)
                       .split())
    words = GLOSSARY[locale]
    assert has(printed, words["certificate"]), printed
    assert has(printed, words["internal auditor"]), printed  # the heading names the kind
    for wrong in NOT_ON_THE_PUBLIC_SIDE[locale]:
        assert not has(printed, re.escape(wrong)), wrong


@pytest.mark.parametrize("locale", sorted(GLOSSARY))
def test_the_verification_page_uses_the_glossary_words(locale, client, certificate_in):
    certificate, official = certificate_in(locale)
    words = GLOSSARY[locale]
    url = f"/v/{certificate.public_code}?lang={locale}"

    def seen():
        response = client.get(url)
        assert response.status_code == 200
        text = page_text(response)
        for wrong in NOT_ON_THE_PUBLIC_SIDE[locale]:
            assert not has(text, re.escape(wrong)), (wrong, text)
        return verdict(response), text

    word, text = seen()
    assert has(word, words["valid"]), word
    assert has(text, words["certificate"]), text

    services.change_status(certificate, "suspend", actor=official, reason="under_review")
    db.session.commit()
    word, text = seen()
    assert has(word, words["suspended"]), word

    services.change_status(certificate, "reinstate", actor=official)
    services.change_status(certificate, "revoke", actor=official, reason="misconduct")
    db.session.commit()
    word, text = seen()
    assert has(word, words["revoked"]), word


@pytest.mark.parametrize("locale", sorted(GLOSSARY))
def test_the_public_register_names_internal_auditors_in_the_glossary_words(locale, client):
    text = page_text(client.get(f"/register?lang={locale}"))
    assert has(text, GLOSSARY[locale]["internal auditor"]), text
