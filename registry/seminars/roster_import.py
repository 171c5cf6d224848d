"""Registering a seminar's participants from the list a district sends (.xlsx or .csv).

The flow is upload → preview → confirm. ``plan_import`` reads the file and says, row by row,
what would happen (a new person, a person already on file, a new organization, the waiting
list) and lists every error with its line and column; it writes nothing. ``apply_import``
plans again (the register may have changed since the preview) and, only if there is no
error at all, creates and registers everyone in the caller's one transaction. A file with
any error imports nobody; importing the same file again adds nobody twice.

Columns are found by their header, in any order, in English, Russian, Uzbek (both scripts),
Mongolian or Vietnamese; columns nobody asked for are shown as ignored.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from sqlalchemy import insert, inspect, select
from sqlalchemy.exc import IntegrityError

from registry.audit.services import changed_fields, record, record_many
from registry.catalog.models import Region, Sector
from registry.errors import Conflict, DomainError
from registry.extensions import db
from registry.people import services as people_services
from registry.catalog.models import Organization
from registry.people.models import Person
from registry.people.names import clean_name, search_key
from registry.seminars.models import Registration, Seminar
from registry.certificates.glyphs import unprintable
from registry.spreadsheets import SpreadsheetError, Table, read_table
from registry.text import looks_like_email

# field -> the labels a header may carry (compared after ``header_key``).
COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "full_name": (
        "full name", "name", "participant", "surname and name", "name and surname",
        "ф.и.о.", "фио", "ф.и.о", "фамилия имя отчество", "фамилия, имя, отчество", "имя",
        "полное имя", "участник",
        "familiyasi, ismi", "familiyasi ismi", "familiyasi, ismi, otasining ismi", "f.i.sh.",
        "fish", "ism familiya", "familiya ism", "ismi sharifi", "ism-sharifi",
        "ф.и.ш.", "фиш", "фамилияси, исми", "фамилияси исми", "исми шарифи", "исм-шарифи",
        "овог нэр", "овог, нэр", "овог нэрс", "нэр", "оролцогч",
        "họ và tên", "họ tên", "tên", "học viên",
    ),
    "latin_name": (
        "name in latin letters", "latin name", "name (latin)", "имя латиницей", "латиницей",
        "lotin harflarida", "lotincha", "лотин ҳарфларида", "латинаар", "латин үсгээр",
        "tên không dấu", "лотин ҳарфларидаги исми",  # the last: an old template's label
    ),
    "national_id": (
        "national identifier", "national id", "personal id", "пинфл", "pinfl", "jshshir",
        "жшшир", "регистрийн дугаар", "регистр", "cccd", "số cccd", "cmnd", "số cmnd",
    ),
    "position": (
        "position", "job title", "title", "должность", "lavozimi", "lavozim", "лавозими",
        "лавозим", "албан тушаал", "chức vụ",
    ),
    "organization": (
        "organization", "organisation", "company", "employer", "enterprise", "организация",
        "предприятие", "место работы", "tashkilot", "tashkilot nomi", "korxona", "ish joyi",
        "ташкилот", "ташкилот номи", "корхона", "иш жойи", "байгууллага", "байгууллагын нэр",
        "ажлын газар", "tổ chức", "đơn vị", "công ty", "cơ quan", "doanh nghiệp",
    ),
    "sector": (
        "sector", "industry", "отрасль", "сектор", "sohasi", "soha", "tarmoq", "соҳа",
        "соҳаси", "тармоқ", "салбар", "ngành", "lĩnh vực",
    ),
    "region": (
        "region", "district", "region/district", "region / district", "location", "регион",
        "район", "область", "город", "регион/район", "hudud", "tuman", "viloyat", "shahar",
        "ҳудуд", "туман", "вилоят", "шаҳар", "аймаг", "сум", "дүүрэг", "хороо", "аймаг/дүүрэг",
        "tỉnh", "huyện", "quận", "tỉnh/thành phố", "khu vực", "địa bàn",
        # The column's label in templates downloaded before the terminology review (2026-12):
        # a filled-in old template still imports.
        "hudud yoki tuman", "аймаг эсвэл дүүрэг", "tỉnh/thành phố hoặc quận/huyện",
    ),
    "email": (
        "email", "e-mail", "email address", "эл. почта", "электронная почта", "почта",
        "elektron pochta", "e-pochta", "электрон почта", "и-мэйл", "цахим шуудан", "имэйл",
        "thư điện tử",
    ),
    "phone": (
        "phone", "telephone", "phone number", "mobile", "телефон", "тел.", "тел", "telefon",
        "telefon raqami", "телефон рақами", "утас", "утасны дугаар", "điện thoại", "sđt",
        "số điện thoại",
    ),
}

COLUMN_LABELS = {
    "full_name": _l("Full name"), "latin_name": _l("Name in Latin letters"),
    "national_id": _l("National identifier"), "position": _l("Position"),
    "organization": _l("Organization"), "sector": _l("Sector"),
    "region": _l("Region or district"), "email": _l("Email"), "phone": _l("Phone"),
}
# The order of the downloadable template.
TEMPLATE_COLUMNS = ("full_name", "latin_name", "position", "organization", "sector", "region",
                    "email", "phone")

_LIMITS = {"full_name": 250, "latin_name": 250, "national_id": 40, "position": 200,
           "organization": 250, "email": 254, "phone": 40}


def header_key(text: str) -> str:
    """A header in comparable form: case, punctuation, asterisks and spacing ignored."""
    text = unicodedata.normalize("NFC", text or "").casefold()
    text = re.sub(r"[\s.,;:*/\\()\-_'\"`ʻ’‘]+", " ", text)
    return " ".join(text.split())


_ALIAS_INDEX = {header_key(alias): name for name, aliases in COLUMN_ALIASES.items()
                for alias in aliases}


@lru_cache(maxsize=1)
def _translated_labels() -> dict[str, str]:
    """The column labels in every catalogue - the headers of the template as downloaded in any
    language - so that a filled-in template always imports."""
    from babel.support import Translations

    from registry.catalogues import LOCALES, TRANSLATIONS

    labels = {}
    for locale in LOCALES:
        translations = Translations.load(str(TRANSLATIONS), [locale])
        for name, label in COLUMN_LABELS.items():
            labels.setdefault(header_key(translations.gettext(label._args[0])), name)
    return labels


def column_for(header: str) -> str | None:
    """The field a header names, or ``None``."""
    key = header_key(header)
    return _ALIAS_INDEX.get(key) or _translated_labels().get(key)


# --- the plan ----------------------------------------------------------------------------------

@dataclass
class RowError:
    line: int
    column: str  # the header as written in the file ("" for the whole row)
    message: str


@dataclass
class PlannedRow:
    line: int
    values: dict
    person: Person | None = None  # the person on file this row is, if any
    matched_by: str = ""  # national_id / email / name
    match: people_services.Candidate | None = None  # how the person on file was found
    already_registered: bool = False
    new_organization: bool = False
    organization: Organization | None = None
    sector: Sector | None = None
    region: Region | None = None
    waitlisted: bool = False
    created: Person | None = None  # the new person the import made for this row
    unprintable: list = field(default_factory=list)  # characters no certificate can print

    @property
    def registrant(self) -> Person | None:
        return self.person or self.created

    @property
    def outcome(self) -> str:
        if self.already_registered:
            return "already"
        return "existing" if self.person is not None else "new"


@dataclass
class ImportPlan:
    rows: list[PlannedRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    columns: dict = field(default_factory=dict)  # field -> header as written
    ignored: list[str] = field(default_factory=list)
    detail: str = ""

    @property
    def ok(self) -> bool:
        return not self.errors and any(row.outcome != "already" for row in self.rows)

    def count(self, outcome: str) -> int:
        return sum(1 for row in self.rows if row.outcome == outcome)

    @property
    def new_organizations(self) -> list[str]:
        return sorted({row.values["organization"] for row in self.rows if row.new_organization})

    @property
    def waitlisted(self) -> int:
        return sum(1 for row in self.rows if row.waitlisted)


class ImportRejected(DomainError):
    """The file has errors; nothing was imported. ``plan`` holds the line-by-line report."""

    status_code = 422

    def __init__(self, plan: ImportPlan):
        super().__init__(lazy_ngettext("The file has %(num)s error; nobody was imported.",
                                      "The file has %(num)s errors; nobody was imported.",
                                      len(plan.errors)))
        self.plan = plan


def _map_columns(header: list[str], plan: ImportPlan) -> dict[str, int]:
    positions: dict[str, int] = {}
    for index, text in enumerate(header):
        if not text:
            continue
        name = column_for(text)
        if name is None:
            plan.ignored.append(text)
        elif name in positions:
            plan.errors.append(RowError(1, text, _(
                "Two columns mean “%(label)s” (“%(first)s” and “%(second)s”). Keep one.",
                label=COLUMN_LABELS[name], first=plan.columns[name], second=text)))
        else:
            positions[name] = index
            plan.columns[name] = text
    if "full_name" not in positions:
        plan.errors.append(RowError(1, "", _(
            "No column holds the participants' names. Name the column “%(label)s” (or "
            "Ф.И.О., Familiyasi ismi, Овог нэр, Họ và tên); download the template to see "
            "every column.", label=COLUMN_LABELS["full_name"])))
    return positions


class _Lookups:
    """Reference data read once per plan (not once per row)."""

    def __init__(self):
        self.sectors: dict[str, Sector] = {}
        # A list may name a sector or a region in any of its languages.
        for sector in db.session.scalars(select(Sector)):
            for name in {sector.name, sector.code, *sector.values_of("name").values()}:
                self.sectors[header_key(name)] = sector
        self.regions: dict[str, list[Region]] = {}
        for region in db.session.scalars(select(Region)):
            for name in {region.name, *region.values_of("name").values()}:
                self.regions.setdefault(header_key(name), []).append(region)
        self.organizations: dict[str, Organization] = {}
        for organization in db.session.scalars(select(Organization).order_by(Organization.id)):
            self.organizations.setdefault(header_key(organization.name), organization)

    def region(self, text: str) -> tuple[Region | None, str | None]:
        parts = [part for part in re.split(r"\s*[/,>]\s*", text) if part]
        candidates = self.regions.get(header_key(parts[-1]), [])
        if len(parts) > 1:
            parent = header_key(parts[-2])
            candidates = [r for r in candidates if r.parent is not None and parent in {
                header_key(name) for name in (r.parent.name, *r.parent.values_of("name").values())}]
        if len(candidates) == 1:
            return candidates[0], None
        if not candidates:
            return None, _("“%(text)s” is not a region or district in the reference list.",
                           text=text)
        return None, _("Several places are called “%(text)s”; write it as “Region / District”.",
                       text=text)


def _clean_row(cells: list[str], positions: dict[str, int]) -> dict:
    values = {}
    for name, index in positions.items():
        raw = cells[index] if index < len(cells) else ""
        values[name] = clean_name(raw) if raw else ""
    if values.get("email"):
        values["email"] = values["email"].lower()
    return values


def _check_row(line: int, values: dict, plan: ImportPlan) -> bool:
    ok = True

    def error(name: str, message: str) -> None:
        nonlocal ok
        ok = False
        plan.errors.append(RowError(line, plan.columns.get(name, ""), message))

    if not values.get("full_name"):
        error("full_name", _("The name is empty."))
    too_long = [name for name, limit in _LIMITS.items() if len(values.get(name) or "") > limit]
    for name in too_long:
        error(name, _("Too long (at most %(n)s characters).", n=_LIMITS[name]))
    if values.get("email") and "email" not in too_long and not looks_like_email(values["email"]):
        error("email", _("“%(value)s” is not an email address.", value=values["email"]))
    return ok


def _identity(values: dict, organization_key: str, region_id) -> list[tuple]:
    """What makes two rows of one file the same person (the rules of duplicate detection)."""
    keys = []
    if values.get("national_id"):
        keys.append(("national_id", people_services.clean_national_id(values["national_id"])))
    if values.get("email"):
        keys.append(("email", values["email"]))
    name = values["search_name"]
    if organization_key:
        keys.append(("name_org", name, organization_key))
    if region_id:
        keys.append(("name_region", name, region_id))
    if not organization_key and not region_id:
        keys.append(("name", name))
    return keys


@dataclass
class Upload:
    """A participant list read from its bytes: its table, or why it cannot be read."""

    table: Table | None = None
    refusal: str | None = None


def read_upload(data: bytes) -> Upload:
    """Read the uploaded bytes (bounded in rows, cells and time; see ``read_table``). Touches no
    database: the views call it outside any transaction, so that a slow or hostile file never
    holds a lock another user's request waits for."""
    try:
        return Upload(table=read_table(data))
    except SpreadsheetError as error:
        return Upload(refusal=str(error))


