"""The verifier's vendored JavaScript is exactly what ``static/vendor/VERSIONS`` pins, and
every file in ``static/vendor/`` is pinned there (nothing slips in unrecorded)."""
from __future__ import annotations

import hashlib
from pathlib import Path

VENDOR = Path(__file__).resolve().parents[2] / "static" / "vendor"


def pinned() -> dict[str, dict]:
    entries = {}
    for line in (VENDOR / "VERSIONS").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        name, package, version, source, sha256, licence = line.split("\t")
        entries[name] = {"package": package, "version": version, "source": source,
                         "sha256": sha256, "licence": licence}
    return entries


def test_every_vendored_file_matches_its_pinned_sha256():
    entries = pinned()
    assert {"jsQR.js", "noble-ed25519.js"} <= set(entries)
    for name, entry in entries.items():
        digest = hashlib.sha256((VENDOR / name).read_bytes()).hexdigest()
        assert digest == entry["sha256"], f"static/vendor/{name} is not {entry['package']} " \
                                          f"{entry['version']} as pinned"
        assert entry["licence"] and entry["version"][0].isdigit()


def test_no_unpinned_file_in_vendor():
    present = {path.name for path in VENDOR.iterdir() if path.name != "VERSIONS"}
    assert present == set(pinned())


def test_vendored_code_needs_no_eval():
    # The app's CSP (script-src 'self', no 'unsafe-eval') would refuse it at run time.
    for name in ("jsQR.js", "noble-ed25519.js"):
        text = (VENDOR / name).read_text(encoding="utf-8")
        assert "eval(" not in text and "new Function" not in text
