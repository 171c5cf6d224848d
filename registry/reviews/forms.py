from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from registry.certificates.status import STATUS_REASONS
from registry.forms import FlaskForm
from registry.reviews.models import DECISION_LABELS, PROBLEMS
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

    def offer(self, item) -> None:
        """The decisions of ``item``'s kind (re-issuing with corrections has its own form)."""
        self.decision.choices = [(decision, DECISION_LABELS[decision])
                                 for decision in item.decisions if decision != "reissue"]


class ProblemReportForm(FlaskForm):
    """"Report a problem with this certificate", on its verification page (anyone)."""

    problem = RadioField(_l("What is wrong?"), choices=list(PROBLEMS.items()),
                         validators=[DataRequired(_l("Choose what is wrong."))])
    statement = TextAreaField(_l("Describe it"), validators=[DataRequired(), Length(max=2000)],
                              description=_l("For example: the name on the paper is "
                                             "different, or the number."))
    contact = StringField(_l("How can we reach you? (optional)"),
                          validators=[Optional(), Length(max=200)],
                          description=_l("A phone number or an e-mail address; only the "
                                         "agency's officials see it."))
    # Left empty by people; filled by the robots that fill every field.
    website = StringField(_l("Leave this field empty"), validators=[Optional()])
    submit = SubmitField(_l("Send the report"))


class AppealForm(FlaskForm):
    """An appeal the agency received (a letter, a visit), recorded by an official."""

    statement = TextAreaField(_l("What the appellant asks, and why"),
                              validators=[DataRequired(), Length(max=2000)])
    received_on = DateField(_l("Received on"), validators=[Optional()],
                            description=_l("Empty: today. The decision is due 30 days later."))
    submit = SubmitField(_l("Record the appeal"))
