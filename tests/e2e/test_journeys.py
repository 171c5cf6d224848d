"""Three people's journeys through the app in a real browser (Chromium), as they would click:

* a trainer plans a seminar, imports the participant list, takes attendance every day,
  enters the exam scores and completes the seminar;
* an official issues the certificates, prints them in the background while the page follows
  the progress, and downloads the PDF;
* anyone scans the QR code of a printed certificate and sees it VALID - and REVOKED, with the
  public reason, once an official has revoked it.

Each journey saves screenshots of its main steps under ``test-output/screenshots/<journey>/``.

They run on the production stack (tests/deployed/stack.py): nginx over HTTPS in front of
gunicorn in production mode, print jobs taken from Redis by ``flask worker``.
"""
from __future__ import annotations

import io
import re
import time
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from registry.certificates.models import Certificate
from registry.extensions import db
from registry.seminars.models import Seminar
from tests import fixtures
from tests.fixtures import TEST_PASSWORD

pytestmark = pytest.mark.browser

# --- helpers -----------------------------------------------------------------------------------

class Shots:
    """Numbered screenshots of one journey: ``shots("imported")`` -> ``03-imported.png``."""

    def __init__(self, folder, page):
        self.folder, self.page, self.count = folder, page, 0
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("*.png"):  # only this run's pictures
            old.unlink()

    def __call__(self, name: str, page=None) -> None:
        self.count += 1
        (page or self.page).screenshot(path=str(self.folder / f"{self.count:02d}-{name}.png"),
                                       full_page=True)


