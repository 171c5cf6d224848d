"""The certificate PDF as a reader sees it: poppler extracts the text, zbar reads the QR code.

Rendering takes plain data, so these tests build ``PrintedCertificate`` values directly.
"""
from __future__ import annotations

import dataclasses
import io
import zipfile
from datetime import date

import pytest

from registry.certificates import pdf as certificate_pdf
from registry.certificates.pdf import PrintedCertificate, Signatory

URL = "https://registry.example.uz/v/7K3M9Q2X4Z8B6N1R5T0V2W4Y6A"


def printed(**changes) -> PrintedCertificate:
    values = dict(
        number="IA-2026-00042", holder_name="Ғуломов Ўткир Ҳамидович",
        holder_latin_name="Gʻulomov Oʻtkir Hamidovich",
        course_title="ISO 9001 ички аудитори", standards="ISO 9001:2015, ISO 19011:2018",
        hours=40, start_date=date(2026, 3, 2), end_date=date(2026, 3, 6),
        issued_on=date(2026, 3, 10), valid_until=date(2029, 3, 10),
        issuer_name="Mongolian Agency for Standardization and Metrology",
        issuer_logo=None, issuer_logo_type=None,
        signatories=(Signatory("Батбаяр Дорж", "Дарга"), Signatory("Trần Văn Đức", "Giám đốc")),
        verification_url=URL, languages=("en",))
    values.update(changes)
    return PrintedCertificate(**values)


def squeeze(text: str) -> str:
    """pdftotext's layout spacing aside, the words in order."""
    return " ".join(text.split())


@pytest.mark.parametrize("name", [
    "Ғуломов Ўткир Ҳамидович",          # Uzbek Cyrillic
    "Gʻulomov Oʻtkir",                  # Uzbek Latin with U+02BB
    "Өлзийбаяр Батболд Үүрийнтуяа",     # Mongolian Cyrillic
    "Nguyễn Thị Thắm Phượng Đức",       # Vietnamese, stacked diacritics
    "Щербакова Юлия Сергеевна",         # Russian
])
def test_every_script_comes_out_of_the_pdf_as_typed(name, pdf_reader):
    text = pdf_reader.text(certificate_pdf.render_certificate(printed(holder_name=name)))
    assert name in text


def test_one_a4_landscape_page_with_every_fact_and_a_qr_code_that_opens_the_page(pdf_reader):
    data = certificate_pdf.render_certificate(printed())
    assert pdf_reader.page_count(data) == 1
    assert pdf_reader.page_size_points(data) == (842, 595)
    text = squeeze(pdf_reader.text(data))
    for fact in ("CERTIFICATE", "Ғуломов Ўткир Ҳамидович", "Gʻulomov Oʻtkir Hamidovich",
                 "ISO 9001 ички аудитори", "ISO 9001:2015, ISO 19011:2018", "40 hours",
                 "March 2, 2026 – March 6, 2026", "IA-2026-00042", "March 10, 2026",
                 "March 10, 2029", "Батбаяр Дорж", "Дарга", "Trần Văn Đức",
                 "Mongolian Agency for Standardization and Metrology"):
        assert fact in text, fact
    assert pdf_reader.qr_codes(data) == [URL]
    # For someone without a phone, a short address is printed: the check page (number and
    # surname), not the code's long link, so it fits on one line under the code.
    lines = pdf_reader.text(data).splitlines()
    assert any(line.strip().endswith("registry.example.uz/check") for line in lines)
    assert "7K3M9Q2X4Z8B6N1R5T0V2W4Y6A" not in "".join(lines)


def test_a_certificate_without_expiry_says_so():
    html = certificate_pdf.certificate_html(printed(valid_until=None))
    assert "No expiry" in html


def test_a_very_long_name_shrinks_and_stays_on_the_page(pdf_reader):
    name = "Абдуллаев Ғайратжон Қаҳрамонович ўғли Ўроқов-Султонмуродов Ҳасанбой"
    long_name = printed(holder_name=name, languages=("uz_Cyrl",))
    data = certificate_pdf.render_certificate(long_name)
    assert pdf_reader.page_count(data) == 1
    assert squeeze(name) in squeeze(pdf_reader.text(data, layout=False))
    assert 'class="holder variable name-xs"' in certificate_pdf.certificate_html(long_name)
    assert 'class="holder variable name-l"' in certificate_pdf.certificate_html(printed())


def test_the_preprinted_variant_prints_only_the_variable_text(pdf_reader):
    data = certificate_pdf.render_certificate(printed(), preprinted=True)
    text = squeeze(pdf_reader.text(data))
    assert "Ғуломов Ўткир Ҳамидович" in text and "IA-2026-00042" in text
    assert "CERTIFICATE" not in text and "This is to certify" not in text
    assert "Mongolian Agency" not in text  # the paper carries the issuer's heading
    assert pdf_reader.qr_codes(data) == [URL]


def test_the_logo_is_embedded_from_data_not_fetched(pdf_reader):
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (60, 30), (20, 60, 140)).save(buffer, "PNG")
    html = certificate_pdf.certificate_html(printed(issuer_logo=buffer.getvalue(),
                                                    issuer_logo_type="png"))
    assert 'class="logo static" src="data:image/png;base64,' in html
    data = certificate_pdf.render_certificate(printed(issuer_logo=buffer.getvalue(),
                                                      issuer_logo_type="png"))
    assert pdf_reader.page_count(data) == 1


