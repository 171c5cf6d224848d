"""Helpers every template may use: ``can``, locale-aware dates, pagination, the language menu."""
from __future__ import annotations

from datetime import date, datetime
from math import ceil

from flask import Flask, current_app, g, request, url_for
from flask_babel import format_date, format_datetime, get_locale
from flask_login import current_user
from sqlalchemy import func, select

from registry.extensions import db


class Page:
    """One page of a query's results, with what a pager needs."""

    def __init__(self, items, *, page: int, per_page: int, total: int):
        self.items = items
        self.page = page
        self.per_page = per_page
        self.total = total

    @property
    def pages(self) -> int:
        return max(1, ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def first_index(self) -> int:
        return 0 if self.total == 0 else (self.page - 1) * self.per_page + 1

    @property
    def last_index(self) -> int:
        return min(self.total, self.page * self.per_page)


def requested_page() -> int:
    """The ``page`` query argument as a positive integer (anything else means page 1; one past
    the last page means the last, see ``paginate``)."""
    raw = request.args.get("page", "1").strip()
    # ASCII digits only: "²" is a digit to str.isdigit(), not to int().
    if not (raw.isascii() and raw.isdigit()):
        return 1
    # int() refuses more than 4,300 digits; past the last page is the last page anyway.
    digits = raw.lstrip("0")
    return max(1, int(digits or "0")) if len(digits) <= 9 else 10**9


def paginate(query, *, per_page: int | None = None) -> Page:
    """Run ``query`` (a ``select()``) for the requested page; a page past the end shows the last."""
    per_page = per_page or current_app.config["PAGE_SIZE"]
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    pages = max(1, ceil(total / per_page))
    page = min(requested_page(), pages)
    items = db.session.scalars(query.limit(per_page).offset((page - 1) * per_page)).all()
    return Page(items, page=page, per_page=per_page, total=total)


_IGNORED = "_registry_ignored_query_args"


def ignore_query_arg(name: str) -> None:
    """Leave the query argument ``name`` out of every link this request builds (a filter the
    view could not read and ignored, see ``web.read_filters``)."""
    g.setdefault(_IGNORED, set()).add(name)


def query_args() -> dict[str, list[str]]:
    """The current query arguments that a link may carry on. Never a key that ``url_for``
    takes as its own - ``_external``, ``_scheme``, ``_anchor``, ``_method`` (an absolute
    ``javascript:`` link, a TypeError) or ``endpoint`` (its first argument) - nor a filter the
    view ignored."""
    ignored = g.get(_IGNORED, ())
    return {key: values for key, values in request.args.lists()
            if not key.startswith("_") and key != "endpoint" and key not in ignored}


def url_for_query(endpoint: str, **values) -> str:
    """``url_for(endpoint, **values)`` that keeps the current query arguments (``query_args``)
    under ``values``; a value of ``None`` leaves that argument out. The one way a link or a
    redirect carries the query string on."""
    return url_for(endpoint, **{**query_args(), **values})


def url_for_page(page: int) -> str:
    """The current URL with its query arguments, on another page."""
    return url_for_query(request.endpoint, **(request.view_args or {}), page=page)


def url_with_sort(column: str) -> str:
    """The current URL sorted by ``column``; asking again for the same column reverses it."""
    current = request.args.get("sort", "")
    return url_for_query(request.endpoint, **(request.view_args or {}),
                         sort="-" + column if current == column else column, page=None)


def _format_date(value, format: str = "medium"):
    if value is None or value == "":
        return ""
    if isinstance(value, datetime):
        return format_datetime(value, format)
    if isinstance(value, date):
        return format_date(value, format)
    return value


def register_template_helpers(app: Flask) -> None:
    from registry.auth.permissions import can
    from registry.i18n import LANGUAGE_NAMES

    from registry.i18n import html_lang

    app.jinja_env.filters["date"] = _format_date
    app.jinja_env.filters["html_lang"] = html_lang
    app.jinja_env.globals.update(url_for_page=url_for_page, url_with_sort=url_with_sort,
                                  url_for_query=url_for_query)
    from registry.error_summary import error_summary_entries

    app.jinja_env.globals["error_summary_entries"] = error_summary_entries
    from registry.auth.scope import scope_region

    from registry.certificates.renewal import continuous_since

    app.jinja_env.globals["continuous_since"] = continuous_since
    # The region a regional office's pages are limited to (None: the whole country).
    app.jinja_env.globals["my_scope_region"] = lambda: scope_region(current_user)

    @app.context_processor
    def _helpers():
        return {
            "can": lambda action, obj=None: can(current_user, action, obj),
            "language_names": LANGUAGE_NAMES,
            "current_locale": str(get_locale() or "en"),
        }
