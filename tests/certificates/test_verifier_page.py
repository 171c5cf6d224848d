"""The offline verifier's server side: the /verify page, the service worker at /sw.js, the
pages that register it, and the JS catalogues its words come from."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from registry.certificates import verifier_messages

ROOT = Path(__file__).resolve().parents[2]
CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
       "frame-ancestors 'none'; form-action 'self'")


@pytest.fixture(scope="module")
def js_catalogues():
    """The JS catalogues as `make translations` makes them (the .mo files first)."""
    from registry.catalogues import LOCALES, compile_all

    compile_all()
    verifier_messages.write_js_catalogues(LOCALES)
    return {locale: json.loads((verifier_messages.JS_CATALOGUES / f"{locale}.json")
                               .read_text(encoding="utf-8")) for locale in LOCALES}


def test_verify_page_is_public_and_runs_under_the_unchanged_csp(client):
    response = client.get("/verify")
    assert response.status_code == 200
    assert response.headers["Content-Security-Policy"] == CSP
    page = response.get_data(as_text=True)
    # Scripts are files of this site only: no inline code, nothing from elsewhere.
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page, re.S)
    assert scripts and all(not body.strip() for _attributes, body in scripts)
    sources = [re.search(r'src="([^"]+)"', attributes).group(1) for attributes, _ in scripts]
    assert "/static/js/verifier-page.js" in sources and "/static/vendor/jsQR.js" in sources
    assert all(source.startswith("/") and not source.startswith("//") for source in sources)
    assert ' style="' not in page  # style-src 'self' refuses inline styles too
    assert 'type="file"' in page and 'accept="image/*"' in page and "capture" in page
    assert 'data-keys-url="/.well-known/registry-keys.json"' in page


def test_verify_page_speaks_the_visitors_language(client):
    page = client.get("/verify?lang=ru").get_data(as_text=True)
    assert 'data-locale="ru"' in page
    assert 'lang="ru"' in page


def test_service_worker_is_served_from_the_root_as_javascript(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Cache-Control"] == "no-cache"
    assert "Service-Worker-Allowed" not in response.headers  # the root scope needs none
    body = response.get_data(as_text=True)
    first, _, rest = body.partition("\n")
    settings = json.loads(first.removeprefix("self.REGISTRY_VERIFIER = ").removesuffix(";"))
    assert settings["verifier"] == "/verify"
    assert "/.well-known/registry-keys.json" in settings["data"]
    assert "/.well-known/registry-status.json" in settings["data"]
    assert settings["verification_prefixes"] == ["/v/", "/V/"]
    assert "addEventListener(\"fetch\"" in rest


def test_everything_the_worker_keeps_is_served(client, js_catalogues):
    body = client.get("/sw.js").get_data(as_text=True)
    settings = json.loads(body.partition("\n")[0].split(" = ", 1)[1].rstrip(";"))
    for url in [settings["verifier"], *settings["shell"]]:
        response = client.get(url)
        response.close()  # a static file's response holds the file open
        assert response.status_code == 200, url
    assert {f"/static/js/i18n/{locale}.json" for locale in js_catalogues} <= set(
        settings["shell"])


def test_the_worker_changes_when_a_file_it_keeps_changes(app, tmp_path):
    """A browser re-installs a worker whose script changed: a new verifier.js must change it."""
    from registry.certificates import service_worker

    with app.test_request_context("/sw.js"):
        before = service_worker.settings(app)["version"]
        path = Path(app.static_folder) / "js" / "verifier.js"
        original = path.read_bytes()
        try:
            path.write_bytes(original + b"\n// changed\n")
            after = service_worker.settings(app)["version"]
        finally:
            path.write_bytes(original)
    assert before != after


@pytest.mark.parametrize("url", ["/check", "/register", "/v/7K3M9Q2X4Z8B6N1R5T0V2W4Y6A",
                                 "/verify"])
def test_public_pages_register_the_worker(client, url):
    page = client.get(url).get_data(as_text=True)
    assert '<script src="/static/js/register-sw.js"></script>' in page


def test_the_check_page_leads_to_the_verifier(client):
    assert 'href="/verify"' in client.get("/check").get_data(as_text=True)


def test_js_catalogues_carry_the_translations(js_catalogues):
    assert set(js_catalogues["ru"]) == set(verifier_messages.MESSAGES)
    # The verdict words are the server page's own, already translated.
    assert js_catalogues["ru"]["word_valid"] == "ДЕЙСТВИТЕЛЕН"
    assert js_catalogues["mn"]["word_valid"] == "ХҮЧИНТЭЙ"
    assert js_catalogues["en"]["valid_basis"] == \
        "Signature checked on this phone; status list of %(date)s."


def test_every_message_the_js_uses_is_in_the_catalogue():
    """A key verifier.js or the page asks for but the catalogue lacks would show as the key."""
    used = set()
    for name in ("verifier.js", "verifier-page.js"):
        source = (ROOT / "static" / "js" / name).read_text(encoding="utf-8")
        used |= set(re.findall(r'message\("(\w+)"', source))
        used |= set(re.findall(r'say\("(\w+)"', source))
        used |= {f"word_{word}" for word in re.findall(r'verdict = "(\w+)"', source)}
    # The basis named after a reason (message(result.reason)) and a status.
    used |= {"bad_format", "unknown_key", "revoked_key", "bad_signature", "no_status_list",
             "bad_status_list", "unknown_status", "status_revoked", "status_suspended",
             "status_superseded", "word_revoked", "word_suspended", "word_superseded"}
    used -= {"word_", "status_"}  # the prefixes of "status_" + verdict and "word_" + ...
    assert used - set(verifier_messages.MESSAGES) == set()


def test_generated_catalogues_are_not_committed():
    ignored = (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert "static/js/i18n/" in ignored
    assert "flask translations js" in (ROOT / "Makefile").read_text(encoding="utf-8")
