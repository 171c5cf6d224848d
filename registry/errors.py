"""Domain errors and error pages.

A ``DomainError`` is a rule of the domain saying no (a full seminar, a certificate that may
not be issued). Views turn it into a flashed message or a 4xx; it never becomes a 500.
"""
from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException


class DomainError(Exception):
    """A rule of the domain refused the action. ``message`` is shown to the user."""

    status_code = 400

    def __init__(self, message, *, field: str | None = None):
        # Kept lazy: turning it into text picks the user's language, which may need the
        # database - not possible while a failed flush waits for its rollback.
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(DomainError):
    status_code = 404


class PermissionDenied(DomainError):
    status_code = 403


class Conflict(DomainError):
    """The action clashes with the current state (a duplicate, a stale edit)."""

    status_code = 409


class InvalidState(DomainError):
    """The record is not in a state that allows this action."""

    status_code = 409


ERROR_TITLES = {
    400: _l("Bad request"),
    403: _l("Not allowed"),
    404: _l("Not found"),
    405: _l("Method not allowed"),
    409: _l("Conflict"),
    410: _l("No longer available"),
    413: _l("File too large"),
    429: _l("Too many requests"),
    500: _l("Something went wrong"),
}

ERROR_EXPLANATIONS = {
    400: _l("The request could not be understood. Please go back and try again."),
    403: _l("Your account does not have permission to do this."),
    404: _l("There is nothing at this address. Check the link or go back to the start page."),
    405: _l("This address does not accept this kind of request."),
    409: _l("This action clashes with the current state of the record."),
    410: _l("This was here, but it has been removed."),
    413: _l("The file you sent is too large. The limit is %(limit)s MB."),
    429: _l("Too many requests in a short time. Please wait a minute and try again."),
    500: _l("An unexpected error happened on our side. It has been logged; nothing was saved."),
}


def _wants_json() -> bool:
    return request.path.endswith(".json") or (
        request.accept_mimetypes.best == "application/json"
    )


def render_error(code: int, reason: str | None = None):
    from registry.extensions import db

    if code >= 500:
        # Whatever the failed request half-wrote must not leak into the next one.
        db.session.rollback()
    title = ERROR_TITLES.get(code, ERROR_TITLES[500])
    explanation = ERROR_EXPLANATIONS.get(code, ERROR_EXPLANATIONS[500])
    if code == 413:
        from flask import current_app

        limit = (current_app.config.get("MAX_CONTENT_LENGTH") or 0) // (1024 * 1024)
        explanation = explanation % {"limit": limit}
    if _wants_json():
        return jsonify(error=str(title), reason=str(reason or explanation)), code
    return (
        render_template("errors/error.html", code=code, title=title, explanation=explanation, reason=reason),
        code,
    )


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        reason = error.description if getattr(error, "_registry_reason", False) else None
        return render_error(error.code or 500, reason)

    @app.errorhandler(DomainError)
    def _domain_error(error: DomainError):
        from registry.extensions import db

        db.session.rollback()
        return render_error(error.status_code, str(error.message))

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        app.logger.exception("Unhandled error on %s %s", request.method, request.path)
        return render_error(500)


def abort_with_reason(code: int, reason: str):
    """Abort with an HTTP error whose reason is shown to the user (a 4xx with a reason)."""
    from werkzeug.exceptions import default_exceptions

    error = default_exceptions[code](description=str(reason))
    error._registry_reason = True
    raise error
