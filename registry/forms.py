"""The base of every form: Flask-WTF (CSRF) with every text field cleaned on the way in.

``from registry.forms import FlaskForm`` instead of Flask-WTF's: each ``StringField`` (and
``TextAreaField``, ``EmailField``, ``SearchField``...) gets ``registry.text.clean_text`` as its
last filter; passwords are left exactly as typed. Every message WTForms and Flask-WTF produce
themselves ("This field is required.", a CSRF failure...) comes from the app's own catalogue
(``registry/form_messages.py`` lists them for extraction), in the user's language.
"""
from __future__ import annotations

from flask_babel import get_translations
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm as _FlaskForm
from flask_wtf.csrf import _FlaskFormCSRF
from wtforms import PasswordField, StringField, TextAreaField
from wtforms.validators import Length, Optional, ValidationError

from registry.localized import LOCALES
from registry.text import clean_text


def _single_line(value):
    return clean_text(value)


def _multi_line(value):
    return clean_text(value, multiline=True)


class _TranslatedCSRF(_FlaskFormCSRF):
    """Flask-WTF's CSRF check, its refusal in the user's language: Flask-WTF raises plain
    English ("The CSRF token is missing."), never passed through gettext."""

    def validate_csrf_token(self, form, field):
        try:
            super().validate_csrf_token(form, field)
        except ValidationError as error:
            raise ValidationError(field.gettext(error.args[0])) from None


class FlaskForm(_FlaskForm):
    class Meta:
        csrf_class = _TranslatedCSRF

        def get_translations(self, form):
            # Flask-WTF would load WTForms' bundled catalogue, which has ru but no uz, uz_Cyrl,
            # mn or vi; the app's catalogue holds all of WTForms' messages in every language.
            return get_translations()

        def bind_field(self, form, unbound_field, options):
            field_class = unbound_field.field_class
            if issubclass(field_class, StringField) and not issubclass(field_class,
                                                                        PasswordField):
                cleaner = _multi_line if issubclass(field_class, TextAreaField) else _single_line
                options["filters"] = [*unbound_field.kwargs.get("filters", ()), cleaner]
            return unbound_field.bind(form=form, **options)


class LanguageValues:
    """For the form of a record with values per language (``registry.localized``): one field
    per interface language for each of ``LANGUAGE_FIELDS`` - ``(field, max length)`` - all on
    the record's one page; an empty one says that the default shows in that language."""

    LANGUAGE_FIELDS: tuple = ()

    @classmethod
    def add_language_fields(cls):
        """Call once on the form class, after it is defined."""
        for name, length in cls.LANGUAGE_FIELDS:
            for locale in LOCALES:
                from registry.i18n import LANGUAGE_NAMES

                setattr(cls, language_field_name(name, locale), StringField(
                    LANGUAGE_NAMES[locale], validators=[Optional(), Length(max=length)],
                    render_kw={"lang": locale.replace("_", "-"), "spellcheck": "false"}))
        return cls

    def __init__(self, *args, obj=None, **kwargs):
        super().__init__(*args, obj=obj, **kwargs)
        if obj is not None and not self.is_submitted():
            for name, _length in self.LANGUAGE_FIELDS:
                for locale, text in obj.values_of(name).items():
                    self[language_field_name(name, locale)].data = text
        for name, _length in self.LANGUAGE_FIELDS:
            for locale in LOCALES:
                field = self[language_field_name(name, locale)]
                if not (field.data or "").strip():
                    field.description = _l("Missing: the default shows in this language.")

    def language_groups(self):
        """``(default field, [its language fields])`` per localized field, for the template."""
        return [(self[name], [self[language_field_name(name, locale)] for locale in LOCALES])
                for name, _length in self.LANGUAGE_FIELDS]

    def translations(self) -> dict:
        """``{field: {locale: text}}`` as entered (empty ones included; the model drops them)."""
        return {name: {locale: self[language_field_name(name, locale)].data or ""
                       for locale in LOCALES}
                for name, _length in self.LANGUAGE_FIELDS}


def language_field_name(name: str, locale: str) -> str:
    return f"{name}__{locale}"
