"""Helpers every template may use: ``can``, locale-aware dates, pagination, the language menu."""
from __future__ import annotations

from datetime import date, datetime
from math import ceil

from flask import Flask, current_app, request, url_for
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
    """The ``page`` query argument as a positive integer (anything else means page 1)."""
    raw = request.args.get("page", "1")
    return int(raw) if raw.isdigit() and int(raw) > 0 else 1


def paginate(query, *, per_page: int | None = None) -> Page:
    """Run ``query`` (a ``select()``) for the requested page; a page past the end shows the last."""
    per_page = per_page or current_app.config["PAGE_SIZE"]
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    pages = max(1, ceil(total / per_page))
    page = min(requested_page(), pages)
    items = db.session.scalars(query.limit(per_page).offset((page - 1) * per_page)).all()
    return Page(items, page=page, per_page=per_page, total=total)


def url_for_page(page: int) -> str:
    """The current URL with its query arguments, on another page."""
    args = request.args.to_dict(flat=False)
    args["page"] = [str(page)]
    return url_for(request.endpoint, **(request.view_args or {}), **args)


def url_with_sort(column: str) -> str:
    """The current URL sorted by ``column``; asking again for the same column reverses it."""
    args = request.args.to_dict(flat=False)
    current = request.args.get("sort", "")
    args["sort"] = ["-" + column if current == column else column]
    args.pop("page", None)
    return url_for(request.endpoint, **(request.view_args or {}), **args)


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
    app.jinja_env.globals.update(url_for_page=url_for_page, url_with_sort=url_with_sort)

    @app.context_processor
    def _helpers():
        return {
            "can": lambda action, obj=None: can(current_user, action, obj),
            "language_names": LANGUAGE_NAMES,
            "current_locale": str(get_locale() or "en"),
        }