def plan_import(seminar: Seminar, upload: Upload | bytes) -> ImportPlan:
    """What importing ``upload`` into ``seminar`` would do, row by row, and every error with
    its line and column. Reads; never writes."""
    plan = ImportPlan()
    if isinstance(upload, bytes):
        upload = read_upload(upload)
    if upload.refusal is not None:
        plan.errors.append(RowError(0, "", upload.refusal))
        return plan
    table = upload.table
    plan.detail = table.detail
    (header_line, header), data_rows = table.rows[0], table.rows[1:]
    positions = _map_columns(header, plan)
    if plan.errors:
        return plan
    if not data_rows:
        plan.errors.append(RowError(header_line, "", _("The file has a header but no "
                                                       "participants.")))
        return plan
    if not seminar.accepts_registrations:
        plan.errors.append(RowError(0, "", _("This seminar does not accept registrations now.")))
        return plan

    lookups = _Lookups()
    on_list = {registration.person_id for registration in db.session.scalars(
        select(Registration).where(Registration.seminar_id == seminar.id,
                                   Registration.status != "cancelled"))}
    free_seats = max(0, seminar.capacity - seminar.seats_taken)
    seen: dict[tuple, int] = {}
    checked: list[PlannedRow] = []
    for line, cells in data_rows:
        values = _clean_row(cells, positions)
        if not _check_row(line, values, plan):
            continue
        row = PlannedRow(line, values, unprintable=unprintable(
            f"{values['full_name']} {values.get('latin_name') or ''}"))
        if values.get("sector"):
            row.sector = lookups.sectors.get(header_key(values["sector"]))
            if row.sector is None:
                plan.errors.append(RowError(line, plan.columns["sector"], _(
                    "“%(text)s” is not a sector in the reference list.", text=values["sector"])))
                continue
        if values.get("region"):
            row.region, problem = lookups.region(values["region"])
            if problem:
                plan.errors.append(RowError(line, plan.columns["region"], problem))
                continue
        values["search_name"] = search_key(values["full_name"])  # once per row
        organization_key = header_key(values.get("organization", ""))
        if organization_key:
            row.organization = lookups.organizations.get(organization_key)
            row.new_organization = row.organization is None
        identity = _identity(values, organization_key, row.region.id if row.region else None)
        twin = next((seen[key] for key in identity if key in seen), None)
        if twin is not None:
            plan.errors.append(RowError(line, plan.columns["full_name"], _(
                "The same person as on line %(line)s.", line=twin)))
            continue
        seen.update({key: line for key in identity})
        checked.append(row)
    # Who is already on file: one look-up for the whole list (a few statements), not one per
    # row - per row, a 5,000-row list on a large register took minutes.
    matches = people_services.find_duplicates_of_many(
        [_description(row) for row in checked], limit=1)
    for row, candidates in zip(checked, matches):
        if candidates:
            row.match = candidates[0]
            row.person, row.matched_by = row.match.person, row.match.reasons[0]
            row.already_registered = row.person.id in on_list
        if not row.already_registered:
            if free_seats:
                free_seats -= 1
            elif seminar.waitlist_enabled:
                row.waitlisted = True
            else:
                plan.errors.append(RowError(row.line, "", _(
                    "No seat is left for this person and the seminar keeps no waiting list.")))
                continue
        plan.rows.append(row)
    # In line order, as the rows were read (the seat errors come from the second pass).
    plan.errors.sort(key=lambda error: error.line)
    return plan


