"""The error summary of a refused form (the GOV.UK pattern): one box at the top of the page
listing every error, each a link to its field, and "Error: " before the page's title.

``base.html`` draws it for every page from ``error_summary_entries()``: the view's
``summary_errors`` - entries for fields a template writes by hand (a row of the results
table, a day of a correction), made with ``ErrorEntry``; those pages put them above their
WTForms fields - then the errors of every WTForms form the view passed to the template, in
the order of their fields. No template has to ask for it.
"""
from __future__ import annotations

from dataclasses import dataclass

from jinja2 import pass_context
from wtforms import Form
from wtforms.widgets import ListWidget

# Fields that show no input of their own: their errors have nothing to link to.
_HIDDEN = ("HiddenField", "CSRFTokenField")


@dataclass(frozen=True)
class ErrorEntry:
    """One line of the summary: ``message``, after the field's ``label`` when it has one;
    a link to the element with the id ``target`` when there is one."""

    message: str
    target: str | None = None
    label: str | None = None


def field_target(field) -> str | None:
    """The id a link to ``field`` moves to: the field's input, the first of its options for
    a list of radio buttons or checkboxes, none for a field without an input."""
    if field.type in _HIDDEN:
        return None
    if isinstance(field.widget, ListWidget):
        choices = list(field.iter_choices()) if getattr(field, "choices", None) else []
        return f"{field.id}-0" if choices else None
    return field.id


def form_entries(form: Form) -> list[ErrorEntry]:
    """The errors of ``form``: each field's in the order of the form, then the form's own."""
    entries = []
    for field in form:
        hidden = field.type in _HIDDEN
        for message in field.errors:
            entries.append(ErrorEntry(message=str(message), target=field_target(field),
                                      label=None if hidden else str(field.label.text)))
    for message in getattr(form, "form_errors", ()):
        entries.append(ErrorEntry(message=str(message)))
    return entries


@pass_context
def error_summary_entries(context) -> list[ErrorEntry]:
    """Every error on the page: ``summary_errors``, then the forms in the template's context."""
    entries, seen = list(context.get("summary_errors") or ()), set()
    for value in context.get_all().values():
        if isinstance(value, Form) and id(value) not in seen:
            seen.add(id(value))
            entries.extend(form_entries(value))
    return entries
