"""Seminar screens: the list, planning, the roster with its figures, registration, attendance
per day, exam results, completion and the printable sign-in sheet."""
from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import force_locale, format_date
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from registry.auth.models import User
from registry.auth.permissions import can, get_permitted, require
from registry.auth.scope import region_ids_in_scope
from registry.catalog.forms import region_groups
from registry.catalog.models import Course
from registry.certificates.glyphs import describe as describe_unprintable
from registry.database import write_intent
from registry.error_summary import ErrorEntry
from registry.documents import render_pdf_kept
from registry.extensions import db
from registry.home import services as home
from registry.people import services as people_services
from registry.people.forms import PersonForm
from registry.people.models import Person
from registry.people.views import warn_if_unprintable
from registry.seminars import corrections, services, uploads
from registry.seminars.forms import (
    CancelSeminarForm,
    CompleteSeminarForm,
    ImportConfirmForm,
    ImportForm,
    CorrectionForm,
    SeminarForm,
    parse_day_marks,
    parse_scores,
    shown_ids,
)
from registry.seminars.models import (
    OUTCOME_LABELS, REGISTRATION_STATUS_LABELS, SEMINAR_STATUS_LABELS, SEMINAR_STATUSES,
    Registration, Seminar, SeminarDay,
)
from registry.seminars.roster_import import (
    COLUMN_LABELS, ImportRejected, apply_import, plan_import, read_upload, template_workbook,
)
from registry.spreadsheets import MAX_UPLOAD_BYTES, XLSX_MIMETYPE
from registry.templating import paginate
from registry.web import (
    ConfirmForm, confirmed, file_response, optional_record_id, outside_transaction, parse_day,
    pdf_limit, read_filters, record_ids, spreadsheet_download, unit_of_work,
)

bp = Blueprint("seminars", __name__, url_prefix="/seminars")

bp.add_app_template_global(SEMINAR_STATUS_LABELS, "seminar_status_labels")
bp.add_app_template_global(REGISTRATION_STATUS_LABELS, "registration_status_labels")
bp.add_app_template_global(describe_unprintable, "describe_characters")
bp.add_app_template_global(OUTCOME_LABELS, "outcome_labels")

SORTS = {"start": Seminar.start_date, "title": Seminar.title, "status": Seminar.status,
         "course": Course.title}


def _get(seminar_id: int, action: str = "seminar.view") -> Seminar:
    return get_permitted(Seminar, seminar_id, action)


def _get_day(seminar: Seminar, day_id: int) -> SeminarDay:
    seminar_day = db.session.get(SeminarDay, day_id)
    if seminar_day is None or seminar_day.seminar_id != seminar.id:
        abort(404)
    return seminar_day


@bp.route("/")
def index():
    require(current_user, "seminar.list")
    filters = read_filters(text=("q", "status"), ids=("course", "region", "trainer"),
                           days=("since", "until"))
    args = filters.shown
    query = services.find_seminars(
        current_user, status=filters["status"], course_id=filters["course"],
        region_id=filters["region"], trainer_id=filters["trainer"],
        since=filters["since"], until=filters["until"], term=filters["q"])
    sort = request.args.get("sort", "-start")
    column = SORTS.get(sort.lstrip("-"), Seminar.start_date)
    query = query.order_by(column.desc() if sort.startswith("-") else column.asc(),
                           Seminar.id.desc())
    query = query.options(selectinload(Seminar.course), selectinload(Seminar.region),
                          selectinload(Seminar.trainers))
    courses = db.session.scalars(select(Course).order_by(Course.title)).all()
    trainers = db.session.scalars(select(User).where(User.role == "trainer")
                                  .order_by(User.name)).all()
    return render_template("seminars/index.html", page=paginate(query), args=args,
                           courses=courses,
                           regions=region_groups(within=region_ids_in_scope(current_user)),
                           trainers=trainers,
                           statuses=SEMINAR_STATUSES,
                           filtered=any(args.values()))


