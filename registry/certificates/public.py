"""The public, read-only path anyone may open without signing in.

* ``/v/<code>`` - the page a QR code opens: the status in large words and the public facts;
* ``/v/<code>.json`` - the same facts with the signed payload, to verify offline;
* ``/V/<CODE>`` - the same page, as a signed QR opens it (``HTTPS://HOST/V/<CODE>#<payload>``:
  upper case, so the QR stays in alphanumeric mode; the payload in the fragment never reaches
  the server);
* ``/.well-known/registry-keys.json`` - the public keys signatures verify with, the revoked
  ones, and the registry's base URL;
* ``/.well-known/registry-status.json`` - the signed status list of every signed QR's
  revision (docs/qr-format.md);
* ``/check`` - a certificate looked up by its printed number *and* the holder's surname;
* ``/verify`` - the offline verifier: the phone reads the QR code (camera or photo) and checks
  the signed record in its fragment against the published keys and the signed status list
  itself (static/js/verifier.js), so it works without the network once opened;
* ``/sw.js`` - the service worker (scope ``/``) that keeps the verifier, the keys and the
  status list on the phone and opens the verifier for ``/v/...`` when the network fails.

An unknown or malformed code answers 404 with a verdict page of its own, "not in this
register": what that can mean (a typo, or a paper this register did not issue), how to check by
number, how to reach the agency. It is the same page for every unknown code - well-formed or
not, and without echoing it - so guessing learns nothing; the JSON variant answers 404 with a
reason. Every public page names the agency with its logo and contact (``public_agency``, for
``base.html``; the logo from ``/agency-logo``). Every answer says ``no-store``/``noindex`` and ``Referrer-Policy: same-origin``: a
verification is about today, belongs to no search engine, and the code in the URL must not leak
to other sites. ``same-origin`` rather than ``no-referrer``: over HTTPS Flask-WTF requires a
same-origin Referer on every POST, so with ``no-referrer`` a signed-in official who pressed
"Sign out" on a verification page was refused with 400 behind nginx.

``/check`` is exempt from CSRF: it is a read-only, rate-limited look-up that anonymous
visitors make (often with no session cookie yet); a forged submission learns nothing the
visitor could not type themselves.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from datetime import date

from flask import (
    Blueprint, Response, abort, current_app, jsonify, redirect, render_template, request,
    session, url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from registry.certificates import service_worker as worker
from registry.certificates import services
from registry.certificates.forms import CheckForm
from registry.certificates.models import Certificate
from registry.certificates.verification import look_up_for_page
from registry.extensions import csrf, db, limiter
from registry.templating import paginate

bp = Blueprint("public", __name__)

PRIVATE_HEADERS = {
    "Cache-Control": "no-store",
    "X-Robots-Tag": "noindex",
    "Referrer-Policy": "same-origin",
}


def _verify_limit() -> str:
    return current_app.config["RATELIMIT_VERIFY"]


def _check_limit() -> str:
    return current_app.config["RATELIMIT_CHECK"]


# One allowance per address for all the verification routes together (page, JSON, register).
verification_limit = limiter.shared_limit(_verify_limit, scope="verification")


@bp.after_request
def _private(response):
    headers = dict(PRIVATE_HEADERS)
    if request.endpoint == "public.service_worker":
        headers["Cache-Control"] = "no-cache"
    elif request.endpoint == "public.logo":
        # The logo is on every public page, the same for everyone: a phone on a weak signal
        # fetches it once (its address changes with the settings).
        headers["Cache-Control"] = "public, max-age=86400"
    response.headers.update(headers)
    return response


@bp.app_context_processor
def _agency_for_templates():
    return {"public_agency": agency}


def agency():
    """The agency in the page's language, looked up once per request (kept in the request's
    environ, not in ``g``: an application context, and so ``g``, can outlive a request)."""
    if "registry.agency" not in request.environ:
        request.environ["registry.agency"] = services.public_agency()
    return request.environ["registry.agency"]


def _not_in_register():
    """The one answer for every code the register does not know (nothing of it echoed)."""
    return render_template("public/unknown.html", agency=agency()), 404


@bp.route("/v/<code>.json")
@verification_limit
def verify_json(code: str):
    """The public facts and the signed payload, as JSON."""
    certificate = services.find_by_public_code(code)
    if certificate is None:
        return jsonify(status="not_in_register", error=_("Not in this register"),
                       reason=_("No certificate with this code is in the register.")), 404
    return jsonify(services.public_facts(certificate))


@bp.route("/v/", defaults={"rest": ""})
@bp.route("/v/<path:rest>")
@bp.route("/V/<path:rest>")  # (no bare "/V/": a second default rule would redirect "/v/")
@verification_limit
def unknown(rest: str):
    """Whatever else starts with ``/v/`` (no code, a slash too many from a QR reader): a code
    with a stray slash still opens, anything else is not in this register."""
    certificate = services.find_by_public_code(rest.strip("/")) if rest.strip("/") else None
    if certificate is not None and "/" not in rest.strip("/"):
        return redirect(url_for("public.verify", code=certificate.public_code), code=301)
    return _not_in_register()


@bp.route("/v/<code>")
@verification_limit
def verify(code: str):
    """The verification page a QR code opens."""
    return _verification_page(code)


@bp.route("/V/<code>")
@verification_limit
def verify_qr(code: str):
    """The verification page as a signed QR opens it (the same page as ``/v/<code>``).
    Served here, not redirected: an offline verifier (a service worker) may answer this very
    address, and the fragment stays in the address bar for it to read."""
    return _verification_page(code)


def _verification_page(code: str):
    found = look_up_for_page(code)
    if found is None:
        return _not_in_register()
    if code != found.public_code:
        # A code typed in lower case or with O for 0 still opens; the address is made canonical.
        return redirect(url_for("public.verify", code=found.public_code), code=301)
    today = date.today()
    if not _same_for_every_visitor():
        return _render_verification(db.session.get(Certificate, found.certificate_id), today)
    certificate = newest = None
    if found.superseded:
        # The page links to the newest revision, which is not in this row: follow the chain.
        certificate = db.session.get(Certificate, found.certificate_id)
        newer = services.public_status(certificate, today).superseded_by
        newest = (newer.revision, newer.public_code) if newer is not None else None
    # Every fact the page shows (the agency's too), as read at this request, and the day (the
    # status - expired or not - and "checked on" depend on it): a revocation, a re-issue or
    # tomorrow is another key, so a kept page is never stale.
    cache = _page_cache()
    key = (str(get_locale()), request.script_root, request.full_path, found.facts, newest,
           today)
    page = cache.get(key)
    if page is None:
        # Rendered from the ORM objects, read just after the row: were they newer, the page is
        # kept under facts that never come back (see PAGE_FACTS), so nobody is shown it.
        certificate = certificate or db.session.get(Certificate, found.certificate_id)
        page = _render_verification(certificate, today)
        cache.put(key, page)
    return page


def _render_verification(certificate: Certificate, today: date) -> str:
    return render_template("public/verify.html", certificate=certificate,
                           status=services.public_status(certificate, today), today=today)


def _same_for_every_visitor() -> bool:
    """Whether this request's page shows nothing of the visitor's own: nobody signed in (a
    signed-in official's page has the navigation, their name and a sign-out token) and no
    message waiting to be shown (a flash is for this visitor, once)."""
    return not current_user.is_authenticated and not session.get("_flashes")


class PageCache:
    """Rendered pages kept in this process, the least recently used dropped beyond ``size``
    entries (0 keeps nothing). A lock, as gthread workers serve requests in threads."""

    def __init__(self, size: int):
        self.size = size
        self._pages: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            page = self._pages.get(key)
            if page is not None:
                self._pages.move_to_end(key)
            return page

    def put(self, key, page: str) -> None:
        if self.size <= 0:
            return
        with self._lock:
            self._pages[key] = page
            self._pages.move_to_end(key)
            while len(self._pages) > self.size:
                self._pages.popitem(last=False)

    def __len__(self) -> int:
        return len(self._pages)


# ~4 KB a page: at most a few MB per worker. A worker keeps the pages of the certificates
# being checked right now; a visitor who varies the query string only pushes out others.
PAGE_CACHE_SIZE = 1024


def _page_cache() -> PageCache:
    """This app's store of rendered verification pages (one per app, so an app built for a
    test never sees another's pages)."""
    cache = current_app.extensions.get("registry.verification_pages")
    if cache is None:
        cache = current_app.extensions["registry.verification_pages"] = PageCache(PAGE_CACHE_SIZE)
    return cache


@bp.route("/.well-known/registry-keys.json")
def keys():
    """The public keys of every signing key (with key ids, so keys rotate; revoked ones say
    so), and the registry's base URL, which a verifier compares a QR's address with."""
    return jsonify(services.published_keys())


@bp.route("/.well-known/registry-status.json")
def status_list():
    """The signed status list: 4 bits per status-list index (valid, suspended, revoked,
    superseded), as the database says it at this request."""
    return jsonify(services.status_list_document())


@bp.route("/verify")
def verifier():
    """The offline verifier: scan or photograph a certificate's QR code; the phone checks the
    signature and the status list itself (no rate limit: the page names no certificate)."""
    return render_template("public/verifier.html", agency=agency(),
                           status_url=worker.status_list_url())


@bp.route("/sw.js")
def service_worker():
    """The service worker, served from the root so that its scope is the whole site (it
    answers ``/v/...`` navigations with the verifier when the network fails)."""
    body = worker.script(current_app)
    response = Response(body, mimetype="text/javascript")
    # Always asked again: a new version of the verifier must reach phones that have the old.
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.route("/agency-logo")
def logo():
    """The agency's logo for the header of the public pages (404 while none is set)."""
    settings = services.issuer_settings()
    if not settings.logo_type or not settings.logo:
        abort(404)
    return Response(settings.logo, mimetype=settings.logo_type)


@bp.route("/register")
@verification_limit
def register():
    """The public register of certified internal auditors (only those who agreed to it)."""
    term = request.args.get("q", "").strip()[:100]
    page = paginate(services.public_register_query(term))
    return render_template("public/register.html", page=page, term=term)


@bp.route("/check", methods=["GET", "POST"])
@csrf.exempt
@limiter.limit(_check_limit, methods=["POST"])
def check():
    """Find a certificate by number and surname; a neutral message when nothing matches."""
    form = CheckForm()
    not_found = False
    if form.validate_on_submit():
        certificate = services.find_by_number_and_surname(form.number.data, form.surname.data)
        if certificate is not None:
            return redirect(url_for("public.verify", code=certificate.public_code), code=303)
        not_found = True
    return render_template("public/check.html", form=form, not_found=not_found,
                           agency=agency())
