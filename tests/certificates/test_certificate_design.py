"""The certificate as a state document (issue 19 item 1): the agency leads the page, a place
and date of issue line and a seal area stand beside the signatures, the English half never
prints another script, and nothing on the page runs into anything else - checked from the
boxes of WeasyPrint's own layout, as well as from what poppler reads off the PDF."""
from __future__ import annotations

import io
import unicodedata
from datetime import date
from itertools import combinations

import pytest

from registry.certificates import pdf as certificate_pdf
from registry.certificates.pdf import PrintedText, Signatory, official_date
from tests.certificates.test_pdf import printed, squeeze

UZ_AGENCY = "Oʻzbekiston texnik jihatdan tartibga solish agentligi"
EN_AGENCY = "Uzbek Agency for Technical Regulation"


def logo_png(width: int = 400, height: int = 400) -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (width, height), "white")
    ImageDraw.Draw(image).ellipse((10, 10, width - 10, height - 10), outline="navy", width=12)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def uzbek_and_english(**changes):
    texts = (PrintedText("uz", "internal_auditor", "ISO 9001 boʻyicha ichki auditor",
                         "ISO 9001:2015, ISO 19011:2018", UZ_AGENCY, "Toshkent"),
             PrintedText("en", "internal_auditor", "ISO 9001 internal auditor",
                         "ISO 9001:2015, ISO 19011:2018", EN_AGENCY, "Tashkent"))
    values = dict(languages=("uz", "en"), texts=texts, issuer_logo=logo_png(),
                  issuer_logo_type="image/png", holder_latin_name=None,
                  signatories=(Signatory("Abdullayev Bobur", "Director", (("uz", "Direktor"),)),
                               Signatory("Karimova Dilnoza", "Lead trainer",
                                         (("uz", "Yetakchi trener"),))))
    values.update(changes)
    return printed(**values)


# --- what a reader sees ----------------------------------------------------------------------

def test_the_agency_leads_both_halves_and_the_place_and_date_line_is_printed(pdf_reader):
    data = certificate_pdf.render_certificate(uzbek_and_english())
    lines = [line.strip() for line in pdf_reader.text(data).splitlines() if line.strip()]
    # The agency's name in each language is the first thing on the page.
    assert lines[0] == UZ_AGENCY and lines[1] == EN_AGENCY
    text = squeeze(pdf_reader.text(data))
    # The place and date of issue, as each language writes it on an official paper.
    assert "Toshkent, 2026-yil 10-mart" in text
    assert "Tashkent, 10 March 2026" in text


def test_a_holder_without_a_latin_name_gets_one_on_the_english_half(pdf_reader):
    document = uzbek_and_english(holder_name="Ғуломов Ўткир Ҳамидович", holder_latin_name=None)
    text = squeeze(pdf_reader.text(certificate_pdf.render_certificate(document)))
    assert "Ғуломов Ўткир Ҳамидович" in text  # the Uzbek half: as written
    assert "Gʻulomov Oʻtkir Hamidovich" in text
    # And the English half holds no Cyrillic letter at all (its texts, from the layout).
    english = english_half(document)
    assert "This is to certify that" in english
    assert not [line for line in english
                if any("CYRILLIC" in unicodedata.name(ch, "") for ch in line)]


def test_an_english_only_certificate_prints_the_latin_form_first(pdf_reader):
    data = certificate_pdf.render_certificate(printed(
        holder_name="Щербакова Юлия Сергеевна", holder_latin_name=None, languages=("en",)))
    text = squeeze(pdf_reader.text(data))
    after = text.split("This is to certify that", 1)[1]
    assert after.strip().startswith("Shcherbakova Iuliia Sergeevna Щербакова Юлия Сергеевна")


@pytest.mark.parametrize("language,seal", [("ru", "М.П."), ("uz", "M.Oʻ."), ("uz_Cyrl", "М.Ў."),
                                           ("en", "Seal")])
def test_the_seal_area_is_named_in_the_certificate_language(pdf_reader, language, seal):
    data = certificate_pdf.render_certificate(printed(languages=(language,)))
    assert seal in pdf_reader.text(data)


@pytest.mark.parametrize("language,written", [
    ("en", "29 November 2026"), ("ru", "29 ноября 2026 г."), ("uz", "2026-yil 29-noyabr"),
    ("uz_Cyrl", "2026 йил 29 ноябр"), ("mn", "2026 оны 11 сарын 29"),
    ("vi", "ngày 29 tháng 11 năm 2026"),
])
def test_the_date_of_issue_is_written_as_official_papers_write_it(language, written):
    # Babel puts a narrow no-break space before "г.": it prints as a space.
    assert official_date(date(2026, 11, 29), language).replace("\u202f", " ") == written


# --- the layout's boxes ----------------------------------------------------------------------

def layout(document, preprinted: bool = False):
    """The first page's box tree of ``document`` as WeasyPrint lays it out for the PDF."""
    from weasyprint import HTML

    from registry.documents import STATIC_BASE_URL, font_configuration, safe_url_fetcher

    html = certificate_pdf.certificate_html(document, preprinted=preprinted)
    rendered = HTML(string=html, base_url=STATIC_BASE_URL,
                    url_fetcher=safe_url_fetcher()).render(font_config=font_configuration())
    assert len(rendered.pages) == 1
    return rendered.pages[0]._page_box


