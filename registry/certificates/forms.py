"""Certificate forms: a correction (re-issue), a status change, the issuer settings."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from registry.forms import FlaskForm, LanguageValues
from registry.i18n import LANGUAGE_NAMES
from registry.localized import LOCALES
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    SelectField,
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

from registry.certificates.services import STATUS_REASONS, check_logo
from registry.errors import DomainError

MAX_LOGO_BYTES = 1024 * 1024
SIGNATORY_ROWS = 3


class ReissueForm(FlaskForm):
    """Correct what is printed; the same number is re-issued as a new revision."""

    holder_name = StringField(_l("Holder's name, exactly as it should be printed"),
                              validators=[DataRequired(), Length(max=250)])
    holder_latin_name = StringField(_l("Name in Latin letters (optional)"),
                                    validators=[Optional(), Length(max=250)])
    # Always shown (it needs no script and the form does not change under the official's
    # thumb); it acts only when a name changes. The view says what the record says now.
    correct_person = BooleanField(_l("Also correct the person's record"), default=True)
    # What the record said when the form was shown: a record changed meanwhile is refused,
    # never overwritten unseen (people.services.correct_names).
    person_name_seen = HiddenField()
    person_latin_seen = HiddenField()
    course_title = StringField(_l("Course"), validators=[DataRequired(), Length(max=250)])
    standards = StringField(_l("Standards covered"), validators=[Optional(), Length(max=250)])
    hours = IntegerField(_l("Hours"), validators=[InputRequired(), NumberRange(min=1, max=2000)])
    start_date = DateField(_l("First day"), validators=[DataRequired()])
    end_date = DateField(_l("Last day"), validators=[DataRequired()])
    valid_until = DateField(_l("Valid until (empty: no expiry)"), validators=[Optional()])
    reason = TextAreaField(_l("Why it is re-issued (kept in the audit log)"),
                           validators=[DataRequired(), Length(max=500)])
    submit = SubmitField(_l("Re-issue as a new revision"))

    FIELDS = ("holder_name", "holder_latin_name", "course_title", "standards", "hours",
              "start_date", "end_date", "valid_until")

    def changes(self) -> dict:
        return {name: getattr(self, name).data for name in self.FIELDS}

    def show_person(self, person) -> None:
        """Say on the tick box what the person's record says now, and remember it as seen."""
        self.person_name_seen.data = person.full_name
        self.person_latin_seen.data = person.latin_name or ""
        self.correct_person.description = (
            _l("The record now says “%(name)s” (Latin: %(latin)s). Used only when you change "
               "the name: the roster and the next certificate will then say the corrected name.",
               name=person.full_name, latin=person.latin_name or "—"))

    def person_seen(self) -> dict | None:
        """The record's names as the form showed them (None: a caller that sent none)."""
        if not self.person_name_seen.raw_data:
            return None
        return {"full_name": self.person_name_seen.data,
                "latin_name": self.person_latin_seen.data or None}


class StatusForm(FlaskForm):
    """Suspend, revoke or reinstate: a public reason and an internal note."""

    reason = SelectField(_l("Reason shown on the verification page"),
                         choices=[("", _l("Choose…"))] + list(STATUS_REASONS.items()),
                         validators=[Optional()])
    note = TextAreaField(_l("Internal note (staff only, never shown publicly)"),
                         validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Confirm"))


class IssuerSettingsForm(LanguageValues, FlaskForm):
    """What certificates print about the issuer (its name in each language too)."""

    LANGUAGE_FIELDS = (("issuer_name", 250), ("place_of_issue", 120))

    issuer_name = StringField(_l("Issuer name"), validators=[DataRequired(), Length(max=250)])
    place_of_issue = StringField(_l("Place of issue"), validators=[Optional(), Length(max=120)],
                                 description=_l("The city printed on certificates, e.g. "
                                                "Tashkent. Leave empty to print none."))
    logo = FileField(_l("Logo (PNG or JPEG, up to 1 MB)"))
    remove_logo = BooleanField(_l("Remove the current logo"))
    submit = SubmitField(_l("Save"))

    def signatory_titles(self, index: int) -> list:
        """Signatory ``index``'s title fields, one per language, in the forms' order."""
        return [self[f"signatory_{index}_title__{locale}"] for locale in LOCALES]

    def validate_logo(self, field):
        upload = field.data
        if not upload or not getattr(upload, "filename", ""):
            return
        data = upload.read()
        upload.seek(0)
        if len(data) > MAX_LOGO_BYTES:
            raise ValidationError(_l("The logo is larger than 1 MB."))
        if logo_type(data) is None:
            raise ValidationError(_l("The logo must be a PNG or JPEG image."))
        try:
            check_logo(data)  # readable, and not too many pixels to print (L7)
        except DomainError as error:
            raise ValidationError(error.message) from None


IssuerSettingsForm.add_language_fields()

# How the public reaches the agency: shown on every public page (its own fieldset on the
# settings page). The service checks the values; the form only bounds their length.
IssuerSettingsForm.contact_url = StringField(
    _l("Website"), validators=[Optional(), Length(max=250)],
    description=_l("For example https://example.uz. Shown on every public page."),
    render_kw={"inputmode": "url", "autocomplete": "url"})
IssuerSettingsForm.contact_email = StringField(
    _l("Email"), validators=[Optional(), Length(max=120)],
    render_kw={"inputmode": "email", "autocomplete": "email"})
IssuerSettingsForm.contact_phone = StringField(
    _l("Phone"), validators=[Optional(), Length(max=40)],
    render_kw={"inputmode": "tel", "autocomplete": "tel"})

for _index in range(1, SIGNATORY_ROWS + 1):
    setattr(IssuerSettingsForm, f"signatory_{_index}_name",
            StringField(_l("Signatory %(n)s: name", n=_index),
                        validators=[Optional(), Length(max=120)]))
    setattr(IssuerSettingsForm, f"signatory_{_index}_title",
            StringField(_l("Signatory %(n)s: title", n=_index),
                        validators=[Optional(), Length(max=120)]))
    for _locale in LOCALES:
        setattr(IssuerSettingsForm, f"signatory_{_index}_title__{_locale}",
                StringField(LANGUAGE_NAMES[_locale], validators=[Optional(), Length(max=120)],
                            render_kw={"lang": _locale.replace("_", "-")}))


def logo_type(data: bytes) -> str | None:
    """The image type by its first bytes (not by the file name a browser sent)."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    return None


class CheckForm(FlaskForm):
    """The public “check a certificate” form: the printed number and the holder's surname."""

    class Meta:
        csrf = False  # a read-only look-up anyone may make; the route is exempt too (public.py)

    number = StringField(_l("Certificate number"),
                         validators=[DataRequired(), Length(max=40)],
                         description=_l("As printed, e.g. IA-2026-00042"))
    surname = StringField(_l("Holder's surname"), validators=[DataRequired(), Length(max=120)],
                          description=_l("As on the certificate, in either script"))
    submit = SubmitField(_l("Check"))
