"""The offline verifier in a real phone-sized Chromium against the production stack: a phone
that opened the registry once checks a printed certificate's QR code in airplane mode - with
the browser context offline AND nginx and gunicorn stopped (a service worker's own fetches
may bypass the context's offline switch; a stopped server answers nothing to anyone).

* the QR image is the one printed: the certificate's PDF from the stack, rendered with
  ``pdftoppm -r 200`` (the whole page, as a phone's photo of the paper), fed through the
  photo input -> VALID, on this phone's own check;
* the QR's own address (``/V/<CODE>#<payload>``) opened offline -> the worker answers with
  the verifier, which checks the fragment -> VALID;
* an official revokes it; the server comes back, the phone opens the QR's address online once
  (the registry's page says REVOKED, and the worker refreshes its status list in passing);
  server stopped again -> REVOKED offline;
* a QR whose fragment was tampered with -> NOT ISSUED BY THIS REGISTRY; a QR pointing at
  another host -> the look-alike warning (QR images made with ``qrcode``).

Chromium refuses to register a service worker on a page whose certificate it does not trust,
even with Playwright's ``ignore_https_errors``; the suite's browser trusts the stack's
self-signed certificate by its key (tests/e2e/conftest.py ``trust_certificate``), and nothing
else.
"""
from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from registry.certificates import qr_payload
from registry.certificates.models import Certificate
from registry.extensions import db
from tests import fixtures
from tests.deployed import stack as stack_module
from tests.deployed.web import sign_in
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, trust_certificate

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def phone(chromium):
    """A 360 px phone (the suite's browser trusts the stack's certificate: tests/e2e/conftest.py
    ``trust_certificate``, so service workers run as on the real site)."""
    context = chromium.new_context(viewport={"width": 360, "height": 640}, locale="en-GB")
    context.set_default_timeout(15_000)
    yield context
    context.close()


@pytest.fixture(scope="module", autouse=True)
def js_catalogues():
    """The verifier's words, as `make translations` makes them."""
    from registry.catalogues import LOCALES, compile_all
    from registry.certificates.verifier_messages import write_js_catalogues

    compile_all()
    write_js_catalogues(LOCALES)


# --- stopping and starting the servers (same ports, so the phone's origin stays the same) ----

def stop_servers(stack) -> None:
    processes = [stack.processes.pop(name) for name in ("nginx", "gunicorn")]
    for process in processes:
        process.terminate()
    for process in processes:
        process.wait(30)


def start_servers(stack) -> None:
    """gunicorn and nginx again, exactly as tests/deployed/stack.py started them."""
    with open(stack.folder / "gunicorn.log", "ab") as log:
        stack.processes["gunicorn"] = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "-c", "gunicorn.conf.py",
             "--no-control-socket", "wsgi:app"], cwd=ROOT, env=stack.env, stdout=log,
            stderr=subprocess.STDOUT, preexec_fn=stack_module._die_with_the_tests)
    with open(stack.folder / "nginx-error.log", "ab") as log:
        stack.processes["nginx"] = subprocess.Popen(
            [stack_module.NGINX, "-p", str(stack.folder), "-c", str(stack.folder / "nginx.conf"),
             "-e", str(stack.folder / "nginx-error.log"), "-g", "daemon off;"],
            stdout=log, stderr=subprocess.STDOUT, preexec_fn=stack_module._die_with_the_tests)
    stack_module._wait_until_ready(stack)


# --- the phone -------------------------------------------------------------------------------

def open_verifier(page, url: str) -> None:
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text)
            if message.type == "error" else None)
    page.goto(url)
    try:
        page.wait_for_selector("#verifier[data-ready=true]")
    except Exception:
        raise AssertionError(f"the verifier did not start at {url}: {errors}") from None


def wait_until_kept_offline(page) -> None:
    """The worker is active and keeps the page, the keys and the status list."""
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.wait_for_function("""async () => {
        for (const name of await caches.keys()) {
            const cache = await caches.open(name);
            if (await cache.match('/verify') && await cache.match('/static/js/verifier.js')
                && await cache.match('/.well-known/registry-keys.json')
                && await cache.match('/.well-known/registry-status.json')) { return true; }
        }
        return false;
    }""")