def _all_boxes(box, ancestors=frozenset()):
    """Every box with the ids of the elements it is drawn inside."""
    yield box, ancestors
    inside = ancestors | {id(box.element)} if getattr(box, "element", None) is not None \
        else ancestors
    for child in getattr(box, "children", None) or ():
        yield from _all_boxes(child, inside)


def _classes(box) -> set[str]:
    element = getattr(box, "element", None)
    return set((element.get("class") or "").split()) if element is not None else set()


def ink(page) -> list[tuple]:
    """What is drawn: every piece of text and every image, and the drawn lines (signature
    lines, the seal's circle, the divider between two halves) - each as (label, text, its
    element, the elements it is drawn inside, its rectangle)."""
    from weasyprint.formatting_structure import boxes

    drawn = []
    for box, ancestors in _all_boxes(page):
        classes = _classes(box)
        label = f"{box.element_tag}.{'.'.join(sorted(classes))}"
        element = id(box.element)
        if isinstance(box, boxes.TextBox) and box.text.strip():
            drawn.append((label, box.text.strip()[:30], element, ancestors,
                          (box.position_x, box.position_y, box.width, box.height)))
        elif isinstance(box, boxes.ReplacedBox) or classes & {"line", "seal"}:
            drawn.append((label, "", element, ancestors,
                          (box.border_box_x(), box.border_box_y(), box.border_width(),
                           box.border_height())))
        elif "part" in classes and box.style["border_left_width"]:
            drawn.append(("divider", "", element, ancestors,
                          (box.border_box_x(), box.border_box_y(), box.style["border_left_width"],
                           box.border_height())))
    return drawn


def _nested(first, second) -> bool:
    """Pieces of one element's text, or one drawn inside the other (the seal's label in its
    circle): meant to share their place."""
    return (first[2] == second[2] or first[2] in second[3] or second[2] in first[3])


def english_half(document) -> list[str]:
    """The texts drawn in the English half (right of the divider) above the footer."""
    drawn = ink(layout(document))
    divider = next(box for label, _, _, _, box in drawn if label == "divider")
    return [text for label, text, _, _, (x, y, w, h) in drawn
            if text and x > divider[0] and y + h <= divider[1] + divider[3]]


def _overlap(a, b, tolerance: float = 0.5) -> bool:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    return (min(ax + aw, bx + bw) - max(ax, bx) > tolerance
            and min(ay + ah, by + bh) - max(ay, by) > tolerance)


LAYOUTS = {
    "uzbek and english with a logo": uzbek_and_english(),
    "long agency names, long name, three signatories": uzbek_and_english(
        holder_name="Абдуллаев Ғайратжон Қаҳрамонович ўғли Ўроқов-Султонмуродов",
        texts=(PrintedText("uz", "internal_auditor",
                           "Sifat menejmenti tizimlari: ISO 9001 boʻyicha ichki auditorlar tayyorlash",
                           "ISO 9001:2015, ISO 19011:2018", "Oʻzbekiston Respublikasi Investitsiyalar, "
                           "sanoat va savdo vazirligi huzuridagi Texnik jihatdan tartibga solish "
                           "agentligi", "Toshkent"),
               PrintedText("en", "internal_auditor",
                           "Quality management systems: training of ISO 9001 internal auditors",
                           "ISO 9001:2015, ISO 19011:2018", "Agency for Technical Regulation under "
                           "the Ministry of Investment, Industry and Trade of the Republic of "
                           "Uzbekistan", "Tashkent")),
        signatories=(Signatory("Abdullayev Bobur Shavkatovich", "Director General"),
                     Signatory("Karimova Dilnoza", "Head of the certification body"),
                     Signatory("Trần Văn Đức", "Lead trainer"))),
    "one language with a wide logo": printed(
        languages=("ru",), issuer_logo=logo_png(900, 200), issuer_logo_type="image/png"),
    "vietnamese and english without a logo": printed(
        languages=("vi", "en"), holder_name="Nguyễn Thị Thắm Phượng", holder_latin_name=None),
}


@pytest.mark.parametrize("name", list(LAYOUTS))
def test_nothing_on_the_page_overlaps_anything_else(name):
    page = layout(LAYOUTS[name])
    drawn = ink(page)
    assert any(label.startswith("img.logo") for label, *_ in drawn) == bool(
        LAYOUTS[name].issuer_logo)
    collisions = [(first[:2], second[:2]) for first, second in combinations(drawn, 2)
                  if not _nested(first, second) and _overlap(first[4], second[4])]
    assert collisions == []
    # Everything stays inside the frame (8 mm from the edge, 2.2 mm of border).
    inner = 10.2 * 96 / 25.4
    width, height = 297 * 96 / 25.4, 210 * 96 / 25.4
    outside = [(label, text) for label, text, _, _, (x, y, w, h) in drawn
               if x < inner or y < inner or x + w > width - inner or y + h > height - inner]
    assert outside == []


def test_the_divider_between_two_halves_starts_below_the_agency():
    drawn = ink(layout(uzbek_and_english()))
    divider = next(box for label, _, _, _, box in drawn if label == "divider")
    agency_bottom = max(y + h for label, _, _, _, (x, y, w, h) in drawn
                        if label.startswith(("p.issuer", "img.logo")))
    assert divider[1] > agency_bottom


def test_the_preprinted_variant_keeps_every_position():
    def positions(preprinted):
        return [(label, text, box) for label, text, _, _, box in ink(layout(
            uzbek_and_english(), preprinted=preprinted))]

    assert positions(True) == positions(False)
