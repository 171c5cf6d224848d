"""Reference data screens: regions (a tree), sectors, organizations and courses.

The four kinds share one set of views because they behave alike: a list (searchable,
paginated), a form to create or change, and a confirmed delete that is refused while the
record is in use. Everyone on staff may look; only administrators may change.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import or_, select

from registry.auth.permissions import require
from registry.catalog import forms
from registry.catalog.models import Course, Region, Sector
from registry.catalog.services import delete_reference, label_of, save_reference
from registry.extensions import db
from registry.catalog.models import Organization
from registry.templating import paginate
from registry.web import ConfirmForm, optional_record_id, unit_of_work

bp = Blueprint("catalog", __name__, url_prefix="/reference")


@dataclass(frozen=True)
class Kind:
    model: type
    form: type
    title: object
    singular: object
    search_columns: tuple
    order_by: tuple


KINDS = {
    "regions": Kind(Region, forms.RegionForm, _l("Regions and districts"), _l("region"),
                    (Region.name,), (Region.country, Region.name)),
    "sectors": Kind(Sector, forms.SectorForm, _l("Sectors"), _l("sector"),
                    (Sector.name, Sector.code), (Sector.name,)),
    "organizations": Kind(Organization, forms.OrganizationForm, _l("Organizations"),
                          _l("organization"), (Organization.name,), (Organization.name,)),
    "courses": Kind(Course, forms.CourseForm, _l("Courses"), _l("course"),
                    (Course.title, Course.code), (Course.title,)),
}

# URL segment -> the service's kind name
_SERVICE_KIND = {"regions": "region", "sectors": "sector", "organizations": "organization",
                 "courses": "course"}


def _kind(kind: str) -> Kind:
    if kind not in KINDS:
        abort(404)
    return KINDS[kind]


def _get(kind: Kind, record_id: int):
    obj = db.session.get(kind.model, record_id)
    if obj is None:
        abort(404)
    return obj


@bp.route("/")
def index():
    require(current_user, "reference.view")
    return render_template("catalog/index.html", kinds=KINDS)


@bp.route("/<kind>")
def list_records(kind: str):
    require(current_user, "reference.view")
    spec = _kind(kind)
    term = request.args.get("q", "").strip()
    if kind == "regions" and not term:
        roots = db.session.scalars(
            select(Region).where(Region.parent_id.is_(None)).order_by(Region.country, Region.name)
        ).all()
        return render_template("catalog/regions.html", spec=spec, kind=kind, roots=roots,
                               term=term)
    query = select(spec.model)
    if term:
        query = query.where(or_(*(column.ilike(f"%{term}%") for column in spec.search_columns)))
    query = query.order_by(*spec.order_by, spec.model.id)
    template = "catalog/regions_search.html" if kind == "regions" else f"catalog/{kind}.html"
    return render_template(template, spec=spec, kind=kind, page=paginate(query),
                           term=term)


def _form_values(form) -> dict:
    values = {name: field.data for name, field in form._fields.items()
              if name not in ("submit", "csrf_token") and "__" not in name}
    if isinstance(form, forms.LanguageValues):
        values["translations"] = form.translations()
    return values


@bp.route("/<kind>/new", methods=["GET", "POST"])
def create(kind: str):
    require(current_user, "reference.manage")
    spec = _kind(kind)
    form = spec.form()
    parent_id = optional_record_id(request.args.get("parent", ""))
    if request.method == "GET" and kind == "regions" and parent_id is not None:
        # A link's convenience: a parent that does not exist (or is not a number) fills nothing.
        parent = db.session.get(Region, parent_id)
        if parent is not None:
            form.parent_id.data, form.country.data = parent.id, parent.country
            form.kind.data = "khoroo" if parent.country == "MN" and parent.kind == "district" \
                else "district"
    if form.validate_on_submit():
        with unit_of_work(form) as uow:
            obj = save_reference(_SERVICE_KIND[kind], spec.model(), _form_values(form),
                                 actor=current_user)
        if uow.ok:
            flash(_("“%(name)s” added.", name=label_of(obj)), "success")
            return redirect(url_for("catalog.list_records", kind=kind))
    return render_template("catalog/form.html", spec=spec, kind=kind, form=form, obj=None)


@bp.route("/<kind>/<int:record_id>", methods=["GET", "POST"])
def edit(kind: str, record_id: int):
    require(current_user, "reference.manage")
    spec = _kind(kind)
    obj = _get(spec, record_id)
    form = spec.form(obj=obj)
    if form.validate_on_submit():
        with unit_of_work(form) as uow:
            save_reference(_SERVICE_KIND[kind], obj, _form_values(form), actor=current_user)
        if uow.ok:
            flash(_("“%(name)s” saved.", name=label_of(obj)), "success")
            return redirect(url_for("catalog.list_records", kind=kind))
    return render_template("catalog/form.html", spec=spec, kind=kind, form=form, obj=obj)


@bp.route("/<kind>/<int:record_id>/delete", methods=["GET", "POST"])
def delete(kind: str, record_id: int):
    """GET asks for confirmation; POST deletes (or explains why it cannot)."""
    require(current_user, "reference.manage")
    spec = _kind(kind)
    obj = _get(spec, record_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        label = label_of(obj)
        with unit_of_work() as uow:
            delete_reference(_SERVICE_KIND[kind], obj, actor=current_user)
        if uow.ok:
            flash(_("“%(name)s” deleted.", name=label), "success")
        return redirect(url_for("catalog.list_records", kind=kind))
    return render_template("catalog/confirm_delete.html", spec=spec, kind=kind, obj=obj,
                           form=form)