def _seminar_values(form: SeminarForm) -> dict:
    trainers = db.session.scalars(select(User).where(User.id.in_(form.trainer_ids.data or [0]))
                                  ).all()
    return {
        "title": form.title.data, "start_date": form.start_date.data,
        "end_date": form.end_date.data, "dates": form.parsed_dates, "venue": form.venue.data,
        "region_id": form.region_id.data, "language": form.language.data,
        "capacity": form.capacity.data, "waitlist_enabled": form.waitlist_enabled.data,
        "trainers": list(trainers),
    }


@bp.route("/new", methods=["GET", "POST"])
def create():
    require(current_user, "seminar.create")
    form = SeminarForm()
    if request.method == "GET":
        if current_user.role == "trainer":
            form.trainer_ids.data = [current_user.id]
        course_id = optional_record_id(request.args.get("course", ""))
        if course_id is not None:
            form.course_id.data = course_id
        form.language.data = request.args.get("language") or "uz"
    if form.validate_on_submit():
        course = db.session.get(Course, form.course_id.data)
        with unit_of_work(form) as uow:
            seminar = services.create_seminar(course=course, actor=current_user,
                                              **_seminar_values(form))
        if uow.ok:
            flash(_("Seminar “%(title)s” planned. Open it for registration when ready.",
                    title=seminar.title), "success")
            return redirect(url_for("seminars.show", seminar_id=seminar.id))
    return render_template("seminars/form.html", form=form, seminar=None)


def _consecutive(days: list[date]) -> bool:
    return all((b - a).days == 1 for a, b in zip(days, days[1:]))


@bp.route("/<int:seminar_id>/edit", methods=["GET", "POST"])
def edit(seminar_id: int):
    seminar = _get(seminar_id, "seminar.edit")
    if not seminar.is_editable:
        flash(_("A completed or cancelled seminar cannot be changed."), "error")
        return redirect(url_for("seminars.show", seminar_id=seminar.id))
    form = SeminarForm(obj=seminar, seminar=seminar)
    if request.method == "GET":
        form.trainer_ids.data = [t.id for t in seminar.trainers]
        days = [d.day for d in seminar.days]
        if not _consecutive(days):
            form.dates.data = "\n".join(day.isoformat() for day in days)
    if form.validate_on_submit():
        with unit_of_work(form) as uow:
            services.update_seminar(seminar, actor=current_user, **_seminar_values(form))
        if uow.ok:
            flash(_("Seminar “%(title)s” saved.", title=seminar.title), "success")
            return redirect(url_for("seminars.show", seminar_id=seminar.id))
    return render_template("seminars/form.html", form=form, seminar=seminar)


@bp.route("/<int:seminar_id>")
def show(seminar_id: int):
    seminar = _get(seminar_id)
    services.load_roster(seminar)
    registered = seminar.registered()
    cancelled = sorted((r for r in seminar.registrations if r.status == "cancelled"),
                       key=lambda r: r.status_changed_at)
    return render_template("seminars/show.html", seminar=seminar, registered=registered,
                           waiting=seminar.waiting_list(), cancelled=cancelled,
                           figures=services.roster_figures(seminar, registered),
                           confirm_form=ConfirmForm(),
                           step=home.next_step(seminar) if seminar.status == "in_progress" else None)


@bp.route("/<int:seminar_id>/status", methods=["POST"])
def change_status(seminar_id: int):
    seminar = _get(seminar_id, "seminar.edit")
    new_status = request.form.get("status", "")
    if confirmed():
        with unit_of_work() as uow:
            services.change_status(seminar, new_status, actor=current_user)
        if uow.ok:
            message = {"open": _("The seminar is open for registration."),
                       "in_progress": _("The seminar is in progress: attendance and results "
                                        "can be recorded.")}[new_status]
            flash(message, "success")
    return redirect(url_for("seminars.show", seminar_id=seminar.id))


@bp.route("/<int:seminar_id>/cancel", methods=["GET", "POST"])
def cancel(seminar_id: int):
    seminar = _get(seminar_id, "seminar.edit")
    form = CancelSeminarForm()
    if form.validate_on_submit():
        with unit_of_work(form) as uow:
            services.cancel_seminar(seminar, actor=current_user, reason=form.reason.data)
        if uow.ok:
            flash(_("Seminar “%(title)s” cancelled.", title=seminar.title), "success")
            return redirect(url_for("seminars.show", seminar_id=seminar.id))
    return render_template("seminars/cancel.html", seminar=seminar, form=form)


