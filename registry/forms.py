"""The base of every form: Flask-WTF (CSRF) with every text field cleaned on the way in.

``from registry.forms import FlaskForm`` instead of Flask-WTF's: each ``StringField`` (and
``TextAreaField``, ``EmailField``, ``SearchField``...) gets ``registry.text.clean_text`` as its
last filter; passwords are left exactly as typed.
"""
from __future__ import annotations

from flask_wtf import FlaskForm as _FlaskForm
from wtforms import PasswordField, StringField, TextAreaField

from registry.text import clean_text


def _single_line(value):
    return clean_text(value)


def _multi_line(value):
    return clean_text(value, multiline=True)


class FlaskForm(_FlaskForm):
    class Meta:
        def bind_field(self, form, unbound_field, options):
            field_class = unbound_field.field_class
            if issubclass(field_class, StringField) and not issubclass(field_class,
                                                                        PasswordField):
                cleaner = _multi_line if issubclass(field_class, TextAreaField) else _single_line
                options["filters"] = [*unbound_field.kwargs.get("filters", ()), cleaner]
            return unbound_field.bind(form=form, **options)
