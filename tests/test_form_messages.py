"""Every form's errors in the user's language: WTForms' and Flask-WTF's own messages ("This
field is required.", "Not a valid integer value.", a CSRF failure) come from the app's
catalogue, which has uz, uz_Cyrl, mn and vi - not from WTForms' bundled one, which has ru only.

Each form class of the app is filled three ways (empty, wrong, and with a wrong CSRF token),
validated in a request of each language, and no error may read as its English text."""
from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import pytest
import wtforms
from flask_babel import refresh
from wtforms import Form

import registry
from registry.forms import FlaskForm

LANGUAGES = {"ru": "ru", "uz": "uz-Latn", "uz_Cyrl": "uz-Cyrl", "mn": "mn", "vi": "vi"}
# Messages that are the same words in a language as in English (none yet).
SAME_AS_ENGLISH: set[tuple[str, str]] = set()


def _all_form_classes() -> list[type]:
    for module in pkgutil.walk_packages(registry.__path__, "registry."):
        if module.name.endswith((".forms", ".web")) or module.name == "registry.web":
            importlib.import_module(module.name)
    found, todo = set(), [Form]
    while todo:
        for subclass in todo.pop().__subclasses__():
            todo.append(subclass)
            if subclass.__module__.startswith("registry."):
                found.add(subclass)
    return sorted(found, key=lambda cls: (cls.__module__, cls.__name__))


FORM_CLASSES = _all_form_classes()


def test_the_forms_are_found():
    names = {cls.__name__ for cls in FORM_CLASSES}
    assert {"SeminarForm", "PersonForm", "ReissueForm", "PeriodForm", "ConfirmForm",
            "ImportForm", "LoginForm"} <= names


@pytest.mark.parametrize("form_class", FORM_CLASSES, ids=lambda cls: cls.__name__)
def test_every_form_has_the_apps_base(form_class):
    """The base's Meta is what translates: a form on Flask-WTF's own base would speak English."""
    assert issubclass(form_class, FlaskForm)


def _bad_value(field) -> str:
    """What a person might type that the field refuses (if it refuses anything)."""
    kind = field.type
    if kind in ("IntegerField", "DecimalField", "FloatField"):
        return "7O"
    if kind in ("DateField", "DateTimeField"):
        return "24.11.2026"
    if kind in ("SelectField", "RadioField", "SelectMultipleField", "MultiCheckboxField"):
        return "no-such-choice"
    if kind in ("EmailField",):
        return "not an address " * 30
    return "x" * 3000  # longer than any field's Length(max=...)


def _form_data(form_class, app, way: str) -> dict:
    if way == "empty":
        return {}
    with app.test_request_context("/"):
        form = form_class(formdata=None)
        data = {field.name: _bad_value(field) for field in form
                if field.type not in ("CSRFTokenField", "SubmitField", "BooleanField")}
    data.pop("csrf_token", None)  # "wrong": no token at all
    if way == "wrong-token":
        data["csrf_token"] = "not-a-token"
    return data


def _errors(app, form_class, data, accept_language) -> list[tuple[str, str]]:
    with app.test_request_context("/", method="POST", data=data,
                                  headers={"Accept-Language": accept_language}):
        # Flask-Babel keeps the locale on ``g``, which the test's app context shares between
        # these requests (each real request has its own).
        refresh()
        form = form_class()
        form.validate()
        return [(name, str(message)) for name, messages in form.errors.items()
                for message in messages]


def _has_token(app, form_class) -> bool:
    with app.test_request_context("/"):
        return "csrf_token" in form_class(formdata=None)


@pytest.mark.parametrize("way", ["empty", "wrong", "wrong-token"])
@pytest.mark.parametrize("form_class", FORM_CLASSES, ids=lambda cls: cls.__name__)
def test_no_form_error_is_left_in_english(app, db, form_class, way):
    data = _form_data(form_class, app, way)
    english = _errors(app, form_class, data, "en")
    if way == "wrong-token" and _has_token(app, form_class):
        # The request has no session, so Flask-WTF names that before the token's value.
        assert ("csrf_token", "The CSRF session token is missing.") in english
    for locale, accept_language in LANGUAGES.items():
        translated = _errors(app, form_class, data, accept_language)
        assert len(translated) == len(english), (locale, translated, english)
        for (field, message), (_field, text) in zip(translated, english):
            assert message != text or (locale, text) in SAME_AS_ENGLISH, (
                f"{form_class.__name__}.{field} in {locale}: {text!r}")


def test_csrf_refusals_are_in_the_users_language(app):
    """A form whose token is missing (a session that expired in a district office)."""
    from registry.seminars.forms import CancelSeminarForm

    errors = _errors(app, CancelSeminarForm, {"reason": "Зал ёпиқ"}, "uz-Latn")
    assert errors == [("csrf_token", "CSRF tokeni mavjud emas.")]


def test_every_message_of_wtforms_and_flask_wtf_is_in_the_catalogue():
    """``registry/form_messages.py`` lists what WTForms and Flask-WTF may say, so that it is
    extracted and translated; an upgrade that adds a message fails here until it is listed."""
    import flask_wtf
    from babel.messages.extract import extract_from_dir

    listed = Path(registry.__file__).with_name("form_messages.py").read_text(encoding="utf-8")
    missing = []
    for package in (wtforms, flask_wtf):
        folder = Path(package.__file__).parent
        for filename, _line, message, _comments, _context in extract_from_dir(
                folder, method_map=[("**.py", "python")],
                keywords={"gettext": None, "ngettext": (1, 2), "_": None}):
            for text in (message if isinstance(message, tuple) else (message,)):
                if text and repr(text) not in listed and f'"{text}"' not in listed:
                    missing.append((filename, text))
    # Flask-WTF raises its CSRF refusals without gettext: registry/forms.py passes them through.
    for text in ("The CSRF token is missing.", "The CSRF session token is missing.",
                 "The CSRF token has expired.", "The CSRF token is invalid.",
                 "The CSRF tokens do not match."):
        if repr(text) not in listed:
            missing.append(("flask_wtf/csrf.py", text))
    assert missing == []
