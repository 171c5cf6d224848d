"""Turning HTML into PDF bytes with WeasyPrint - safely and cheaply.

Plain data in, bytes out: no database, no request. Two things matter here (see
../shared/notes/pdf-rendering.md):

* one ``FontConfiguration`` per process, shared by every render (a fresh one costs ~50 % more);
* a stylesheet parsed once per process (``stylesheet``): a ``<link>`` is fetched and parsed
  again on every render - for the certificate a third of its time (issue 21);
* a URL fetcher that fetches nothing from outside: ``data:`` URLs and the app's own packaged
  static files only. A participant's name like ``<img src="file:///etc/passwd">`` is
  autoescaped by the template, and even a tag that slipped through could not read a file.
"""
from __future__ import annotations

import hashlib
import mimetypes
import os
import threading
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

STATIC_ROOT = (Path(__file__).resolve().parent.parent / "static").resolve()
STATIC_BASE_URL = STATIC_ROOT.as_uri() + "/"


class RefusedFetch(ValueError):
    """A document asked for something outside ``data:`` and the app's static files."""


def _fetcher_class():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class SafeURLFetcher(URLFetcher):
        """Serves ``data:`` URLs and files under ``static/``; refuses and records the rest."""

        def __init__(self):
            super().__init__(allowed_protocols=("data", "file"), allow_redirects=False)
            self.refused: list[str] = []

        def fetch(self, url, headers=None):
            scheme = url.split(":", 1)[0].lower()
            if scheme == "data":
                return super().fetch(url, headers)
            if scheme == "file":
                path = Path(unquote(urlsplit(url).path)).resolve()
                if path.is_relative_to(STATIC_ROOT) and path.is_file():
                    content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                    return URLFetcherResponse(url, path.read_bytes(),
                                              {"Content-Type": content_type})
            self.refused.append(url)
            raise RefusedFetch(f"Registry documents do not fetch {url}")

    return SafeURLFetcher


def safe_url_fetcher():
    """A new fetcher (it records what it refused in ``.refused``)."""
    return _fetcher_class()()


@lru_cache(maxsize=1)
def font_configuration():
    """The process's one shared FontConfiguration."""
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


def _static_stamp(name: str) -> tuple:
    """What says a static file changed: its size and modification time."""
    stat = (STATIC_ROOT / name).stat()
    return stat.st_size, stat.st_mtime_ns


@lru_cache(maxsize=8)
def _parsed_stylesheet(name: str, _stamp: tuple):
    from weasyprint import CSS

    return CSS(filename=str(STATIC_ROOT / name), base_url=STATIC_BASE_URL,
               url_fetcher=safe_url_fetcher(), font_config=font_configuration())


def stylesheet(name: str):
    """``static/<name>`` as a WeasyPrint ``CSS`` object, parsed once per process and shared
    by every render (``render_pdf(stylesheets=[...])``) - parsed again only when the file
    changes (a deploy, or a designer editing it under ``flask run``)."""
    return _parsed_stylesheet(name, _static_stamp(name))


def render_document(html: str, *, fetcher=None, base_url: str = STATIC_BASE_URL,
                    stylesheets=()):
    """The laid-out WeasyPrint ``Document`` of ``html`` (its pages and boxes, not yet PDF)."""
    from weasyprint import HTML

    document = HTML(string=html, base_url=base_url, url_fetcher=fetcher or safe_url_fetcher())
    return document.render(font_config=font_configuration(), stylesheets=list(stylesheets))


def render_pdf(html: str, *, fetcher=None, base_url: str = STATIC_BASE_URL,
               stylesheets=()) -> bytes:
    """Render an HTML document (already escaped by its template) to PDF bytes.

    Relative URLs resolve inside ``static/``, so a template writes ``css/roster.css``;
    ``stylesheets`` are ``stylesheet(...)`` objects applied as well (parsed once).
    """
    return render_document(html, fetcher=fetcher, base_url=base_url,
                           stylesheets=stylesheets).write_pdf()


# How many kept documents a folder holds: the oldest unused ones go first.
KEPT_DOCUMENTS = 200


def render_pdf_kept(html: str, folder: Path, *, keep: int = KEPT_DOCUMENTS) -> bytes:
    """``render_pdf(html)``, kept in ``folder`` as a file named by a hash of the HTML - which
    holds everything the PDF shows (names, days, language) - and of the renderer's version.
    The same document is rendered once and served from the file until what it shows changes:
    a 1,000-name sign-in sheet took 8 s on every download."""
    import weasyprint

    key = hashlib.sha256(f"weasyprint {weasyprint.__version__}\n{html}".encode()).hexdigest()
    path = folder / f"{key}.pdf"
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        pass
    else:
        os.utime(path)  # recently used: pruned last
        return data
    data = render_pdf(html)
    folder.mkdir(parents=True, exist_ok=True)
    # Written aside and renamed: a reader at the same moment sees the whole file or none.
    temporary = folder / f".{key}.{os.getpid()}.{threading.get_ident()}.part"
    temporary.write_bytes(data)
    os.replace(temporary, path)
    _prune(folder, keep)
    return data


def _prune(folder: Path, keep: int) -> None:
    kept = []
    for entry in folder.glob("*.pdf"):
        try:
            kept.append((entry.stat().st_mtime, entry))
        except FileNotFoundError:  # pruned by another worker meanwhile
            pass
    for _mtime, entry in sorted(kept, reverse=True)[keep:]:
        entry.unlink(missing_ok=True)
