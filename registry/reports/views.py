"""The dashboard (figures and breakdowns for a period), breakdown downloads, and the list of
certificates about to expire. Figures come from ``registry.reports.services``."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, redirect, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from registry.auth.permissions import can, require
from registry.auth.scope import region_ids_in_scope, region_in_scope, scope_region_id
from registry.catalog.forms import region_groups
from registry.catalog.models import Course
from registry.certificates.models import STATUS_LABELS, Certificate
from registry.certificates.renewal import renewal_outlooks
from registry.extensions import db
from registry.home import services as home
from registry.people.models import Person
from registry.reports import services
from registry.reports.forms import PeriodForm
from registry.seminars.models import Seminar
from registry.spreadsheets import EXPORT_FORMATS, Sheet
from registry.templating import paginate, url_for_query
from registry.web import read_filters, spreadsheet_download

bp = Blueprint("reports", __name__)


def _period_form() -> tuple[PeriodForm, services.Period | None]:
    """The period asked for in the query string (the current year by default), or ``None``
    with the form's errors when the dates are not valid."""
    form = PeriodForm(formdata=request.args)
    if not form.validate():
        return form, None
    default = services.Period.year_of(date.today())
    start = form.date_from.data or (date(form.date_to.data.year, 1, 1) if form.date_to.data
                                    else default.start)
    end = form.date_to.data or (date(start.year, 12, 31) if form.date_from.data else default.end)
    # Show the period actually counted, defaults included.
    for field, value in ((form.date_from, start), (form.date_to, end)):
        field.data, field.raw_data = value, None
    return form, services.Period(start, end)


def _region_filter():
    """The region whose districts the region breakdown opens (``?region=``); a regional
    office's breakdown opens at its own region (what lies outside it counts nothing)."""
    filters = read_filters(ids=("region",))
    if filters["region"] is None or not region_in_scope(current_user, filters["region"]):
        filters.values["region"] = scope_region_id(current_user)
    return filters


def _period_args(period: services.Period) -> dict:
    return {"from": period.start.isoformat(), "to": period.end.isoformat()}


@bp.route("/")
def dashboard():
    require(current_user, "dashboard.view")
    form, period = _period_form()
    region = _region_filter()
    work = _work_for(current_user)
    if period is None:
        return render_template("reports/dashboard.html", form=form, period=None,
                               region=region.shown["region"], **work)
    report = services.dashboard(period, current_user, region_id=region["region"])
    return render_template(
        "reports/dashboard.html", form=form, period=period, period_args=_period_args(period),
        figures=report.figures, breakdowns=report.breakdowns, region=region.shown["region"],
        presets=_presets(), **work,
    )


def _presets() -> list[tuple[str, dict, services.Period]]:
    """The one-click periods: label, query arguments, period."""
    periods = services.preset_periods(date.today())
    return [(services.PRESETS[name], _period_args(period), period)
            for name, period in periods.items()]


def _work_for(user) -> dict:
    """The home blocks above the figures: a trainer's seminars with their next step (also
    for an official who trains), an official's work queue."""
    steps = home.trainer_steps(user)
    return {"trainer_steps": steps if steps or user.role == "trainer" else None,
            "office_queue": home.office_queue(user) if can(user, "certificate.issue") else None}


@bp.route("/reports/breakdown/<name>.xlsx")
def breakdown_xlsx(name: str):
    require(current_user, "dashboard.view")
    if name not in services.BREAKDOWNS:
        abort(404)
    form, period = _period_form()
    region = _region_filter()
    if period is None or region.ignored:
        # The dashboard shows the form with its errors next to the fields, or says which
        # filter it ignored.
        return redirect(url_for_query("reports.dashboard"))
    breakdown = services.breakdown(name, period, current_user, region_id=region["region"])
    headers, rows = breakdown.table()
    title = str(breakdown.title)
    if breakdown.parent is not None:
        title = f"{title} - {breakdown.parent.name}"
    # The time breakdown's file says how it is grouped: "quarter-2022-01-01-2026-12-31.xlsx".
    return spreadsheet_download(Sheet(title, headers, rows), "xlsx",
                                f"{breakdown.grain or name}-{period.start.isoformat()}-"
                                f"{period.end.isoformat()}")


# --- expiring certificates ---------------------------------------------------------------

def _expiring_filters():
    """The list's filters; a window other than the offered ones is the first (the filter bar
    shows which one is counted)."""
    filters = read_filters(text=("within",), ids=("region", "organization", "course"))
    if filters["within"] not in {str(days) for days in services.EXPIRY_WINDOWS}:
        filters.shown["within"] = filters.values["within"] = str(services.EXPIRY_WINDOWS[0])
    return filters


def _expiring_query(filters):
    return services.expiring_certificates(
        int(filters["within"]), region_id=filters["region"],
        organization_id=filters["organization"], course_id=filters["course"],
        viewer=current_user,
    ).options(selectinload(Certificate.person).selectinload(Person.organization),
              selectinload(Certificate.seminar).selectinload(Seminar.region))


@bp.route("/reports/expiring")
def expiring():
    require(current_user, "report.view")
    filters = _expiring_filters()
    page = paginate(_expiring_query(filters))
    outlooks = renewal_outlooks(page.items, today=date.today())
    courses = db.session.scalars(select(Course).order_by(Course.title)).all()
    args = filters.shown
    return render_template(
        "reports/expiring.html", page=page, args=args, windows=services.EXPIRY_WINDOWS,
        outlooks=outlooks,
        courses=courses,
        regions=region_groups(within=region_ids_in_scope(current_user)),
        organizations=services.expiring_organizations(int(args["within"]),
                                                      viewer=current_user),
        filtered=any(args[key] for key in ("region", "organization", "course")),
    )


def _expiring_table(args) -> tuple[list[str], list[list]]:
    headers = [_("Number"), _("Holder"), _("Organization"), _("Course"), _("Region"),
               _("Issued on"), _("Valid until"), _("Status")]
    rows = [[certificate.printed_number, certificate.holder_name,
             certificate.person.organization.name if certificate.person.organization else "",
             certificate.printed_text("course"),
             certificate.seminar.region.path if certificate.seminar.region else "",
             certificate.issued_on, certificate.valid_until,
             str(STATUS_LABELS.get(certificate.status, certificate.status))]
            for certificate in db.session.scalars(_expiring_query(args))]
    return headers, rows


@bp.route("/reports/expiring.<fmt>")
def expiring_export(fmt: str):
    require(current_user, "report.view")
    if fmt not in EXPORT_FORMATS:
        abort(404)
    args = _expiring_filters()
    if args.ignored:
        # The list says which filter it ignored.
        return redirect(url_for_query("reports.expiring"))
    headers, rows = _expiring_table(args)
    return spreadsheet_download(Sheet(_("Expiring certificates"), headers, rows), fmt,
                                f"expiring-{args['within']}-days-{date.today().isoformat()}")

