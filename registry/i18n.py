"""Language choice: an explicit choice for this visit (the switcher or ``?lang=`` on any
address, kept in the session), the signed-in user's stored preference, or the browser's
Accept-Language - in that order. Choosing with the switcher while signed in also stores the
choice as the user's preference."""
from __future__ import annotations

import copy
from urllib.parse import unquote, urlsplit

from flask import (Blueprint, current_app, has_request_context, redirect, request, session,
                   url_for)
from flask_login import current_user

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
            from registry.extensions import db

            current_user.locale = code
            db.session.commit()
    return redirect(safe_next(request.args.get("next"), url_for("auth.login")))


# --- translations, loaded once per process, with optional markers for missing strings -------

MISSING_MARK = "⟦%s⟧"


def _marker_class():
    from babel import support

    class MissingTranslationMarker(support.NullTranslations):
        """The last fallback: a string no catalogue holds comes out as ``⟦string⟧``, so a test
        (or a translator looking at a page) sees it at once."""

        def gettext(self, message):
            return MISSING_MARK % message

        def ngettext(self, singular, plural, n):
            return MISSING_MARK % (singular if n == 1 else plural)

        def pgettext(self, context, message):
            return MISSING_MARK % message

        def npgettext(self, context, singular, plural, n):
            return MISSING_MARK % (singular if n == 1 else plural)

        ugettext, ungettext = gettext, ngettext

    return MissingTranslationMarker


def domain_class():
    import flask_babel

    class RegistryDomain(flask_babel.Domain):
        """Flask-Babel's domain, kept for the process (Flask-Babel makes a new one, with an
        empty cache, for every request), marking missing strings when
        ``REGISTRY_MARK_MISSING_TRANSLATIONS`` is on."""

        def get_translations(self):
            translations = super().get_translations()
            if not current_app.config.get("REGISTRY_MARK_MISSING_TRANSLATIONS"):
                return translations
            key = (id(translations), "marked")
            if key not in self.cache:
                marked = copy.copy(translations)  # shares the catalogue, not the fallback
                marked._fallback = None
                marked.add_fallback(_marker_class()())
                self.cache[key] = marked
            return self.cache[key]

    return RegistryDomain
