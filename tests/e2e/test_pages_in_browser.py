"""A sweep of the pages in Chromium on a 360 px phone, in Uzbek, Mongolian and Vietnamese (the
languages of the districts; one browser context per language): each page loads in that
language without a console error, a script error or a failed request; none scrolls sideways
(lists become cards, wide content scrolls inside its own box, not the page); buttons, menu
links, row actions and pager links are at least 44 px tall; and on the register-a-participant
search and its duplicate offer the row's button is on screen.

Staff pages are visited signed in as an administrator (who sees every menu entry and button),
the public ones by an anonymous visitor. Every page is checked and all problems are reported
together."""
from __future__ import annotations

import csv
import io
from urllib.parse import urljoin, urlsplit

import pytest
from babel.support import Translations

from registry.catalogues import TRANSLATIONS
from registry.certificates import services
from registry.extensions import db
from tests import fixtures
from tests.fixtures import TEST_PASSWORD

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 640}
LANGUAGES = ("uz", "mn", "vi")
BROWSER_LOCALE = {"uz": "uz-UZ", "mn": "mn-MN", "vi": "vi-VN"}
TAP = 44  # px: the smallest tap target for a button, menu link, row action or pager link
TARGETS = ("button, .button, .main-nav a, .languages summary, .pager a, td.actions a, "
           ".breadcrumbs a, .chips a, details.filter-disclosure > summary")
LONG_ORGANIZATION = ("Oʻzbekiston Respublikasi Standartlashtirish, metrologiya va sertifikatlash "
                     "agentligi huzuridagi Sifat menejmenti tizimlari markazi")

# Chromium's built-in PDF viewer (an extension with this fixed id).
PDF_VIEWER = "chrome-extension://mhjfbmdgcfjbbpaeojofohoefgiehjai/"


LONG_AGENCY = "Oʻzbekiston Respublikasi Texnik jihatdan tartibga solish agentligi"


def _png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (300, 120), (20, 60, 140)).save(buffer, "PNG")
    return buffer.getvalue()


class Watcher:
    """Collects what went wrong on a page: console errors, uncaught script errors, requests
    that failed or were answered with an error status."""

    def __init__(self, page):
        self.page = page
        self.problems: list[str] = []
        self.expected_status: dict[str, int] = {}  # url -> the error status the page itself has
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.problems.append(f"script error: {error}"))
        page.on("requestfailed", self._request_failed)
        page.on("response", self._response)

    def _request_failed(self, request):
        # The issuer settings page frames its certificate preview (a PDF): Chromium shows it
        # with its own viewer, an extension whose page is aborted when the sweep moves on
        # before it has loaded. That is the browser's request, not the app's.
        if request.url.startswith(PDF_VIEWER):
            return
        self.problems.append(f"request failed: {request.method} {request.url} "
                             f"({request.failure})")

    def _console(self, message):
        if message.type == "error":
            location = message.location or {}
            url = location.get("url", "")
            if url in self.expected_status and "status of" in message.text:
                return  # Chromium's own log line for the error page we asked for
            if urlsplit(url).path == "/favicon.ico":
                return  # the site's icon has a test of its own (below), not one per page
            self.problems.append(f"console error: {message.text} ({url})")

    def _response(self, response):
        if response.status >= 400 and self.expected_status.get(response.url) != response.status:
            self.problems.append(f"HTTP {response.status}: {response.request.method} "
                                 f"{response.url}")

    def visit(self, url: str, *, status: int = 200, lang: str | None = None) -> list[str]:
        """Open ``url`` (expecting ``status``, in ``lang``) and return what went wrong there."""
        self.problems = []
        if status != 200:
            self.expected_status[url] = status
        response = self.page.goto(url, wait_until="load")  # scripts ran, styles applied
        found = list(self.problems)
        if response is None or response.status != status:
            found.append(f"status {response.status if response else None}, expected {status}")
        return found + self.layout(lang)

    def layout(self, lang: str | None = None) -> list[str]:
        """What is wrong with the page as it is now: not in ``lang``, scrolling sideways,
        tap targets under 44 px."""
        found = []
        shown = self.page.evaluate("document.documentElement.lang")
        if lang and shown != lang:
            found.append(f"page in {shown!r}, not {lang!r}")
        small = self.page.evaluate("""([selector, tap]) => [...document.querySelectorAll(selector)]
            .filter(e => { const r = e.getBoundingClientRect();
                           return r.width > 1 && r.height > 0 && r.height < tap - 0.5; })
            .slice(0, 5)
            .map(e => e.tagName.toLowerCase() + ' ' + Math.round(e.getBoundingClientRect().height)
                      + 'px: ' + e.textContent.trim().slice(0, 40))""", [TARGETS, TAP])
        if small:
            found.append(f"tap targets under {TAP} px: {small}")
        # A list shown as cards fits its box: nothing of a card hides to the right.
        cramped = self.page.evaluate("""() => [...document.querySelectorAll('table.card-rows')]
            .map(t => t.closest('.table-wrap') || t)
            .filter(w => w.scrollWidth > w.clientWidth + 0.5)
            .map(w => w.scrollWidth + ' > ' + w.clientWidth + ': '
                      + w.textContent.trim().replace(/\\s+/g, ' ').slice(0, 60))""")
        if cramped:
            found.append(f"cards wider than their box: {cramped}")
        width = self.page.evaluate(
            "[document.documentElement.scrollWidth, window.innerWidth]")
        if width[0] > width[1]:
            # The innermost elements whose content reaches past the right edge (outside the
            # boxes that are meant to scroll): what to fix.
            wide = self.page.evaluate("""() => {
                const limit = window.innerWidth;
                const over = e => { const range = document.createRange();
                                    range.selectNodeContents(e);
                                    return range.getBoundingClientRect().right > limit + 0.5; };
                return [...document.querySelectorAll('body *')]
                  .filter(e => !e.closest('.table-wrap') && over(e)
                               && ![...e.children].some(over))
                  .slice(0, 5)
                  .map(e => e.tagName.toLowerCase() + ': ' + e.textContent.trim().slice(0, 60));
            }""")
            found.append(f"scrolls sideways: scrollWidth {width[0]} > {width[1]}: {wide}")
        return found


