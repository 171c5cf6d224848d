"""Participants: find, create without duplicates, change, and merge two records of one person.

Many participants have no email, so a second record for the same person is easy to make by
accident. Before a person is created we look for one that is probably the same - the same
national identifier (kept private), the same email, or the same name (in matching form) in
the same organization or district - and offer it instead. A national identifier belongs to
one person only: a second record with it is refused outright.

A trainer sees only some people (``registry.people.visibility``); a likely duplicate they may
not see is still offered - it still prevents the duplicate - but without saying who it is.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

from registry.audit.services import record, save_with_audit
from registry.search import every_word, key_contains
from registry.auth.permissions import can
from registry.people.visibility import restrict_to_visible, visible_among
from registry.catalog.models import Region
from registry.database import utcnow
from registry.text import looks_like_email
from registry.errors import Conflict, DomainError
from registry.extensions import db
from registry.catalog.models import Organization
from registry.certificates.holders import move_certificates
from registry.people.models import Person
from registry.seminars.merging import move_registrations
from registry.people.names import clean_name, search_key

PERSON_FIELDS = ("full_name", "latin_name", "national_id", "email", "phone", "position",
                 "organization_id", "region_id", "public_listing")


@dataclass
class Candidate:
    """An existing person who is probably the one being entered, and why we think so."""

    person: Person
    reasons: list[str] = field(default_factory=list)  # "national_id" | "email" | "name"
    # The one entering the person may not know who this is (a trainer, about someone not on
    # their seminars, or any national-identifier hit): offered as "already on file - ask the
    # office to register them", without a name.
    anonymous: bool = False

    @property
    def certain(self) -> bool:
        """A national identifier is proof: such a duplicate cannot be created anyway."""
        return "national_id" in self.reasons


class DuplicatePerson(Conflict):
    """The person probably exists already; ``candidates`` are offered instead."""

    def __init__(self, message, candidates: list[Candidate], *, field: str | None = None):
        super().__init__(message, field=field)
        self.candidates = candidates


def clean_national_id(raw: str | None) -> str | None:
    """National identifiers are compared without spaces or dashes, in upper case."""
    if not raw:
        return None
    value = re.sub(r"[\s\-]", "", raw).upper()
    return value or None


def clean_email(raw: str | None) -> str | None:
    value = (raw or "").strip().lower()
    return value or None


def _clean_values(values: dict) -> dict:
    cleaned = {key: values.get(key) for key in PERSON_FIELDS if key in values}
    if "full_name" in cleaned:
        cleaned["full_name"] = clean_name(cleaned["full_name"])
    for key in ("latin_name", "phone", "position"):
        if key in cleaned:
            cleaned[key] = clean_name(cleaned[key]) or None
    if "national_id" in cleaned:
        cleaned["national_id"] = clean_national_id(cleaned["national_id"])
    if "email" in cleaned:
        cleaned["email"] = clean_email(cleaned["email"])
    for key in ("organization_id", "region_id"):
        if key in cleaned and cleaned[key] in ("", 0):
            cleaned[key] = None
    if "public_listing" in cleaned:
        cleaned["public_listing"] = bool(cleaned["public_listing"])
    return cleaned


def _record_listing_consent(person: Person, listed: bool | None) -> None:
    """Keep when the person agreed to the public register (cleared when they withdraw)."""
    if listed is None or listed == bool(person.public_listing_since):
        return
    person.public_listing_since = utcnow() if listed else None


def _check_values(values: dict) -> None:
    if "full_name" in values and not values["full_name"]:
        raise DomainError(_l("Enter the person's full name."), field="full_name")
    if len(values.get("full_name") or "") > 250:
        raise DomainError(_l("The name is too long (at most 250 characters)."), field="full_name")
    if values.get("email") and not looks_like_email(values["email"]):
        raise DomainError(_l("This does not look like an email address."), field="email")
    if len(values.get("national_id") or "") > 40:
        raise DomainError(_l("The national identifier is too long."), field="national_id")
    if values.get("organization_id") and db.session.get(
            Organization, values["organization_id"]) is None:
        raise DomainError(_l("Choose an existing organization."), field="organization_id")
    if values.get("region_id") and db.session.get(Region, values["region_id"]) is None:
        raise DomainError(_l("Choose an existing region or district."), field="region_id")


def resolve(person: Person | None) -> Person | None:
    """The record a merged person now lives on (follows the chain of merges)."""
    seen = set()
    while person is not None and person.merged_into_id is not None and person.id not in seen:
        seen.add(person.id)
        person = db.session.get(Person, person.merged_into_id)
    return person


def find_duplicates(*, full_name: str | None = None, national_id: str | None = None,
                    email: str | None = None, organization_id: int | None = None,
                    region_id: int | None = None, exclude_id: int | None = None,
                    limit: int = 10) -> list[Candidate]:
    """People who are probably the person described, strongest evidence first.

    Evidence: the same national identifier; the same email; the same name in matching form
    (case, accents, apostrophes and word order ignored) in the same organization or the same
    region/district. Merged records are never offered.
    """
    national_id, email = clean_national_id(national_id), clean_email(email)
    key = search_key(full_name) if full_name else ""
    conditions = []
    if national_id:
        conditions.append(Person.national_id == national_id)
    if email:
        conditions.append(func.lower(Person.email) == email)
    if key and (organization_id or region_id):
        place = []
        if organization_id:
            place.append(Person.organization_id == organization_id)
        if region_id:
            place.append(Person.region_id == region_id)
        conditions.append((Person.search_name == key) & or_(*place))
    if not conditions:
        return []
    query = select(Person).where(or_(*conditions), Person.merged_into_id.is_(None))
    if exclude_id is not None:
        query = query.where(Person.id != exclude_id)
    candidates = [Candidate(person, _reasons(person, (person.email or "").lower(), national_id,
                                             email, key, organization_id, region_id))
                  for person in db.session.scalars(query.order_by(Person.id).limit(limit))]
    return _strongest_first(candidates)


def _reasons(person: Person, lowered_email: str, national_id, email, key, organization_id,
             region_id) -> list[str]:
    """Why ``person`` is probably the one described (the evidence of ``find_duplicates``), in
    the order national_id, email, name; empty when it is not."""
    reasons = []
    if national_id and person.national_id == national_id:
        reasons.append("national_id")
    if email and lowered_email == email:
        reasons.append("email")
    if key and person.search_name == key and _in_place(person, organization_id, region_id):
        reasons.append("name")
    return reasons


def _in_place(person: Person, organization_id, region_id) -> bool:
    return bool((organization_id and person.organization_id == organization_id)
                or (region_id and person.region_id == region_id))


_EVIDENCE_ORDER = {"national_id": 0, "email": 1, "name": 2}


def _strongest_first(candidates: list[Candidate]) -> list[Candidate]:
    return sorted(candidates, key=lambda c: (min(_EVIDENCE_ORDER[r] for r in c.reasons),
                                             c.person.id))


@dataclass(frozen=True)
class Description:
    """A person as a list describes them, for ``find_duplicates_of_many``."""

    full_name: str | None = None
    national_id: str | None = None
    email: str | None = None
    organization_id: int | None = None
    region_id: int | None = None
    # ``search_key(full_name)`` when the caller has it already (a list computes it per row
    # for its own duplicate check; it is the slowest part of reading a name).
    search_name: str | None = None


# Values per IN (...) list: well under SQLite's 32,766 bound parameters and PostgreSQL's 65,535.
_CHUNK = 2000


def _chunks(values: list) -> list[list]:
    return [values[start:start + _CHUNK] for start in range(0, len(values), _CHUNK)] or []


def find_duplicates_of_many(descriptions: list[Description], *, limit: int = 10
                            ) -> list[list[Candidate]]:
    """``find_duplicates`` for every description of a list at once, in a few statements for
    the whole list (not one per row): the same candidates, in the same order, for each.

    People who could match any description are read in one pass per kind of evidence (the
    national identifiers, the lowered emails - served by the ``lower(email)`` index - and the
    names in matching form), then each description keeps the people whose evidence holds
    for it (``_reasons``, the rule ``find_duplicates`` applies): its lowest ids first, at most
    ``limit``, strongest evidence first. The database lowers the stored emails (SQLite's
    ``lower`` leaves non-ASCII letters as they are), so a match is exactly what the
    one-person query would find.
    """
    wanted = []
    for description in descriptions:
        key = (description.search_name if description.search_name is not None
               else search_key(description.full_name) if description.full_name else "")
        wanted.append((clean_national_id(description.national_id),
                       clean_email(description.email), key,
                       description.organization_id, description.region_id))
    national_ids = sorted({w[0] for w in wanted if w[0]})
    emails = sorted({w[1] for w in wanted if w[1]})
    names = sorted({w[2] for w in wanted if w[2] and (w[3] or w[4])})
    lowered = func.lower(Person.email)
    people: dict[int, tuple[Person, str]] = {}
    conditions = ([Person.national_id.in_(chunk) for chunk in _chunks(national_ids)]
                  + [lowered.in_(chunk) for chunk in _chunks(emails)]
                  + [Person.search_name.in_(chunk) for chunk in _chunks(names)])
    for condition in conditions:
        for person, lowered_email in db.session.execute(
                select(Person, lowered).where(condition, Person.merged_into_id.is_(None))):
            people[person.id] = (person, lowered_email or "")
    # Each person under every value that can make them a candidate, to look up per row.
    by_national_id, by_email, by_name = {}, {}, {}
    for person, lowered_email in people.values():
        if person.national_id:
            by_national_id.setdefault(person.national_id, []).append(person.id)
        if lowered_email:
            by_email.setdefault(lowered_email, []).append(person.id)
        by_name.setdefault(person.search_name, []).append(person.id)
    results = []
    for national_id, email, key, organization_id, region_id in wanted:
        # The conditions of the one-person query, OR-ed as it does.
        ids = set(by_national_id.get(national_id, ()) if national_id else ())
        ids |= set(by_email.get(email, ()) if email else ())
        if key and (organization_id or region_id):
            ids |= {person_id for person_id in by_name.get(key, ())
                    if _in_place(people[person_id][0], organization_id, region_id)}
        # The database said who matches (as the one-person query does); the evidence is then
        # read as ``find_duplicates`` reads it.
        candidates = [Candidate(people[person_id][0], _reasons(
            people[person_id][0], (people[person_id][0].email or "").lower(), national_id,
            email, key, organization_id, region_id)) for person_id in sorted(ids)[:limit]]
        results.append(_strongest_first(candidates))
    return results


def _national_id_taken(national_id: str | None, exclude_id: int | None = None) -> bool:
    if not national_id:
        return False
    query = select(Person.id).where(Person.national_id == national_id)
    if exclude_id is not None:
        query = query.where(Person.id != exclude_id)
    return db.session.scalar(query.limit(1)) is not None


def _new_person(cleaned: dict, added_by, known_key: tuple[str, str] | None = None) -> Person:
    # ``known_key``: (full name, its search key) a caller computed already - used when the
    # name is the one it was computed for.
    key = (known_key[1] if known_key and known_key[0] == cleaned["full_name"]
           else search_key(cleaned["full_name"]))
    person = Person(**cleaned, search_name=key,
                    added_by_id=added_by.id if added_by is not None else None)
    _record_listing_consent(person, cleaned.get("public_listing"))
    return person


def new_person(values: dict, *, added_by, search_name: str | None = None) -> Person:
    """A Person from raw values, cleaned like every other (not added, not checked for
    duplicates): for bulk paths that have checked everything beforehand (the roster import).
    ``search_name``: the name's search key when the caller has computed it already."""
    known = (values["full_name"], search_name) if search_name is not None else None
    return _new_person(_without_consent_unless_office(_clean_values(values), added_by),
                       added_by, known)


