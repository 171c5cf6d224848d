from __future__ import annotations

from flask_babel import lazy_gettext as _l
from registry.forms import FlaskForm
from sqlalchemy import select
from wtforms import BooleanField, EmailField, HiddenField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional

from registry.catalog.forms import RegionSelectField, region_groups
from registry.extensions import db
from registry.catalog.models import Organization


def _optional_int(value):
    return int(value) if value not in (None, "", "None") else None


def organization_choices():
    organizations = db.session.scalars(select(Organization).order_by(Organization.name)).all()
    return [("", _l("— none —"))] + [(org.id, org.name) for org in organizations]


class PersonForm(FlaskForm):
    full_name = StringField(
        _l("Full name"), validators=[DataRequired(), Length(max=250)],
        description=_l("As the person writes it, in their own script."),
        render_kw={"autocomplete": "off", "spellcheck": "false"})
    latin_name = StringField(_l("Name in Latin letters"), validators=[Optional(), Length(max=250)],
                             description=_l("Optional; as in the passport."),
                             render_kw={"autocomplete": "off", "spellcheck": "false"})
    national_id = StringField(
        _l("National identifier"), validators=[Optional(), Length(max=40)],
        description=_l("Optional. Private: used only to recognise the same person, never shown "
                       "publicly."), render_kw={"autocomplete": "off"})
    position = StringField(_l("Position"), validators=[Optional(), Length(max=200)])
    organization_id = SelectField(_l("Organization"), coerce=_optional_int,
                                  validators=[Optional()])
    region_id = RegionSelectField(_l("Region or district"))
    email = EmailField(_l("Email"), validators=[Optional(), Length(max=254)])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=40)])
    public_listing = BooleanField(
        _l("Listed in the public register of certified auditors"),
        description=_l("Only with the person's consent. The register shows the name, "
                       "certificate number, course and validity - nothing else."))
    allow_duplicate = BooleanField(
        _l("This is a different person: create a new record"),
        description=_l("Tick only after checking the similar people listed above."))
    # The names as the edit form showed them: a name saved meanwhile (a re-issue corrected
    # it) is not overwritten by this form's old copy (people.services.update_person).
    name_seen = HiddenField()
    latin_seen = HiddenField()
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, show_national_id: bool = True, new: bool = True,
                 consent: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.organization_id.choices = organization_choices()
        self.region_id.choices = region_groups()
        if not show_national_id:
            # Only the office sees (and so edits) the national identifier of a person on file.
            del self.national_id
        if new:
            del self.name_seen, self.latin_seen
        else:
            del self.allow_duplicate
        if not consent:
            # Consent to the public register is recorded by the office (the service ignores
            # it from anyone else too).
            del self.public_listing

    def values(self) -> dict:
        keys = ("full_name", "latin_name", "national_id", "position", "organization_id",
                "region_id", "email", "phone", "public_listing")
        return {key: self[key].data for key in keys if key in self}


    def show_names(self, person) -> None:
        """Remember the record's names as this edit form shows them."""
        self.name_seen.data = person.full_name
        self.latin_seen.data = person.latin_name or ""

    def seen(self) -> dict | None:
        """The names the edit form showed (None: new, or a caller that sent none)."""
        if "name_seen" not in self or not self.name_seen.raw_data:
            return None
        return {"full_name": self.name_seen.data, "latin_name": self.latin_seen.data or None}


class MergeForm(FlaskForm):
    target_id = HiddenField(validators=[DataRequired()])
    submit = SubmitField(_l("Merge"))
