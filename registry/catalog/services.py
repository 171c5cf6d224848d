"""Reference data (regions, sectors, organizations, courses): create, change, delete.

One generic path serves all four kinds because the rules are the same: names are cleaned
(NFC, trimmed), duplicates are refused with a message on the offending field, every change
writes one audit event, and a record that is still referred to cannot be deleted.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from registry.audit.services import record, save_with_audit
from registry.catalog.models import Course, Region, Sector
from registry.errors import Conflict, DomainError
from registry.extensions import db
from registry.catalog.models import Organization
from registry.people.names import clean_name

# kind -> (model, the fields that identify a record, the form field that shows a duplicate)
REFERENCE_KINDS = {
    "region": (Region, ("country", "parent_id", "name"), "name"),
    "sector": (Sector, ("code",), "code"),
    "organization": (Organization, ("name", "region_id"), "name"),
    "course": (Course, ("code",), "code"),
}

_TEXT_FIELDS = {"name", "title", "code", "standards", "description", "number_prefix", "languages"}


def region_and_below(region_id: int):
    """The ids of a region and of everything under it (districts, khoroos), as one recursive
    query to use in ``.in_(...)`` - the one way to ask for a region's subtree."""
    tree = select(Region.id).where(Region.id == region_id).cte("region_subtree", recursive=True)
    tree = tree.union_all(select(Region.id).where(Region.parent_id == tree.c.id))
    return select(tree.c.id)


def _clean(values: dict) -> dict:
    cleaned = {}
    for key, value in values.items():
        if key in _TEXT_FIELDS and isinstance(value, str):
            value = clean_name(value)
            if key in ("code", "number_prefix"):
                value = value.upper()
        cleaned[key] = value
    return cleaned


def _check_region_code(region: Region) -> None:
    """A code names one region of its country."""
    if region.code is None:
        return
    query = select(Region.id).where(Region.country == region.country, Region.code == region.code)
    if region.id is not None:
        query = query.where(Region.id != region.id)
    if db.session.scalar(query.limit(1)) is not None:
        raise Conflict(_l("Another region of this country has the code %(code)s.",
                          code=region.code), field="code")


def _check_region_parent(region: Region, parent_id: int | None) -> None:
    """A region cannot sit under itself or under one of its own descendants, or another country."""
    node = db.session.get(Region, parent_id) if parent_id else None
    if parent_id and node is None:
        raise DomainError(_l("Choose an existing parent."), field="parent_id")
    if node is not None and node.country != region.country:
        raise DomainError(_l("The parent belongs to another country."), field="parent_id")
    if (node is not None and region.id is not None
            and node.id in db.session.scalars(region_and_below(region.id)).all()):
        raise DomainError(_l("A region cannot be placed under itself."), field="parent_id")


def _check_course_rules(course: Course) -> None:
    if course.certificate_kind == "internal_auditor" and course.pass_mark is None:
        raise DomainError(_l("An internal-auditor course needs a pass mark."), field="pass_mark")
    if course.refresher_for_id:
        refreshed = db.session.get(Course, course.refresher_for_id)
        if refreshed is None or refreshed.id == course.id or refreshed.refresher_for_id:
            raise DomainError(_l("Choose a course that is not itself a refresher."),
                              field="refresher_for_id")
    else:
        course.refresher_for_id = None
    # Two languages side by side need the title in each: in the fixed ones, and in the
    # languages of this course's seminars that are not cancelled.
    from registry.seminars.models import Seminar

    seminar_languages = [None] if course.id is None else db.session.scalars(
        select(Seminar.language).distinct().where(Seminar.course_id == course.id,
                                                  Seminar.status != "cancelled")).all()
    missing = course.titles_missing_for(list(seminar_languages) or [None])
    if missing:
        raise DomainError(missing_titles_message(missing), field="languages")


def missing_titles_message(languages: list[str]):
    from registry.i18n import LANGUAGE_NAMES

    return _l("Certificates in two languages need the course title in each: add it in "
              "%(languages)s below, or print certificates in one language.",
              languages=", ".join(LANGUAGE_NAMES.get(code, code) for code in languages))


def _duplicate_exists(kind: str, obj, values: dict) -> bool:
    model, key_fields, _field = REFERENCE_KINDS[kind]
    query = select(model.id)
    for name in key_fields:
        column = getattr(model, name)
        value = values.get(name, getattr(obj, name))
        query = query.where(column.is_(None) if value is None else column == value)
    if obj.id is not None:
        query = query.where(model.id != obj.id)
    return db.session.scalar(query.limit(1)) is not None


def save_reference(kind: str, obj, values: dict, *, actor):
    """Create (``obj`` new) or change a reference record; returns it. Refuses duplicates.
    ``values["translations"]`` (optional): ``{field: {locale: text}}`` for records with values
    per language - they replace the record's (empty ones are dropped)."""
    _model, _keys, error_field = REFERENCE_KINDS[kind]
    translations = values.pop("translations", None) or {}
    values = _clean(values)
    is_new = obj.id is None
    # No autoflush while checking: the pending change must reach the audit event unflushed.
    with db.session.no_autoflush:
        if _duplicate_exists(kind, obj, values):
            raise Conflict(_l("A record with this name or code already exists."),
                           field=error_field)
        for key, value in values.items():
            setattr(obj, key, value)
        for field, per_language in translations.items():
            obj.set_values(field, {locale: clean_name(text) for locale, text
                                   in per_language.items()})
        if kind == "region":
            obj.code = obj.code or None  # no code: as many as there are (NULLs are distinct)
            _check_region_code(obj)
            _check_region_parent(obj, obj.parent_id)
        if kind == "course":
            _check_course_rules(obj)
    try:
        save_with_audit(actor, f"{kind}.{'create' if is_new else 'update'}", obj,
                        summary=label_of(obj))
    except IntegrityError:
        # Another user saved the same name a moment ago: the database said no.
        raise Conflict(_l("A record with this name or code already exists."),
                       field=error_field) from None
    return obj


def label_of(obj) -> str:
    return str(getattr(obj, "name", None) or obj.title)


def delete_reference(kind: str, obj, *, actor) -> None:
    """Delete a reference record that nothing refers to; otherwise say that it is in use."""
    model, _keys, _field = REFERENCE_KINDS[kind]
    label = label_of(obj)
    record_id = obj.id
    try:
        db.session.delete(obj)
        db.session.flush()
    except IntegrityError:
        # The caller rolls back; the database's foreign keys are what says "in use".
        raise Conflict(
            _l("“%(name)s” is still in use and cannot be deleted.", name=label)
        ) from None
    record(actor, f"{kind}.delete", record_type=model.__tablename__, record_id=record_id,
           summary=label)
    db.session.flush()