def _description(row: PlannedRow) -> people_services.Description:
    return people_services.Description(
        full_name=row.values["full_name"], search_name=row.values["search_name"],
        national_id=row.values.get("national_id"),
        email=row.values.get("email"),
        organization_id=row.organization.id if row.organization else None,
        region_id=row.region.id if row.region else None)


def _new_organizations(rows: list[PlannedRow], actor) -> dict[str, Organization]:
    """The organizations the list names that are not on file, created once each (by their
    first row's sector and region) with the audit event ``save_with_audit`` would write -
    flushed together, not one flush each."""
    created: dict[str, Organization] = {}
    for row in rows:
        key = header_key(row.values.get("organization", ""))
        if row.new_organization and key not in created:
            created[key] = Organization(name=row.values["organization"], kind="enterprise",
                                        sector_id=row.sector.id if row.sector else None,
                                        region_id=row.region.id if row.region else None)
    changes = {key: changed_fields(organization) for key, organization in created.items()}
    db.session.add_all(created.values())
    db.session.flush()
    record_many(actor, [("organization.create", organization, organization.name,
                         {"changes": changes[key]}) for key, organization in created.items()])
    return created


def _insert_people(people: list[Person]) -> list[Person]:
    """Insert the new people in bulk (``INSERT ... RETURNING`` the rows, in order): the same
    rows an ORM flush writes, without its per-object bookkeeping (half the time)."""
    if not people:
        return []
    values = []
    for person in people:
        state = inspect(person)
        values.append({attr.key: state.dict[attr.key] for attr in state.mapper.column_attrs
                       if attr.key in state.dict})
    return list(db.session.scalars(insert(Person).returning(Person, sort_by_parameter_order=True),
                                   values))


