"""Report figures: the dashboard's headline numbers, its breakdowns, expiring certificates.

Every figure is one SQL aggregate (GROUP BY, COUNT DISTINCT) so that the dashboard costs the
same handful of queries on a register of a hundred people or of a million registrations;
Python only formats the few grouped rows that come back.

The rules, kept here and nowhere else:

- A seminar is **held** in a period when it started in it (``start_date``) and it ran
  (status ``in_progress`` or ``completed``).
- A person is **trained** in a period when they hold a seat (registration ``registered``)
  in a seminar held in the period and were marked present on at least one of its days.
- A certificate counts as **issued** in a period when its first revision's ``issued_on`` falls
  in it; a re-issue corrects a certificate, it does not add one. Its status is that of its
  current revision (the one not superseded): **valid** (and not expired on the day asked),
  **revoked**, or neither (suspended, expired).
- A trainer sees the same figures restricted to the seminars they are assigned to.
- The **region** of a training is the seminar's region (where it was held), rolled up the
  region tree to the level shown.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, distinct, exists, extract, func, literal_column, or_, select
from sqlalchemy.orm import aliased

from registry.catalog.models import Course, Region, Sector
from registry.certificates.models import Certificate
from registry.extensions import db
from registry.people.models import ORGANIZATION_KINDS, Organization, Person
from registry.seminars.models import Attendance, Registration, Seminar, seminar_trainer

HELD_STATUSES = ("in_progress", "completed")
EXPIRY_WINDOWS = (30, 90, 180)


@dataclass(frozen=True)
class Period:
    """An inclusive range of days."""

    start: date
    end: date

    @classmethod
    def year_of(cls, day: date) -> Period:
        return cls(date(day.year, 1, 1), date(day.year, 12, 31))

    def months(self) -> list[tuple[int, int]]:
        """Every (year, month) the period touches, in order."""
        months, year, month = [], self.start.year, self.start.month
        while (year, month) <= (self.end.year, self.end.month):
            months.append((year, month))
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return months


def _is_trainer(user) -> bool:
    return getattr(user, "role", None) == "trainer"


def _own_seminars(user):
    """The ids of the seminars ``user`` teaches (a subquery)."""
    return select(seminar_trainer.c.seminar_id).where(seminar_trainer.c.user_id == user.id)


# --- the three kinds of facts ------------------------------------------------------------

def _trained(period: Period, user, *columns):
    """Registrations that count as training (see the module docstring), with ``columns``."""
    present = exists().where(Attendance.registration_id == Registration.id,
                             Attendance.present.is_(True))
    query = (select(*columns).select_from(Registration)
             .join(Seminar, Seminar.id == Registration.seminar_id)
             .where(Registration.status == "registered",
                    Seminar.status.in_(HELD_STATUSES),
                    Seminar.start_date.between(period.start, period.end),
                    present))
    if _is_trainer(user):
        query = query.where(Seminar.id.in_(_own_seminars(user)))
    return query


def _held(period: Period, user, *columns):
    """Seminars held in the period, with ``columns``."""
    query = (select(*columns).select_from(Seminar)
             .where(Seminar.status.in_(HELD_STATUSES),
                    Seminar.start_date.between(period.start, period.end)))
    if _is_trainer(user):
        query = query.where(Seminar.id.in_(_own_seminars(user)))
    return query


_first_revision = aliased(Certificate, name="first_revision")


def _issued(period: Period, user, *columns):
    """Current revisions of the certificates first issued in the period, with ``columns``."""
    query = (select(*columns).select_from(Certificate)
             .join(_first_revision, and_(_first_revision.prefix == Certificate.prefix,
                                         _first_revision.year == Certificate.year,
                                         _first_revision.serial == Certificate.serial,
                                         _first_revision.revision == 1))
             .where(Certificate.superseded_by_id.is_(None),
                    _first_revision.issued_on.between(period.start, period.end)))
    if _is_trainer(user):
        query = query.where(Certificate.seminar_id.in_(_own_seminars(user)))
    return query


# --- headline figures --------------------------------------------------------------------

@dataclass
class Figures:
    people_trained: int = 0
    seminars_held: int = 0
    certificates_issued: int = 0
    certificates_valid: int = 0
    certificates_revoked: int = 0

    @property
    def empty(self) -> bool:
        return not (self.people_trained or self.seminars_held or self.certificates_issued)


def figures(period: Period, user, *, today: date | None = None) -> Figures:
    """The dashboard's headline numbers for ``period`` as ``user`` may see them: people
    trained, seminars held, certificates issued and, of those, currently valid and revoked
    (on ``today``)."""
    today = today or date.today()
    people = db.session.scalar(_trained(period, user, func.count(distinct(Registration.person_id))))
    seminars = db.session.scalar(_held(period, user, func.count(Seminar.id)))
    valid = and_(Certificate.status == "valid",
                 or_(Certificate.valid_until.is_(None), Certificate.valid_until >= today))
    issued, current, revoked = db.session.execute(_issued(
        period, user, func.count(Certificate.id),
        func.coalesce(func.sum(case((valid, 1), else_=0)), 0),
        func.coalesce(func.sum(case((Certificate.status == "revoked", 1), else_=0)), 0),
    )).one()
    return Figures(people_trained=people or 0, seminars_held=seminars or 0,
                   certificates_issued=issued or 0, certificates_valid=int(current or 0),
                   certificates_revoked=int(revoked or 0))


# --- breakdowns --------------------------------------------------------------------------

NOT_SPECIFIED = _l("Not specified")


@dataclass
class Row:
    key: object
    label: str
    people_trained: int = 0
    certificates_issued: int = 0
    seminars_held: int = 0
    drill: int | None = None  # a region that can be opened to its districts


@dataclass
class Breakdown:
    name: str
    title: str
    dimension: str  # the heading of the first column
    rows: list[Row]
    has_seminars: bool
    parent: Region | None = None
    trail: list[Region] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not any(row.people_trained or row.certificates_issued or row.seminars_held
                       for row in self.rows)

    @property
    def max_value(self) -> int:
        return max((row.people_trained for row in self.rows), default=0)

    def table(self) -> tuple[list[str], list[list]]:
        """Headers and rows as shown (and exported)."""
        headers = [str(self.dimension), str(_l("People trained")),
                   str(_l("Certificates issued"))]
        if self.has_seminars:
            headers.append(str(_l("Seminars held")))
        rows = []
        for row in self.rows:
            values = [str(row.label), row.people_trained, row.certificates_issued]
            if self.has_seminars:
                values.append(row.seminars_held)
            rows.append(values)
        return headers, rows


def _region_level(parent_id: int | None):
    """``(region_id, shown_id)`` for every region: the ancestor-or-self shown at the level below
    ``parent_id`` (the top level when ``None``). Under a parent, the parent itself is also
    shown (for what is recorded on the region and not on one of its districts)."""
    base = select(Region.id.label("region_id"), Region.id.label("ancestor_id"),
                  Region.parent_id.label("ancestor_parent_id"))
    closure = base.cte("region_closure", recursive=True)
    upper = aliased(Region)
    closure = closure.union_all(
        select(closure.c.region_id, upper.id, upper.parent_id)
        .join(upper, upper.id == closure.c.ancestor_parent_id))
    if parent_id is None:
        level = closure.c.ancestor_parent_id.is_(None)
    else:
        level = or_(closure.c.ancestor_parent_id == parent_id,
                    and_(closure.c.ancestor_id == parent_id, closure.c.region_id == parent_id))
    return (select(closure.c.region_id, closure.c.ancestor_id.label("shown_id"))
            .where(level).subquery("region_level"))


def _group(query, key):
    return {value: count for value, count in db.session.execute(query.group_by(key))}


def _labelled(keys, model, label_column) -> dict:
    keys = [key for key in keys if key is not None]
    if not keys:
        return {}
    return dict(db.session.execute(select(model.id, label_column).where(model.id.in_(keys))).all())


def _rows(counts: dict[str, dict], labels: dict, *, order_by_key=False) -> list[Row]:
    keys = set(counts["trained"]) | set(counts["issued"]) | set(counts.get("held", {}))
    rows = [Row(key=key, label=labels.get(key, NOT_SPECIFIED) if key is not None else NOT_SPECIFIED,
                people_trained=counts["trained"].get(key, 0),
                certificates_issued=counts["issued"].get(key, 0),
                seminars_held=counts.get("held", {}).get(key, 0))
            for key in keys]
    if order_by_key:
        return sorted(rows, key=lambda row: row.key)
    # Largest first; "not specified" last; ties by name.
    return sorted(rows, key=lambda row: (row.key is None, -row.people_trained,
                                         -row.certificates_issued, str(row.label).casefold()))


def _by_region(period, user, parent_id=None) -> list[Row]:
    def counts(query_of, region_column, measure):
        level = _region_level(parent_id)
        join = level.c.region_id == region_column
        query = query_of(period, user, level.c.shown_id, measure)
        query = (query.outerjoin(level, join) if parent_id is None else query.join(level, join))
        return _group(query, level.c.shown_id)

    trained = counts(_trained, Seminar.region_id, func.count(distinct(Registration.person_id)))
    held = counts(_held, Seminar.region_id, func.count(Seminar.id))
    issued_seminar = aliased(Seminar)

    def issued_query(period_, user_, *columns):
        return _issued(period_, user_, *columns).join(
            issued_seminar, issued_seminar.id == Certificate.seminar_id)

    issued = counts(issued_query, issued_seminar.region_id, func.count(Certificate.id))
    data = {"trained": trained, "issued": issued, "held": held}
    keys = set(trained) | set(issued) | set(held)
    labels = _labelled(keys, Region, Region.name)
    with_children = set(db.session.scalars(
        select(Region.parent_id).where(Region.parent_id.in_([k for k in keys if k is not None]))
        .distinct()))
    rows = _rows(data, labels)
    for row in rows:
        if parent_id is not None and row.key == parent_id:
            row.label = _l("%(name)s (not in a district)", name=labels.get(row.key, ""))
        elif row.key in with_children:
            row.drill = row.key
    return rows


def _person_dimension(period, user, key_of):
    """Counts by a property of the participant's organization (trained and issued)."""
    trained_query = (_trained(period, user, key_of(), func.count(distinct(Registration.person_id)))
                     .join(Person, Person.id == Registration.person_id)
                     .outerjoin(Organization, Organization.id == Person.organization_id))
    issued_query = (_issued(period, user, key_of(), func.count(Certificate.id))
                    .join(Person, Person.id == Certificate.person_id)
                    .outerjoin(Organization, Organization.id == Person.organization_id))
    return {"trained": _group(trained_query, key_of()), "issued": _group(issued_query, key_of())}


