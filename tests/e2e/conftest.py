"""Browser tests: the app served on a free local port, driven by Debian's Chromium.

Playwright drives ``/usr/bin/chromium`` (never a downloaded browser); ``make test`` installs
the package when it is missing, so these tests never skip.
"""
from __future__ import annotations

import threading

import pytest
from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]


@pytest.fixture(scope="session")
def live_server(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


@pytest.fixture(scope="session")
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def phone_page(chromium):
    """A page 360 px wide, the smallest phone we design for."""
    context = chromium.new_context(viewport={"width": 360, "height": 640})
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
    person), closed after the test."""
    contexts = []

    def _new(**options):
        context = chromium.new_context(**options)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context

    yield _new
    for context in contexts:
        context.close()
