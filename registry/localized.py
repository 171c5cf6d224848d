"""Data people read, in their language: a value per interface language for a record's field
(a region's name, a course's title), next to the record's default value.

The values live in one JSON column, ``translations`` = ``{field: {locale: text}}``, on each
record that has them (``Localized``); the default stays in the field's own column, which keeps
its uniqueness, its search key and its place in imports. Which value shows:

    the asked locale  →  the same language in its other script (Uzbek Latin ↔ Cyrillic)  →  the default

What was printed is never looked up again: a certificate revision keeps the words of its paper.
"""
from __future__ import annotations

from sqlalchemy import JSON
from sqlalchemy.orm import Mapped, mapped_column

# The interface languages, in the order the forms list them.
LOCALES = ("en", "ru", "uz", "uz_Cyrl", "mn", "vi")
OTHER_SCRIPT = {"uz": "uz_Cyrl", "uz_Cyrl": "uz"}


def current_locale() -> str:
    """The locale of the page being built (the default outside a request)."""
    from flask_babel import get_locale

    locale = get_locale()
    return str(locale) if locale is not None else "en"


def pick(values: dict | None, default: str, locale: str | None = None) -> str:
    """The value for ``locale`` (the page's when not given) by the fallback above."""
    values = values or {}
    locale = locale or current_locale()
    for candidate in (locale, OTHER_SCRIPT.get(locale)):
        if candidate and (values.get(candidate) or "").strip():
            return values[candidate]
    return default


class Localized:
    """A mixin: ``translations`` holds this record's values per language, field by field."""

    translations: Mapped[dict] = mapped_column(JSON, default=dict, server_default="{}",
                                               nullable=False)

    def localized(self, field: str, locale: str | None = None) -> str:
        """``field`` in ``locale`` (the page's when not given), by the fallback."""
        return pick((self.translations or {}).get(field), getattr(self, field) or "", locale)

    def values_of(self, field: str) -> dict[str, str]:
        """Every language's own value of ``field`` (no fallback): what the admin form shows."""
        return dict((self.translations or {}).get(field) or {})

    def set_values(self, field: str, values: dict[str, str | None]) -> None:
        """Replace the per-language values of ``field`` (empty ones are dropped). A new dict
        each time: the JSON column notices only assignment."""
        cleaned = {locale: text.strip() for locale, text in values.items()
                   if locale in LOCALES and text and text.strip()}
        translations = {key: dict(value) for key, value in (self.translations or {}).items()}
        if cleaned:
            translations[field] = cleaned
        else:
            translations.pop(field, None)
        self.translations = translations

    def missing_locales(self, field: str) -> list[str]:
        """The languages with no value of their own for ``field`` (they show the fallback)."""
        own = self.values_of(field)
        return [locale for locale in LOCALES if not own.get(locale)]
