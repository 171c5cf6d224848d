"""``/healthz`` for the load balancer: 200 when this process can reach its database, else 503."""
from __future__ import annotations

from flask import Blueprint, jsonify
from sqlalchemy import text

from registry.extensions import db

bp = Blueprint("health", __name__)


@bp.route("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as error:  # any failure to reach the database means "take me out"
        db.session.rollback()
        return jsonify(status="unavailable", database=type(error).__name__), 503
    return jsonify(status="ok", database="ok")