@bp.route("/<int:seminar_id>/complete", methods=["GET", "POST"])
def complete(seminar_id: int):
    seminar = _get(seminar_id, "seminar.edit")
    services.load_roster(seminar)
    form = CompleteSeminarForm()
    if form.validate_on_submit():
        with unit_of_work() as uow:
            services.complete_seminar(seminar, actor=current_user,
                                      leave_undecided_pending=form.leave_pending.data)
        if uow.ok:
            flash(_("Seminar “%(title)s” completed.", title=seminar.title), "success")
            return redirect(url_for("seminars.show", seminar_id=seminar.id))
    registered = seminar.registered()
    return render_template("seminars/complete.html", seminar=seminar, form=form,
                           undecided=services.undecided(seminar),
                           figures=services.roster_figures(seminar, registered))


# --- registration ------------------------------------------------------------------------------

def _flash_registration(registration: Registration) -> None:
    name = registration.person.full_name
    if registration.status == "registered":
        flash(_("%(name)s is registered.", name=name), "success")
    else:
        position = registration.seminar.waiting_list().index(registration) + 1 \
            if registration in registration.seminar.waiting_list() else None
        flash(_("The seminar is full: %(name)s is on the waiting list (number %(n)s).",
                name=name, n=position or "?"), "warning")


@bp.route("/<int:seminar_id>/register", methods=["GET", "POST"])
def register(seminar_id: int):
    """Find a person (name, organization, email) and register them; or go on to create one."""
    seminar = _get(seminar_id, "seminar.register")
    form = ConfirmForm()
    if request.method == "POST":
        raw = request.form.get("person_id", "")
        person_id = optional_record_id(raw)
        person = db.session.get(Person, person_id) if person_id is not None else None
        if person is not None:
            # Only someone the user may see; the others are registered by the office.
            require(current_user, "person.view", person)
        if not form.validate_on_submit() or person is None:
            flash(_("Choose a person to register."), "error")
        else:
            with unit_of_work() as uow:
                registration = services.register_person(seminar, person, actor=current_user)
            if uow.ok:
                _flash_registration(registration)
                # Stay here, the search box empty and focused: the next person is typed
                # at once ("add another"), not four clicks away.
                return redirect(url_for("seminars.register", seminar_id=seminar.id))
        return redirect(url_for("seminars.register", seminar_id=seminar.id,
                                q=request.form.get("q", "")))
    term = request.args.get("q", "").strip()
    page = None
    on_list = {}
    if term:
        query = people_services.people_query(term, viewer=current_user).options(
            selectinload(Person.organization))
        page = paginate(query, per_page=20)
        on_list = {reg.person_id: reg.status for reg in seminar.registrations}
    return render_template("seminars/register.html", seminar=seminar, term=term, page=page,
                           on_list=on_list, form=form)


@bp.route("/<int:seminar_id>/register/new", methods=["GET", "POST"])
def register_new(seminar_id: int):
    """Create a participant and register them at once - unless they probably exist already,
    in which case the likely records are offered instead."""
    seminar = _get(seminar_id, "seminar.register")
    form = PersonForm(consent=can(current_user, "person.public_listing"))
    candidates = []
    if request.method == "GET" and request.args.get("full_name"):
        form.full_name.data = request.args["full_name"]
    if form.validate_on_submit():
        with unit_of_work(form) as uow:
            registration = services.register_new_person(
                seminar, form.values(), actor=current_user,
                allow_duplicates=form.allow_duplicate.data)
        if isinstance(uow.error, people_services.DuplicatePerson):
            candidates = uow.error.candidates
        if uow.ok:
            _flash_registration(registration)
            warn_if_unprintable(registration.person)
            return redirect(url_for("seminars.register", seminar_id=seminar.id))
    on_list = {reg.person_id: reg.status for reg in seminar.registrations}
    return render_template("seminars/register_new.html", seminar=seminar, form=form,
                           candidates=candidates, on_list=on_list,
                           confirm_form=ConfirmForm())