def _without_consent_unless_office(values: dict, actor) -> dict:
    """Consent to the public register is recorded by the office only: from anyone else the
    value is ignored, whatever the form sent (the holder's own consent is a later feature)."""
    if "public_listing" in values and not can(actor, "person.public_listing"):
        values = {key: value for key, value in values.items() if key != "public_listing"}
    return values


def override_offered(candidates: list[Candidate]) -> bool:
    """May the one entering the person say "this is a different person" to these candidates?
    Not against a national-identifier hit (that is the same person), nor when they may not
    see a candidate (they cannot tell): then the office registers them."""
    return bool(candidates) and not any(
        candidate.certain or candidate.anonymous for candidate in candidates)


def disclose(candidates: list[Candidate], viewer) -> list[Candidate]:
    """Mark the candidates ``viewer`` may not know as ``anonymous``: people they may not see,
    and - for anyone who does not see national identifiers - every national-identifier hit,
    which would otherwise tell whose identifier it is."""
    visible = visible_among(viewer, [candidate.person.id for candidate in candidates])
    sees_identifiers = can(viewer, "person.view_private")
    for candidate in candidates:
        candidate.anonymous = (visible is not None and candidate.person.id not in visible) or (
            "national_id" in candidate.reasons and not sees_identifiers)
    return candidates