KEPT_STATUS_LIST = """async () => {
    for (const name of await caches.keys()) {
        const kept = await (await caches.open(name)).match('/.well-known/registry-status.json');
        if (kept) { return (await kept.json()).payload.issued_at; }
    }
    return null;
}"""


def read_photo(page, image: Path) -> dict:
    page.evaluate("document.getElementById('verifier-result').replaceChildren()")
    page.set_input_files("#verifier-file", str(image))
    page.wait_for_selector("#verifier-result [data-verdict]", timeout=30_000)
    return verdict_on(page)


def verdict_on(page) -> dict:
    article = page.locator("#verifier-result [data-verdict]")
    return {"verdict": article.get_attribute("data-verdict"),
            "word": page.inner_text("#verifier-result .verdict-word"),
            "basis": " ".join(page.inner_text("#verifier-result .verdict").split()),
            "warnings": [item.get_attribute("data-warning") for item in
                         page.locator("#verifier-result [data-warning]").all()],
            "text": " ".join(page.inner_text("#verifier-result").split())}


def qr_image(text: str, path: Path) -> Path:
    import qrcode

    qrcode.make(text, error_correction=qrcode.constants.ERROR_CORRECT_M).save(str(path))
    return path


def large_photo(qr_path: Path, path: Path) -> Path:
    """A 4000 x 3000 picture with the QR code 180 px wide in it, off centre."""
    from PIL import Image

    photo = Image.new("L", (4000, 3000), 235)
    code = Image.open(qr_path).convert("L").resize((180, 180), Image.NEAREST)
    photo.paste(code, (2900, 700))
    photo.save(path)
    return path


def page_image(pdf: bytes, folder: Path) -> Path:
    """Page 1 of the PDF as a phone's photo of the paper would hold it (200 dpi)."""
    (folder / "certificate.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "200", "-png", "-f", "1", "-l", "1", "-singlefile",
                    str(folder / "certificate.pdf"), str(folder / "certificate")], check=True)
    return folder / "certificate.png"


