"""The service worker the public pages register (``/sw.js``, see static/js/service-worker.js).

It is the static script with one line put in front: the addresses it keeps on the phone (the
verifier page and everything that page loads, the keys, the status list) and a version made
from the bytes of those files. A browser installs a service worker again when its script
changes by one byte, so a new verifier.js, a new vendored file or a new JS catalogue reaches
the phones that keep the old one - without anyone remembering to bump a number.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

from flask import Flask, url_for

# What the verifier page loads (static/), kept for offline use.
STATIC_FILES = ("css/app.css", "css/public.css", "img/favicon.svg", "js/app.js",
                "js/register-sw.js", "js/verifier.js", "js/verifier-page.js",
                "vendor/jsQR.js", "vendor/noble-ed25519.js")


def _static_files(app: Flask) -> list[str]:
    catalogues = [f"js/i18n/{locale}.json" for locale in app.config["LANGUAGES"]]
    return [*STATIC_FILES, *catalogues]


def _version(static: Path, files: list[str]) -> str:
    """A digest of the worker's script and every file it keeps (remembered while no file's
    size or time changes: browsers ask for /sw.js often)."""
    paths = [static / "js" / "service-worker.js", *(static / name for name in files)]
    stamp = tuple((str(path), path.stat().st_mtime_ns, path.stat().st_size) if path.is_file()
                  else (str(path), None, None) for path in paths)
    if _remembered.get("stamp") != stamp:
        digest = hashlib.sha256()
        for path in paths:
            # A JS catalogue not made yet (``make translations``) is named, not a crash.
            digest.update(path.name.encode() + b"\0"
                          + (path.read_bytes() if path.is_file() else b""))
        _remembered.update(stamp=stamp, version=digest.hexdigest()[:16])
    return _remembered["version"]


_remembered: dict = {}


def settings(app: Flask) -> dict:
    """What the worker needs to know: the shell to keep, the data to refresh, the version."""
    files = _static_files(app)
    return {
        "version": _version(Path(app.static_folder), files),
        "verifier": url_for("public.verifier"),
        "shell": [url_for("static", filename=name) for name in files],
        "data": [url_for("public.keys"), status_list_url()],
        "verification_prefixes": ["/v/", "/V/"],
    }


def status_list_url() -> str:
    """The signed status list's address (the page and the worker both fetch it)."""
    return url_for("public.status_list")


def script(app: Flask) -> str:
    """The worker's JavaScript: its settings, then static/js/service-worker.js."""
    source = (Path(app.static_folder) / "js" / "service-worker.js").read_text(encoding="utf-8")
    return (f"self.REGISTRY_VERIFIER = {json.dumps(settings(app), sort_keys=True)};\n"
            + source)
