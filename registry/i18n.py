"""Language choice: an explicit choice (kept in the session), the user's own setting, or the
browser's Accept-Language - in that order."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import (Blueprint, current_app, has_request_context, redirect, request, session,
                   url_for)
from flask_login import current_user

LANGUAGE_NAMES = {
    "en": "English",
    "ru": "Русский",
    "uz": "Oʻzbekcha",
    "mn": "Монгол",
    "vi": "Tiếng Việt",
}

bp = Blueprint("i18n", __name__)


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]  # the CLI and background work
    chosen = session.get("lang")
    if chosen in languages:
        return chosen
    if getattr(current_user, "is_authenticated", False) and current_user.locale in languages:
        return current_user.locale
    return request.accept_languages.best_match(languages) or "en"


def safe_next(target: str | None, fallback: str) -> str:
    """Only follow a redirect target on this site (no open redirects)."""
    if not target:
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return fallback
    return target


@bp.route("/language/<code>")
def set_language(code: str):
    if code in current_app.config["LANGUAGES"]:
        session["lang"] = code
    return redirect(safe_next(request.args.get("next"), url_for("auth.login")))
