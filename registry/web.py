"""The kit every screen shares: showing a domain error, the confirm-only form, one unit of work
per request, and file downloads.

A view reads: load with permission → form → ``with unit_of_work(form) as uow:
services.x(...)`` → ``if uow.ok:`` flash and redirect. ``unit_of_work`` is the only place a
view's transaction is committed or rolled back (as Indico's request handler does it), so no
view commits or rolls back by hand.
"""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date

from flask import Response, abort, current_app, flash
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_limiter.util import get_remote_address
from flask_login import current_user
from wtforms import SubmitField

from registry.errors import DomainError
from registry.extensions import db, limiter
from registry.forms import FlaskForm
from registry.spreadsheets import EXPORT_FORMATS, Sheet, export_bytes


class ConfirmForm(FlaskForm):
    """An empty form: a POST button with CSRF protection (activate, deactivate, delete...)."""

    submit = SubmitField(_l("Confirm"))


def form_error(form, error: DomainError) -> None:
    """Show a domain error next to its field, or above the form when it names none."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = list(field.errors) + [str(error.message)]
    else:
        flash(str(error.message), "error")


def parse_day(raw: str) -> date | None:
    """A day from a filter's ``YYYY-MM-DD``, or ``None`` when empty or not a date."""
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def confirmed(form: FlaskForm | None = None) -> bool:
    """Whether a confirm-only POST is genuine; if its token expired, say so and return False."""
    if (form or ConfirmForm()).validate_on_submit():
        return True
    flash(_("The form expired. Please try again."), "error")
    return False


@dataclass
class UnitOfWork:
    """What ``unit_of_work`` yields: after the block, ``ok`` says whether it was committed,
    ``error`` holds the ``DomainError`` that rolled it back."""

    ok: bool = False
    error: DomainError | None = None


@contextmanager
def unit_of_work(form=None, *, quiet: bool = False):
    """Run the block as one transaction: commit once at the end, or, when a rule of the domain
    says no, roll back, show the error (on ``form`` via ``form_error``, else as a flash;
    ``quiet`` leaves showing it to the caller) and go on, so the view falls through to render
    its page again. Any other exception propagates (the error handler rolls back)."""
    uow = UnitOfWork()
    try:
        yield uow
    except DomainError as error:
        db.session.rollback()
        uow.error = error
        if quiet:
            return
        if form is not None:
            form_error(form, error)
        else:
            flash(str(error.message), "error")
        return
    db.session.commit()
    uow.ok = True


def _pdf_limit() -> str:
    return current_app.config["RATELIMIT_PDF"]


def _signed_in_user() -> str:
    # Per user, not per address: a whole district office shares one address.
    if current_user.is_authenticated:
        return f"user:{current_user.id}"
    return f"address:{get_remote_address()}"


# One allowance per user for every route that renders or sends a PDF (or a ZIP of them).
pdf_limit = limiter.shared_limit(_pdf_limit, scope="pdf", key_func=_signed_in_user)


def outside_transaction(work, *args, **kwargs):
    """``work(*args, **kwargs)`` with no database transaction open - for slow work that needs
    no database, such as reading an uploaded spreadsheet. On SQLite a writing request's
    transaction holds the only write lock from its first query (the signed-in user), so
    parsing inside it made every other user's sign-in and save wait. The request must not
    have changed anything yet; what it loaded is reloaded when next used."""
    session = db.session()
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("outside_transaction() after the request changed something")
    session.rollback()
    return work(*args, **kwargs)


def file_response(data: bytes, filename: str, mimetype: str, *, inline: bool = False) -> Response:
    """A download of ``data`` named ``filename`` (shown in the browser when ``inline``)."""
    disposition = "inline" if inline else "attachment"
    return Response(data, mimetype=mimetype,
                    headers={"Content-Disposition": f'{disposition}; filename="{filename}"'})


def spreadsheet_download(sheet: Sheet, fmt: str, stem: str) -> Response:
    """``sheet`` as ``stem.xlsx`` or ``stem.csv`` (404 for any other format)."""
    if fmt not in EXPORT_FORMATS:
        abort(404)
    data, mimetype = export_bytes(sheet, fmt)
    return file_response(data, f"{stem}.{fmt}", mimetype)
