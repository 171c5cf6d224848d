"""Report filters: they come in the query string (GET), so they carry no CSRF token."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField
from wtforms.validators import Optional, ValidationError

from registry.forms import FlaskForm

MAX_PERIOD_YEARS = 10


class PeriodForm(FlaskForm):
    """The dashboard's period: ``?from=YYYY-MM-DD&to=YYYY-MM-DD`` (either may be left out)."""

    class Meta:
        csrf = False

    date_from = DateField(_l("From"), name="from", validators=[Optional()])
    date_to = DateField(_l("To"), name="to", validators=[Optional()])

    def validate_date_to(self, field):
        if field.data and self.date_from.data:
            if field.data < self.date_from.data:
                raise ValidationError(_l("The end of the period cannot be before its start."))
            # A bar a month: more than this is no longer a chart anyone can read.
            if (field.data - self.date_from.data).days > MAX_PERIOD_YEARS * 366:
                raise ValidationError(_l("Choose a period of at most %(years)s years.",
                                         years=MAX_PERIOD_YEARS))
