"""The review queue: the list (open first, oldest first) and one item with its decision."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from registry.auth.permissions import can, get_permitted, require
from registry.certificates.issuing import current_revision, ineligibility
from registry.certificates.models import STATUS_LABELS
from registry.reviews import services
from registry.reviews.forms import DecisionForm
from registry.reviews.models import KINDS, REVIEW_STATUS_LABELS, ReviewItem
from registry.templating import paginate
from registry.web import unit_of_work

bp = Blueprint("reviews", __name__, url_prefix="/reviews")


@bp.app_template_global("review_open_count")
def review_open_count() -> int:
    return services.open_count(current_user)


@bp.route("/")
def index():
    require(current_user, "review.view")
    status = request.args.get("status", "open")
    if status not in ("open", "closed", "all"):
        status = "open"
    kind = request.args.get("kind", "")
    query = services.review_query(status=status, kind=kind, viewer=current_user).options(
        selectinload(ReviewItem.certificate), selectinload(ReviewItem.decided_by),
        selectinload(ReviewItem.raised_by))
    return render_template("reviews/index.html", page=paginate(query), status=status,
                           kind=kind, kinds=KINDS, status_labels=REVIEW_STATUS_LABELS)


@bp.route("/<int:item_id>", methods=["GET", "POST"])
def show(item_id: int):
    """One item: what happened, and - while open - the decision."""
    item = get_permitted(ReviewItem, item_id, "review.view")
    may_decide = can(current_user, "review.decide", item)
    form = DecisionForm()
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
                           current=current, why_not=why_not,
                           certificate_status_labels=STATUS_LABELS)