def report(problems: dict[str, list[str]]) -> str:
    return "\n".join(f"{page}:\n  " + "\n  ".join(found)
                     for page, found in problems.items() if found)


@pytest.fixture
def world():
    """A small but realistic register: a completed seminar with a certificate whose holder
    agreed to the public register, long names included."""
    admin = fixtures.create_user("admin", email="admin@registry.test", name="Администратор")
    region = fixtures.create_region("Тошкент шаҳри, Мирзо Улуғбек тумани")
    organization = fixtures.create_organization(LONG_ORGANIZATION, region=region)
    certificate = fixtures.create_certificate("Ғайратжон Ўроқов",
                                              latin_name="Gʻayratjon Oʻroqov")
    person = certificate.person
    person.organization = organization
    person.public_listing = True
    for name in ("Nguyễn Thị Thắm", "Өлзийбаяр Батболд", "Oʻlmas Gʻaniyev"):
        fixtures.create_person(name, organization=organization).position = (
            "Sifat menejmenti boʻyicha bosh mutaxassis")
    open_seminar = fixtures.create_seminar(
        title="Ички аудитор — Самарқанд вилояти, Ургут тумани, тўқимачилик корхоналари учун",
        region=region)
    district = fixtures.create_region("Ургут тумани", kind="district", parent=region)
    fixtures.create_region("Улаанбаатар", country="MN", kind="city")
    # The agency every public page names in its header (a long name, a logo) and footer.
    services.update_issuer_settings(actor=admin, issuer_name=LONG_AGENCY, signatories=[],
                                    logo=_png(), logo_type="image/png")
    services.update_issuer_contact(actor=admin, url="https://uzstandard.uz/ru/contacts",
                                   email="info@uzstandard.uz", phone="+998 71 202 00 11")
    db.session.commit()
    return {"admin": admin, "certificate": certificate, "person": person,
            "seminar": certificate.seminar, "open_seminar": open_seminar, "region": region,
            "district": district, "organization": organization, "code": certificate.public_code}


