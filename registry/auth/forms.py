from flask_babel import lazy_gettext as _l
from registry.forms import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length, Optional, ValidationError

from registry.auth.passwords import MIN_PASSWORD_LENGTH, password_problem
from registry.catalog.forms import RegionSelectField, region_groups


class EmailAddress:
    """A syntactically valid email address (no DNS look-up: many agencies run closed networks).

    ``.test`` addresses are accepted so that demo and test accounts can be edited too.
    """

    def __init__(self, message=None):
        self.message = message

    def __call__(self, form, field):
        from email_validator import EmailNotValidError, validate_email

        if not field.data:
            return
        try:
            validate_email(field.data.strip(), check_deliverability=False, test_environment=True)
        except EmailNotValidError:
            raise ValidationError(self.message or _l("Enter a valid email address.")) from None


class StrongPassword:
    """The password rules of ``auth.passwords``, with the reason next to the field."""

    def __call__(self, form, field):
        problem = password_problem(field.data or "")
        if problem is not None:
            raise ValidationError(str(problem))


PASSWORD_HINT = _l("At least %(n)s characters, not a common password.", n=MIN_PASSWORD_LENGTH)


def role_choices():
    return [("admin", _l("Administrator")), ("official", _l("Official")),
            ("trainer", _l("Trainer"))]


def locale_choices():
    from registry.i18n import LANGUAGE_NAMES

    return [("", _l("Browser default"))] + list(LANGUAGE_NAMES.items())


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)],
                       render_kw={"autocomplete": "username", "autofocus": True})
    password = PasswordField(_l("Password"), validators=[DataRequired()],
                             render_kw={"autocomplete": "current-password"})
    submit = SubmitField(_l("Sign in"))


class UserForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), EmailAddress(), Length(max=254)])
    name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=200)])
    role = SelectField(_l("Role"), choices=role_choices, validators=[DataRequired()])
    locale = SelectField(_l("Language"), choices=locale_choices, validators=[Optional()])
    region_id = RegionSelectField(
        _l("Works within"),
        description=_l("A regional office: the official or trainer sees, prints and reports "
                       "only the seminars held in this region and below it, and its people. "
                       "Empty: the whole country (always so for an administrator)."))
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.region_id.choices = region_groups(blank_label=_l("The whole country"))


class NewUserForm(UserForm):
    password = PasswordField(
        _l("Initial password"),
        validators=[DataRequired(), StrongPassword()],
        render_kw={"autocomplete": "new-password"},
        description=_l("At least %(n)s characters, not a common password. The user can "
                       "change it later.", n=MIN_PASSWORD_LENGTH),
    )


class ResetPasswordForm(FlaskForm):
    password = PasswordField(
        _l("New password"), validators=[DataRequired(), StrongPassword()],
        render_kw={"autocomplete": "new-password"}, description=PASSWORD_HINT)
    submit = SubmitField(_l("Set password"))


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()],
                                     render_kw={"autocomplete": "current-password"})
    password = PasswordField(
        _l("New password"), validators=[DataRequired(), StrongPassword()],
        render_kw={"autocomplete": "new-password"}, description=PASSWORD_HINT)
    confirm = PasswordField(_l("Repeat the new password"),
                            validators=[DataRequired(), EqualTo("password",
                                                                _l("The passwords differ."))],
                            render_kw={"autocomplete": "new-password"})
    submit = SubmitField(_l("Change password"))