def test_a_hostile_name_is_printed_as_text_and_fetches_nothing(pdf_reader, monkeypatch):
    from registry import documents

    refused: list[str] = []
    original = documents.safe_url_fetcher

    def recording_fetcher():
        fetcher = original()
        fetcher.refused = refused
        return fetcher

    monkeypatch.setattr(certificate_pdf, "safe_url_fetcher", recording_fetcher)
    hostile = '<img src="file:///etc/passwd"> <link rel=stylesheet href="http://evil.test/x.css">'
    data = certificate_pdf.render_certificate(printed(holder_name=hostile,
                                                      course_title="<b>ISO</b> 9001"))
    text = squeeze(pdf_reader.text(data, layout=False))
    assert '<img src="file:///etc/passwd">' in text
    assert "<b>ISO</b> 9001" in text
    assert "root:" not in text
    assert refused == []  # escaped: nothing was even asked for


def test_the_fetcher_refuses_files_outside_static_and_the_network():
    from registry.documents import RefusedFetch, safe_url_fetcher

    fetcher = safe_url_fetcher()
    for url in ("file:///etc/passwd", "http://169.254.169.254/latest/meta-data/",
                "file:///work/../etc/hosts"):
        with pytest.raises(RefusedFetch):
            fetcher.fetch(url)
    assert len(fetcher.refused) == 3


def test_a_batch_keeps_its_order_and_merges_into_one_pdf(pdf_reader):
    names = ["Anvar Karimov", "Batbayar Dorj", "Cao Thị Hà", "Дилноза Юсупова"]
    documents = [printed(holder_name=name, number=f"IA-2026-0000{i}")
                 for i, name in enumerate(names, 1)]
    seen: list[tuple[int, int]] = []
    pdfs = certificate_pdf.render_certificates(documents,
                                              progress=lambda done, total: seen.append(
                                                  (done, total)))
    assert [squeeze(pdf_reader.text(pdf)) for pdf in pdfs] and all(
        name in pdf_reader.text(pdf) for name, pdf in zip(names, pdfs))
    assert seen[-1] == (4, 4) and len(seen) == 4
    merged = certificate_pdf.merge_pdfs(pdfs)
    assert pdf_reader.page_count(merged) == 4
    text = pdf_reader.text(merged)
    assert [text.index(name) for name in names] == sorted(text.index(name) for name in names)


def test_a_big_batch_is_spread_over_worker_processes_in_order(pdf_reader, monkeypatch):
    monkeypatch.setattr(certificate_pdf, "IN_PROCESS_LIMIT", 2)
    documents = [printed(holder_name=f"Ишчи {i:02d} Ўғли", number=f"IA-2026-{i:05d}")
                 for i in range(1, 8)]
    seen: list[int] = []
    pdfs = certificate_pdf.render_certificates(documents, workers=2, chunk_size=2,
                                              progress=lambda done, total: seen.append(done))
    assert len(pdfs) == 7
    for i, data in enumerate(pdfs, 1):
        assert f"Ишчи {i:02d} Ўғли" in pdf_reader.text(data)
    assert seen[-1] == 7 and seen == sorted(seen)


def test_the_zip_names_each_file_by_its_printed_number():
    archive = zipfile.ZipFile(io.BytesIO(certificate_pdf.zip_pdfs(
        [("IA-2026-00001", b"%PDF-1"), ("IA-2026-00002/2", b"%PDF-2")])))
    assert archive.namelist() == ["IA-2026-00001.pdf", "IA-2026-00002-r2.pdf"]
    assert archive.read("IA-2026-00002-r2.pdf") == b"%PDF-2"


def test_dates_follow_the_certificate_language():
    html = certificate_pdf.certificate_html(dataclasses.replace(printed(), languages=("ru",)))
    assert "2 марта 2026" in html or "2 мар. 2026" in html


def test_a_bilingual_certificate_has_both_language_parts(pdf_reader):
    from babel.support import Translations

    from registry.catalogues import TRANSLATIONS

    russian = Translations.load(str(TRANSLATIONS), ["ru"])
    data = certificate_pdf.render_certificate(printed(languages=("ru", "en")))
    text = squeeze(pdf_reader.text(data))
    assert pdf_reader.page_count(data) == 1
    for english in ("This is to certify that", "Certificate number"):
        assert english in text
        assert russian.gettext(english) in text and russian.gettext(english) != english
    # The name as written in the Russian part, the Latin form in the English part.
    assert "Ғуломов Ўткир Ҳамидович" in text and "Gʻulomov Oʻtkir Hamidovich" in text
    assert "2 марта 2026" in text and "March 2, 2026" in text
    assert pdf_reader.qr_codes(data) == [URL]


def test_the_course_decides_the_certificate_languages():
    from registry.catalog.models import Course

    assert Course(languages="seminar,en").certificate_languages("mn") == ("mn", "en")
    assert Course(languages="seminar,en").certificate_languages("en") == ("en",)
    assert Course(languages="seminar").certificate_languages("vi") == ("vi",)
    assert Course(languages="ru").certificate_languages("uz") == ("ru",)