def create_person(values: dict, *, actor, allow_duplicates: bool = False) -> Person:
    """Create a participant from form values (name stored as typed: NFC, trimmed, oʻ/gʻ unified).

    Raises ``DuplicatePerson`` with the likely existing records unless ``allow_duplicates``;
    a record with the same national identifier is refused even then.
    """
    values = _without_consent_unless_office(_clean_values(values), actor)
    _check_values(values)
    candidates = disclose(find_duplicates(**{key: values.get(key) for key in (
        "full_name", "national_id", "email", "organization_id", "region_id")}), actor)
    certain = [candidate for candidate in candidates if candidate.certain]
    if certain:
        raise DuplicatePerson(
            _l("A person with this national identifier is already registered."), certain,
            field="national_id")
    if any(candidate.anonymous for candidate in candidates):
        # Whoever cannot see the record cannot tell it is someone else: the office decides.
        raise DuplicatePerson(
            _l("This person is probably already on file: ask the office to register them."),
            candidates)
    if candidates and not allow_duplicates:
        raise DuplicatePerson(
            _l("This person may already be registered. Choose the existing record, or confirm "
               "that this is a different person."), candidates)
    person = _new_person(values, actor)
    try:
        save_with_audit(actor, "person.create", person, summary=person.full_name)
    except IntegrityError:
        # The caller rolls back on the Conflict.
        # Someone saved the same national identifier a moment ago.
        raise Conflict(_l("A person with this national identifier is already registered."),
                       field="national_id") from None
    return person


