"""The review queue: the list (open first, oldest first), one item with its decision, the
register of cases as a spreadsheet and recording an appeal - and, for anyone, reporting a
problem from a certificate's verification page and following the report by its reference."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, \
    url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from registry.auth.permissions import can, get_permitted, require
from registry.certificates.issuing import current_revision, ineligibility
from registry.certificates.models import STATUS_LABELS, Certificate
from registry.extensions import db, limiter
from registry.reviews import services
from registry.reviews.forms import AppealForm, DecisionForm, ProblemReportForm
from registry.reviews.models import KINDS, REVIEW_STATUS_LABELS, ReviewItem
from registry.seminars.models import Registration
from registry.templating import paginate
from registry.web import read_filters, spreadsheet_download, unit_of_work

bp = Blueprint("reviews", __name__, url_prefix="/reviews")
# The public side: no sign-in (a problem report and its status page).
public_bp = Blueprint("cases", __name__)


@bp.app_template_global("review_open_count")
def review_open_count() -> int:
    return services.open_count(current_user)


def _queue():
    """The queue's filters (status, kind) and its query, shared by the page and the export."""
    status = request.args.get("status", "open")
    if status not in ("open", "closed", "all"):
        status = "open"
    kind = request.args.get("kind", "")
    query = services.review_query(status=status, kind=kind, viewer=current_user).options(
        selectinload(ReviewItem.certificate), selectinload(ReviewItem.decided_by),
        selectinload(ReviewItem.raised_by))
    return status, kind, query


@bp.route("/")
def index():
    require(current_user, "review.view")
    status, kind, query = _queue()
    return render_template("reviews/index.html", page=paginate(query), status=status,
                           kind=kind, kinds=KINDS, status_labels=REVIEW_STATUS_LABELS,
                           today=date.today())


@bp.route("/cases.<fmt>")
def export(fmt: str):
    """The register of cases - the queue with its filters - as .xlsx or .csv."""
    require(current_user, "review.view")
    _status, _kind, query = _queue()
    return spreadsheet_download(services.cases_sheet(db.session.scalars(query).all()), fmt,
                                f"cases-{date.today().isoformat()}")


@bp.route("/appeal", methods=["GET", "POST"])
def appeal():
    """Record an appeal the agency received: ``?certificate=`` (against its suspension or
    revocation) or ``?registration=`` (against a failed result)."""
    which = read_filters(ids=("certificate", "registration"))
    if which["certificate"] is not None:
        subject = get_permitted(Certificate, which["certificate"], "review.raise")
    elif which["registration"] is not None:
        subject = get_permitted(Registration, which["registration"], "review.raise")
    else:
        abort(404)
    form = AppealForm()
    if form.validate_on_submit():
        target = {"certificate": subject} if isinstance(subject, Certificate) \
            else {"registration": subject}
        with unit_of_work(form) as uow:
            item = services.record_appeal(**target, actor=current_user,
                                          statement=form.statement.data,
                                          received_on=form.received_on.data)
        if uow.ok:
            flash(_("Appeal recorded: it is to be decided by %(day)s.",
                    day=item.deadline.isoformat()), "success")
            return redirect(url_for("reviews.show", item_id=item.id))
    return render_template("reviews/appeal.html", form=form, subject=subject,
                           is_certificate=isinstance(subject, Certificate))


@bp.route("/<int:item_id>", methods=["GET", "POST"])
def show(item_id: int):
    """One item: what happened, and - while open - the decision."""
    item = get_permitted(ReviewItem, item_id, "review.view")
    may_decide = can(current_user, "review.decide", item)
    form = DecisionForm()
    form.offer(item)
    if request.method == "POST":
        require(current_user, "review.decide", item)
        if form.validate_on_submit():
            with unit_of_work(form) as uow:
                services.decide(item, form.decision.data, actor=current_user,
                                reason=form.reason.data, status_reason=form.status_reason.data)
            if uow.ok:
                flash(_("Decided: %(decision)s.", decision=item.decision_label), "success")
                return redirect(url_for("reviews.show", item_id=item.id))
    registration = item.registration
    current = current_revision(registration) if registration is not None else None
    why_not = ineligibility(registration) if registration is not None else None
    return render_template("reviews/show.html", item=item, form=form, may_decide=may_decide,
                           current=current, why_not=why_not, today=date.today(),
                           certificate_status_labels=STATUS_LABELS)


# --- the public side --------------------------------------------------------------------------

# Where a robot that filled the hidden field is sent: a "received" page that no report has.
DECOY_REFERENCE = "0" * services.REFERENCE_LENGTH


def _report_limit() -> str:
    return current_app.config["RATELIMIT_PROBLEM_REPORT"]


@public_bp.route("/v/<code>/report", methods=["GET", "POST"])
@limiter.limit(_report_limit, methods=["POST"])
def report_problem(code: str):
    """"Report a problem with this certificate": anyone, from its verification page."""
    from registry.certificates.services import find_by_public_code

    certificate = find_by_public_code(code)
    if certificate is None or certificate.public_code != code:
        abort(404)
    form = ProblemReportForm()
    if form.validate_on_submit():
        if form.website.data:
            # A robot filled the hidden field: it is told what a person is told; nothing kept.
            return redirect(url_for("cases.status", reference=DECOY_REFERENCE))
        with unit_of_work(form) as uow:
            item = services.report_problem(certificate, problem=form.problem.data,
                                           statement=form.statement.data,
                                           contact=form.contact.data)
        if uow.ok:
            return redirect(url_for("cases.status", reference=item.reference), code=303)
    return render_template("reviews/report_problem.html", form=form, certificate=certificate)


@public_bp.route("/cases/<reference>")
def status(reference: str):
    """Where a report stands, by the reference its sender was given: received, being looked
    at, or decided - never the decision's internal reason or anyone's details."""
    item = None
    if len(reference) == services.REFERENCE_LENGTH and reference.isalnum():
        item = db.session.scalar(select(ReviewItem).where(
            ReviewItem.reference == reference.upper()))
    if item is None and reference != DECOY_REFERENCE:
        abort(404)
    return render_template("reviews/case_status.html", item=item, reference=reference.upper())