def test_a_phone_checks_a_printed_certificate_offline(start_stack, phone, tmp_path,
                                                      pdf_reader, screenshot_dir):
    from registry.certificates.services import change_status, issue_certificate

    stack = start_stack()
    official = fixtures.create_user("official", email="bolor@registry.test", name="Болор Энх")
    seminar = fixtures.create_completed_seminar((("Ғайратжон Ўроқов", 3, 92),),
                                                title="Internal auditor — Yunusobod")
    registration = seminar.registrations[0]
    registration.person.latin_name = "Gʻayratjon Oʻroqov"
    certificate = issue_certificate(registration, issued_by=official)
    db.session.commit()
    certificate_id, number = certificate.id, certificate.printed_number

    # The paper: the certificate's PDF as the stack prints it, and what its QR holds.
    visitor = stack.visitor()
    sign_in(visitor, "bolor@registry.test")
    response = visitor.get(f"/certificates/{certificate_id}.pdf")
    assert response.status_code == 200, response.text[:300]
    photo = page_image(response.content, tmp_path)
    [qr_text] = pdf_reader.qr_codes(response.content, page=1)
    origin, code, payload = qr_payload.split_url(qr_text)
    assert origin == stack.url.upper() and payload, qr_text

    # Once online: the phone opens the verifier; the worker keeps it, the keys and the list.
    page = phone.new_page()
    open_verifier(page, f"{stack.url}/verify")
    wait_until_kept_offline(page)

    # Airplane mode, and the registry's servers stopped.
    stop_servers(stack)
    phone.set_offline(True)
    open_verifier(page, f"{stack.url}/verify")  # from the worker's copy
    result = read_photo(page, photo)
    assert result["verdict"] == "valid", result
    assert result["word"] == "VALID"
    assert "Signature checked on this phone; status list of" in result["basis"]
    assert "Ғайратжон Ўроқов" in result["text"] and "Gʻayratjon Oʻroqov" in result["text"]
    assert number in result["text"]
    assert result["warnings"] == []
    # Keyboard and screen-reader users land on the verdict; one camera button shows at a time.
    assert page.evaluate("document.activeElement.id") == "verifier-result"
    assert page.is_visible("#verifier-scan") and not page.is_visible("#verifier-stop")
    page.screenshot(path=str(screenshot_dir / "offline-verifier-valid.png"), full_page=True)

    # The QR opened in a camera app: its own address, answered by the worker offline.
    qr_page = phone.new_page()
    qr_page.goto(qr_text)
    qr_page.wait_for_selector("#verifier-result [data-verdict]")
    assert verdict_on(qr_page)["verdict"] == "valid"
    # An address without a signed record (a paper printed before signed QRs): only the
    # registry's page can tell, and the phone says so instead of a blank page.
    qr_page.goto(f"{stack.url}/v/{code}")
    qr_page.wait_for_selector("#verifier-result [data-verdict]")
    assert verdict_on(qr_page)["verdict"] == "online_check_needed"
    qr_page.close()

    # A tampered fragment, and a look-alike host, offline.
    flipped = payload[:40] + ("A" if payload[40] != "A" else "B") + payload[41:]
    result = read_photo(page, qr_image(qr_text.replace(payload, flipped), tmp_path / "t.png"))
    assert result["verdict"] == "not_issued" and result["word"] == "NOT ISSUED BY THIS REGISTRY"
    lookalike = qr_text.replace(origin, "HTTPS://REGISTRY-UZ.EXAMPLE")
    result = read_photo(page, qr_image(lookalike, tmp_path / "other-host.png"))
    assert "other_host" in result["warnings"], result
    assert "registry-uz.example" in result["text"] and "not to this registry" in result["text"]
    page.screenshot(path=str(screenshot_dir / "offline-verifier-other-host.png"), full_page=True)

    # The official revokes it; the phone is online once (the server is back) and refreshes.
    db.session.rollback()
    certificate = db.session.get(Certificate, certificate_id)
    change_status(certificate, "revoke", actor=official, reason="issued_in_error")
    db.session.commit()
    kept_before = page.evaluate(KEPT_STATUS_LIST)
    start_servers(stack)
    phone.set_offline(False)
    # Online once, the way a camera app opens the QR: the registry's own page (REVOKED), and
    # the worker refreshes its copy of the status list in passing.
    time.sleep(1.1)  # the list's issued_at counts whole seconds
    online = phone.new_page()
    online.goto(qr_text)
    assert online.inner_text(".verdict-word") == "REVOKED"
    online.wait_for_function(f"async () => (await ({KEPT_STATUS_LIST})()) !== "
                             f"{json.dumps(kept_before)}")
    online.close()

    # Offline again, servers stopped: the kept status list says REVOKED.
    stop_servers(stack)
    phone.set_offline(True)
    open_verifier(page, f"{stack.url}/verify")
    result = read_photo(page, photo)
    assert result["verdict"] == "revoked", result
    assert result["word"] == "REVOKED"
    assert "says this certificate is revoked" in result["basis"]
    page.screenshot(path=str(screenshot_dir / "offline-verifier-revoked.png"), full_page=True)


def test_the_verifier_speaks_the_visitors_language_offline(stack, phone, tmp_path):
    """The verdict in the words of the page's language (Mongolian here) - the JS catalogue
    kept by the worker - with dates the Mongolian way, offline, servers stopped."""
    from registry.certificates.services import issue_certificate

    official = fixtures.create_user("official", email="bolor@registry.test", name="Болор Энх")
    seminar = fixtures.create_completed_seminar((("Батбаяр Дорж", 3, 92),))
    certificate = issue_certificate(seminar.registrations[0], issued_by=official)
    db.session.commit()
    qr_text = qr_payload.qr_url(stack.url, certificate.public_code, certificate.qr_payload)
    page = phone.new_page()
    open_verifier(page, f"{stack.url}/verify?lang=mn")
    wait_until_kept_offline(page)
    stop_servers(stack)
    phone.set_offline(True)
    open_verifier(page, f"{stack.url}/verify")
    assert page.get_attribute("#verifier", "data-locale") == "mn"
    result = read_photo(page, qr_image(qr_text, tmp_path / "qr.png"))
    assert result["verdict"] == "valid"
    assert result["word"] == "ХҮЧИНТЭЙ"
    assert "Батбаяр Дорж" in result["text"]
    # A phone's 12-megapixel photo with the code small in it: found on the second, larger look.
    assert read_photo(page, large_photo(tmp_path / "qr.png", tmp_path / "photo.png"))[
        "verdict"] == "valid"