@bp.route("/<int:seminar_id>/registrations/<int:registration_id>/cancel", methods=["POST"])
def cancel_registration(seminar_id: int, registration_id: int):
    seminar = _get(seminar_id, "seminar.register")
    registration = db.session.get(Registration, registration_id)
    if registration is None or registration.seminar_id != seminar.id:
        abort(404)
    if not confirmed():
        return redirect(url_for("seminars.show", seminar_id=seminar.id))
    name = registration.person.full_name
    with unit_of_work() as uow:
        promoted = services.cancel_registration(registration, actor=current_user)
    if uow.ok:
        flash(_("Registration of %(name)s cancelled.", name=name), "success")
        if promoted is not None:
            flash(_("%(name)s moved up from the waiting list and is now registered.",
                    name=promoted.person.full_name), "success")
    return redirect(url_for("seminars.show", seminar_id=seminar.id))


# --- attendance, results, sign-in sheet --------------------------------------------------------

@bp.route("/<int:seminar_id>/days/<int:day_id>/attendance", methods=["GET", "POST"])
def attendance(seminar_id: int, day_id: int):
    """One form for the whole day: a checkbox per participant, "mark all present", and a step
    on to the next day (or to the exam results after the last day)."""
    seminar = _get(seminar_id, "seminar.attendance")
    seminar_day = _get_day(seminar, day_id)
    services.load_roster(seminar)
    form = ConfirmForm()
    next_day = _next_day(seminar, seminar_day)
    if request.method == "POST":
        registered = seminar.registered()
        if request.form.get("all_present") == "1":
            present = [reg.id for reg in registered]
        else:
            present = record_ids(request.form.getlist("present"))
        if confirmed(form):
            with unit_of_work() as uow:
                counts = services.record_attendance(seminar_day, present, actor=current_user,
                                                    shown_ids=shown_ids(request.form))
            if uow.ok:
                flash(_("Attendance on %(day)s saved: %(present)s present, %(absent)s absent.",
                        day=_format_day(seminar_day.day), **counts), "success")
                step = request.form.get("then")
                if (step == "results" and next_day is None
                        and can(current_user, "seminar.results", seminar)):
                    # The kept ticks now equal the saved ones, so the day's page drops them
                    # whenever it is opened again.
                    return redirect(url_for("seminars.results", seminar_id=seminar.id))
                # Read once by the next attendance page: the browser then forgets the ticks it
                # kept for this day in case the save did not reach us (static/js/attendance.js).
                session[_SAVED_DAY_KEY] = seminar_day.id
                if step == "next" and next_day is not None:
                    return redirect(url_for("seminars.attendance", seminar_id=seminar.id,
                                            day_id=next_day.id))
        return redirect(url_for("seminars.attendance", seminar_id=seminar.id,
                                day_id=seminar_day.id))
    registered = seminar.registered()
    marks = {}
    for reg in registered:
        for mark in reg.attendance:
            if mark.seminar_day_id == seminar_day.id:
                marks[reg.id] = mark.present
    saved_day_id = session.pop(_SAVED_DAY_KEY, None)
    return render_template("seminars/attendance.html", seminar=seminar, seminar_day=seminar_day,
                           registered=registered, marks=marks, form=form,
                           day_number=seminar.days.index(seminar_day) + 1, next_day=next_day,
                           roster_version=_roster_version(registered),
                           saved_day_id=saved_day_id)


_SAVED_DAY_KEY = "attendance_saved_day"


def _next_day(seminar: Seminar, seminar_day: SeminarDay) -> SeminarDay | None:
    days = list(seminar.days)
    position = days.index(seminar_day)
    return days[position + 1] if position + 1 < len(days) else None


def _roster_version(registered) -> str:
    """A short fingerprint of who is on the day's list: ticks kept in the browser are restored
    only onto the same list, never onto one where a row has come or gone since."""
    ids = ",".join(str(reg.id) for reg in sorted(registered, key=lambda reg: reg.id))
    return hashlib.sha256(ids.encode()).hexdigest()[:12]


def _format_day(value: date) -> str:
    return format_date(value, "medium")