def _by_sector(period, user) -> list[Row]:
    data = _person_dimension(period, user, lambda: Organization.sector_id)
    keys = set(data["trained"]) | set(data["issued"])
    return _rows(data, _labelled(keys, Sector, Sector.name))


ORGANIZATION_KIND_LABELS = {
    "ministry": _l("Ministry"),
    "agency": _l("Agency"),
    "enterprise": _l("Enterprise"),
    "local_administration": _l("Local administration"),
    "other": _l("Other"),
}
assert set(ORGANIZATION_KIND_LABELS) == set(ORGANIZATION_KINDS)


def _by_organization_kind(period, user) -> list[Row]:
    data = _person_dimension(period, user, lambda: Organization.kind)
    return _rows(data, ORGANIZATION_KIND_LABELS)


def _by_course(period, user) -> list[Row]:
    data = {
        "trained": _group(_trained(period, user, Seminar.course_id,
                                   func.count(distinct(Registration.person_id))),
                          Seminar.course_id),
        "issued": _group(_issued(period, user, Certificate.course_id,
                                 func.count(Certificate.id)), Certificate.course_id),
        "held": _group(_held(period, user, Seminar.course_id, func.count(Seminar.id)),
                       Seminar.course_id),
    }
    keys = set(data["trained"]) | set(data["issued"]) | set(data["held"])
    return _rows(data, _labelled(keys, Course, Course.title))


