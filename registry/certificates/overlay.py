"""A seminar's certificates as one design and many people: background + overlay.

Plain data in, bytes out (no database, no request), like ``pdf.py``. Everything on a
certificate but the person's parts is the same for every certificate of a seminar: the
issuer, logo, headings, course, dates, signatories, in its languages. So a batch

1. renders that design once as a **background** page - the full design with the person's
   slots hidden (``layer="background"``) - and measures where each slot is;
2. lays out each person's parts (name, Latin form, number, dates, place and date, QR code,
   address) as an **overlay** page: only those elements, each placed absolutely at the
   content box its slot has on the background, with the same page template and stylesheet
   (their type is set on the elements themselves), so each lands where the full design puts
   it - many people as the pages of one document, which is where WeasyPrint is cheapest
   per page;
3. **stamps** the background on every overlay page as one PDF form XObject: a reference
   in each page's resources and a ``q /Bg Do Q`` stream before its own - no content stream
   is parsed or rewritten.

The person's slots have a fixed size (``static/css/certificate.css``: the name keeps a
two-line slot), so the background does not depend on who is printed; it is keyed on a hash
of what it shows (``background_key``) and re-made when that changes. Certificates of one
seminar normally share one key; a revision issued under other texts gets its own.
tests/certificates/test_overlay.py compares the result with the full design page by page.
"""
from __future__ import annotations

import dataclasses
import hashlib
import io
import os
import tempfile
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from registry.certificates.pdf import (
    STYLESHEET, PrintedCertificate, certificate_page, pages_html,
)
from registry.documents import STATIC_ROOT, render_document, safe_url_fetcher, stylesheet

# What differs from person to person; everything else of a PrintedCertificate is the design.
PERSON_FIELDS = frozenset({"number", "holder_name", "holder_latin_name", "issued_on",
                           "valid_until", "verification_url", "qr_content"})
# Backgrounds kept per process (a few seminars printing at once; each is ~20 KB).
KEPT_BACKGROUNDS = 16
BACKGROUND_NAME = "/RegistryBackground"


@dataclass(frozen=True)
class Background:
    """The design of one kind of certificate, rendered once."""

    key: str
    pdf: bytes  # one page: the design with the person's slots empty
    slots: dict  # data-slot -> content box (x, y, width, height), CSS px, of a person's part


def _design_files_stamp() -> str:
    """What says the design itself changed: the stylesheet and the page templates."""
    from registry.certificates.pdf import TEMPLATES

    stamps = []
    for path in [STATIC_ROOT / STYLESHEET, *sorted((TEMPLATES / "documents").glob(
            "certificate*.html"))]:
        stat = path.stat()
        stamps.append(f"{path.name}:{stat.st_size}:{stat.st_mtime_ns}")
    return ",".join(stamps)


def background_key(certificate: PrintedCertificate, preprinted: bool = False) -> str:
    """A hash of everything the background of ``certificate`` shows: the certificate's
    fields but the person's, whether it is for pre-printed paper, and the design's files."""
    design = {name: value for name, value in dataclasses.asdict(certificate).items()
              if name not in PERSON_FIELDS}
    digest = hashlib.sha256()
    digest.update(repr((sorted(design.items()), preprinted, _design_files_stamp())).encode())
    return digest.hexdigest()


_backgrounds: OrderedDict[str, Background] = OrderedDict()
_backgrounds_lock = threading.Lock()


def _measure(document) -> dict:
    """The content box of each element marked ``data-slot`` on the first page (its first
    box: the one that holds its lines)."""
    slots: dict = {}

    def walk(box):
        element = getattr(box, "element", None)
        if element is not None:
            slot = element.get("data-slot")
            if slot and slot not in slots:
                slots[slot] = (box.content_box_x(), box.content_box_y(), box.width, box.height)
        for child in getattr(box, "children", None) or ():
            walk(child)

    walk(document.pages[0]._page_box)
    return slots