@bp.route("/<int:seminar_id>/results", methods=["GET", "POST"])
def results(seminar_id: int):
    """Exam scores and "leave pending" for every participant in one form."""
    seminar = _get(seminar_id, "seminar.results")
    services.load_roster(seminar)
    registered = seminar.registered()
    form = ConfirmForm()
    errors: dict = {}
    if request.method == "POST":
        values, errors = parse_scores(request.form, registered)
        if not confirmed(form):
            return redirect(url_for("seminars.results", seminar_id=seminar.id))
        if errors:
            # Nothing is saved: mark what is out of range too, not only what is not a number
            # ("7O" and 101 together). The service itself names every bad score at once.
            errors = {**services.score_errors(seminar, values), **errors}
        else:
            with unit_of_work(quiet=True) as uow:
                changed = services.record_results(seminar, values, actor=current_user)
            error = uow.error
            if isinstance(error, services.InvalidScores):
                errors = dict(error.errors)
            elif error is not None:
                flash(str(error.message), "error")
                return redirect(url_for("seminars.results", seminar_id=seminar.id))
            else:
                flash(ngettext("Results saved (%(num)s changed).", "Results saved (%(num)s changed).",
                               changed), "success")
                return redirect(url_for("seminars.results", seminar_id=seminar.id))
        flash(_("Nothing was saved: correct the marked scores."), "error")
    # The summary at the top lists the marked rows in the table's order, each a link to its score.
    summary_errors = [ErrorEntry(message=str(errors[reg.id]), target=f"score-{reg.id}",
                                 label=reg.person.full_name)
                      for reg in registered if reg.id in errors]
    return render_template("seminars/results.html", seminar=seminar, registered=registered,
                           form=form, errors=errors, summary_errors=summary_errors,
                           submitted=request.form if request.method == "POST" else {})


@bp.route("/<int:seminar_id>/registrations/<int:registration_id>/correct",
          methods=["GET", "POST"])
def correct(seminar_id: int, registration_id: int):
    """The office corrects one participant's record after completion, with a reason; an
    issued certificate goes to the review queue."""
    seminar = _get(seminar_id, "seminar.correct")
    registration = db.session.get(Registration, registration_id)
    if registration is None or registration.seminar_id != seminar.id:
        abort(404)
    if not seminar.records_frozen:
        flash(_("While the seminar runs, attendance and results are entered on its pages."),
              "info")
        return redirect(url_for("seminars.show", seminar_id=seminar.id))
    form = CorrectionForm(obj=registration)
    marks = {mark.seminar_day_id: mark.present for mark in registration.attendance}
    day_errors: dict = {}
    if request.method == "POST":
        # What was chosen is shown again if anything is refused.
        attendance, day_errors = parse_day_marks(request.form, seminar.days)
        marks.update({day_id: value for day_id, value in attendance.items()})
    if form.validate_on_submit():
        if not day_errors:
            with unit_of_work(form) as uow:
                result = corrections.correct_record(
                    registration, actor=current_user, reason=form.reason.data,
                    attendance=attendance, exam_score=form.exam_score.data,
                    left_pending=form.left_pending.data)
            if uow.ok:
                flash(_("The record of %(name)s was corrected.",
                        name=registration.person.full_name), "success")
                if result.review_item is not None:
                    flash(_("Their certificate is in the review queue: decide whether to "
                            "re-issue, revoke or keep it."), "warning")
                    return redirect(url_for("reviews.show", item_id=result.review_item.id))
                return redirect(url_for("seminars.show", seminar_id=seminar.id))
            if uow.error is not None and (uow.error.field or "").startswith("day-"):
                day_errors[int(uow.error.field.split("-", 1)[1])] = uow.error.message
    summary_errors = [ErrorEntry(message=str(day_errors[day.id]), target=f"day-{day.id}",
                                 label=_("Day %(n)s", n=number))
                      for number, day in enumerate(seminar.days, 1) if day.id in day_errors]
    return render_template("seminars/correct.html", seminar=seminar, registration=registration,
                           form=form, marks=marks, day_errors=day_errors,
                           summary_errors=summary_errors)


