"""Seminar forms. Attendance and results are one form per page with a row per participant;
their rows are read from ``request.form`` by the views (see ``parse_scores``)."""
from __future__ import annotations

import re
from datetime import date

from flask_babel import lazy_gettext as _l
from flask_login import current_user
from registry.forms import FlaskForm
from flask_wtf.file import FileField, FileRequired
from sqlalchemy import or_, select
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from registry.auth.models import User
from registry.auth.scope import region_ids_in_scope
from registry.catalog.forms import RegionSelectField, region_groups
from registry.catalog.models import Course
from registry.extensions import db
from registry.i18n import LANGUAGE_NAMES
from registry.seminars.services import MAX_CAPACITY


def _optional_int(value):
    return int(value) if value not in (None, "", "None") else None


def parse_dates(text: str | None) -> list[date]:
    """Dates written as YYYY-MM-DD, separated by commas, spaces or new lines."""
    days = []
    for token in re.split(r"[\s,;]+", (text or "").strip()):
        if not token:
            continue
        try:
            days.append(date.fromisoformat(token))
        except ValueError:
            raise ValueError(token) from None
    return days


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes: easier with a keyboard than a multiple select."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def course_choices(include_id: int | None = None):
    courses = db.session.scalars(
        select(Course).where(or_(Course.active.is_(True), Course.id == include_id))
        .order_by(Course.title)).all()
    return [("", _l("— choose a course —"))] + [
        (course.id, f"{course.label} ({course.code})") for course in courses]


def trainer_choices(include_ids=()):
    trainers = db.session.scalars(
        select(User).where(User.role == "trainer",
                           or_(User.active.is_(True), User.id.in_(list(include_ids) or [0])))
        .order_by(User.name)).all()
    return [(user.id, user.name) for user in trainers]


class SeminarForm(FlaskForm):
    course_id = SelectField(_l("Course"), coerce=_optional_int, validators=[DataRequired()])
    title = StringField(_l("Title"), validators=[Optional(), Length(max=250)],
                        description=_l("Leave empty to use the course's title."))
    start_date = DateField(_l("Start date"), validators=[Optional()])
    end_date = DateField(_l("End date"), validators=[Optional()],
                         description=_l("Leave empty for the course's number of days in a row."))
    dates = TextAreaField(
        _l("Only on these dates"), validators=[Optional(), Length(max=2000)],
        description=_l("If the days are not consecutive, list every date (YYYY-MM-DD), one per "
                       "line. The list replaces the start and end dates."))
    venue = StringField(_l("Venue"), validators=[Optional(), Length(max=250)])
    region_id = RegionSelectField(_l("Region or district"))
    language = SelectField(_l("Language"), choices=list(LANGUAGE_NAMES.items()),
                           validators=[DataRequired()])
    capacity = IntegerField(_l("Capacity (seats)"),
                            validators=[InputRequired(), NumberRange(1, MAX_CAPACITY)])
    waitlist_enabled = BooleanField(_l("Keep a waiting list when full"), default=True)
    trainer_ids = MultiCheckboxField(_l("Trainers"), coerce=int)
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, seminar=None, **kwargs):
        super().__init__(*args, **kwargs)
        assigned = [t.id for t in seminar.trainers] if seminar is not None else []
        self.course_id.choices = course_choices(seminar.course_id if seminar else None)
        # A regional office plans within its own region: only that subtree is offered.
        self.region_id.choices = region_groups(within=region_ids_in_scope(current_user))
        self.trainer_ids.choices = trainer_choices(assigned)
        if seminar is not None:
            # The course of an existing seminar is fixed.
            del self.course_id

    def validate_dates(self, field):
        try:
            field.parsed = parse_dates(field.data)
        except ValueError as error:
            raise ValidationError(_l("“%(value)s” is not a date (write YYYY-MM-DD).",
                                     value=str(error))) from None

    def validate_start_date(self, field):
        if field.data is None and not (self.dates.data or "").strip():
            if field.raw_data and field.raw_data[0]:
                return  # the date itself is malformed; DateField says so
            raise ValidationError(_l("Enter the start date (or list the dates)."))

    @property
    def parsed_dates(self) -> list[date]:
        return getattr(self.dates, "parsed", None) or []


