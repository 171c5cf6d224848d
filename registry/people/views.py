"""Participants: search, the person page, create (without duplicates), edit, merge."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from registry.auth.permissions import can, require
from registry.extensions import db
from registry.people import services
from registry.people.forms import MergeForm, PersonForm
from registry.people.models import Person
from registry.people.visibility import visible_seminar_ids
from registry.seminars.models import Registration, Seminar
from registry.templating import paginate
from registry.web import optional_record_id, spreadsheet_download, unit_of_work

bp = Blueprint("people", __name__, url_prefix="/people")
# The entry forms (here and on a seminar) ask it whether to offer "a different person".
bp.add_app_template_global(services.override_offered)


def _get(person_id: int) -> Person:
    person = db.session.get(Person, person_id)
    if person is None:
        abort(404)
    return person


def warn_if_unprintable(person: Person) -> None:
    """A warning that does not block: the name holds a character no certificate can print."""
    from registry.certificates.glyphs import describe

    characters = services.unprintable_in_name(person)
    if characters:
        flash(_("The name of %(name)s contains %(characters)s, which no certificate font can "
                "print. Check the spelling (a letter typed from another keyboard?) before "
                "certificates are printed.", name=person.full_name,
                characters=describe(characters)), "warning")


@bp.route("/")
def index():
    require(current_user, "person.view")
    term = request.args.get("q", "").strip()
    query = services.people_query(term, viewer=current_user).options(
        selectinload(Person.organization), selectinload(Person.region))
    return render_template("people/index.html", page=paginate(query), term=term)


@bp.route("/export.<fmt>")
def export(fmt: str):
    """The people list (with the page's search) as .xlsx or .csv; the national identifier
    only for those who may see it."""
    require(current_user, "person.export")
    term = request.args.get("q", "").strip()
    people = db.session.scalars(services.people_query(term, viewer=current_user).options(
        selectinload(Person.organization), selectinload(Person.region))).all()
    sheet = services.people_sheet(people, private=can(current_user, "person.view_private"))
    return spreadsheet_download(sheet, fmt, "people")


@bp.route("/new", methods=["GET", "POST"])
def create():
    require(current_user, "person.create")
    form = PersonForm(consent=can(current_user, "person.public_listing"))
    candidates = []
    if request.method == "GET" and request.args.get("full_name"):
        form.full_name.data = request.args["full_name"]
    if form.validate_on_submit():
        with unit_of_work(form) as uow:
            person = services.create_person(form.values(), actor=current_user,
                                            allow_duplicates=form.allow_duplicate.data)
        if isinstance(uow.error, services.DuplicatePerson):
            candidates = uow.error.candidates
        if uow.ok:
            flash(_("%(name)s added.", name=person.full_name), "success")
            warn_if_unprintable(person)
            return redirect(url_for("people.show", person_id=person.id))
    return render_template("people/form.html", form=form, person=None, candidates=candidates)


@bp.route("/<int:person_id>")
def show(person_id: int):
    person = _get(person_id)
    current = services.resolve(person)
    require(current_user, "person.view", current)
    if current.id != person.id:
        flash(_("This record was merged into %(name)s.", name=current.full_name), "info")
        return redirect(url_for("people.show", person_id=current.id))
    query = select(Registration).join(Registration.seminar).where(
        Registration.person_id == person.id)
    own_seminars = visible_seminar_ids(current_user)
    if own_seminars is not None:
        # A trainer sees this person's records on their own seminars, never others' scores.
        query = query.where(Registration.seminar_id.in_(own_seminars))
    registrations = db.session.scalars(
        query.options(selectinload(Registration.seminar).selectinload(Seminar.days),
                 selectinload(Registration.seminar).selectinload(Seminar.trainers),
                 selectinload(Registration.attendance))
        .order_by(Seminar.start_date.desc(), Registration.id)).all()
    merged = db.session.scalars(select(Person).where(Person.merged_into_id == person.id)
                                .order_by(Person.id)).all()
    return render_template("people/show.html", person=person, registrations=registrations,
                           merged=merged, all_seminars=own_seminars is None)


@bp.route("/<int:person_id>/edit", methods=["GET", "POST"])
def edit(person_id: int):
    person = _get(person_id)
    require(current_user, "person.edit", person)
    if person.merged_into_id is not None:
        flash(_("This record was merged into another one and cannot be changed."), "error")
        return redirect(url_for("people.show", person_id=person.id))
    form = PersonForm(obj=person, new=False,
                      show_national_id=can(current_user, "person.view_private"),
                      consent=can(current_user, "person.public_listing"))
    if form.validate_on_submit():
        with unit_of_work(form) as uow:
            services.update_person(person, form.values(), actor=current_user,
                                   seen=form.seen())
        if uow.ok:
            flash(_("%(name)s saved.", name=person.full_name), "success")
            warn_if_unprintable(person)
            return redirect(url_for("people.show", person_id=person.id))
    form.show_names(person)  # what the form shows now is what a save is checked against
    return render_template("people/form.html", form=form, person=person, candidates=[])


@bp.route("/<int:person_id>/merge", methods=["GET", "POST"])
def merge(person_id: int):
    """Merge this record (the duplicate) into another one: choose it, confirm, merge."""
    require(current_user, "person.merge")
    source = _get(person_id)
    if source.merged_into_id is not None:
        flash(_("This record was already merged into another one."), "error")
        return redirect(url_for("people.show", person_id=source.id))
    form = MergeForm()
    term = request.args.get("q", "").strip()
    target = None
    target_id = optional_record_id(request.values.get("target_id", ""))
    if target_id is not None:
        target = db.session.get(Person, target_id)
        if target is None:
            abort(404)
        require(current_user, "person.merge", target)  # a regional office: its own people
    if request.method == "POST" and form.validate_on_submit() and target is not None:
        with unit_of_work() as uow:
            services.merge_people(source, target, actor=current_user)
        if uow.ok:
            flash(_("%(source)s was merged into %(target)s.", source=source.full_name,
                    target=target.full_name), "success")
            return redirect(url_for("people.show", person_id=target.id))
    elif request.method == "POST":
        flash(_("Choose the record to keep."), "error")
    suggestions = [candidate for candidate in services.find_duplicates(
        full_name=source.full_name, national_id=source.national_id, email=source.email,
        organization_id=source.organization_id, region_id=source.region_id,
        exclude_id=source.id)]
    results = None
    if term:
        results = db.session.scalars(
            services.people_query(term, viewer=current_user).where(Person.id != source.id).limit(20)).all()
    return render_template("people/merge.html", source=source, target=target, form=form,
                           term=term, results=results, suggestions=suggestions)
