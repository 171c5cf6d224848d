"""The audit browser (administrators): filter by person, action, record and date."""
from __future__ import annotations

import json
from datetime import datetime, time, timezone

from flask import Blueprint, abort, redirect, render_template
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from registry.audit.models import AuditEvent
from registry.auth.models import User
from registry.auth.permissions import require
from registry.extensions import db
from registry.templating import paginate, url_for_query
from registry.spreadsheets import Sheet
from registry.web import day_after, read_filters, spreadsheet_download

bp = Blueprint("audit", __name__, url_prefix="/admin/audit")


def _filters():
    return read_filters(text=("action", "record_type"), ids=("actor", "record_id"),
                        days=("since", "until"))


def _events_query(filters):
    """The audit events for the browser's filters, newest first (the page and the export)."""
    query = select(AuditEvent)
    if filters["actor"] is not None:
        query = query.where(AuditEvent.actor_id == filters["actor"])
    if filters["action"]:
        query = query.where(AuditEvent.action.like(f"{filters['action']}%"))
    if filters["record_type"]:
        query = query.where(AuditEvent.record_type == filters["record_type"])
    if filters["record_id"] is not None:
        query = query.where(AuditEvent.record_id == filters["record_id"])
    since, until = filters["since"], filters["until"]
    if since:
        query = query.where(AuditEvent.at >= datetime.combine(since, time(), timezone.utc))
    # Until the end of 9999-12-31 is no bound at all.
    if until and day_after(until):
        query = query.where(
            AuditEvent.at < datetime.combine(day_after(until), time(), timezone.utc))
    return query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())


@bp.route("/")
def index():
    require(current_user, "audit.view")
    filters = _filters()
    actors = db.session.scalars(select(User).order_by(User.name)).all()
    record_types = db.session.scalars(
        select(AuditEvent.record_type).distinct().order_by(AuditEvent.record_type)).all()
    return render_template("audit/index.html", page=paginate(_events_query(filters), per_page=50),
                           filters=filters.shown, actors=actors, record_types=record_types)


@bp.route("/events.xlsx")
def export():
    """The filtered audit log as .xlsx, with each event's place in the hash chain (a filter
    that cannot be read sends the user to the browser, which says so)."""
    require(current_user, "audit.view")
    filters = _filters()
    if filters.ignored:
        return redirect(url_for_query("audit.index"))
    events = db.session.scalars(_events_query(filters)).all()
    sheet = Sheet(_("Audit log"), [
        _("When (UTC)"), _("Who"), _("Action"), _("Record"), _("Record number"), _("Summary"),
        _("Details"), _("Sequence"), _("Hash")],
        [[event.at.replace(tzinfo=None), event.actor.name if event.actor else _("System"),
          event.action, event.record_type, event.record_id, event.summary,
          json.dumps(event.details, ensure_ascii=False, sort_keys=True), event.seq, event.hash]
         for event in events])
    return spreadsheet_download(sheet, "xlsx", "audit-log")


@bp.route("/<int:event_id>")
def show(event_id: int):
    require(current_user, "audit.view")
    event = db.session.get(AuditEvent, event_id)
    if event is None:
        abort(404)
    return render_template("audit/show.html", event=event)