def _check_names_seen(person: Person, values: dict, seen: dict, field: str | None) -> None:
    """Refuse to write a name over one someone else saved since ``seen`` was shown: a name
    about to change must still say what was seen (or already say the new value)."""
    for key in NAME_FIELDS:
        if key not in values:
            continue
        current = getattr(person, key) or None
        if current != values[key] and current != (clean_name(seen.get(key)) or None):
            raise Conflict(_l("The person's record was changed meanwhile: it now says "
                              "“%(name)s”. Check the names and send the form again.",
                              name=current or "—"), field=field or key)


def update_person(person: Person, values: dict, *, actor, extra: dict | None = None,
                  seen: dict | None = None, conflict_field: str | None = None) -> Person:
    """Change a participant's details. Keys left out of ``values`` stay as they are (a trainer
    never sees, so never sends, the national identifier). ``extra`` goes into the audit event
    beside the changed fields (why the change was made, where it came from).

    ``seen``: the names (``full_name``, ``latin_name``) the form showed. The row is then
    locked and a name another official saved meanwhile - a re-issue that corrected it, say -
    is not overwritten by a form that still held the old one: a ``Conflict`` says what the
    record says now (on ``conflict_field``, by default the name's own field)."""
    if person.merged_into_id is not None:
        raise DomainError(_l("This record was merged into another one and cannot be changed."))
    values = _without_consent_unless_office(_clean_values(values), actor)
    _check_values(values)
    if seen is not None:
        person = lock_person(person)
        _check_names_seen(person, values, seen, conflict_field)
    if _national_id_taken(values.get("national_id"), exclude_id=person.id):
        raise Conflict(_l("Another person has this national identifier."), field="national_id")
    for key, value in values.items():
        setattr(person, key, value)
    _record_listing_consent(person, values.get("public_listing"))
    person.search_name = search_key(person.full_name)
    try:
        save_with_audit(actor, "person.update", person, summary=person.full_name, extra=extra)
    except IntegrityError:
        raise Conflict(_l("Another person has this national identifier."),
                       field="national_id") from None
    return person


def lock_person(person: Person) -> Person:
    """Lock the person's row for the rest of the transaction and read it again (PostgreSQL:
    SELECT ... FOR NO KEY UPDATE; SQLite: the writing transaction already holds the lock), so
    what another official committed meanwhile is what the caller sees. NO KEY: the names are
    not the key, so rows that merely refer to the person (a new certificate revision, a
    registration) are not held up - and a transaction that inserted such a row and then
    locks the person cannot deadlock with another doing the same."""
    db.session.flush()
    return db.session.scalars(select(Person).where(Person.id == person.id)
                              .with_for_update(key_share=True)
                              .execution_options(populate_existing=True)).one()


NAME_FIELDS = ("full_name", "latin_name")