def sign_in(page, live_server, email):
    page.goto(f"{live_server}/login")
    page.fill("#email", email)
    page.fill("#password", TEST_PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_selector("h1:has-text('Dashboard')")


def flashes(page) -> str:
    page.wait_for_selector(".flashes")
    return " ".join(page.inner_text(".flashes").split())


def roster_workbook(rows) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Иштирокчилар"
    # Headers as a district office in Uzbekistan writes them (Cyrillic and Latin mixed).
    sheet.append(["№", "Ф.И.Ш.", "Tashkilot", "Lavozimi"])
    for number, (name, organization, position) in enumerate(rows, start=1):
        sheet.append([number, name, organization, position])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def open_certificates(page, seminar) -> None:
    """From the seminar's page to its certificates."""
    page.click("a:has-text('Issue and print certificates')")
    page.wait_for_url(re.compile(rf"/certificates/seminar/{seminar.id}$"))


def issue_all_eligible(page, eligible: int) -> None:
    """On a seminar's certificates page: issue every eligible one (confirming the dialog)."""
    page.once("dialog", lambda dialog: dialog.accept())  # data-confirm asks first
    page.click(f"button:has-text('Issue all {eligible} eligible')")
    # Headless Chromium may pause rendering after a JavaScript dialog, and Playwright then
    # waits for the next button to be "stable" for ever; bringing the page to the front
    # resumes it (what a person's click on the window does).
    page.bring_to_front()
    assert re.search(rf"{eligible} certificates issued: IA-\d{{4}}-\d{{5}} to IA-\d{{4}}-\d{{5}}\.",
                     flashes(page))


def download_pdf(page) -> tuple[bytes, str]:
    with page.expect_download() as info:
        page.click("a:has-text('Download the PDF')")
    download = info.value
    with open(download.path(), "rb") as file:
        return file.read(), download.suggested_filename


def wait_for_job(page, live_server, job_id, condition, seconds=10.0) -> dict:
    """The job's state (as the page polls it) once ``condition(state)`` holds, or the last
    state seen after ``seconds``."""
    deadline = time.monotonic() + seconds
    while True:
        state = page.request.get(f"{live_server}/certificates/jobs/{job_id}.json").json()
        if condition(state) or time.monotonic() > deadline:
            return state
        time.sleep(0.1)


# --- the trainer -------------------------------------------------------------------------------

ROSTER = [
    # name as typed in the district's file, organization, position
    ("Ғайратжон Ўроқов", "Тошкент ип йигириш МЧЖ", "Сифат бўлими бошлиғи"),   # Uzbek, Cyrillic
    ("O'lmas G'aniyev", "Тошкент ип йигириш МЧЖ", "Muhandis"),              # Uzbek, Latin
    ("Батбаяр Дорж", "Эрдэнэт үйлдвэр ХХК", "Чанарын менежер"),             # Mongolian
    ("Nguyễn Thị Thắm", "Công ty Dệt may Hà Nội", "Trưởng phòng chất lượng"),  # Vietnamese
]
# As stored and shown: the Uzbek oʻ/gʻ typed with ' become U+02BB.
NAMES = ["Ғайратжон Ўроқов", "Oʻlmas Gʻaniyev", "Батбаяр Дорж", "Nguyễn Thị Thắm"]
SCORES = {"Ғайратжон Ўроқов": "92", "Oʻlmas Gʻaniyev": "78", "Батбаяр Дорж": "55",
          "Nguyễn Thị Thắm": "85"}  # the pass mark is 70: Батбаяр fails


def test_trainer_runs_a_seminar_from_plan_to_completion(live_server, new_context,
                                                        screenshot_dir, tmp_path):
    trainer = fixtures.create_user("trainer", email="dilnoza@registry.test",
                                   name="Дилноза Раҳимова")
    fixtures.create_user("trainer", name="Другой тренер")  # not chosen: stays off the seminar
    course = fixtures.create_course(code="QMS-IA", days=3)
    fixtures.create_course(code="QMS-AW", kind="attendance", days=1, pass_mark=None,
                           title="ISO 9001 Awareness")
    page = new_context(viewport={"width": 1280, "height": 900}).new_page()
    shots = Shots(screenshot_dir / "trainer", page)

    # 1. Sign in through the form.
    page.goto(f"{live_server}/login")
    page.fill("#email", "dilnoza@registry.test")
    page.fill("#password", TEST_PASSWORD)
    shots("login")
    page.click("button[type=submit].primary")
    page.wait_for_selector("h1:has-text('Dashboard')")
    assert "Welcome, Дилноза Раҳимова." in flashes(page)

    # 2. Plan the seminar with the form: course, dates, capacity.
    page.goto(f"{live_server}/seminars/new")
    start = date.today()
    title = "Ички аудитор — Тошкент, июнь гуруҳи"
    page.select_option("#course_id", label=f"{course.title} (QMS-IA)")
    page.fill("#title", title)
    page.fill("#start_date", start.isoformat())
    page.fill("#end_date", (start + timedelta(days=2)).isoformat())
    page.fill("#venue", "Тошкент, Амир Темур кўчаси 5, 2-зал")
    page.select_option("#language", "uz_Cyrl")
    page.fill("#capacity", "12")
    # A trainer is one of the seminar's trainers from the start.
    assert page.is_checked(f"input[name=trainer_ids][value='{trainer.id}']")
    shots("seminar-form")
    page.click("form button[type=submit].primary")
    page.wait_for_url(re.compile(r"/seminars/\d+$"))
    seminar_id = int(page.url.rsplit("/", 1)[1])
    assert f"Seminar “{title}” planned." in flashes(page)
    assert page.inner_text("h1") == f"{title} Draft"
    facts = page.inner_text("dl.facts")
    assert "Дилноза Раҳимова" in facts and "Другой тренер" not in facts
    assert page.inner_text("ul.figures").split()[:3] == ["0", "/", "12"]
    assert page.locator("nav.day-links li").count() == 3
    assert "Nobody is registered yet." in page.inner_text("main")
    shots("seminar-planned")

    # 3. Import the participant list (.xlsx): upload, preview, confirm.
    page.click("a:has-text('Import a list')")
    roster_file = tmp_path / "participants.xlsx"
    roster_file.write_bytes(roster_workbook(ROSTER))
    page.set_input_files("input#file", str(roster_file))
    page.click("button:has-text('Check the file')")
    page.wait_for_selector("#preview-title")
    assert page.inner_text("#preview-title") == "Preview of participants.xlsx"
    figures = " ".join(page.inner_text(".import-preview ul.figures").split())
    assert "4 new people" in figures and "3 new organizations" in figures  # one shared
    assert "0 to the waiting list" in figures
    preview = page.inner_text("table.preview-table")
    for name in NAMES:
        assert name in preview
    assert preview.count("New person") == 4
    assert "“Lavozimi” → Position" in page.inner_text(".import-preview")
    shots("import-preview")
    page.click("button:has-text('Import 4 participants')")
    page.wait_for_url(f"{live_server}/seminars/{seminar_id}")
    assert ("4 participants registered (4 new people, 0 on the waiting list); "
            "0 were already on the list.") in flashes(page)
    roster = page.inner_text("section[aria-labelledby=roster-heading] table")
    for name in NAMES:
        assert name in roster
    assert "Эрдэнэт үйлдвэр ХХК" in roster
    assert page.inner_text("ul.figures").split()[:3] == ["4", "/", "12"]
    shots("roster-imported")

    # 4. Open the seminar, then start it: attendance and results can now be recorded.
    page.click("button:has-text('Open for registration')")
    assert "The seminar is open for registration." in flashes(page)
    page.click("button:has-text('Start the seminar')")
    assert "The seminar is in progress" in flashes(page)
    assert "In progress" in page.inner_text("h1")

    # 5. Attendance, day by day: "Mark all present and save".
    day_links = page.eval_on_selector_all(
        "nav.day-links a:text-is('Attendance')", "links => links.map(a => a.href)")
    assert len(day_links) == 3
    for number, link in enumerate(day_links, start=1):
        page.goto(link)
        assert page.locator("input[name=present]:checked").count() == 0
        assert page.inner_text("tbody").count("not yet") == 4
        page.click("button:has-text('Mark all present and save')")
        page.wait_for_selector(".flash-success")
        assert re.search(r"Attendance on .+ saved: 4 present, 0 absent\.", flashes(page))
        assert page.locator("input[name=present]:checked").count() == 4
        assert page.inner_text("tbody").count("present") == 4
        assert page.get_attribute(f"nav.day-links a >> nth={number - 1}",
                                  "aria-current") == "page"
        if number == 1:
            shots("attendance-day-1")

    # 6. Exam scores.
    page.goto(f"{live_server}/seminars/{seminar_id}")
    assert page.inner_text("tbody").count("100 %") == 4
    page.click("a:has-text('Exam results')")
    page.wait_for_selector("h1:has-text('Results')")
    for name, score in SCORES.items():
        page.get_by_label(f"Exam score of {name}", exact=True).fill(score)
    shots("results-entered")
    page.click("button:has-text('Save results')")
    assert "Results saved (4 changed)." in flashes(page)
    rows = {page.inner_text(f"tbody tr >> nth={i} >> td >> nth=1"):
            " ".join(page.inner_text(f"tbody tr >> nth={i} >> td >> nth=5").split())
            for i in range(4)}
    assert rows["Батбаяр Дорж"] == ("Failed — score 55 is below the pass mark of 70 "
                                    "(provisional)")
    for name in ("Ғайратжон Ўроқов", "Oʻlmas Gʻaniyev", "Nguyễn Thị Thắm"):
        assert rows[name] == "Passed (provisional)"
    shots("results-saved")

    # 7. Complete the seminar: the outcomes become final.
    page.goto(f"{live_server}/seminars/{seminar_id}")
    page.click("a:has-text('Complete the seminar')")
    page.wait_for_url(f"{live_server}/seminars/{seminar_id}/complete")
    assert ("3 passed and 1 failed so far, out of 4 participants."
            in " ".join(page.inner_text("main").split()))
    assert page.locator("text=Not decided yet").count() == 0
    shots("complete-confirm")
    page.click("form button.primary:has-text('Complete the seminar')")
    page.wait_for_url(f"{live_server}/seminars/{seminar_id}")
    assert f"Seminar “{title}” completed." in flashes(page)
    assert page.inner_text("h1") == f"{title} Completed"
    figures = " ".join(page.inner_text("ul.figures").split())
    assert "4 attended" in figures and "3 passed" in figures
    main = page.inner_text("main")
    assert "provisional" not in main
    # Training and certification are kept apart: the trainer is offered no certificates.
    assert "Issue and print certificates" not in main
    assert page.locator("a:has-text('Edit'), a:has-text('Import a list')").count() == 0
    shots("seminar-completed")

    db.session.rollback()  # a fresh transaction sees what the server committed
    seminar = db.session.get(Seminar, seminar_id)
    assert seminar.status == "completed" and seminar.seats_taken == 4
    assert sorted(reg.person.full_name for reg in seminar.registered()) == sorted(NAMES)
    assert all(len(reg.attendance) == 3 and all(m.present for m in reg.attendance)
               for reg in seminar.registered())
    assert {reg.person.full_name: reg.derive_outcome() for reg in seminar.registered()} == {
        name: "failed" if name == "Батбаяр Дорж" else "passed" for name in NAMES}


# --- the official ------------------------------------------------------------------------------

PEOPLE = (  # full name, days present of 3, exam score
    ("Ғайратжон Ўроқов", 3, 92),
    ("Nguyễn Thị Thắm", 3, 85),
    ("Батбаяр Дорж", 3, 55),        # below the pass mark
    ("Oʻlmas Gʻaniyev", 3, 78),
    ("Өлзийбаяр Батболд", 2, 95),   # missed a day: the course asks for 100 %
)
CERTIFIED = ["Ғайратжон Ўроқов", "Nguyễn Thị Thắm", "Oʻlmas Gʻaniyev"]


def test_official_issues_prints_in_the_background_and_downloads(start_stack, new_context,
                                                                 screenshot_dir, pdf_reader):
    # The RQ worker prints while the page polls; it waits before each certificate until the
    # test lets it go, so the progress is seen at 0, then 1 ... however fast the machine is.
    stack = start_stack(worker="gated")
    live_server = stack.url
    fixtures.create_user("official", email="bolor@registry.test", name="Болор Энх")
    seminar = fixtures.create_completed_seminar(PEOPLE, title="Internal auditor — Chilonzor")
    context = new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    shots = Shots(screenshot_dir / "official", page)
    try:
        sign_in(page, live_server, "bolor@registry.test")

        # 1. Issue every eligible participant; the others are told why not.
        page.goto(f"{live_server}/seminars/{seminar.id}")
        panel = page.inner_text("section:has(#certificates-heading)")
        assert "0 certificates issued for this seminar." in panel
        open_certificates(page, seminar)
        assert page.locator("td:text-is('Eligible')").count() == 3
        shots("before-issuing")
        issue_all_eligible(page, eligible=3)
        table = page.inner_text("table")
        assert "The exam score is below the pass mark." in table
        assert "Attendance is below the course minimum." in table
        assert table.count("Valid") == 3 and "Eligible" not in table
        shots("issued")

        # 2. Print in the background: the page shows the progress, then the download.
        page.click("button:has-text('Print all (one PDF)')")
        page.wait_for_url(re.compile(r"/certificates/jobs/[0-9a-f]{32}$"))
        job_id = page.url.rsplit("/", 1)[1]
        progress = page.locator(".job-progress progress")
        counter = page.locator("[data-job-counter]")
        expect(progress).to_be_visible()
        assert counter.inner_text() == "0 of 3"
        assert page.get_attribute(".job-progress progress", "max") == "3"
        assert page.locator("a:has-text('Download the PDF')").count() == 0
        # The worker took the job (it waits at the gate, before the first certificate).
        state = wait_for_job(page, live_server, job_id, lambda s: s["status"] != "queued")
        assert state["status"] == "running", f"the print job never started: {state}"
        # The page asks the server for the state (no reload) ...
        with page.expect_response(lambda r: r.url.endswith(f"/certificates/jobs/{job_id}.json")):
            pass
        shots("printing-0-of-3")
        # ... and moves the bar as certificates are finished.
        stack.release_renders(1)
        expect(counter).to_have_text("1 of 3", timeout=10_000)
        assert page.evaluate("document.querySelector('.job-progress progress').value") == 1
        assert page.locator("a:has-text('Download the PDF')").count() == 0
        shots("printing-1-of-3")
        stack.release_renders(2)
        page.wait_for_selector("a:has-text('Download the PDF')", timeout=30_000)  # reloaded
        assert "3 certificates are ready." in page.inner_text(".flash-success")
        assert page.locator(".job-progress").count() == 0
        shots("printed")

        # 3. Download the PDF and read it as the printer would.
        pdf, filename = download_pdf(page)
    finally:
        stack.release_renders(10)  # never leave the worker waiting
    assert filename == f"certificates-seminar-{seminar.id}.pdf"
    assert pdf.startswith(b"%PDF")
    assert pdf_reader.page_count(pdf) == 3
    text = pdf_reader.text(pdf)
    for name in CERTIFIED:
        assert name in text
    for name in ("Батбаяр Дорж", "Өлзийбаяр Батболд"):
        assert name not in text
    db.session.rollback()  # a fresh transaction sees what the server committed
    numbers = [certificate.printed_number for certificate in db.session.scalars(
        select(Certificate).where(Certificate.seminar_id == seminar.id))]
    assert len(numbers) == 3 and all(number in text for number in numbers)

    # The seminar's page lists the finished job.
    page.goto(f"{live_server}/certificates/seminar/{seminar.id}")
    assert "3 of 3" in page.inner_text("ul.jobs") and "ready" in page.inner_text("ul.jobs")


# --- the verifier ------------------------------------------------------------------------------

def test_verifier_scans_the_qr_code_and_sees_a_revocation(start_stack, new_context,
                                                          screenshot_dir, pdf_reader):
    stack = start_stack(worker=True)  # prints through Redis
    live_server = stack.url
    fixtures.create_user("official", email="bolor@registry.test", name="Болор Энх")
    seminar = fixtures.create_completed_seminar(
        (("Ғайратжон Ўроқов", 3, 92), ("Nguyễn Thị Thắm", 3, 85)),
        title="Internal auditor — Yunusobod")
    person = next(reg.person for reg in seminar.registrations
                  if reg.person.full_name == "Ғайратжон Ўроқов")
    person.latin_name = "Gʻayratjon Oʻroqov"
    db.session.commit()

    # The official issues, prints (the worker renders; the page follows) and downloads.
    official = new_context(viewport={"width": 1280, "height": 900},
                           accept_downloads=True).new_page()
    shots = Shots(screenshot_dir / "verifier", official)
    sign_in(official, live_server, "bolor@registry.test")
    official.goto(f"{live_server}/seminars/{seminar.id}")
    open_certificates(official, seminar)
    issue_all_eligible(official, eligible=2)
    official.click("button:has-text('Print all (one PDF)')")
    official.wait_for_selector("a:has-text('Download the PDF')", timeout=60_000)
    pdf, _filename = download_pdf(official)
    assert pdf_reader.page_count(pdf) == 2

    # What a phone reads from each printed page's QR code: the stack's REGISTRY_BASE_URL.
    urls = [code for page_number in (1, 2) for code in pdf_reader.qr_codes(pdf, page=page_number)]
    assert len(urls) == 2 and len(set(urls)) == 2
    # Signed QRs (issue 20): the address upper-cased (QR alphanumeric mode), the signed payload
    # in the fragment.
    assert all(re.fullmatch(rf"{re.escape(live_server.upper())}/V/[A-Z0-9]+#[A-Z2-7]+", url)
               for url in urls)

    # Someone who is not signed in opens them (a fresh browser, no cookies).
    verifier = new_context(viewport={"width": 390, "height": 844}).new_page()
    seen = {}
    for url in urls:
        verifier.goto(url)  # the address on the paper opens as it is
        assert verifier.inner_text(".verdict-word") == "VALID"
        seen[verifier.inner_text("dd.holder")] = verifier.url
    assert "Sign out" not in verifier.inner_text("header")
    assert "Check a certificate" in verifier.inner_text("nav.main-nav")
    # Pages are in roster order (by name): the QR code of page 1 is the first holder's.
    in_print_order = ["Ғайратжон Ўроқов" if "Ғайратжон" in holder else "Nguyễn Thị Thắm"
                      for holder in seen]
    assert in_print_order == sorted(in_print_order, key=str.casefold)
    gayrat_url = next(url for holder, url in seen.items() if "Ғайратжон Ўроқов" in holder)
    verifier.goto(gayrat_url)
    holder = verifier.inner_text("dd.holder")
    assert "Ғайратжон Ўроқов" in holder and "Gʻayratjon Oʻroqov" in holder
    verdict = " ".join(verifier.inner_text(".verdict").split())
    assert verdict.startswith("VALID This certificate is genuine and valid until ")
    number = verifier.inner_text("dd.number")
    shots("valid", page=verifier)

    # The official revokes it, with a public reason and an internal note.
    db.session.rollback()
    certificate = db.session.scalars(select(Certificate).where(
        Certificate.holder_name == "Ғайратжон Ўроқов")).one()
    official.goto(f"{live_server}/certificates/seminar/{seminar.id}")
    official.click(f"tr:has-text('Ғайратжон Ўроқов') a:text-is('{number}')")
    official.wait_for_url(f"{live_server}/certificates/{certificate.id}")
    official.click("a.button:has-text('Revoke')")
    official.wait_for_url(f"{live_server}/certificates/{certificate.id}/revoke")
    official.select_option("#reason", label="Issued in error")
    official.fill("#note", "Exam papers of two groups were swapped; see letter 17/204.")
    shots("revoke-form", page=official)
    official.click(f"button:has-text('Revoke {number}')")
    official.wait_for_url(f"{live_server}/certificates/{certificate.id}")
    assert f"Certificate {number} revoked." in flashes(official)
    assert "Revoked" in official.inner_text("h1")
    # Its PDF is no longer offered; the page says why.
    assert official.locator("a.button:text-is('PDF')").count() == 0
    assert "No PDF: a revoked certificate is not valid" in official.inner_text("#no-pdf")

    # The verifier reloads: REVOKED with the public reason, never the internal note.
    verifier.reload()
    assert verifier.inner_text(".verdict-word") == "REVOKED"
    verdict = " ".join(verifier.inner_text(".verdict").split())
    assert "was revoked on" in verdict and "is no longer valid" in verdict
    assert "Reason: Issued in error." in verdict
    assert "swapped" not in verifier.content()
    assert "Ғайратжон Ўроқов" in verifier.inner_text("dd.holder")
    shots("revoked", page=verifier)
    # The other certificate of the same PDF is untouched.
    verifier.goto(next(url for holder, url in seen.items() if "Nguyễn Thị Thắm" in holder))
    assert verifier.inner_text(".verdict-word") == "VALID"
