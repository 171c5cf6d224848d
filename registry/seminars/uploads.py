"""A participant list waiting between its preview and its confirmation.

The uploaded file waits in ``instance/imports/``, named for the seminar and the user, so only
the person who previewed it can confirm it; files older than a day are swept away on the next
upload.
"""
from __future__ import annotations

import re
import secrets
import time
from pathlib import Path

from flask import current_app

UPLOAD_MAX_AGE_SECONDS = 24 * 3600
_TOKEN = re.compile(r"[A-Za-z0-9_-]{20,64}")


def _folder() -> Path:
    folder = Path(current_app.instance_path) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def upload_path(seminar, user, token: str | None) -> Path | None:
    """Where ``user``'s previewed file for ``seminar`` waits; ``None`` for a malformed token."""
    if not _TOKEN.fullmatch(token or ""):
        return None
    return _folder() / f"{seminar.id}-{user.id}-{token}.upload"


def stash_upload(seminar, user, data: bytes) -> str:
    """Keep ``data`` until it is confirmed; returns the token that names it."""
    folder = _folder()
    for old in folder.glob("*.upload"):
        if time.time() - old.stat().st_mtime > UPLOAD_MAX_AGE_SECONDS:
            old.unlink(missing_ok=True)
    token = secrets.token_urlsafe(24)
    upload_path(seminar, user, token).write_bytes(data)
    return token
