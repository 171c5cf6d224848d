"""A batch as background + overlay (registry/certificates/overlay.py) prints what each
certificate's own full design prints: the same text page by page (poppler, with and without
its layout mode - nothing normalised), a QR code that reads the same (zbar), long names in
their two-line slot; the background is re-made when what it shows changes; a batch merged
from several chunks keeps its pages and their order."""
from __future__ import annotations

import dataclasses

import pytest

from registry.certificates import overlay
from registry.certificates import pdf as certificate_pdf
from tests.certificates.test_certificate_design import LAYOUTS, uzbek_and_english
from tests.certificates.test_pdf import printed

SIGNED_QR = ("HTTPS://REGISTRY.EXAMPLE.UZ/V/7K3M9Q2X4Z8B6N1R5T0V2W4Y6A#"
             "AEAAAAAQ2ZJ7MQAAAAEAAAFI5C7QFJAWAAAAAAAAIRUNIGEEBIRUGY2DQ")
LONG_NAME = "Абдуллаев Ғайратжон Қаҳрамонович ўғли Ўроқов-Султонмуродов Ҳасанбой"
# Two lines across the whole width of a one-language page, even in its smaller type.
LONGER_NAME = f"{LONG_NAME} Тошпўлатович Каримов"


def people(design, names=("Anvar Karimov", LONG_NAME, "Nguyễn Thị Thắm")):
    """The people of one seminar: the same design, each their own name, number, dates and
    QR - the first with a signed QR's content."""
    return [dataclasses.replace(
        design, holder_name=name, number=f"IA-2026-{index:05d}",
        holder_latin_name=None if index else design.holder_latin_name,
        issued_on=design.issued_on.replace(day=10 + index),
        valid_until=design.valid_until and design.valid_until.replace(day=10 + index),
        verification_url=f"https://registry.example.uz/v/7K3M9Q2X4Z8B6N1R5T0V2W{index:04d}",
        qr_content=SIGNED_QR if index == 0 else "")
        for index, name in enumerate(names)]


def pages_of(pdf_reader, data: bytes, *, layout: bool) -> list[str]:
    """pdftotext's text of each page (its form feeds apart)."""
    return pdf_reader.text(data, layout=layout).split("\f")[:-1]


@pytest.mark.parametrize("design", [*LAYOUTS, "english alone", "pre-printed paper"])
def test_each_overlay_page_reads_exactly_as_the_full_design(design, pdf_reader):
    preprinted = design == "pre-printed paper"
    base = {"english alone": printed(), "pre-printed paper": uzbek_and_english()}.get(
        design) or LAYOUTS[design]
    seminar = people(base)
    batch = overlay.render_group(seminar, preprinted=preprinted)
    assert pdf_reader.page_count(batch) == len(seminar)
    for layout in (True, False):
        assert pages_of(pdf_reader, batch, layout=layout) == [
            pages_of(pdf_reader, certificate_pdf.render_certificate(person, preprinted),
                     layout=layout)[0]
            for person in seminar]
    # The QR on each page reads as the full design's: a signed QR's content, or the link.
    for page, person in enumerate(seminar, 1):
        assert pdf_reader.qr_codes(batch, page=page) == [
            person.qr_content or person.verification_url]


def _holder_lines(document, slot: str = "0-holder"):
    """The name's slot (its content box) and its lines, from the laid-out boxes."""
    from weasyprint.formatting_structure import boxes

    found = []

    def walk(box, inside=False):
        element = getattr(box, "element", None)
        here = inside or (element is not None and element.get("data-slot") == slot)
        if here and not inside:
            found.append(("slot", (box.content_box_y(), box.content_box_y() + box.height)))
        if here and isinstance(box, boxes.LineBox):
            found.append(("line", (box.position_y, box.position_y + box.height)))
        for child in getattr(box, "children", None) or ():
            walk(child, here)

    walk(document.pages[0]._page_box)
    slot_box = next(extent for kind, extent in found if kind == "slot")
    return slot_box, [extent for kind, extent in found if kind == "line"]


@pytest.mark.parametrize("languages,long_name", [(("uz_Cyrl",), LONGER_NAME),
                                                (("uz", "en"), LONG_NAME)])
