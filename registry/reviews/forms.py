from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import RadioField, SelectField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from registry.certificates.status import STATUS_REASONS
from registry.forms import FlaskForm
from registry.reviews.models import DECISION_LABELS
from registry.reviews.services import DEFAULT_REVOCATION_REASON


class DecisionForm(FlaskForm):
    """Keep or revoke, with a reason (re-issuing goes through the re-issue form, where the
    printed details are corrected)."""

    decision = RadioField(_l("Decision"), validators=[DataRequired(_l("Choose a decision."))],
                          choices=[("keep", DECISION_LABELS["keep"]),
                                   ("revoke", DECISION_LABELS["revoke"])])
    status_reason = SelectField(_l("If revoked: the reason shown on the verification page"),
                                choices=list(STATUS_REASONS.items()),
                                default=DEFAULT_REVOCATION_REASON, validators=[Optional()])
    reason = TextAreaField(_l("Reason for the decision"),
                           validators=[DataRequired(), Length(max=2000)],
                           description=_l("Kept with the decision and in the audit log."))
    submit = SubmitField(_l("Decide"))