def apply_import(seminar: Seminar, upload: Upload | bytes, *, actor) -> ImportPlan:
    """Import the list into ``seminar``: everyone or nobody. Raises ``ImportRejected`` (with the
    line-by-line report) when the file has any error. Flushes; the caller commits.

    The seminar row is locked first and the file planned again under the lock, so seats
    counted are seats given, and a second import of the same file (even at the same moment)
    finds everyone already there. People and registrations are written in bulk - a
    5,000-row list is a few statements, not ~16 per row - and one audit event records the
    import with the ids of the people it created and registered.
    """
    from registry.seminars.services import _lock

    if isinstance(upload, bytes):
        upload = read_upload(upload)
    seminar = _lock(seminar)
    plan = plan_import(seminar, upload)
    if plan.errors:
        raise ImportRejected(plan)
    to_register = [row for row in plan.rows if not row.already_registered]
    created = _new_organizations(to_register, actor)
    new_rows: list[PlannedRow] = []
    new_people: list[Person] = []
    for row in to_register:
        organization = (created[header_key(row.values["organization"])]
                        if row.new_organization else row.organization)
        if row.person is None:  # the plan found nobody on file: a new person
            values = {key: row.values.get(key) for key in (
                "full_name", "latin_name", "national_id", "position", "email", "phone")
                if row.values.get(key)}
            values["organization_id"] = organization.id if organization else None
            values["region_id"] = row.region.id if row.region else None
            new_rows.append(row)
            new_people.append(people_services.new_person(
                values, added_by=actor, search_name=row.values["search_name"]))
    try:
        new_people = _insert_people(new_people)
    except IntegrityError:
        raise Conflict(_l("Some of these people were registered by someone else a moment ago. "
                          "Upload the file again to see where things stand.")) from None
    for row, person in zip(new_rows, new_people):
        row.created = person
    seated = _register_rows(seminar, to_register)
    record(actor, "seminar.import", seminar, summary=seminar.title,
           details={"new_people": plan.count("new"), "existing_people": plan.count("existing"),
                    "already_registered": plan.count("already"),
                    "new_organizations": len(created), "waitlisted": plan.waitlisted,
                    "people_created": [person.id for person in new_people],
                    "people_registered": [row.registrant.id for row in to_register],
                    "seated": seated})
    db.session.flush()
    return plan