def render_background(certificate: PrintedCertificate, preprinted: bool = False) -> Background:
    """The background of ``certificate``'s design, rendered now (see ``background``)."""
    html = pages_html([certificate_page(certificate, preprinted, layer="background")],
                      link_stylesheet=False)
    document = render_document(html, fetcher=safe_url_fetcher(),
                               stylesheets=[stylesheet(STYLESHEET)])
    return Background(background_key(certificate, preprinted), document.write_pdf(),
                      _measure(document))


def background(certificate: PrintedCertificate, preprinted: bool = False) -> Background:
    """The background of ``certificate``'s design: rendered once per process and kept
    under its key, so it is re-made exactly when what it shows changes."""
    key = background_key(certificate, preprinted)
    with _backgrounds_lock:
        kept = _backgrounds.get(key)
        if kept is not None:
            _backgrounds.move_to_end(key)
            return kept
    made = render_background(certificate, preprinted)
    with _backgrounds_lock:
        _backgrounds[key] = made
        while len(_backgrounds) > KEPT_BACKGROUNDS:
            _backgrounds.popitem(last=False)
    return made


def render_overlays(certificates: list[PrintedCertificate], made: Background,
                    preprinted: bool = False) -> bytes:
    """One PDF with a page per certificate holding only its person's parts, each in the
    slot the background ``made`` was measured with (the certificates share its design)."""
    pages = [certificate_page(certificate, preprinted, layer="overlay", slots=made.slots)
             for certificate in certificates]
    html = pages_html(pages, link_stylesheet=False)
    document = render_document(html, fetcher=safe_url_fetcher(),
                               stylesheets=[stylesheet(STYLESHEET)])
    if len(document.pages) != len(certificates):  # a slot overflowed into another page
        raise RuntimeError(f"{len(certificates)} overlays laid out on "
                           f"{len(document.pages)} pages")
    return document.write_pdf()


def _form_xobject(page, writer):
    """``page`` (of another PDF) as a form XObject added to ``writer``: its content stream
    as it is encoded, its resources, its box."""
    from pypdf.generic import (
        ArrayObject, DecodedStreamObject, FloatObject, NameObject, StreamObject,
    )

    contents = page.raw_get("/Contents").get_object()
    if isinstance(contents, StreamObject):
        form = contents.clone(writer, force_duplicate=True)  # the encoded bytes, copied
    else:  # an array of streams (not what WeasyPrint writes): joined once per background
        form = DecodedStreamObject()
        form.set_data(b"\n".join(part.get_object().get_data() for part in contents))
    form[NameObject("/Type")] = NameObject("/XObject")
    form[NameObject("/Subtype")] = NameObject("/Form")
    form[NameObject("/BBox")] = ArrayObject(FloatObject(value) for value in page.mediabox)
    form[NameObject("/Resources")] = page["/Resources"].clone(writer)
    if "/Group" in page:  # WeasyPrint's transparency group, if the design uses one
        form[NameObject("/Group")] = page["/Group"].clone(writer)
    return writer._add_object(form)


def stamp(background_pdf: bytes, overlay_pdf: bytes) -> bytes:
    """Every page of ``overlay_pdf`` drawn over the one page of ``background_pdf``."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import ArrayObject, DecodedStreamObject, DictionaryObject, NameObject

    writer = PdfWriter(clone_from=io.BytesIO(overlay_pdf))
    design = PdfReader(io.BytesIO(background_pdf)).pages[0]
    form = _form_xobject(design, writer)
    under = DecodedStreamObject()
    under.set_data(f"q {BACKGROUND_NAME} Do Q\n".encode("ascii"))
    under = writer._add_object(under)
    for page in writer.pages:
        resources = page["/Resources"]
        xobjects = resources.get("/XObject")
        if xobjects is None:
            xobjects = DictionaryObject()
            resources[NameObject("/XObject")] = xobjects
        xobjects.get_object()[NameObject(BACKGROUND_NAME)] = form
        contents = page.raw_get("/Contents")
        own = (list(contents.get_object()) if isinstance(contents.get_object(), list)
               else [contents])
        page[NameObject("/Contents")] = ArrayObject([under, *own])
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def render_group(certificates: list[PrintedCertificate], preprinted: bool = False) -> bytes:
    """Certificates sharing one design as one PDF, a page each: background + overlays."""
    made = background(certificates[0], preprinted)
    return stamp(made.pdf, render_overlays(certificates, made, preprinted))


# --- a whole batch --------------------------------------------------------------------------

def _render_chunk_file(certificates: list[PrintedCertificate], preprinted: bool,
                       path: str) -> int:
    """A worker's task: certificates of one design written as one PDF at ``path``."""
    Path(path).write_bytes(render_group(certificates, preprinted))
    return len(certificates)