def correct_names(person: Person, names: dict, *, actor, reason: str,
                  seen: dict | None = None, details: dict | None = None) -> Person:
    """Carry a name correction made elsewhere (a re-issued certificate) onto the person's
    record: ``names`` holds ``full_name`` and/or ``latin_name``; saved through
    ``update_person``, so audited as ``person.update`` with ``reason`` and ``details``.

    The row is locked first. ``seen`` is what the official was shown the record says; when a
    name about to change now says something else - someone edited the record, or another
    correction landed, meanwhile - a ``Conflict`` refuses rather than overwrite that change
    unseen. A record that already says the corrected name is left as it is (no event)."""
    person = lock_person(person)
    wanted = {key: value for key, value in names.items() if key in NAME_FIELDS}
    return update_person(person, wanted, actor=actor, seen=seen,
                         conflict_field="correct_person",
                         extra={"reason": reason, **(details or {})})


def people_query(term: str = "", *, viewer):
    """A ``select(Person)`` of the current (not merged) people ``viewer`` may see, matching
    every word of ``term`` in their name, Latin name, organization or email - ordered by
    name."""
    query = restrict_to_visible(
        select(Person).outerjoin(Person.organization).where(Person.merged_into_id.is_(None)),
        viewer)
    query = query.where(*every_word(term, keys=[key_contains(Person.search_name)],
                                    plain=[Person.latin_name, Organization.name, Person.email]))
    return query.order_by(Person.search_name, Person.id)


def merge_people(source: Person, target: Person, *, actor) -> Person:
    """Merge ``source`` into ``target``: its registrations and certificates move to ``target``,
    details ``target`` lacks are filled from ``source``, and ``source`` stays as a pointer
    (``merged_into``) so that old links still resolve. One audit event records it all.

    Refused when the two have different national identifiers (they are two people), or both
    hold an active registration in the same seminar (cancel one of them first). A cancelled
    registration of ``source`` in a seminar ``target`` is also in is dropped, unless a
    certificate refers to it.
    """
    if source.id == target.id:
        raise DomainError(_l("Choose two different people."), field="target_id")
    if source.merged_into_id is not None or target.merged_into_id is not None:
        raise DomainError(_l("One of these records was already merged into another."),
                          field="target_id")
    if source.national_id and target.national_id and source.national_id != target.national_id:
        raise Conflict(_l("The two records have different national identifiers: they are two "
                          "different people."), field="target_id")

    # Each feature moves its own rows (and may refuse, which rolls the merge back whole).
    details = {"source_id": source.id, "source_name": source.full_name,
               "target_id": target.id}
    details.update(move_registrations(source, target))
    details["certificates_moved"] = move_certificates(source, target)

    filled = []
    national_id = source.national_id
    if national_id and not target.national_id:
        source.national_id = None  # unique: free it before the target takes it
        db.session.flush()
    for key in ("latin_name", "national_id", "email", "phone", "position", "organization_id",
                "region_id"):
        value = national_id if key == "national_id" else getattr(source, key)
        if value and not getattr(target, key):
            setattr(target, key, value)
            filled.append(key)
    details["filled_from_source"] = filled
    source.merged_into_id = target.id
    db.session.flush()
    record(actor, "person.merge", target,
           summary=f"{source.full_name} (#{source.id}) → {target.full_name} (#{target.id})",
           details=details)
    db.session.flush()
    return target


def unprintable_in_name(person: Person) -> list[str]:
    """The characters of the person's names that no certificate font can print (the print
    preflight's rule): worth a warning when the name is entered, long before printing."""
    from registry.certificates.glyphs import unprintable_in_names

    return unprintable_in_names(person.full_name, person.latin_name)


def people_sheet(people, *, private: bool = False):
    """People as a table for export; the national identifier only when ``private``."""
    from registry.spreadsheets import Sheet

    labels = [_l("Full name"), _l("Name in Latin letters"), _l("Organization"), _l("Position"),
              _l("Region or district"), _l("Email"), _l("Phone"),
              _l("Listed in the public register")]
    if private:
        labels.append(_l("National identifier"))
    rows = []
    for person in people:
        row = [person.full_name, person.latin_name,
               person.organization.name if person.organization else None, person.position,
               person.region.label if person.region else None, person.email, person.phone,
               str(_l("yes") if person.public_listing else _l("no"))]
        if private:
            row.append(person.national_id)
        rows.append(row)
    return Sheet(str(_l("People")), [str(label) for label in labels], rows)