@pytest.mark.parametrize("fallback", [False, True], ids=["webcrypto", "noble"])
def test_chromium_runs_the_verifier_to_the_python_verdicts(stack, phone, fallback):
    """The same cases as tests/certificates/test_verifier_js.py (node), in the phone's browser:
    Chromium's own WebCrypto Ed25519, and the vendored library loaded by the page's import."""
    from tests.certificates.test_verifier_js import (
        generated_cases, python_verdict, vector_cases,
    )

    labelled = generated_cases() + vector_cases()
    page = phone.new_page()
    open_verifier(page, f"{stack.url}/verify")
    output = page.evaluate("""async ([cases, fallback]) => {
        const verifier = await import('/static/js/verifier.js');
        verifier.forceFallbackEd25519(fallback);
        const results = [];
        for (const c of cases) {
            results.push(await verifier.offlineVerdict(c.url, {
                keysDocument: c.keys_document, statusDocument: c.status_document,
                today: c.today}));
        }
        return {implementation: verifier.ed25519Implementation(), results};
    }""", [[case for _label, case in labelled], fallback])
    assert output["implementation"] == ("noble" if fallback else "webcrypto")
    disagreements = [(label, python_verdict(case), result)
                     for (label, case), result in zip(labelled, output["results"], strict=True)
                     if python_verdict(case) != result]
    assert disagreements == []


def y4m_video(image_path: Path, path: Path, width: int = 640, height: int = 480) -> Path:
    """A few seconds of a camera pointed at ``image_path`` (Chromium's fake camera reads Y4M:
    a header, then frames of the luma plane and two half-size chroma planes)."""
    from PIL import Image

    frame = Image.new("L", (width, height), 255)
    picture = Image.open(image_path).convert("L")
    picture.thumbnail((height - 40, height - 40))
    frame.paste(picture, ((width - picture.width) // 2, (height - picture.height) // 2))
    chroma = bytes([128]) * (width // 2 * height // 2)
    with path.open("wb") as video:
        video.write(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode("ascii"))
        for _ in range(10):
            video.write(b"FRAME\n" + frame.tobytes() + chroma + chroma)
    return path


def test_the_camera_reads_a_qr_code_offline(chromium, tls_certificate, stack, tmp_path):
    """The camera path: Chromium's fake camera films a certificate's QR code; the verifier
    reads the frames (jsQR here: this Chromium has no BarcodeDetector) and checks it."""
    from registry.certificates.services import issue_certificate

    official = fixtures.create_user("official", email="bolor@registry.test", name="Болор Энх")
    seminar = fixtures.create_completed_seminar((("Nguyễn Thị Thắm", 3, 85),))
    certificate = issue_certificate(seminar.registrations[0], issued_by=official)
    db.session.commit()
    qr_text = qr_payload.qr_url(stack.url, certificate.public_code, certificate.qr_payload)
    video = y4m_video(qr_image(qr_text, tmp_path / "qr.png"), tmp_path / "camera.y4m")
    browser = chromium.browser_type.launch(
        executable_path=CHROMIUM, headless=True,
        args=[*CHROMIUM_ARGS, trust_certificate(tls_certificate[0]),
              "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
              f"--use-file-for-fake-video-capture={video}"])
    try:
        context = browser.new_context(viewport={"width": 360, "height": 640})
        context.set_default_timeout(15_000)
        context.grant_permissions(["camera"], origin=stack.url)
        page = context.new_page()
        open_verifier(page, f"{stack.url}/verify")
        wait_until_kept_offline(page)
        stop_servers(stack)
        context.set_offline(True)
        open_verifier(page, f"{stack.url}/verify")
        page.focus("#verifier-scan")  # the keyboard's way: focus the button, press Enter
        page.keyboard.press("Enter")
        page.wait_for_selector("#verifier-result [data-verdict]", timeout=30_000)
        result = verdict_on(page)
        assert result["verdict"] == "valid", result
        assert "Nguyễn Thị Thắm" in result["text"]
        assert not page.is_visible("#verifier-video")  # the camera is off again
    finally:
        browser.close()