class CancelSeminarForm(FlaskForm):
    reason = TextAreaField(_l("Reason for cancelling"),
                           validators=[DataRequired(), Length(max=2000)],
                           description=_l("Shown on the seminar page."))
    submit = SubmitField(_l("Cancel the seminar"))


class CompleteSeminarForm(FlaskForm):
    leave_pending = BooleanField(
        _l("Leave the undecided participants pending"),
        description=_l("They get no certificate until their outcome is decided."))
    submit = SubmitField(_l("Complete the seminar"))


def parse_scores(form, registrations) -> tuple[dict, dict]:
    """Read ``score-<id>`` and ``pending-<id>`` for each registration from a posted form.

    Returns ``(results, errors)``: ``{id: (score|None, left_pending)}`` and ``{id: message}``
    for what is not a whole number. A participant the form did not list (no ``listed`` entry,
    or - for a course with an exam - no score field) is left out of ``results``: the service
    then refuses the whole form rather than read the gap as "no score".
    """
    results, errors = {}, {}
    listed = set(form.getlist("listed"))
    for registration in registrations:
        score_field = f"score-{registration.id}"
        if str(registration.id) not in listed:
            continue
        if registration.seminar.course.is_internal_auditor and score_field not in form:
            continue
        raw = (form.get(score_field) or "").strip()
        left_pending = form.get(f"pending-{registration.id}") == "1"
        score = None
        if raw:
            if re.fullmatch(r"-?\d{1,6}", raw):
                score = int(raw)
            else:
                errors[registration.id] = _l("A score is a whole number from 0 to 100.")
        results[registration.id] = (score, left_pending)
    return results, errors


class CorrectionForm(FlaskForm):
    """The office's correction of one participant's record after completion."""

    exam_score = IntegerField(_l("Exam score (0–100)"),
                              validators=[Optional(), NumberRange(min=0, max=100)])
    left_pending = BooleanField(_l("Leave the outcome pending"),
                                description=_l("No certificate until the outcome is decided."))
    reason = TextAreaField(_l("Reason for the correction"),
                           validators=[DataRequired(), Length(max=2000)],
                           description=_l("Kept in the audit log and shown to the official "
                                          "who reviews an issued certificate."))
    submit = SubmitField(_l("Correct the record"))


DAY_MARKS = {"present": True, "absent": False, "": None}


def parse_day_marks(form, days) -> tuple[dict, dict]:
    """Read ``day-<id>`` (present / absent / not marked) for every seminar day.

    Returns ``({day_id: True|False|None}, {day_id: message})``; a day the form lacks is an
    error, never read as "absent".
    """
    marks, errors = {}, {}
    for day in days:
        field = f"day-{day.id}"
        if field not in form or form.get(field) not in DAY_MARKS:
            errors[day.id] = _l("Choose present or absent.")
            continue
        marks[day.id] = DAY_MARKS[form.get(field)]
    return marks, errors


def shown_ids(form) -> list[int]:
    """The participants a roster form listed (its ``listed`` fields)."""
    from registry.web import record_ids

    return record_ids(form.getlist("listed"))


class ImportForm(FlaskForm):
    """Upload of a participant list (.xlsx or .csv) for the preview."""

    file = FileField(_l("Participant list"),
                     validators=[FileRequired(_l("Choose the file to import."))],
                     description=_l("Excel (.xlsx) or CSV, at most 2 MB and 5,000 rows. The "
                                    "first row names the columns."),
                     render_kw={"accept": ".xlsx,.csv,text/csv,application/vnd.openxmlformats-"
                                          "officedocument.spreadsheetml.sheet"})
    submit = SubmitField(_l("Check the file"))


class ImportConfirmForm(FlaskForm):
    """Confirmation of a previewed import (the file waits on the server under ``token``)."""

    token = HiddenField(validators=[DataRequired()])
    submit = SubmitField(_l("Import"))