def _month_key(column):
    # Year * 100 + month: one integer, the same on SQLite and PostgreSQL.
    # (A literal, not a bound parameter: PostgreSQL must see the same expression in GROUP BY.)
    return extract("year", column) * literal_column("100") + extract("month", column)


def _by_month(period, user) -> list[Row]:
    from flask_babel import format_date

    seminar_month = _month_key(Seminar.start_date)
    issued_month = _month_key(_first_revision.issued_on)
    data = {
        "trained": _group(_trained(period, user, seminar_month,
                                   func.count(distinct(Registration.person_id))), seminar_month),
        "issued": _group(_issued(period, user, issued_month, func.count(Certificate.id)),
                         issued_month),
        "held": _group(_held(period, user, seminar_month, func.count(Seminar.id)),
                       seminar_month),
    }
    data = {kind: {int(key): value for key, value in values.items()}
            for kind, values in data.items()}
    labels = {year * 100 + month: format_date(date(year, month, 1), "MMM y")
              for year, month in period.months()}
    rows = _rows(data, labels, order_by_key=True)
    present = {row.key for row in rows}
    rows += [Row(key=key, label=label) for key, label in labels.items() if key not in present]
    return sorted(rows, key=lambda row: row.key)


BREAKDOWNS = {
    "region": (_l("By region"), _l("Region"), True),
    "sector": (_l("By sector"), _l("Sector"), False),
    "course": (_l("By course"), _l("Course"), True),
    "organization_kind": (_l("By kind of organization"), _l("Kind of organization"), False),
    "month": (_l("By month"), _l("Month"), True),
}


