"""Staff screens for certificates: the register, one certificate, issuing for a seminar,
printing (one PDF for the printer, a ZIP of one PDF per person), re-issue, status changes,
and the issuer settings."""
from __future__ import annotations

import hashlib
from datetime import date

from flask import (
    Blueprint, Response, abort, current_app, flash, jsonify, redirect, render_template, request, url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload, selectinload, undefer

from registry.auth.permissions import can, get_permitted, require
from registry.auth.scope import seminar_column_condition, within_scope
from registry.catalog.models import Course
from registry.certificates import jobs, panels, services
from registry.certificates.forms import (
    SIGNATORY_ROWS,
    IssuerSettingsForm,
    ReissueForm,
    StatusForm,
    logo_type,
)
from registry.certificates.models import Certificate, PrintJob
from registry.certificates.glyphs import describe, missing_glyphs, unprintable_in_names
from registry.certificates.pdf import merge_pdfs, pdf_file_name, render_certificate, zip_pdfs
from registry.certificates.preview import IssuerDraft, sample_certificate
from registry.certificates.verification import holder_matches
from registry.errors import abort_with_reason
from registry.extensions import db
from registry.i18n import LANGUAGE_NAMES
from registry.localized import LOCALES, current_locale
from registry.people.models import Person
from registry.people.names import clean_name
from registry.reviews import services as review_services
from registry.reviews.models import ReviewItem
from registry.seminars.models import Registration, Seminar
from registry.templating import paginate, url_for_query
from registry.web import (
    ConfirmForm, confirmed, file_response, pdf_limit, spreadsheet_download, unit_of_work,
)
from registry.web import optional_record_id, read_filters

bp = Blueprint("certificates", __name__, url_prefix="/certificates")

panels.register(bp)

SORTS = {"number": (Certificate.prefix, Certificate.year, Certificate.serial),
         "holder": (Certificate.holder_name,), "issued": (Certificate.issued_on,),
         "valid_until": (Certificate.valid_until,)}
STATUS_FILTERS = ("valid", "expired", "suspended", "revoked", "superseded")


def _get(certificate_id: int, action: str = "certificate.view") -> Certificate:
    return get_permitted(Certificate, certificate_id, action)


def _get_seminar(seminar_id: int, action: str) -> Seminar:
    return get_permitted(Seminar, seminar_id, action)


def _filtered(query, status: str):
    today = date.today()
    if status == "superseded":
        return query.where(Certificate.superseded_by_id.is_not(None))
    query = query.where(Certificate.superseded_by_id.is_(None))
    if status in ("suspended", "revoked"):
        return query.where(Certificate.status == status)
    if status == "expired":
        return query.where(Certificate.status == "valid", Certificate.valid_until < today)
    if status == "valid":
        return query.where(Certificate.status == "valid",
                           or_(Certificate.valid_until.is_(None), Certificate.valid_until >= today))
    return query


def _register_query(args):
    """The register's rows for the filters in ``args`` (shared by the page and the export):
    of a regional office, only the certificates of seminars held in its region."""
    query = _filtered(select(Certificate), args["status"])
    query = within_scope(query, seminar_column_condition(current_user, Certificate.seminar_id))
    if args["course"] is not None:
        query = query.where(Certificate.course_id == args["course"])
    if args["seminar"] is not None:
        query = query.where(Certificate.seminar_id == args["seminar"])
    if args["q"]:
        query = query.join(Person, Person.id == Certificate.person_id).where(
            *holder_matches(args["q"]))
    sort = request.args.get("sort", "-number")
    columns = SORTS.get(sort.lstrip("-"), SORTS["number"])
    descending = sort.startswith("-")
    return query.order_by(*[c.desc() if descending else c.asc() for c in columns],
                          Certificate.id.desc())


def _register_filters():
    return read_filters(text=("q", "status"), ids=("course", "seminar"))


@bp.route("/")
def index():
    """The certificate register: newest revisions, filterable, sortable, paged."""
    require(current_user, "certificate.view")
    filters = _register_filters()
    courses = db.session.scalars(select(Course).order_by(Course.title)).all()
    return render_template("certificates/index.html", page=paginate(_register_query(filters)),
                           args=filters.shown, courses=courses, statuses=STATUS_FILTERS,
                           today=date.today(), filtered=any(filters.shown.values()))


@bp.route("/register.<fmt>")
def export(fmt: str):
    """The register, with the page's filters and order, as .xlsx or .csv (a filter that cannot
    be read sends the user to the register, which says so)."""
    require(current_user, "certificate.view")
    filters = _register_filters()
    if filters.ignored:
        return redirect(url_for_query("certificates.index"))
    certificates = db.session.scalars(_register_query(filters)).all()
    return spreadsheet_download(services.register_sheet(certificates), fmt,
                                f"certificates-{date.today().isoformat()}")


@bp.route("/<int:certificate_id>")
def show(certificate_id: int):
    certificate = _get(certificate_id)
    revisions = db.session.scalars(
        select(Certificate).where(Certificate.registration_id == certificate.registration_id)
        .order_by(Certificate.revision.desc())).all()
    return render_template("certificates/show.html", certificate=certificate,
                           revisions=revisions, today=date.today(),
                           reissued=request.args.get("reissued") == "1",
                           reasons=services.STATUS_REASONS,
                           url=services.verification_url(certificate), form=ConfirmForm(),
                           review=review_services.open_item_for(certificate.registration_id))


@bp.route("/<int:certificate_id>.pdf")
@pdf_limit
def pdf(certificate_id: int):
    """One certificate as PDF (``?preprinted=1``: only the variable text, for printed paper).

    A revoked certificate has none (410, saying why): its paper must not be handed out
    again, and a fresh print of it would look valid. Its record, revisions and the
    verification page (REVOKED) stay; a superseded revision still prints, as its own QR
    code says SUPERSEDED."""
    # One statement for what a reprint reads: the row with its kept file (if only for the
    # ETag's digest) and the seminar with who teaches and taught it (the permission check:
    # separation of duties). The check below finds them in the session, whose identity map is
    # weak: ``loaded`` holds them meanwhile. (``populate_existing``: loaded by the statement
    # even when the session knows the revision already - it has changed nothing yet.)
    loaded = db.session.get(Certificate, certificate_id, populate_existing=True,  # noqa: F841
                            options=[undefer(Certificate.pdf),
                                     joinedload(Certificate.seminar).options(
                                         joinedload(Seminar.trainers),
                                         joinedload(Seminar.taught_by))])
    certificate = _get(certificate_id, "certificate.print")
    if certificate.status == "revoked":
        abort_with_reason(410, _("Certificate %(number)s is revoked: it is not valid, so it is "
                                 "not printed any more. Its verification page says REVOKED.",
                                 number=certificate.printed_number))
    preprinted = request.args.get("preprinted") == "1"
    kept = None if preprinted else certificate.pdf
    if kept is not None:
        # A reprint: the kept file as it is - no transaction to commit (a commit with nothing
        # to write cost three statements), and a 304 when the browser already holds it.
        return _kept_pdf(certificate, kept)
    with unit_of_work() as uow:  # the commit keeps the rendered PDF for the next reprint
        data = services.certificate_pdf(certificate, preprinted=preprinted)
    if not uow.ok:
        return redirect(url_for("certificates.show", certificate_id=certificate.id))
    if preprinted:  # made on demand, never kept: nothing for a browser to revalidate
        return file_response(data, pdf_file_name(certificate.printed_number),
                             "application/pdf", inline=True)
    return _kept_pdf(certificate, data)


def _kept_pdf(certificate: Certificate, data: bytes) -> Response:
    """The kept full-design PDF of a revision, revalidated by the browser on every open.

    The ETag is strong (the file's bytes never change once kept: a correction is a new
    revision, at a new URL) and names the revision and the file's digest. ``private``: staff
    data, never in a shared cache; ``no-cache``: the browser asks again each time, so a
    revocation (410) or a lost permission is seen at once - the permission check has run
    before this, so a 304 goes only to someone who may print the revision. A conditional
    request that matches answers 304 with no body (``make_conditional``)."""
    response = file_response(data, pdf_file_name(certificate.printed_number), "application/pdf",
                             inline=True)
    response.set_etag(f"{certificate.id}-{hashlib.sha256(data).hexdigest()[:32]}")
    response.headers["Cache-Control"] = "private, no-cache"
    return response.make_conditional(request)


# --- issuing for a seminar ---------------------------------------------------------------------

def _roster_rows(seminar: Seminar) -> list[dict]:
    issued = {}
    for certificate in db.session.scalars(
            select(Certificate).where(Certificate.seminar_id == seminar.id)
            .order_by(Certificate.revision)):
        issued[certificate.registration_id] = certificate  # the newest revision wins
    rows = [{"registration": registration, "certificate": issued.get(registration.id),
             "reason": services.ineligibility(registration)}
            for registration in seminar.registered()]
    for row in rows:
        # The Latin form the certificate will print, derived when the record has none: shown
        # before issuing, so a wrong one is corrected in the person's record first.
        person = row["registration"].person
        row["derived_latin"] = (services.issued_latin_name(person, seminar)
                                if row["certificate"] is None and not person.latin_name
                                else None)
    return rows


@bp.route("/seminar/<int:seminar_id>")
def seminar(seminar_id: int):
    """Who of a seminar gets a certificate, why the others do not, and the print buttons."""
    seminar = _get_seminar(seminar_id, "certificate.issue")
    db.session.scalars(select(Registration).where(Registration.seminar_id == seminar.id)
                       .options(selectinload(Registration.person),
                                selectinload(Registration.attendance))).all()
    rows = _roster_rows(seminar)
    to_issue = sum(1 for row in rows if row["certificate"] is None and row["reason"] is None)
    printable = sum(1 for row in rows if row["certificate"] is not None
                    and row["certificate"].status != "revoked")
    jobs = db.session.scalars(select(PrintJob).where(PrintJob.seminar_id == seminar.id)
                              .order_by(PrintJob.created_at.desc()).limit(5)).all()
    return render_template("certificates/seminar.html", seminar=seminar, rows=rows,
                           to_issue=to_issue, printable=printable, form=ConfirmForm(),
                           jobs=jobs)


@bp.route("/seminar/<int:seminar_id>/issue", methods=["POST"])
def issue_all(seminar_id: int):
    seminar = _get_seminar(seminar_id, "certificate.issue")
    if not confirmed():
        return redirect(url_for("certificates.seminar", seminar_id=seminar.id))
    with unit_of_work() as uow:
        result = services.issue_for_seminar(seminar, issued_by=current_user)
    if uow.ok:
        if result.issued:
            flash(ngettext("%(num)s certificate issued: %(first)s to %(last)s.",
                           "%(num)s certificates issued: %(first)s to %(last)s.",
                           len(result.issued), first=result.issued[0].number,
                           last=result.issued[-1].number), "success")
        else:
            flash(_("Nobody else is eligible: no certificate was issued."), "info")
    return redirect(url_for("certificates.seminar", seminar_id=seminar.id))


@bp.route("/registration/<int:registration_id>/issue", methods=["POST"])
def issue_one(registration_id: int):
    registration = get_permitted(Registration, registration_id, "certificate.issue",
                                 subject=lambda found: found.seminar)
    if confirmed():
        with unit_of_work() as uow:
            certificate = services.issue_certificate(registration, issued_by=current_user)
        if uow.ok:
            flash(_("Certificate %(number)s issued to %(name)s.", number=certificate.number,
                    name=certificate.holder_name), "success")
    return redirect(url_for("certificates.seminar", seminar_id=registration.seminar_id))


def _seminar_documents(seminar: Seminar, preprinted: bool):
    with unit_of_work() as uow:  # the commit keeps the newly rendered PDFs for reprints
        documents = services.seminar_pdfs(seminar, preprinted=preprinted)
    if not uow.ok:
        return None
    if not documents:
        flash(_("This seminar has no certificates to print yet."), "info")
        return None
    return documents


@bp.route("/seminar/<int:seminar_id>/certificates.pdf")
@pdf_limit
def seminar_pdf(seminar_id: int):
    """Every certificate of the seminar in roster order, one PDF for the printer."""
    seminar = _get_seminar(seminar_id, "certificate.print")
    preprinted = request.args.get("preprinted") == "1"
    documents = _seminar_documents(seminar, preprinted)
    if documents is None:
        return redirect(url_for("certificates.seminar", seminar_id=seminar.id))
    suffix = "-preprinted" if preprinted else ""
    return file_response(merge_pdfs([pdf for _c, pdf in documents]),
                         f"certificates-seminar-{seminar.id}{suffix}.pdf", "application/pdf",
                         inline=True)


@bp.route("/seminar/<int:seminar_id>/certificates.zip")
@pdf_limit
def seminar_zip(seminar_id: int):
    """One PDF per person, named by certificate number, in a ZIP."""
    seminar = _get_seminar(seminar_id, "certificate.print")
    documents = _seminar_documents(seminar, preprinted=False)
    if documents is None:
        return redirect(url_for("certificates.seminar", seminar_id=seminar.id))
    archive = zip_pdfs([(c.printed_number, pdf) for c, pdf in documents])
    return file_response(archive, f"certificates-seminar-{seminar.id}.zip", "application/zip")


# --- corrections and status --------------------------------------------------------------------

@bp.route("/<int:certificate_id>/reissue", methods=["GET", "POST"])
def reissue(certificate_id: int):
    """Correct a printed detail: a new revision with the same number supersedes this one."""
    certificate = _get(certificate_id, "certificate.reissue")
    if certificate.superseded_by_id is not None or certificate.status == "revoked":
        flash(_("Only the newest revision of a certificate that is not revoked can be "
                "re-issued."), "error")
        return redirect(url_for("certificates.show", certificate_id=certificate.id))
    form = ReissueForm(obj=certificate)
    review = _review_item(certificate)
    if form.validate_on_submit():
        person = {"correct_person": form.correct_person.data,
                  "person_seen": form.person_seen()}
        with unit_of_work(form) as uow:
            if review is not None:
                # The re-issue is the review item's decision: one transaction closes both.
                item = review_services.decide(review, "reissue", actor=current_user,
                                              reason=form.reason.data, changes=form.changes(),
                                              **person)
                revision = db.session.get(Certificate, item.action_taken["certificate_id"])
            else:
                revision = services.reissue_certificate(certificate, form.changes(),
                                                        actor=current_user,
                                                        reason=form.reason.data, **person)
            name_changed = any(getattr(revision, field) != getattr(certificate, field)
                               for field in ("holder_name", "holder_latin_name"))
        if uow.ok:
            flash(_("Revision %(revision)s of %(number)s issued; the earlier revision now shows "
                    "as superseded.", revision=revision.revision, number=revision.number),
                  "success")
            if name_changed and form.correct_person.data:
                flash(_("The person's record now says the corrected name too: the roster and "
                        "the next certificate will say it."), "success")
            elif name_changed:
                flash(_("The person's record was left as it was: “%(name)s”.",
                        name=revision.person.full_name), "info")
            characters = unprintable_in_names(revision.holder_name, revision.holder_latin_name)
            if characters:  # a warning that does not block: printing will refuse it
                flash(_("The name contains %(characters)s, which no certificate font can print: "
                        "correct it before printing.", characters=describe(characters)),
                      "warning")
            # The page of the new revision offers its PDF at once (?reissued=1): the
            # holder's paper now says SUPERSEDED, so printing the new one is the next step.
            return redirect(url_for("certificates.show", certificate_id=revision.id,
                                    reissued=1))
    form.show_person(certificate.person)
    return render_template("certificates/reissue.html", certificate=certificate, form=form,
                           review=review)


def _review_item(certificate: Certificate):
    """The open review item a re-issue decides (``?review=<id>``), if the link named one of
    this certificate's; a stale or foreign one is ignored (404 when it does not exist)."""
    raw = request.args.get("review", "")
    if not raw:
        return None
    review_id = optional_record_id(raw)
    if review_id is None:
        abort(404)
    item = get_permitted(ReviewItem, review_id, "review.decide")
    if item.status != "open" or item.registration_id != certificate.registration_id:
        flash(_("This review item is already decided or is about another certificate."),
              "info")
        return None
    return item


@bp.route("/<int:certificate_id>/<any(suspend, revoke, reinstate):action>",
          methods=["GET", "POST"])
def change_status(certificate_id: int, action: str):
    """Suspend, revoke (both with a public reason and an internal note) or reinstate."""
    certificate = _get(certificate_id, "certificate.revoke")
    form = StatusForm()
    if form.validate_on_submit():
        with unit_of_work(form) as uow:
            services.change_status(certificate, action, actor=current_user,
                                   reason=form.reason.data or None, note=form.note.data or "")
        if uow.ok:
            messages = {"suspend": _("Certificate %(number)s suspended."),
                        "revoke": _("Certificate %(number)s revoked."),
                        "reinstate": _("Certificate %(number)s reinstated: it is valid again.")}
            flash(messages[action] % {"number": certificate.printed_number}, "success")
            return redirect(url_for("certificates.show", certificate_id=certificate.id))
    return render_template("certificates/status.html", certificate=certificate, form=form,
                           action=action)


# --- issuer settings ---------------------------------------------------------------------------

@bp.route("/settings", methods=["GET", "POST"])
def settings():
    """The issuer's name, logo and signatories printed on new certificates (admins)."""
    require(current_user, "settings.manage")
    current = services.issuer_settings()
    form = IssuerSettingsForm(obj=current)
    if request.method == "GET":
        for index, entry in enumerate(current.signatories or [], start=1):
            if index <= SIGNATORY_ROWS:
                getattr(form, f"signatory_{index}_name").data = entry.get("name")
                getattr(form, f"signatory_{index}_title").data = entry.get("title")
                for locale, title in (entry.get("titles") or {}).items():
                    if f"signatory_{index}_title__{locale}" in form:
                        form[f"signatory_{index}_title__{locale}"].data = title
    if form.validate_on_submit():
        upload = form.logo.data
        data = upload.read() if upload and getattr(upload, "filename", "") else None
        with unit_of_work(form) as uow:
            services.update_issuer_settings(
                actor=current_user, issuer_name=form.issuer_name.data,
                signatories=_form_signatories(form),
                logo=data, logo_type=logo_type(data) if data else None,
                remove_logo=form.remove_logo.data, place_of_issue=form.place_of_issue.data or "",
                translations=form.translations())
            services.update_issuer_contact(
                actor=current_user, url=form.contact_url.data, email=form.contact_email.data,
                phone=form.contact_phone.data)
        if uow.ok:
            flash(_("Issuer details saved. They are printed on certificates issued from now "
                    "on."), "success")
            return redirect(url_for("certificates.settings"))
    return render_template("certificates/settings.html", form=form, current=current,
                           can_manage=can(current_user, "settings.manage"),
                           **_preview_context(_preview_language()))


def _form_signatories(form) -> list[dict]:
    return [{"name": getattr(form, f"signatory_{i}_name").data or "",
             "title": getattr(form, f"signatory_{i}_title").data or "",
             "titles": {locale: form[f"signatory_{i}_title__{locale}"].data or ""
                        for locale in LOCALES}}
            for i in range(1, SIGNATORY_ROWS + 1)]


def _preview_context(language: str) -> dict:
    return {"preview_language": language, "preview_locales": LOCALES,
            "language_names": LANGUAGE_NAMES}


def _preview_language() -> str:
    """The preview's language: asked for (``?lang=``), else the page's."""
    language = request.args.get("lang") or current_locale()
    if language not in LOCALES:
        abort_with_reason(400, _("There is no certificate language “%(language)s”.",
                                 language=language))
    return language


def _draft_of_form(form, current) -> IssuerDraft:
    """The issuer details as typed in ``form`` (not saved): a new logo if one was chosen,
    none if removal is ticked, else the current one."""
    upload = form.logo.data
    data = upload.read() if upload and getattr(upload, "filename", "") else None
    logo, kind = (data, logo_type(data)) if data else (current.logo, current.logo_type)
    if form.remove_logo.data and not data:
        logo, kind = None, None
    translations = form.translations()
    return IssuerDraft(
        clean_name(form.issuer_name.data), clean_name(form.place_of_issue.data),
        {locale: clean_name(text) for locale, text in translations["issuer_name"].items()},
        {locale: clean_name(text) for locale, text in translations["place_of_issue"].items()},
        tuple(services.clean_signatories(_form_signatories(form))), logo, kind)


def preview_course():
    """The course a preview prints: the catalogue's first active one (none: sample text)."""
    return db.session.scalars(select(Course).where(Course.active)
                              .order_by(Course.id).limit(1)).first()


@bp.route("/settings/preview.pdf", methods=["GET", "POST"])
@pdf_limit
def settings_preview():
    """A sample certificate with the issuer details: the saved ones (GET, shown on the
    settings page) or those typed in the form and not yet saved (POST, "Preview")."""
    require(current_user, "settings.manage")
    language = _preview_language()
    current = services.issuer_settings()
    if request.method == "POST":
        form = IssuerSettingsForm()
        if not form.validate_on_submit():
            return render_template("certificates/settings.html", form=form, current=current,
                                   can_manage=True, **_preview_context(language)), 400
        draft = _draft_of_form(form, current)
    else:
        draft = IssuerDraft.of(current)
    document = sample_certificate(draft, language, course=preview_course(),
                                  base_url=current_app.config["REGISTRY_BASE_URL"])
    missing = missing_glyphs([document])
    if missing:
        abort_with_reason(422, _("No font on the certificate can print “%(character)s” "
                                 "(%(codepoint)s): correct the issuer details.",
                                 character=missing[0].character,
                                 codepoint=missing[0].codepoint))
    response = file_response(render_certificate(document), "certificate-preview.pdf",
                             "application/pdf", inline=True)
    # Shown inside the settings page: this one response may be framed by the site itself.
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    response.headers["Content-Security-Policy"] = "default-src 'none'; frame-ancestors 'self'"
    return response


@bp.route("/settings/logo")
def logo():
    """The current logo, for the settings page preview."""
    require(current_user, "settings.manage")
    current = services.issuer_settings()
    if not current.logo:
        abort(404)
    return Response(current.logo, mimetype=current.logo_type)


# --- printing in the background --------------------------------------------------------------

def _get_job(job_id: str):
    return get_permitted(PrintJob, job_id, "certificate.print",
                         subject=lambda job: job.seminar)


@bp.route("/seminar/<int:seminar_id>/print", methods=["POST"])
def start_printing(seminar_id: int):
    """Start printing the seminar's certificates in the background; go to the job's page."""
    seminar = _get_seminar(seminar_id, "certificate.print")
    if not confirmed():
        return redirect(url_for("certificates.seminar", seminar_id=seminar.id))
    with unit_of_work() as uow:
        job = jobs.start_print_job(seminar, actor=current_user,
                                   preprinted=request.form.get("preprinted") == "1")
        job_id = job.id  # read before the commit: afterwards it would open a new transaction
    if not uow.ok:
        return redirect(url_for("certificates.seminar", seminar_id=seminar.id))
    jobs.dispatch(job_id)
    return redirect(url_for("certificates.print_job", job_id=job_id), code=303)


@bp.route("/jobs/<job_id>")
def print_job(job_id: str):
    """A print job: progress while it runs, the download when done, the reason if it failed."""
    return render_template("certificates/job.html", job=_get_job(job_id))


@bp.route("/jobs/<job_id>.json")
def print_job_status(job_id: str):
    job = _get_job(job_id)
    return jsonify(status=job.status, done=job.done, total=job.total, error=job.error,
                   download=url_for("certificates.print_job_file", job_id=job.id)
                   if job.status == "done" else None)


@bp.route("/jobs/<job_id>.pdf")
@pdf_limit
def print_job_file(job_id: str):
    job = _get_job(job_id)
    path = jobs.job_file(job)
    if job.status != "done" or not path.is_file():
        abort_with_reason(404 if job.status != "expired" else 410,
                          _("This print job has no file (any more). Start printing again."))
    suffix = "-preprinted" if job.preprinted else ""
    return file_response(path.read_bytes(), f"certificates-seminar-{job.seminar_id}{suffix}.pdf",
                         "application/pdf")