def _chunks(certificates: list, chunk_size: int, preprinted: bool) -> list[list[int]]:
    """Indexes of ``certificates`` (PrintedCertificate or bytes) in consecutive chunks of
    at most ``chunk_size`` that share one background; a kept PDF (bytes) is a piece alone."""
    chunks: list[list[int]] = []
    last_key = None
    for index, item in enumerate(certificates):
        key = None if isinstance(item, bytes) else background_key(item, preprinted)
        if (key is None or key != last_key or len(chunks[-1]) >= chunk_size
                or isinstance(certificates[chunks[-1][0]], bytes)):
            chunks.append([index])
        else:
            chunks[-1].append(index)
        last_key = key
    return chunks


# People per overlay document: most of the gain of many pages per document is there by 25,
# and a worker's memory grows with its document (~+55 MB at 25 over a warm worker, ~+70 at 50).
CHUNK_SIZE = 25


def render_batch(certificates, target, *, preprinted: bool = False, workers: int | None = None,
                 chunk_size: int = CHUNK_SIZE, progress=None) -> int:
    """The certificates as one PDF written to ``target``, a page each, in the order given
    (a seminar for the printer); returns the number of pages.

    An item is a ``PrintedCertificate`` (rendered here: background + overlays, in chunks of
    one design), or the bytes of a PDF already rendered (a kept certificate), put in as it
    is. Small batches render in this process, a person at a time, bigger ones over one
    warmed worker process per core. Each chunk becomes a file in a temporary folder and poppler's ``pdfunite`` joins
    them in a process of its own, so no process holds every page (a pypdf merge in the
    parent added ~300 MB at 1,000 certificates). ``progress(done, total)`` as chunks finish.
    """
    from registry.certificates.pdf import IN_PROCESS_LIMIT, merge_pdf_files, run_in_workers

    certificates = list(certificates)
    total = len(certificates)
    if total == 0:
        raise ValueError("nothing to print")
    workers = workers or os.cpu_count() or 1
    in_process = total <= IN_PROCESS_LIMIT or workers == 1
    if total <= IN_PROCESS_LIMIT:
        chunk_size = 1  # a few: progress person by person (what the job's page shows)
    elif not in_process:  # every worker gets a share, in chunks of one design
        chunk_size = max(1, min(chunk_size, -(-total // workers)))
    chunks = _chunks(certificates, chunk_size, preprinted)
    done = 0
    with tempfile.TemporaryDirectory(prefix="registry-batch-") as folder:
        paths = [os.path.join(folder, f"{number:05d}.pdf") for number in range(len(chunks))]
        to_render = []
        for path, chunk in zip(paths, chunks):
            first = certificates[chunk[0]]
            if isinstance(first, bytes):
                Path(path).write_bytes(first)
                done += 1
            else:
                to_render.append((path, [certificates[index] for index in chunk]))
        if progress and done:
            progress(done, total)
        if in_process or len(to_render) <= 1:
            for path, chunk in to_render:
                done += _render_chunk_file(chunk, preprinted, path)
                if progress:
                    progress(done, total)
        else:
            for _index, count in run_in_workers(
                    _render_chunk_file, [(chunk, preprinted, path) for path, chunk in to_render],
                    workers):
                done += count
                if progress:
                    progress(done, total)
        merge_pdf_files(paths, target)
    return total