def test_a_long_name_wraps_into_two_lines_inside_its_slot_and_moves_nothing(languages, long_name,
                                                                            pdf_reader):
    from registry.documents import render_document, stylesheet

    def laid_out(name):
        html = certificate_pdf.certificate_html(
            printed(holder_name=name, languages=languages), link_stylesheet=False)
        return render_document(html, stylesheets=[stylesheet(certificate_pdf.STYLESHEET)])

    (top, bottom), lines = _holder_lines(laid_out(long_name))
    assert len(lines) == 2
    assert all(top - 0.5 <= line_top and line_bottom <= bottom + 0.5
               for line_top, line_bottom in lines)
    short_slot, short_lines = _holder_lines(laid_out("Anvar Karimov"))
    assert len(short_lines) == 1 and short_slot == (top, bottom)  # the same slot
    # The design's own text stands where it stands for a short name: one background fits all.
    long_background = overlay.render_background(printed(holder_name=long_name,
                                                        languages=languages))
    short_background = overlay.render_background(printed(holder_name="Anvar Karimov",
                                                         languages=languages))
    assert long_background.slots == short_background.slots
    assert pdf_reader.text(long_background.pdf) == pdf_reader.text(short_background.pdf)
    # And on the batch page the name reads in two lines, as on its own certificate.
    seminar = people(printed(languages=languages), names=("Anvar Karimov", long_name))
    batch = overlay.render_group(seminar)
    own = certificate_pdf.render_certificate(seminar[1])
    assert pages_of(pdf_reader, batch, layout=True)[1] == pages_of(pdf_reader, own,
                                                                   layout=True)[0]


def test_the_background_is_made_again_when_what_it_shows_changes(pdf_reader, monkeypatch):
    made = []
    real = overlay.render_background
    monkeypatch.setattr(overlay, "render_background",
                        lambda *args, **kwargs: made.append(args[0]) or real(*args, **kwargs))
    monkeypatch.setattr(overlay, "_backgrounds", type(overlay._backgrounds)())
    seminar = people(uzbek_and_english())
    first = overlay.render_group(seminar)
    overlay.render_group(list(reversed(seminar)))  # other people, the same design: kept
    assert len(made) == 1
    assert overlay.background_key(seminar[0]) == overlay.background_key(seminar[2])

    texts = tuple(dataclasses.replace(text, course_title=f"{text.course_title} (2027)")
                  for text in seminar[0].texts)
    renamed = [dataclasses.replace(person, texts=texts) for person in seminar]
    assert overlay.background_key(renamed[0]) != overlay.background_key(seminar[0])
    second = overlay.render_group(renamed)
    assert len(made) == 2
    assert "ISO 9001 internal auditor (2027)" in pdf_reader.text(second)
    assert "(2027)" not in pdf_reader.text(first)
    # Pre-printed paper is a design of its own, and so is a new logo.
    assert overlay.background_key(seminar[0], preprinted=True) != overlay.background_key(
        seminar[0])
    assert overlay.background_key(dataclasses.replace(seminar[0], issuer_logo=b"x")) != \
        overlay.background_key(seminar[0])


def test_a_batch_of_three_chunks_is_merged_in_order(tmp_path, pdf_reader, monkeypatch):
    # In this process, in chunks of three (not person by person, as a small batch is).
    monkeypatch.setattr(certificate_pdf, "IN_PROCESS_LIMIT", 2)
    seminar = people(printed(), names=[f"Ишчи {index:02d} Ўғли" for index in range(7)])
    # A certificate whose full design is kept goes in as it is, between the chunks.
    kept = certificate_pdf.render_certificate(seminar[3])
    items = [*seminar[:3], kept, *seminar[4:]]
    seen = []
    target = tmp_path / "seminar.pdf"
    assert overlay.render_batch(items, target, workers=1, chunk_size=3,
                                progress=lambda done, total: seen.append((done, total))) == 7
    assert [len(chunk) for chunk in overlay._chunks(items, 3, False)] == [3, 1, 3]
    data = target.read_bytes()
    assert pdf_reader.page_count(data) == 7
    pages = pages_of(pdf_reader, data, layout=False)
    for page, person in enumerate(seminar):
        assert person.number in pages[page] and person.holder_name in pages[page]
    assert pages[3] == pages_of(pdf_reader, kept, layout=False)[0]
    assert seen[-1] == (7, 7) and seen == sorted(seen)


def test_a_big_batch_is_rendered_by_worker_processes_and_merged_by_pdfunite(tmp_path,
                                                                           pdf_reader,
                                                                           monkeypatch):
    monkeypatch.setattr(certificate_pdf, "IN_PROCESS_LIMIT", 2)
    # Workers are replaced after each chunk here: the batch must go on with new ones.
    monkeypatch.setattr(certificate_pdf, "CHUNKS_PER_WORKER", 1)
    seminar = people(uzbek_and_english(), names=[f"Oʻlmas Gʻaniyev {i}" for i in range(6)])
    target = tmp_path / "seminar.pdf"
    overlay.render_batch(seminar, target, workers=2, chunk_size=2)
    pages = pages_of(pdf_reader, target.read_bytes(), layout=False)
    assert len(pages) == 6
    assert [next(p.number for p in seminar if p.number in page) for page in pages] == [
        person.number for person in seminar]


def test_merge_pdfs_keeps_every_page_in_order(pdf_reader):
    pdfs = [certificate_pdf.render_certificate(person) for person in people(printed())]
    merged = certificate_pdf.merge_pdfs(pdfs)
    assert pdf_reader.page_count(merged) == 3
    assert pages_of(pdf_reader, merged, layout=False) == [
        pages_of(pdf_reader, pdf, layout=False)[0] for pdf in pdfs]
