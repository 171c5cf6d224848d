"""A sweep of the main pages in Chromium on a 360 px phone: each loads without a console error,
a script error or a failed request, and none scrolls sideways (wide tables scroll inside their
own box, not the page).

Staff pages are visited signed in as an administrator (who sees every menu entry and button),
the public ones by an anonymous visitor. Every page is checked and all problems are reported
together."""
from __future__ import annotations

import io
from urllib.parse import urljoin, urlsplit

import pytest

from registry.certificates import services
from registry.extensions import db
from tests import fixtures
from tests.fixtures import TEST_PASSWORD

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 640}
LONG_ORGANIZATION = ("Oʻzbekiston Respublikasi Standartlashtirish, metrologiya va sertifikatlash "
                     "agentligi huzuridagi Sifat menejmenti tizimlari markazi")


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
        page.on("requestfailed", lambda request: self.problems.append(
            f"request failed: {request.method} {request.url} ({request.failure})"))
        page.on("response", self._response)

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

    def visit(self, url: str, *, status: int = 200) -> list[str]:
        """Open ``url`` (expecting ``status``) and return what went wrong there."""
        self.problems = []
        if status != 200:
            self.expected_status[url] = status
        response = self.page.goto(url, wait_until="load")  # scripts ran, styles applied
        found = list(self.problems)
        if response is None or response.status != status:
            found.append(f"status {response.status if response else None}, expected {status}")
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
        fixtures.create_person(name, organization=organization)
    fixtures.create_seminar(title="Ички аудитор — Самарқанд вилояти, Ургут тумани, "
                                  "тўқимачилик корхоналари учун", region=region)
    # The agency every public page names in its header (a long name, a logo) and footer.
    services.update_issuer_settings(actor=admin, issuer_name=LONG_AGENCY, signatories=[],
                                    logo=_png(), logo_type="image/png")
    services.update_issuer_contact(actor=admin, url="https://uzstandard.uz/ru/contacts",
                                   email="info@uzstandard.uz", phone="+998 71 202 00 11")
    db.session.commit()
    return {"admin": admin, "certificate": certificate, "person": person,
            "seminar": certificate.seminar, "code": certificate.public_code}


def test_staff_pages_on_a_phone_as_an_administrator(live_server, new_context, world):
    page = new_context(viewport=PHONE).new_page()
    watcher = Watcher(page)
    problems = {"/login": watcher.visit(f"{live_server}/login")}
    page.fill("#email", "admin@registry.test")
    page.fill("#password", TEST_PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_selector("h1:has-text('Dashboard')")

    seminar, certificate, person = world["seminar"], world["certificate"], world["person"]
    paths = {
        "/": "Dashboard",
        "/seminars/": "Seminars",
        f"/seminars/{seminar.id}": seminar.title,
        f"/seminars/{seminar.id}/results": "Results",
        "/people/": "Participants",
        f"/people/{person.id}": "Ғайратжон Ўроқов",
        "/certificates/": "Certificate register",
        f"/certificates/{certificate.id}": certificate.printed_number,
        f"/certificates/seminar/{seminar.id}": "Certificates",
        "/certificates/settings": "",
        "/admin/users/": "",
        "/admin/audit/": "",
    }
    for path, heading in paths.items():
        problems[path] = watcher.visit(f"{live_server}{path}")
        if heading and heading not in page.inner_text("h1"):
            problems[path].append(f"heading {page.inner_text('h1')!r} lacks {heading!r}")
    problems["/no-such-page (signed in)"] = watcher.visit(f"{live_server}/no-such-page",
                                                          status=404)
    assert "404" in page.inner_text(".error-code")
    assert not any(problems.values()), report(problems)


def test_public_pages_on_a_phone_anonymously(live_server, new_context, world):
    page = new_context(viewport=PHONE).new_page()
    watcher = Watcher(page)
    problems = {}
    code = world["code"]
    for path, text in {"/login": "Sign in", "/check": "Check", "/register": "Ғайратжон Ўроқов",
                       f"/v/{code}": "VALID"}.items():
        problems[path] = watcher.visit(f"{live_server}{path}")
        if text not in page.inner_text("main"):
            problems[path].append(f"the page does not show {text!r}")
    assert "Gʻayratjon Oʻroqov" in page.inner_text("dd.holder")
    # The public check form, used: number and surname lead to the verification page.
    page.goto(f"{live_server}/check")
    page.fill("#number", world["certificate"].printed_number)
    page.fill("#surname", "Ўроқов")
    page.click("form button[type=submit]")
    page.wait_for_url(f"{live_server}/v/{code}")
    problems["/check (submitted)"] = list(watcher.problems)
    problems["/no-such-page"] = watcher.visit(f"{live_server}/no-such-page", status=404)
    if "404" not in page.inner_text("main"):
        problems["/no-such-page"].append("not the 404 page")
    # An unknown code: the verdict page of its own, still a 404.
    problems["/v/NOSUCHCODE0000"] = watcher.visit(f"{live_server}/v/NOSUCHCODE0000",
                                                  status=404)
    if page.inner_text(".verdict-word") != "NOT IN THIS REGISTER":
        problems["/v/NOSUCHCODE0000"].append("not the 'not in this register' verdict")
    # Every public page said whose register it is; the logo loaded (a failed image request
    # is reported by the watcher).
    if LONG_AGENCY not in page.inner_text("header .agency-name"):
        problems["/v/NOSUCHCODE0000"].append("the header does not name the agency")
    if not page.eval_on_selector("img.agency-logo", "img => img.naturalWidth > 0"):
        problems["/v/NOSUCHCODE0000"].append("the agency's logo did not load")
    # Staff pages send an anonymous visitor to the sign-in form.
    problems["/certificates/"] = watcher.visit(f"{live_server}/certificates/")
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
