"""The kit every screen shares: showing a domain error, the confirm-only form, one unit of work
per request, and file downloads.

A view reads: load with permission → form → ``with unit_of_work(form) as uow:
services.x(...)`` → ``if uow.ok:`` flash and redirect. ``unit_of_work`` is the only place a
view's transaction is committed or rolled back (as Indico's request handler does it), so no
view commits or rolls back by hand.
"""
from __future__ import annotations

import re
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta

from flask import Response, abort, current_app, flash, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_limiter.util import get_remote_address
from flask_login import current_user
from werkzeug.routing import IntegerConverter
from wtforms import SubmitField

from registry.database import MAX_ID
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


# What a number no record can have stands for: ids start at 1, so it matches nothing.
NO_RECORD = 0
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def read_record_id(raw: str) -> int | None:
    """A record id from the query string: ``None`` when empty; the number when it is one
    (ASCII digits); ``NO_RECORD`` when no record can have it (0, or past ``MAX_ID`` - never sent
    to the database); ``ValueError`` when it is not a number ("abc", "-1", "1.5", "²")."""
    raw = raw.strip()
    if not raw:
        return None
    # str.isdigit() alone lets "²" through, which int() refuses.
    if not (raw.isascii() and raw.isdigit()):
        raise ValueError(raw)
    digits = raw.lstrip("0")
    # Counted before int(): int() refuses more than 4,300 digits, and needs none of them.
    if len(digits) > len(str(MAX_ID)) or int(digits or "0") > MAX_ID:
        return NO_RECORD
    return int(digits or "0")


def optional_record_id(raw: str) -> int | None:
    """``read_record_id`` for a link's own parameter (not a filter): ``None`` also when it is
    not a number, as if the link had not named a record."""
    try:
        return read_record_id(raw)
    except ValueError:
        return None


def record_ids(values) -> list[int]:
    """The record ids among posted values (checkboxes, hidden fields): whatever is not one -
    "abc", "²", a number past ``MAX_ID`` - is left out, never sent to the database."""
    return [record_id for record_id in map(optional_record_id, values) if record_id is not None]


def read_day(raw: str) -> date | None:
    """A day from the query string: ``None`` when empty, ``ValueError`` when not a day written
    ``YYYY-MM-DD`` (0001-01-01 to 9999-12-31 are days like any other)."""
    raw = raw.strip()
    if not raw:
        return None
    if not _DAY.fullmatch(raw):
        raise ValueError(raw)
    return date.fromisoformat(raw)


def parse_day(raw: str) -> date | None:
    """A day from a filter's ``YYYY-MM-DD``, or ``None`` when empty or not a date."""
    try:
        return read_day(raw)
    except ValueError:
        return None


def day_after(day: date) -> date | None:
    """The day after ``day``, or ``None`` after the calendar's last (9999-12-31): for a
    "before the end of ``day``" bound, which then is no bound at all."""
    return None if day == date.max else day + timedelta(days=1)


@dataclass
class QueryFilters:
    """A list's filters as read from the query string by ``read_filters``: ``shown`` is the
    text for the filter bar (an ignored value blanked), ``values`` what the query uses (text
    as given, ids as numbers, days as dates, ``None`` for no filter), ``ignored`` the names of
    the filters that could not be read."""

    shown: dict[str, str]
    values: dict[str, object]
    ignored: list[str]

    def __getitem__(self, name: str):
        return self.values[name]


def read_filters(*, text=(), ids=(), days=()) -> QueryFilters:
    """The filters ``text`` (as typed, trimmed), ``ids`` (record ids, ``read_record_id``) and
    ``days`` (``read_day``) of a list page or its download, read the same way on every list.

    A number no record can have is a filter that matches nothing, as any id of a missing record
    does. A value that cannot be read at all is ignored - the page says so (a flashed warning)
    and no link it builds carries it (``templating.query_args``); a download with one sends the
    user to its page, which then says so."""
    from registry.templating import ignore_query_arg

    shown, values, ignored = {}, {}, []
    readers = [(name, None) for name in text] + [(name, "id") for name in ids] + \
        [(name, "day") for name in days]
    for name, kind in readers:
        raw = request.args.get(name, "").strip()
        shown[name] = raw
        if kind is None:
            values[name] = raw
            continue
        try:
            values[name] = read_record_id(raw) if kind == "id" else read_day(raw)
        except ValueError:
            shown[name], values[name] = "", None
            ignored.append(name)
            ignore_query_arg(name)
            if kind == "id":
                flash(_("The filter “%(name)s” was ignored: it is not a number.", name=name),
                      "warning")
            else:
                flash(_("The filter “%(name)s” was ignored: it is not a date (YYYY-MM-DD).",
                        name=name), "warning")
    return QueryFilters(shown, values, ignored)


class RecordIdConverter(IntegerConverter):
    """``<int:...>`` in a route: an id past ``MAX_ID`` matches no route (404), as a record that
    does not exist would, instead of reaching the database."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


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
    """``sheet`` as ``stem.xlsx`` or ``stem.csv`` (404 for any other format). A regional
    office's export says whose it is: ``people-UZ-FA.xlsx`` holds only that region's rows."""
    if fmt not in EXPORT_FORMATS:
        abort(404)
    from flask_login import current_user

    from registry.auth.scope import scope_region

    region = scope_region(current_user)
    if region is not None:
        stem = f"{stem}-{region.code or f'region-{region.id}'}"
    data, mimetype = export_bytes(sheet, fmt)
    return file_response(data, f"{stem}.{fmt}", mimetype)