def sign_in(page, watcher, live_server, lang):
    problems = watcher.visit(f"{live_server}/login?lang={lang}", lang=lang)
    page.fill("#email", "admin@registry.test")
    page.fill("#password", TEST_PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_url(f"{live_server}/")
    return problems


def action_in_view(page, selector: str) -> list[str]:
    """The first ``selector`` (a row's action button) lies within the 360 px screen and is at
    least 44 px tall; what is wrong otherwise."""
    box = page.locator(selector).first.bounding_box()
    if box is None:
        return [f"{selector}: not shown"]
    found = []
    if box["x"] < 0 or box["x"] + box["width"] > PHONE["width"]:
        found.append(f"{selector}: off screen ({box['x']:.0f} + {box['width']:.0f} px)")
    if box["height"] < TAP - 0.5:
        found.append(f"{selector}: {box['height']:.0f} px tall")
    return found


@pytest.mark.parametrize("lang", LANGUAGES)
def test_staff_pages_on_a_phone_as_an_administrator(live_server, new_context, world, lang,
                                                    screenshot_dir):
    page = new_context(viewport=PHONE, locale=BROWSER_LOCALE[lang]).new_page()
    watcher = Watcher(page)
    problems = {"/login": sign_in(page, watcher, live_server, lang)}

    seminar, certificate, person = world["seminar"], world["certificate"], world["person"]
    open_seminar = world["open_seminar"]
    paths = {  # page -> a text its heading must show (names and numbers read the same in all)
        "/": None,
        "/seminars/": None,
        "/seminars/?status=open": None,
        "/seminars/new": None,
        f"/seminars/{seminar.id}": seminar.title,
        f"/seminars/{open_seminar.id}": open_seminar.title,
        f"/seminars/{open_seminar.id}/edit": None,
        f"/seminars/{seminar.id}/results": None,
        f"/seminars/{open_seminar.id}/import": None,
        "/people/": None,
        "/people/?q=Nguy": None,
        "/people/new": None,
        f"/people/{person.id}": "Ғайратжон Ўроқов",
        f"/people/{person.id}/edit": None,
        "/certificates/": None,
        "/certificates/?status=valid": None,
        f"/certificates/{certificate.id}": certificate.printed_number,
        f"/certificates/seminar/{seminar.id}": seminar.title,
        "/certificates/settings": None,
        "/reference/": None,
        "/reference/courses": None,
        "/reference/organizations": None,
        f"/reference/organizations/{world['organization'].id}": None,
        "/reference/regions": None,
        "/reference/regions?q=%D0%A3": None,
        f"/reference/regions/{world['district'].id}": None,
        "/reference/sectors": None,
        "/admin/users/": None,
        "/admin/audit/": None,
    }
    for path, heading in paths.items():
        problems[path] = watcher.visit(f"{live_server}{path}", lang=lang)
        if heading and heading not in page.inner_text("h1"):
            problems[path].append(f"heading {page.inner_text('h1')!r} lacks {heading!r}")

    # The seminar list on a phone: the filters wait behind "Filter", the seminars come first.
    page.goto(f"{live_server}/seminars/")
    page.screenshot(path=str(screenshot_dir / f"sweep-seminars-{lang}-360.png"), full_page=True)
    if page.locator("details.filter-disclosure form").is_visible():
        problems["/seminars/"].append("the filters are not folded on a phone")
    page.click("details.filter-disclosure > summary")
    if not page.locator("details.filter-disclosure form").is_visible():
        problems["/seminars/"].append("'Filter' does not open the filters")
    page.goto(f"{live_server}/seminars/?status=open")
    if not page.locator("details.filter-disclosure form").is_visible():
        problems["/seminars/?status=open"].append("a filter is set, yet the filters are folded")

    # Register a participant: the search results are cards with the button on screen.
    key = "register: search results"
    problems[key] = watcher.visit(f"{live_server}/seminars/{open_seminar.id}/register?q=Nguy",
                                  lang=lang)
    problems[key] += action_in_view(page, "table.register-results td.actions button")
    page.screenshot(path=str(screenshot_dir / f"sweep-register-results-{lang}-360.png"), full_page=True)
    # The duplicate offer: the same name in the same organization is offered, not created.
    key = "register: duplicate offer"
    problems[key] = watcher.visit(f"{live_server}/seminars/{open_seminar.id}/register/new"
                                  f"?full_name=Nguyễn Thị Thắm", lang=lang)
    page.select_option("#organization_id", label=LONG_ORGANIZATION)
    page.click("form.narrow button[type=submit].primary")
    page.wait_for_selector(".candidates")
    problems[key] += watcher.layout(lang) + action_in_view(page, ".candidates td.actions button")
    page.screenshot(path=str(screenshot_dir / f"sweep-duplicate-offer-{lang}-360.png"), full_page=True)

    # The import preview of a small list.
    key = "import: preview"
    problems[key] = watcher.visit(f"{live_server}/seminars/{open_seminar.id}/import", lang=lang)
    listing = io.StringIO()
    csv.writer(listing).writerows([
        ["Full name", "Organization", "Region"],
        ["Bobur Shavkatov", LONG_ORGANIZATION, "Ургут тумани"],
        ["Oʻlmas Gʻaniyev", "", ""]])
    page.set_input_files("#file", files=[{"name": "list.csv", "mimeType": "text/csv",
                                          "buffer": listing.getvalue().encode()}])
    page.click("form.narrow button[type=submit].primary")
    page.wait_for_selector(".import-preview, .import-report")
    problems[key] += watcher.layout(lang)
    if not page.locator(".import-preview").count():
        problems[key].append("no preview: " + page.inner_text(".import-report"))

    problems["/no-such-page (signed in)"] = watcher.visit(f"{live_server}/no-such-page",
                                                          status=404, lang=lang)
    assert "404" in page.inner_text(".error-code")
    assert not any(problems.values()), report(problems)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_public_pages_on_a_phone_anonymously(live_server, new_context, world, lang):
    page = new_context(viewport=PHONE, locale=BROWSER_LOCALE[lang]).new_page()
    watcher = Watcher(page)
    problems = {}
    code = world["code"]
    for path, text in {f"/login?lang={lang}": None, "/check": None, "/verify": None,
                       "/register": "Ғайратжон Ўроқов", f"/v/{code}": "Gʻayratjon Oʻroqov"}.items():
        problems[path] = watcher.visit(f"{live_server}{path}", lang=lang)
        if text and text not in page.inner_text("main"):
            problems[path].append(f"the page does not show {text!r}")
    if not page.locator(".verification.status-valid").count():
        problems[f"/v/{code}"].append("not the verdict 'valid'")
    # The public check form, used: number and surname lead to the verification page.
    page.goto(f"{live_server}/check")
    page.fill("#number", world["certificate"].printed_number)
    page.fill("#surname", "Ўроқов")
    page.click("form button[type=submit]")
    page.wait_for_url(f"{live_server}/v/{code}")
    problems["/check (submitted)"] = list(watcher.problems) + watcher.layout(lang)
    problems["/no-such-page"] = watcher.visit(f"{live_server}/no-such-page", status=404,
                                              lang=lang)
    if "404" not in page.inner_text("main"):
        problems["/no-such-page"].append("not the 404 page")
    # An unknown code: the verdict page of its own, still a 404, in the visitor's language.
    unknown = "/v/NOSUCHCODE0000"
    problems[unknown] = watcher.visit(f"{live_server}{unknown}", status=404, lang=lang)
    verdict = Translations.load(str(TRANSLATIONS), [lang]).gettext("NOT IN THIS REGISTER")
    if page.inner_text(".verdict-word") != verdict:
        problems[unknown].append(f"not the {verdict!r} verdict")
    # Every public page said whose register it is; the logo loaded (a failed image request
    # is reported by the watcher).
    if LONG_AGENCY not in page.inner_text("header .agency-name"):
        problems[unknown].append("the header does not name the agency")
    if not page.eval_on_selector("img.agency-logo", "img => img.naturalWidth > 0"):
        problems[unknown].append("the agency's logo did not load")
    # Staff pages send an anonymous visitor to the sign-in form.
    problems["/certificates/"] = watcher.visit(f"{live_server}/certificates/", lang=lang)
    if "/login" not in page.url:
        problems["/certificates/"].append(f"anonymous visitor not sent to sign in: {page.url}")
    assert not any(problems.values()), report(problems)


def test_the_browser_gets_the_site_icon(live_server, new_context):
    """Every browser asks for the site's icon (``<link rel=icon>``, else ``/favicon.ico``) on
    its first page: the answer must not be a 404 logged as an error in the console."""
    page = new_context(viewport=PHONE).new_page()
    errors = []
    page.on("console", lambda message: errors.append(
        f"{message.text} ({(message.location or {}).get('url')})")
        if message.type == "error" else None)
    page.goto(f"{live_server}/login")
    page.wait_for_load_state("networkidle")
    declared = page.eval_on_selector_all("link[rel~=icon]", "links => links.map(l => l.href)")
    icon = declared[0] if declared else urljoin(live_server, "/favicon.ico")
    status = page.request.get(icon).status
    assert status == 200, f"the site icon {icon} answers {status}"
    assert errors == []
