"""Certificate PDFs: plain data in, bytes out.

Nothing here touches the database or a request, so the same code runs in the web process and
in the worker processes a big batch is spread over (see ../shared/notes/pdf-rendering.md for
the figures behind the choices):

* one shared ``FontConfiguration`` per process, the stylesheet parsed once per process and
  a fetcher that fetches nothing from outside (``registry.documents``);
* the QR code is a PNG data URI made with ``qrcode`` with one fixed mask (cheap to make,
  nothing to lay out);
* the person's parts sit in slots of a fixed size, so the rest of the page is the same for
  everyone of a seminar: the batch print renders it once and stamps each person on it
  (``overlay.py``);
* certificates one by one (a ZIP, the seminar's PDF from the page) are rendered one document
  each; big batches of either kind go in chunks to worker processes that were warmed up at
  start - without the app - and are replaced after a number of chunks (WeasyPrint keeps
  every document in memory and never hands memory back); merging is poppler's ``pdfunite``.
"""
from __future__ import annotations

import base64
import io
import multiprocessing
import os
import zipfile
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path

from registry.documents import font_configuration, render_pdf, safe_url_fetcher, stylesheet
from registry.people.names import printed_latin_name

ROOT = Path(__file__).resolve().parent.parent.parent
TEMPLATES = ROOT / "templates"
TRANSLATIONS = ROOT / "registry" / "translations"

# Batches up to this size render in the calling process: starting workers costs ~1 s.
IN_PROCESS_LIMIT = 24
# A worker renders this many chunks, then is replaced, so its memory goes back to the system.
CHUNKS_PER_WORKER = 10


@dataclass(frozen=True)
class Signatory:
    name: str
    title: str = ""
    titles: tuple = ()  # (language, title) pairs: the title in other languages

    @classmethod
    def of(cls, entry: dict) -> "Signatory":
        """A signatory as the issuer settings and a revision keep it:
        ``{"name", "title", "titles": {language: title}}``."""
        return cls(entry.get("name", ""), entry.get("title", ""),
                   tuple(sorted((entry.get("titles") or {}).items())))

    def title_in(self, language: str) -> str:
        """The title in ``language`` (the other Uzbek script next), else the default one."""
        from registry.localized import pick

        return pick(dict(self.titles), self.title, language)


@dataclass(frozen=True)
class PrintedText:
    """What one language's half says (the revision's snapshot)."""

    language: str
    kind: str  # "internal_auditor" or "attendance": the heading
    course_title: str
    standards: str
    issuer_name: str
    place: str = ""  # the city of issue; empty: not printed


@dataclass(frozen=True)
class PrintedCertificate:
    """Everything a printed certificate shows, and nothing else."""

    number: str
    holder_name: str
    holder_latin_name: str | None
    course_title: str
    standards: str
    hours: int
    start_date: date
    end_date: date
    issued_on: date
    valid_until: date | None
    issuer_name: str
    issuer_logo: bytes | None
    issuer_logo_type: str | None
    signatories: tuple = field(default_factory=tuple)
    verification_url: str = ""
    # What the QR holds when it is not just verification_url: the signed QR's URL with its
    # payload in the fragment (registry.certificates.qr_payload).
    qr_content: str = ""
    # One language, or two printed side by side (the seminar's and English).
    languages: tuple = ("en",)
    # Each language's own course title, standards line and issuer (older revisions: none,
    # and every half prints the fields above).
    texts: tuple = ()

    def text_in(self, language: str) -> PrintedText:
        """The half in ``language``: its own texts, or the certificate's one set."""
        for text in self.texts:
            if text.language == language:
                return text
        return PrintedText(language, "", self.course_title, self.standards, self.issuer_name)


# --- pieces ---------------------------------------------------------------------------------

def qr_png(url: str) -> bytes:
    """A QR code for ``url`` as PNG bytes (error correction M survives a worn corner); a
    signed QR's URL in alphanumeric mode (``qr_payload.make_qr``)."""
    from registry.certificates.qr_payload import make_qr

    code = make_qr(url, box_size=8, border=4)
    buffer = io.BytesIO()
    code.make_image(fill_color="black", back_color="white").save(buffer, format="PNG")
    return buffer.getvalue()


def _image_type(logo_type: str | None) -> str:
    """``image/png`` from the settings' ``image/png`` or a bare ``png``."""
    logo_type = logo_type or "png"
    return logo_type if logo_type.startswith("image/") else f"image/{logo_type}"


