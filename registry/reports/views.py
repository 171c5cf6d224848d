"""The dashboard: what each role needs first when signing in."""
from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user
from sqlalchemy import func, select

from registry.auth.permissions import can, require
from registry.catalog.models import Course, Region
from registry.extensions import db
from registry.people.models import Organization, Person

bp = Blueprint("reports", __name__)


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@bp.route("/")
def dashboard():
    require(current_user, "dashboard.view")
    from registry.certificates.models import Certificate
    from registry.seminars.models import Seminar

    figures = {
        "people": _count(Person),
        "organizations": _count(Organization),
        "courses": _count(Course),
        "regions": _count(Region),
        "seminars": _count(Seminar),
    }
    if can(current_user, "certificate.view"):
        figures["certificates"] = _count(Certificate)
    return render_template("reports/dashboard.html", figures=figures)