@bp.route("/<int:seminar_id>/days/<int:day_id>/sign-in.pdf")
@pdf_limit
def sign_in_sheet(seminar_id: int, day_id: int):
    """The printable sign-in sheet of one day: names, organizations, a signature column."""
    seminar = _get(seminar_id, "seminar.attendance")
    seminar_day = _get_day(seminar, day_id)
    services.load_roster(seminar)
    day_number = [d.id for d in seminar.days].index(seminar_day.id) + 1
    # Printed in the seminar's language (the participants sign it), whatever the trainer's.
    with force_locale(seminar.language):
        html = render_template("documents/roster.html", seminar=seminar,
                               seminar_day=seminar_day, day_number=day_number,
                               registered=seminar.registered())
    # Kept until what it shows changes (a new name, another language, ...).
    data = render_pdf_kept(html, Path(current_app.instance_path) / "kept-documents" / "sign-in")
    return file_response(data, f"sign-in-{seminar.id}-{seminar_day.day.isoformat()}.pdf",
                         "application/pdf", inline=True)


# --- import of a participant list ------------------------------------------------------------

def _disclose_matches(plan) -> None:
    """The people on file a row was matched to are named only to whoever may know them."""
    people_services.disclose([row.match for row in plan.rows if row.match], current_user)


@bp.route("/<int:seminar_id>/import", methods=["GET", "POST"])
def import_list(seminar_id: int):
    """Upload a participant list and see, row by row, what importing it would do."""
    seminar = _get(seminar_id, "seminar.register")
    form = ImportForm()
    plan = token = None
    if form.validate_on_submit():
        data = form.file.data.read(MAX_UPLOAD_BYTES + 1)
        upload = outside_transaction(read_upload, data)
        with write_intent(False):  # a preview only reads: it never takes SQLite's write lock
            plan = plan_import(seminar, upload)
            _disclose_matches(plan)
        if plan.ok:
            token = uploads.stash_upload(seminar, current_user, data)
    return render_template("seminars/import.html", seminar=seminar, form=form, plan=plan,
                           confirm=ImportConfirmForm(token=token) if token else None,
                           labels=COLUMN_LABELS,
                           filename=form.file.data.filename if plan is not None else None)


@bp.route("/<int:seminar_id>/import/confirm", methods=["POST"])
def import_confirm(seminar_id: int):
    """Import the previewed file: everyone, or nobody if anything is wrong now."""
    seminar = _get(seminar_id, "seminar.register")
    confirm = ImportConfirmForm()
    path = (uploads.upload_path(seminar, current_user, confirm.token.data)
            if confirm.validate_on_submit() else None)
    if path is None or not path.is_file():
        flash(_("That preview has expired. Upload the file again."), "error")
        return redirect(url_for("seminars.import_list", seminar_id=seminar.id))
    upload = outside_transaction(read_upload, path.read_bytes())
    with unit_of_work() as uow:
        plan = apply_import(seminar, upload, actor=current_user)
    if isinstance(uow.error, ImportRejected):
        _disclose_matches(uow.error.plan)
        return render_template("seminars/import.html", seminar=seminar, form=ImportForm(),
                               plan=uow.error.plan, confirm=None, labels=COLUMN_LABELS,
                               filename=None), 422
    if not uow.ok:
        return redirect(url_for("seminars.import_list", seminar_id=seminar.id))
    path.unlink(missing_ok=True)
    added = plan.count("new") + plan.count("existing")
    flash(_("%(added)s participants registered (%(new)s new people, %(waiting)s on the waiting "
            "list); %(already)s were already on the list.", added=added, new=plan.count("new"),
            waiting=plan.waitlisted, already=plan.count("already")), "success")
    return redirect(url_for("seminars.show", seminar_id=seminar.id))


@bp.route("/<int:seminar_id>/import/template.xlsx")
def import_template(seminar_id: int):
    """An empty participant list with the columns the import understands, and the reference
    lists (sectors, regions) to copy names from."""
    seminar = _get(seminar_id, "seminar.register")
    return file_response(template_workbook(), f"participants-seminar-{seminar.id}.xlsx",
                         XLSX_MIMETYPE)


@bp.route("/<int:seminar_id>/roster.<fmt>")
def roster_export(seminar_id: int, fmt: str):
    """The roster with attendance and results as .xlsx or .csv."""
    seminar = _get(seminar_id)
    return spreadsheet_download(services.roster_sheet(seminar), fmt, f"seminar-{seminar.id}-roster")
