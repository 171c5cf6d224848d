import unicodedata

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from markupsafe import Markup
from registry.forms import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp
from wtforms.widgets import Select, html_params

from registry.catalog.models import COUNTRIES, Course, Region, Sector
from registry.extensions import db
from registry.forms import LanguageValues
from registry.i18n import LANGUAGE_NAMES
from registry.localized import current_locale


def certificate_language_choices():
    """What a course's certificates may be printed in."""
    return [("seminar,en", _l("The seminar's language and English, side by side")),
            ("seminar", _l("The seminar's language"))] + [
        (code, _l("Always %(language)s", language=name)) for code, name in LANGUAGE_NAMES.items()]


def _optional_int(value):
    return int(value) if value not in (None, "", "None") else None


def country_choices():
    return [("UZ", _l("Uzbekistan")), ("MN", _l("Mongolia")), ("VN", _l("Viet Nam"))]


# The country whose regions a page in this language lists first.
_COUNTRY_OF_LOCALE = {"uz": "UZ", "uz_Cyrl": "UZ", "mn": "MN", "vi": "VN"}


def _sort_key(text: str) -> str:
    """Alphabetical order that ignores case, accents and the Uzbek ʻ (Hà Nội among the H's)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed
                   if not unicodedata.combining(c) and c not in "ʻʼ'`").casefold()


def region_groups(blank_label=None, *, within=None) -> dict:
    """The regions for a picker: one option group per country (the page's own country first),
    each region followed by its districts ("Region › District"), names in the page's
    language, alphabetical at each level. The blank choice comes first, outside any group
    (``GroupedSelect`` renders the group with an empty label as plain options). ``within``:
    only these region ids (a regional office's own subtree, ``auth.scope``), and no blank
    choice unless ``blank_label`` names one."""
    regions = db.session.scalars(db.select(Region)).all()
    children: dict[int | None, list[Region]] = {}
    for region in regions:
        children.setdefault(region.parent_id, []).append(region)
    for siblings in children.values():
        siblings.sort(key=lambda region: _sort_key(region.label))

    def walk(region: Region, out: list) -> None:
        if within is None or region.id in within:
            out.append((region.id, region.path if region.parent_id else region.label))
        for child in children.get(region.id, []):
            walk(child, out)

    first = _COUNTRY_OF_LOCALE.get(current_locale())
    order = sorted(COUNTRIES, key=lambda country: country != first)
    names = dict(country_choices())
    blank = [] if within is not None and blank_label is None else [
        ("", blank_label or _l("— none —"))]
    groups: dict = {"": blank}
    for country in order:
        options: list = []
        for root in children.get(None, []):
            if root.country == country:
                walk(root, options)
        if options:
            groups[str(names[country])] = options
    return groups


class GroupedSelect(Select):
    """A select whose choices are groups (a dict label → choices), where the group with an
    empty label is rendered as plain options before the groups (the blank choice)."""

    def __call__(self, field, **kwargs):
        if not field.has_groups():
            return super().__call__(field, **kwargs)
        kwargs.setdefault("id", field.id)
        for flag in self.validation_attrs:
            if flag not in kwargs and getattr(field.flags, flag, False):
                kwargs[flag] = True
        html = [f"<select {html_params(name=field.name, **kwargs)}>"]
        for group, choices in field.iter_groups():
            if group:
                html.append(f"<optgroup {html_params(label=group)}>")
            html.extend(self.render_option(value, label, selected, **render_kw)
                        for value, label, selected, render_kw in choices)
            if group:
                html.append("</optgroup>")
        html.append("</select>")
        return Markup("".join(html))


class RegionSelectField(SelectField):
    """A region or district, or none: picked from the option groups of ``region_groups``."""

    widget = GroupedSelect()

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("coerce", _optional_int)
        super().__init__(label, validators or [Optional()], **kwargs)


def sector_choices():
    sectors = db.session.scalars(db.select(Sector).order_by(Sector.name)).all()
    return [("", _l("— none —"))] + [(sector.id, sector.label) for sector in sectors]


class RegionForm(LanguageValues, FlaskForm):
    LANGUAGE_FIELDS = (("name", 150),)

    country = SelectField(_l("Country"), choices=country_choices, validators=[DataRequired()])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=150)])
    # The code accounts and imports name a region by (``flask create-user --region``); the
    # loaded regions carry their ISO 3166-2 code, a region added by hand may get its own.
    code = StringField(_l("Code"), validators=[Optional(), Length(max=10), Regexp(
        r"^[A-Za-z0-9-]+$", message=_l("Letters, digits and - only."))],
        description=_l("For example UZ-TK. Optional; unique within the country."))
    # "Region" as a kind (a viloyat, an aimag, a province) has its own context: the plain
    # msgid heads columns that show any place, a city or a khoroo included.
    kind = SelectField(_l("Kind"), choices=[("region", lazy_pgettext("region kind", "Region")),
                                            ("city", _l("City")),
                                            ("district", _l("District")),
                                            ("khoroo", _l("Khoroo"))])
    parent_id = RegionSelectField(_l("Part of"),
                                  description=_l("Leave empty for a top-level region."))
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.parent_id.choices = region_groups()


class SectorForm(LanguageValues, FlaskForm):
    LANGUAGE_FIELDS = (("name", 150),)

    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=30),
                                               Regexp(r"^[A-Za-z0-9_-]+$",
                                                      message=_l("Letters, digits, - and _ only."))])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=150)])
    submit = SubmitField(_l("Save"))


class OrganizationForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=250)])
    kind = SelectField(_l("Kind"), choices=[
        ("enterprise", _l("Enterprise")), ("ministry", _l("Ministry")),
        ("agency", _l("Agency")), ("local_administration", _l("Local administration")),
        ("other", _l("Other"))])
    sector_id = SelectField(_l("Sector"), coerce=_optional_int, validators=[Optional()])
    region_id = RegionSelectField(_l("Region or district"))
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.sector_id.choices = sector_choices()
        self.region_id.choices = region_groups()


class CourseForm(LanguageValues, FlaskForm):
    LANGUAGE_FIELDS = (("title", 250), ("standards", 250))

    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=30)])
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=250)])
    standards = StringField(_l("Standards covered"), validators=[Optional(), Length(max=250)],
                            description=_l("For example: ISO 9001:2015, ISO 19011:2018"))
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=5000)])
    certificate_kind = SelectField(_l("Certificate"), choices=[
        ("attendance", _l("Certificate of attendance")),
        ("internal_auditor", _l("Internal auditor certificate (exam)"))])
    hours = IntegerField(_l("Hours"), validators=[DataRequired(), NumberRange(1, 1000)])
    days = IntegerField(_l("Days"), validators=[DataRequired(), NumberRange(1, 60)])
    pass_mark = IntegerField(_l("Pass mark (%)"), validators=[Optional(), NumberRange(0, 100)],
                             description=_l("Required for internal-auditor courses."))
    min_attendance_percent = IntegerField(_l("Minimum attendance (%)"), default=100,
                                          validators=[DataRequired(), NumberRange(0, 100)])
    validity_months = IntegerField(_l("Valid for (months)"),
                                   validators=[Optional(), NumberRange(1, 600)],
                                   description=_l("Leave empty for certificates without expiry."))
    number_prefix = StringField(
        _l("Number prefix"), validators=[DataRequired(), Length(max=10),
                                         Regexp(r"^[A-Za-z]{1,10}$",
                                                message=_l("Latin letters only."))],
        description=_l("Certificates are numbered PREFIX-YEAR-00001."))
    languages = SelectField(_l("Certificate languages"), default="seminar,en",
                            choices=certificate_language_choices(),
                            description=_l("Agencies in the region usually issue certificates in "
                                           "the seminar's language and English side by side."))
    active = BooleanField(_l("Offered (active)"), default=True)
    refresher_for_id = SelectField(
        _l("Refresher for"), coerce=_optional_int, validators=[Optional()],
        description=_l("Completing this course renews a certificate of the chosen course "
                       "(an official issues the renewal)."))
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        courses = db.session.scalars(db.select(Course).where(Course.refresher_for_id.is_(None))
                                     .order_by(Course.title)).all()
        own = getattr(kwargs.get("obj"), "id", None)
        self.refresher_for_id.choices = [("", _l("— none —"))] + [
            (course.id, course.label) for course in courses if course.id != own]

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        # Not a field validator: Optional() on an empty field stops the field's own chain.
        if self.certificate_kind.data == "internal_auditor" and self.pass_mark.data is None:
            self.pass_mark.errors = [*self.pass_mark.errors,
                                     _l("An internal-auditor course needs a pass mark.")]
            valid = False
        return valid


for _form in (RegionForm, SectorForm, CourseForm):
    _form.add_language_fields()