def breakdown(name: str, period: Period, user, *, region_id: int | None = None) -> Breakdown:
    """One breakdown of people trained, certificates issued (and seminars held, where the
    dimension belongs to the seminar) for ``period`` as ``user`` may see it. ``region_id``
    opens the region breakdown to the districts of that region."""
    title, dimension, has_seminars = BREAKDOWNS[name]
    parent, trail = None, []
    if name == "region":
        if region_id is not None:
            parent = db.session.get(Region, region_id)
        rows = _by_region(period, user, parent.id if parent else None)
        node = parent
        while node is not None:
            trail.insert(0, node)
            node = node.parent
    else:
        rows = {"sector": _by_sector, "course": _by_course,
                "organization_kind": _by_organization_kind, "month": _by_month}[name](period, user)
    return Breakdown(name=name, title=title, dimension=dimension, rows=rows,
                     has_seminars=has_seminars, parent=parent, trail=trail)


def breakdowns(period: Period, user, *, region_id: int | None = None) -> list[Breakdown]:
    """Every breakdown, in the order the dashboard shows them."""
    return [breakdown(name, period, user, region_id=region_id if name == "region" else None)
            for name in BREAKDOWNS]


# --- expiring certificates ---------------------------------------------------------------

def expiring_certificates(within: int, *, today: date | None = None, region_id: int | None = None,
                          organization_id: int | None = None, course_id: int | None = None):
    """A query of the current certificates (not superseded, not revoked) whose validity ends in
    the next ``within`` days (today included), soonest first. ``region_id`` keeps those of
    seminars held in that region or below it."""
    today = today or date.today()
    query = (select(Certificate)
             .where(Certificate.superseded_by_id.is_(None),
                    Certificate.status != "revoked",
                    Certificate.valid_until.between(today, today + timedelta(days=within))))
    if course_id is not None:
        query = query.where(Certificate.course_id == course_id)
    if organization_id is not None:
        query = query.where(Certificate.person_id.in_(
            select(Person.id).where(Person.organization_id == organization_id)))
    if region_id is not None:
        level = _region_level(region_id)
        query = query.where(Certificate.seminar_id.in_(
            select(Seminar.id).join(level, level.c.region_id == Seminar.region_id)))
    return query.order_by(Certificate.valid_until, Certificate.number, Certificate.id)


def expiring_organizations(within: int, *, today: date | None = None) -> list[tuple[int, str]]:
    """The organizations that have a certificate expiring in the window (for the filter)."""
    ids = (expiring_certificates(within, today=today).order_by(None)
           .with_only_columns(Certificate.person_id))
    return list(db.session.execute(
        select(Organization.id, Organization.name)
        .where(Organization.id.in_(select(Person.organization_id).where(Person.id.in_(ids))))
        .order_by(Organization.name)))