def _register_rows(seminar: Seminar, rows: list[PlannedRow]) -> int:
    """Seats in file order while they last, then the waiting list; a cancelled registration
    of the same person comes back to life. Returns how many got a seat."""
    from datetime import timedelta

    from registry.database import utcnow

    cancelled = {reg.person_id: reg for reg in db.session.scalars(
        select(Registration).where(Registration.seminar_id == seminar.id,
                                   Registration.status == "cancelled",
                                   Registration.person_id.in_([r.registrant.id for r in rows])))}
    free, seated, now = seminar.capacity - seminar.seats_taken, 0, utcnow()
    new: list[dict] = []
    for index, row in enumerate(rows):
        status = "registered" if seated < free else "waitlisted"
        seated += status == "registered"
        row.waitlisted = status == "waitlisted"
        # A microsecond apart: the waiting list keeps the order of the file.
        changed_at = now + timedelta(microseconds=index)
        revived = cancelled.get(row.registrant.id)
        if revived is not None:
            revived.status, revived.status_changed_at, revived.left_pending = \
                status, changed_at, False
        else:
            new.append({"seminar_id": seminar.id, "person_id": row.registrant.id,
                        "status": status, "status_changed_at": changed_at})
    seminar.seats_taken += seated
    try:
        if new:
            # One INSERT of many rows (the columns' defaults fill the rest); nothing reads
            # these registrations back as objects in this request.
            db.session.execute(insert(Registration), new)
        db.session.flush()
    except IntegrityError:
        raise Conflict(_l("Some of these people were registered by someone else a moment ago. "
                          "Upload the file again to see where things stand.")) from None
    return seated


def template_workbook() -> bytes:
    """The downloadable template: the participant columns, and the names of sectors and
    regions as the import accepts them."""
    from registry.spreadsheets import Sheet, xlsx_bytes

    sectors = db.session.scalars(select(Sector).order_by(Sector.name)).all()
    regions = db.session.scalars(select(Region)).all()
    places = sorted(f"{r.parent.name} / {r.name}" if r.parent is not None else r.name
                    for r in regions)
    return xlsx_bytes([
        Sheet(_("Participants"), [str(COLUMN_LABELS[name]) for name in TEMPLATE_COLUMNS], []),
        Sheet(_("Sectors"), [str(COLUMN_LABELS["sector"])], [[s.name] for s in sectors]),
        Sheet(_("Regions"), [str(COLUMN_LABELS["region"])], [[p] for p in places]),
    ])
