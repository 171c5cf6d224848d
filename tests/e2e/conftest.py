"""Browser tests: Debian's Chromium against the production stack - nginx over HTTPS in front
of gunicorn in production mode (CSRF with the strict Referer check, rate limits in Redis with
this test's own prefix, proxy headers, print jobs through RQ); see tests/deployed/stack.py.

Playwright drives ``/usr/bin/chromium`` (never a downloaded browser); ``make test`` installs
the package when it is missing, so these tests never skip. They run in the PostgreSQL pass
(gunicorn shares the suite's database).
"""
from __future__ import annotations

import pytest

from tests.deployed.stack import stack, start_stack, tls_certificate  # noqa: F401 (fixtures)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]


@pytest.fixture
def live_server(stack):
    """``https://127.0.0.1:<port>``: this test's own stack (also its REGISTRY_BASE_URL, which
    QR codes carry). A test that prints asks for ``start_stack(worker=...)`` instead."""
    return stack.url


def trust_certificate(certificate) -> str:
    """The Chromium flag that trusts ``certificate`` (a PEM file) by its public key, and no
    other: Chromium refuses service workers on a page whose certificate it does not trust,
    even with Playwright's ``ignore_https_errors`` (and says so on the console), so with the
    stack's self-signed certificate merely ignored, no public page would install the offline
    verifier as it does for a visitor of the real site."""
    import base64
    import hashlib

    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    public_key = x509.load_pem_x509_certificate(certificate.read_bytes()).public_key()
    der = public_key.public_bytes(serialization.Encoding.DER,
                                  serialization.PublicFormat.SubjectPublicKeyInfo)
    spki = base64.b64encode(hashlib.sha256(der).digest()).decode("ascii")
    return f"--ignore-certificate-errors-spki-list={spki}"


@pytest.fixture(scope="session")
def chromium(tls_certificate):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=[*CHROMIUM_ARGS, trust_certificate(tls_certificate[0])])
        yield browser
        browser.close()


@pytest.fixture
def phone_page(chromium):
    """A page 360 px wide, the smallest phone we design for."""
    context = chromium.new_context(viewport={"width": 360, "height": 640},
                                   ignore_https_errors=True)
    page = context.new_page()
    yield page
    context.close()


# --- for the journeys and the page sweep ------------------------------------------------------

@pytest.fixture(scope="session")
def screenshot_dir():
    """Where journeys save their screenshots: ``$REGISTRY_TEST_OUTPUT/screenshots`` (default
    ``test-output/screenshots``, git-ignored); a relative path is taken from the repo root."""
    import os
    from pathlib import Path

    folder = Path(os.environ.get("REGISTRY_TEST_OUTPUT", "test-output")) / "screenshots"
    if not folder.is_absolute():
        folder = Path(__file__).resolve().parents[2] / folder
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def new_context(chromium):
    """``new_context(**options)``: a fresh browser context (its own cookies: a separate
    person), closed after the test. The stack's certificate is self-signed."""
    contexts = []

    def _new(**options):
        context = chromium.new_context(ignore_https_errors=True, **options)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context

    yield _new
    for context in contexts:
        context.close()
