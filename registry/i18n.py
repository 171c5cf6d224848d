"""Language choice: an explicit choice for this visit (the switcher or ``?lang=`` on any
address, kept in the session), the signed-in user's stored preference, or the browser's
Accept-Language - in that order. Choosing with the switcher while signed in also stores the
choice as the user's preference."""
from __future__ import annotations

from urllib.parse import unquote, urlsplit

from flask import (Blueprint, current_app, has_request_context, redirect, request, session,
                   url_for)
from flask_login import current_user

from registry.extensions import db

LANGUAGE_NAMES = {
    "en": "English",
    "ru": "Русский",
    "uz": "Oʻzbekcha",
    "uz_Cyrl": "Ўзбекча",
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
    return best_accepted_language(languages)


def best_accepted_language(languages) -> str:
    """The browser's most wanted language we have. Tags are compared with their script
    (``uz-Cyrl`` is Uzbek in Cyrillic, ``uz``/``uz-Latn`` Uzbek in Latin), then by language."""
    by_tag = {code.lower().replace("_", "-"): code for code in languages}
    for value, _quality in request.accept_languages:
        tag = value.lower().replace("_", "-")
        parts = tag.split("-")
        for candidate in ("-".join(parts[:2]), parts[0]):
            if candidate in by_tag and not (candidate == "uz" and "cyrl" in parts):
                return by_tag[candidate]
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def remember_lang_parameter() -> None:
    """``?lang=xx`` on any address switches the language for the rest of the visit (a link
    to the verification page can carry it)."""
    code = request.args.get("lang")
    if code in current_app.config["LANGUAGES"]:
        session["lang"] = code


def html_lang(code: str) -> str:
    """The BCP 47 tag for ``<html lang>``: ``uz_Cyrl`` → ``uz-Cyrl``."""
    return code.replace("_", "-")


def safe_next(target: str | None, fallback: str) -> str:
    """Only follow a redirect target on this site (no open redirects).

    A browser reads ``/\\host`` and ``/%09/host`` (a tab it drops) as ``//host``, another site;
    so the target is judged the way a browser would see it: percent-decoded, backslashes as
    slashes, control characters and spaces removed. Only a plain local path passes.
    """
    if not target:
        return fallback
    seen = unquote(target)
    seen = "".join(ch for ch in seen if ch.isprintable() and not ch.isspace()).replace("\\", "/")
    parts = urlsplit(seen)
    if parts.scheme or parts.netloc or not seen.startswith("/") or seen.startswith("//"):
        return fallback
    return target


@bp.route("/language/<code>")
def set_language(code: str):
    """The switcher: this visit's language, and the signed-in user's stored preference."""
    if code in current_app.config["LANGUAGES"]:
        session["lang"] = code
        if getattr(current_user, "is_authenticated", False) and current_user.locale != code:
            current_user.locale = code
            db.session.commit()
    return redirect(safe_next(request.args.get("next"), url_for("auth.login")))