def _data_uri(data: bytes, mimetype: str) -> str:
    return f"data:{mimetype};base64,{base64.b64encode(data).decode('ascii')}"


def name_size_class(name: str) -> str:
    """Long names (an Uzbek name with patronymic) get smaller type so that they stay on one
    line, the longest so that they fit in the two lines of the name's slot."""
    length = len(name or "")
    if length > 90:
        return "name-xxs"
    if length > 60:
        return "name-xs"
    if length > 44:
        return "name-s"
    if length > 30:
        return "name-m"
    return "name-l"


@lru_cache(maxsize=16)
def _babel_locale(language: str):
    from babel import Locale, UnknownLocaleError

    try:
        return Locale.parse(language.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return Locale.parse("en")


@lru_cache(maxsize=16)
def _environment(language: str):
    """A Jinja environment of its own (no Flask app in a worker), autoescaping, with the
    translations of ``language``."""
    from babel.support import Translations
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    env = Environment(loader=FileSystemLoader(str(TEMPLATES)),
                      autoescape=select_autoescape(["html"]), extensions=["jinja2.ext.i18n"])
    env.install_gettext_translations(Translations.load(str(TRANSLATIONS), [language]),
                                     newstyle=True)
    locale = _babel_locale(language)

    def format_day(value, style="long"):
        from babel.dates import format_date

        return format_date(value, format=style, locale=locale) if value else ""

    env.filters["date"] = format_day
    return env


# The date of issue as official papers write it in each language ("Toshkent, 2026-yil
# 29-noyabr"; "Hà Nội, ngày 29 tháng 11 năm 2026"); other languages: Babel's long form.
OFFICIAL_DATE_PATTERNS = {
    "en": "d MMMM y",
    "uz": "y-'yil' d-MMMM",
    "uz_Cyrl": "y 'йил' d MMMM",
    "mn": "y 'оны' M 'сарын' d",
    "vi": "'ngày' d 'tháng' M 'năm' y",
}


def official_date(value: date, language: str) -> str:
    """``value`` in the form a place-and-date line of an official paper uses in ``language``."""
    from babel.dates import format_date

    pattern = OFFICIAL_DATE_PATTERNS.get(language.replace("-", "_"), "long")
    return format_date(value, format=pattern, locale=_babel_locale(language))


def place_and_date(place: str, issued_on: date, language: str) -> str:
    """The line beside the signatures: "Tashkent, 29 November 2026" (the date alone when no
    place of issue is set)."""
    day = official_date(issued_on, language)
    return f"{place}, {day}" if place else day


def _part(certificate: PrintedCertificate, language: str, *, bilingual: bool, slot: str,
          layer: str | None = None, place=None) -> dict:
    """One language's text of the certificate (its own translations and date formats);
    ``slot`` prefixes the names of its variable elements' slots (``data-slot``)."""
    from markupsafe import Markup

    environment = _environment(language)
    text = certificate.text_in(language)
    # The name as written; the English part never prints another script: the Latin form
    # recorded at issue, else one derived now (revisions issued before it was recorded).
    name, other_name = certificate.holder_name, certificate.holder_latin_name
    if language == "en":
        name = printed_latin_name(certificate.holder_name, certificate.holder_latin_name,
                                  certificate.languages[0])
        other_name = certificate.holder_name
    html = environment.get_template("documents/certificate_part.html").render(
        c=certificate, text=text, name=name, other_name=other_name, language=language,
        bilingual=bilingual, name_class=name_size_class(name), slot=slot, layer=layer,
        place=place)
    hint = environment.get_template("documents/certificate_hint.html").render()
    seal = environment.get_template("documents/certificate_seal.html").render()
    return {"language": language, "html": Markup(html), "hint": hint.strip(),
            "seal": seal.strip(),
            "issued_at": place_and_date(text.place, certificate.issued_on, language)}


def check_address(verification_url: str) -> str:
    """The short address printed under the QR code, for someone without a phone: the
    register's check page (number and surname), not the code's long address."""
    from urllib.parse import urlsplit

    host = urlsplit(verification_url).netloc.lower()
    return f"{host}/check" if host else ""


def issuer_size_class(issuers: list[str]) -> str:
    """Long agency names get smaller type, so the agency band keeps its height."""
    longest = max((len(issuer) for issuer in issuers), default=0)
    if longest > 110:
        return "issuer-s"
    if longest > 70:
        return "issuer-m"
    return "issuer-l"


STYLESHEET = "css/certificate.css"


def slot_placer(slots: dict):
    """``place(slot)``: the inline style putting an overlay's element at the content box
    ``(x, y, width, height)`` (CSS px) its slot has on the background."""
    def place(name: str) -> str:
        x, y, width, height = slots[name]
        return f"left: {x!r}px; top: {y!r}px; width: {width!r}px; height: {height!r}px"

    return place


def certificate_page(certificate: PrintedCertificate, preprinted: bool = False, *,
                     layer: str | None = None, slots: dict | None = None) -> dict:
    """What documents/certificate_page.html draws for ``certificate``: the whole page, or
    one ``layer`` of a batch (``"background"``, or ``"overlay"`` with the ``slots`` the
    background measured - see ``overlay.py``)."""
    languages = tuple(certificate.languages) or ("en",)
    bilingual = len(languages) > 1
    overlay = layer == "overlay"
    logo = (_data_uri(certificate.issuer_logo, _image_type(certificate.issuer_logo_type))
            if certificate.issuer_logo and not overlay else None)
    # The background draws no QR (its slot is hidden): a code's place needs no code.
    qr = ("" if layer == "background" else
          _data_uri(qr_png(certificate.qr_content or certificate.verification_url), "image/png"))
    place = slot_placer(slots) if overlay else None
    parts = [_part(certificate, language, bilingual=bilingual, slot=f"{index}-", layer=layer,
                   place=place) for index, language in enumerate(languages)]
    issuers = list(dict.fromkeys(certificate.text_in(language).issuer_name
                                 for language in languages))
    # Each signatory once, with their title in each printed language ("Direktor / Director").
    signatories = [(signatory.name, list(dict.fromkeys(
        title for title in (signatory.title_in(language) for language in languages) if title)))
        for signatory in certificate.signatories]
    return dict(c=certificate, preprinted=preprinted, layer=layer, place=place,
                logo=logo, qr=qr, parts=parts, bilingual=bilingual, issuers=issuers,
                issuer_class=issuer_size_class(issuers), signatories=signatories,
                check_address=check_address(certificate.verification_url))


def pages_html(pages: list[dict], *, link_stylesheet: bool = True) -> str:
    """An HTML document of ``certificate_page`` pages, one A4 page each (relative URLs
    resolve inside ``static/``). Rendering leaves the stylesheet's link out and applies the
    one parsed per process."""
    languages = tuple(pages[0]["c"].languages) or ("en",)
    template = _environment(languages[0]).get_template("documents/certificate.html")
    return template.render(pages=pages, html_lang=languages[0].replace("_", "-"),
                           link_stylesheet=link_stylesheet, stylesheet=STYLESHEET)


def certificate_html(certificate: PrintedCertificate, preprinted: bool = False, *,
                     link_stylesheet: bool = True) -> str:
    """The certificate as an HTML document (relative URLs resolve inside ``static/``)."""
    return pages_html([certificate_page(certificate, preprinted)],
                      link_stylesheet=link_stylesheet)


def render_certificate(certificate: PrintedCertificate, preprinted: bool = False) -> bytes:
    """One certificate, one A4 landscape page, as PDF bytes."""
    return render_pdf(certificate_html(certificate, preprinted, link_stylesheet=False),
                      fetcher=safe_url_fetcher(), stylesheets=[stylesheet(STYLESHEET)])


# --- batches --------------------------------------------------------------------------------

# What a worker process runs first, as ``exec``'s code (so that running it imports nothing of
# the app): rendering takes plain data and needs none of the app, so ``registry`` becomes a
# bare package in the worker - its __init__ (Flask, SQLAlchemy, Alembic: ~1.4 s and ~30 MB
# per worker) never runs - and the worker is warmed up before its first chunk.
WORKER_BOOTSTRAP = """
import sys, types
if "registry" not in sys.modules:
    package = types.ModuleType("registry")
    package.__path__ = [{path!r}]
    sys.modules["registry"] = package
from registry.certificates.pdf import _warm_worker
_warm_worker()
"""


def worker_pool(workers: int) -> ProcessPoolExecutor:
    """Worker processes for a batch: started fresh (``spawn``: a web process's threads and
    locks are not copied), bootstrapped and warmed."""
    return ProcessPoolExecutor(
        max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
        initializer=exec, initargs=(WORKER_BOOTSTRAP.format(path=str(ROOT / "registry")), {}))


def run_in_workers(function, tasks: list[tuple], workers: int):
    """``function(*task)`` for each of ``tasks`` in worker processes; yields ``(index,
    result)`` as each finishes. The workers are replaced after ``CHUNKS_PER_WORKER`` tasks
    each, so that their memory goes back to the system: by a fresh pool per round of tasks,
    not ``max_tasks_per_child`` - with it, Python 3.11's pool hung for good once a worker had
    to be replaced (1,000 certificates in chunks of 25)."""
    workers = max(1, min(workers, len(tasks)))
    per_round = workers * CHUNKS_PER_WORKER
    for start in range(0, len(tasks), per_round):
        with worker_pool(min(workers, len(tasks) - start)) as pool:
            futures = {pool.submit(function, *task): index
                       for index, task in enumerate(tasks[start:start + per_round], start)}
            for future in as_completed(futures):
                yield futures[future], future.result()


def _warm_worker() -> None:
    """Pay for importing WeasyPrint, loading the fonts and parsing the stylesheet once per
    worker, not per chunk."""
    import weasyprint  # noqa: F401

    font_configuration()
    stylesheet(STYLESHEET)


def _render_chunk(chunk: list[PrintedCertificate], preprinted: bool) -> list[bytes]:
    return [render_certificate(certificate, preprinted) for certificate in chunk]


def render_certificates(certificates, preprinted: bool = False, workers: int | None = None,
                        chunk_size: int = 50, progress=None) -> list[bytes]:
    """One PDF per certificate, in the order given.

    Small batches render here; bigger ones are spread over one worker process per core.
    ``progress(done, total)`` is called as certificates are finished.
    """
    certificates = list(certificates)
    total = len(certificates)
    workers = workers or os.cpu_count() or 1
    if total <= IN_PROCESS_LIMIT or workers == 1:
        results = []
        for certificate in certificates:
            results.append(render_certificate(certificate, preprinted))
            if progress:
                progress(len(results), total)
        return results

    chunk_size = max(1, min(chunk_size, -(-total // workers)))
    chunks = [certificates[i:i + chunk_size] for i in range(0, total, chunk_size)]
    results: list[list[bytes] | None] = [None] * len(chunks)
    done = 0
    for index, result in run_in_workers(_render_chunk, [(chunk, preprinted) for chunk in chunks],
                                        workers):
        results[index] = result
        done += len(chunks[index])
        if progress:
            progress(done, total)
    return [pdf for chunk in results for pdf in chunk]


def merge_pdf_files(paths, target) -> None:
    """The PDF files ``paths`` joined into ``target``, pages in order, by poppler's
    ``pdfunite`` in a process of its own: the pages never pass through this one."""
    import shutil
    import subprocess

    paths = [str(path) for path in paths]
    if not paths:
        raise ValueError("no PDF to merge")
    if len(paths) == 1:  # pdfunite wants two at least
        shutil.copyfile(paths[0], target)
        return
    result = subprocess.run(["pdfunite", *paths, str(target)], capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"pdfunite failed ({result.returncode}): {result.stderr.strip()}")


def merge_pdfs(pdfs: list[bytes]) -> bytes:
    """One PDF holding every page of ``pdfs`` in order (to print a seminar in one go)."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="registry-merge-") as folder:
        paths = []
        for number, pdf in enumerate(pdfs):
            path = Path(folder) / f"{number:05d}.pdf"
            path.write_bytes(pdf)
            paths.append(path)
        target = Path(folder) / "merged.pdf"
        merge_pdf_files(paths, target)
        return target.read_bytes()


def pdf_file_name(printed_number: str) -> str:
    """``IA-2026-00001.pdf``; a revision ``IA-2026-00001/2`` becomes ``IA-2026-00001-r2.pdf``."""
    return printed_number.replace("/", "-r") + ".pdf"


def zip_pdfs(named_pdfs) -> bytes:
    """A ZIP of ``[(printed number, pdf bytes)]``, one file per certificate."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for number, pdf in named_pdfs:
            archive.writestr(pdf_file_name(number), pdf)
    return buffer.getvalue()
