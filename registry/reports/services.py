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
- A trainer sees the same figures restricted to the seminars they are assigned to; a regional
  office (a scoped account, ``registry.auth.scope``) those of the seminars held in its region,
  and the certificates of those seminars.
- The **region** of a training is the seminar's region (where it was held), rolled up the
  region tree to the level shown.
- The **time** breakdown puts a training in the month, quarter or year its seminar started in
  and a certificate in the one it was issued in (two dates: the page says so). It is grouped
  by the finest of month, quarter and year that draws at most ``MAX_COLUMNS`` (24) columns:
  months for a period touching up to 24 months, quarters up to 24 quarters (six years), years
  beyond (the period form allows ten years, so at most eleven columns). People are counted
  once per column, as in a month: someone trained in January and in February is one person
  trained in the first quarter.
"""
from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, timedelta

from babel.dates import format_skeleton
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Integer,
    String,
    and_,
    case,
    cast,
    distinct,
    exists,
    extract,
    func,
    literal_column,
    null,
    or_,
    select,
    text,
    union_all,
)
from sqlalchemy.orm import aliased

from registry.auth.scope import (
    region_condition, scope_region_id, seminar_column_condition, within_scope,
)
from registry.catalog.models import Course, Region, Sector
from registry.catalog.services import region_and_below
from registry.certificates.models import Certificate
from registry.certificates.renewal import not_renewed
from registry.extensions import db
from registry.catalog.models import ORGANIZATION_KINDS, Organization
from registry.reports.cache import kept_until_changed
from registry.people.models import Person
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

    def columns(self, grain: str) -> list[int]:
        """The keys of every month, quarter or year (``grain``) the period touches, in order:
        the same integers ``_time_key`` computes in SQL (year * 100 + month, year * 10 +
        quarter, year)."""
        if grain == "month":
            return [year * 100 + month for year, month in self.months()]
        if grain == "quarter":
            return list(dict.fromkeys(year * 10 + _quarter(month)
                                      for year, month in self.months()))
        return list(range(self.start.year, self.end.year + 1))


PRESETS = {
    "month": _l("This month"),
    "quarter": _l("This quarter"),
    "year": _l("This year"),
    "last_year": _l("Last year"),
    "five_years": _l("Last five years"),
}


def preset_periods(today: date) -> dict[str, Period]:
    """The periods the dashboard offers in one click, as of ``today``: this month, quarter and
    year, last year, and the last five years (this one and the four before it). Each is a
    period as the form would ask for it, so its figures are those of the same dates typed."""
    quarter_start = date(today.year, 3 * (_quarter(today.month) - 1) + 1, 1)
    quarter_end = _month_end(date(today.year, quarter_start.month + 2, 1))
    return {
        "month": Period(today.replace(day=1), _month_end(today)),
        "quarter": Period(quarter_start, quarter_end),
        "year": Period.year_of(today),
        "last_year": Period.year_of(date(today.year - 1, 1, 1)),
        "five_years": Period(date(today.year - 4, 1, 1), date(today.year, 12, 31)),
    }


def _month_end(day: date) -> date:
    # monthrange, not "the first of next month minus a day": December of year 9999 has no
    # next month.
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


TIME_GRAINS = ("month", "quarter", "year")
MAX_COLUMNS = 24


def _quarter(month: int) -> int:
    return (month - 1) // 3 + 1


def time_grain(period: Period) -> str:
    """How the time breakdown of ``period`` is grouped: the finest of month, quarter and year
    that gives at most ``MAX_COLUMNS`` columns (a chart of more cannot be read as a trend, on
    a phone least of all)."""
    for grain in TIME_GRAINS[:-1]:
        if len(period.columns(grain)) <= MAX_COLUMNS:
            return grain
    return TIME_GRAINS[-1]


def _is_trainer(user) -> bool:
    return getattr(user, "role", None) == "trainer"


def _own_seminars(user):
    """The ids of the seminars ``user`` teaches (a subquery)."""
    return select(seminar_trainer.c.seminar_id).where(seminar_trainer.c.user_id == user.id)


def _seen_by(query, user, seminar_id_column, region_column=None):
    """``query`` limited to the seminars ``user`` counts: a trainer's own, a regional office's
    region (on ``region_column`` when the seminar is joined, else through its id)."""
    if _is_trainer(user):
        query = query.where(seminar_id_column.in_(_own_seminars(user)))
    if region_column is not None:
        return within_scope(query, region_condition(user, region_column))
    return within_scope(query, seminar_column_condition(user, seminar_id_column))


def scope_key(user):
    """What the figures ``user`` sees depend on, for the figure cache: a trainer's own
    seminars, a regional office's region, or the whole register."""
    if _is_trainer(user):
        return ("trainer", user.id)
    region_id = scope_region_id(user)
    return ("region", region_id) if region_id is not None else ("all",)


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
    return _seen_by(query, user, Seminar.id, Seminar.region_id)


def _held(period: Period, user, *columns):
    """Seminars held in the period, with ``columns``."""
    query = (select(*columns).select_from(Seminar)
             .where(Seminar.status.in_(HELD_STATUSES),
                    Seminar.start_date.between(period.start, period.end)))
    return _seen_by(query, user, Seminar.id, Seminar.region_id)


_current_revision = aliased(Certificate, name="current_revision")


def _current(column):
    """``column`` of the certificate's current revision, read from its first revision's row.
    Nearly every first revision is current itself; only a re-issued one looks the current
    revision up (a CASE evaluates the lookup for those rows only)."""
    current = (select(getattr(_current_revision, column.key))
               .where(_current_revision.registration_id == Certificate.registration_id,
                      _current_revision.superseded_by_id.is_(None))
               .scalar_subquery())
    return case((Certificate.superseded_by_id.is_(None), column), else_=current)


def _issued(period: Period, user, *columns):
    """Certificates first issued in the period, one row each (their first revision, whose
    ``issued_on`` says when; a re-issue keeps the number and is not a new certificate), with
    ``columns``. Their status is the current revision's: see ``_current``."""
    query = (select(*columns).select_from(Certificate)
             .where(Certificate.revision == 1,
                    Certificate.issued_on.between(period.start, period.end)))
    return _seen_by(query, user, Certificate.seminar_id)


# --- counting: one statement per kind of fact -------------------------------------------
#
# Each kind of fact (trained registrations, issued certificates, held seminars) is selected
# once, as a CTE with a column per dimension, and every breakdown (and the total) is a GROUP BY
# over it, joined by UNION ALL into one statement. PostgreSQL materialises a CTE that is used
# more than once, so the large tables are scanned once per kind, not once per breakdown.

DIMENSIONS = ("region", "sector", "course", "organization_kind", "time")
SEMINAR_DIMENSIONS = ("region", "course", "time")
_PERSON_DIMENSIONS = {"sector", "organization_kind"}
TOTAL = "total"


def _time_key(column, grain: str):
    """The month (year * 100 + month), quarter (year * 10 + quarter) or year of ``column``: one
    integer, the same on SQLite and PostgreSQL (``Period.columns`` lists them)."""
    # Literals, not bound parameters: PostgreSQL must see the same expression in GROUP BY.
    year = extract("year", column)
    if grain == "year":
        return year
    month = extract("month", column)
    if grain == "month":
        return year * literal_column("100") + month
    quarter = case((month <= literal_column("3"), literal_column("1")),
                   (month <= literal_column("6"), literal_column("2")),
                   (month <= literal_column("9"), literal_column("3")),
                   else_=literal_column("4"))
    return year * literal_column("10") + quarter


def _with_person_dimensions(query, person_id_column):
    return (query.join(Person, Person.id == person_id_column)
            .outerjoin(Organization, Organization.id == Person.organization_id))


def _person_columns():
    return [Organization.sector_id.label("sector"), Organization.kind.label("organization_kind")]


def _trained_facts(period, user, dimensions, grain):
    columns = [Registration.person_id.label("person_id"), Seminar.region_id.label("region"),
               Seminar.course_id.label("course"),
               _time_key(Seminar.start_date, grain).label("time")]
    if dimensions & _PERSON_DIMENSIONS:
        return _with_person_dimensions(_trained(period, user, *columns, *_person_columns()),
                                       Registration.person_id)
    return _trained(period, user, *columns)


_issued_seminar = aliased(Seminar, name="issued_seminar")


def _issued_facts(period, user, dimensions, today, grain):
    status, valid_until = _current(Certificate.status), _current(Certificate.valid_until)
    valid = and_(status == "valid", or_(valid_until.is_(None), valid_until >= today))
    columns = [Certificate.id.label("certificate_id"),
               case((valid, 1), else_=0).label("is_valid"),
               case((status == "revoked", 1), else_=0).label("is_revoked"),
               Certificate.course_id.label("course"),
               _time_key(Certificate.issued_on, grain).label("time")]
    query = _issued(period, user, *columns)
    if "region" in dimensions:
        query = query.join(_issued_seminar, _issued_seminar.id == Certificate.seminar_id)
        query = query.add_columns(_issued_seminar.region_id.label("region"))
    if dimensions & _PERSON_DIMENSIONS:
        query = _with_person_dimensions(query.add_columns(*_person_columns()),
                                        Certificate.person_id)
    return query


def _held_facts(period, user, dimensions, grain):
    return _held(period, user, Seminar.id.label("seminar_id"), Seminar.region_id.label("region"),
                 Seminar.course_id.label("course"),
                 _time_key(Seminar.start_date, grain).label("time"))


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


def _grouped(facts, measures, dimensions, *, region_parent_id=None) -> dict:
    """``{dimension: {key: (measure, ...)}}`` and ``{"total": {None: (...)}}`` from one
    statement over ``facts`` (a select with a column per dimension)."""
    facts = facts.cte("facts")
    parts = [select(literal_column("'total'").label("dimension"),
                    cast(null(), Integer).label("int_key"), cast(null(), String).label("text_key"),
                    *measures(facts)).select_from(facts)]
    for dimension in dimensions:
        source = facts
        key = facts.c[dimension]
        if dimension == "region":
            level = _region_level(region_parent_id)
            join = level.c.region_id == facts.c.region
            source = (facts.outerjoin(level, join) if region_parent_id is None
                      else facts.join(level, join))
            key = level.c.shown_id
        textual = dimension == "organization_kind"
        parts.append(
            select(literal_column(f"'{dimension}'").label("dimension"),
                   cast(null() if textual else key, Integer).label("int_key"),
                   cast(key if textual else null(), String).label("text_key"),
                   *measures(facts)).select_from(source).group_by(key))
    result: dict[str, dict] = {dimension: {} for dimension in (*dimensions, TOTAL)}
    for dimension, int_key, text_key, *values in db.session.execute(union_all(*parts)):
        key = text_key if dimension == "organization_kind" else int_key
        result[dimension][key] = tuple(int(value or 0) for value in values)
    return result


def _without_jit() -> None:
    """PostgreSQL's JIT compiler judges these statements expensive (hundreds of thousands of
    rows) and spends longer compiling them (~0.5 s measured) than running them (~0.1 s): switch
    it off for the rest of this transaction only."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL jit = off"))


def _count_all(period, user, dimensions, *, region_parent_id=None, today=None) -> dict:
    """``count_all_directly``'s counts, kept per period until the register changes
    (``registry.reports.cache``)."""
    today = today or date.today()
    key = (scope_key(user), period.start, period.end, tuple(dimensions), region_parent_id, today)
    return kept_until_changed(key, lambda: count_all_directly(
        period, user, dimensions, region_parent_id=region_parent_id, today=today))


def count_all_directly(period, user, dimensions, *, region_parent_id=None,
                       today=None) -> dict:
    """Everything the dashboard shows, in three statements: ``{"trained"|"issued"|"held":
    {dimension or "total": {key: (counts...)}}}``; the time dimension grouped as
    ``time_grain(period)`` says. Counted now, from the tables."""
    today = today or date.today()
    _without_jit()
    wanted = set(dimensions)
    grain = time_grain(period)
    trained = _grouped(_trained_facts(period, user, wanted, grain),
                       lambda f: [func.count(distinct(f.c.person_id))], dimensions,
                       region_parent_id=region_parent_id)
    issued = _grouped(_issued_facts(period, user, wanted, today, grain),
                      lambda f: [func.count(f.c.certificate_id), func.sum(f.c.is_valid),
                                 func.sum(f.c.is_revoked)], dimensions,
                      region_parent_id=region_parent_id)
    seminar_dimensions = [d for d in dimensions if d in SEMINAR_DIMENSIONS]
    held = _grouped(_held_facts(period, user, wanted, grain), lambda f: [func.count(f.c.seminar_id)],
                    seminar_dimensions, region_parent_id=region_parent_id)
    return {"trained": trained, "issued": issued, "held": held}


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


def _figures(counts) -> Figures:
    trained = counts["trained"][TOTAL].get(None, (0,))
    issued = counts["issued"][TOTAL].get(None, (0, 0, 0))
    held = counts["held"][TOTAL].get(None, (0,))
    return Figures(people_trained=trained[0], seminars_held=held[0],
                   certificates_issued=issued[0], certificates_valid=issued[1],
                   certificates_revoked=issued[2])


def figures(period: Period, user, *, today: date | None = None) -> Figures:
    """The dashboard's headline numbers for ``period`` as ``user`` may see them: people
    trained, seminars held, certificates issued and, of those, currently valid and revoked
    (on ``today``)."""
    return _figures(_count_all(period, user, (), today=today))


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
    grain: str | None = None  # the time breakdown's: "month", "quarter" or "year"

    @property
    def empty(self) -> bool:
        return not any(row.people_trained or row.certificates_issued or row.seminars_held
                       for row in self.rows)

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


ORGANIZATION_KIND_LABELS = {
    "ministry": _l("Ministry"),
    "agency": _l("Agency"),
    "enterprise": _l("Enterprise"),
    "local_administration": _l("Local administration"),
    "other": _l("Other"),
}
assert set(ORGANIZATION_KIND_LABELS) == set(ORGANIZATION_KINDS)

BREAKDOWNS = {
    "region": (_l("By region"), _l("Region")),
    "sector": (_l("By sector"), _l("Sector")),
    "course": (_l("By course"), _l("Course")),
    "organization_kind": (_l("By kind of organization"), _l("Kind of organization")),
    "time": (_l("By month"), _l("Month")),  # or by quarter, by year: see TIME_BREAKDOWNS
}
assert tuple(BREAKDOWNS) == DIMENSIONS
TIME_BREAKDOWNS = {
    "month": BREAKDOWNS["time"],
    "quarter": (_l("By quarter"), _l("Quarter")),
    "year": (_l("By year"), _l("Year")),
}
assert tuple(TIME_BREAKDOWNS) == TIME_GRAINS


def _quarter_label(year: int, quarter: int) -> str:
    # A message per quarter, so that each language writes quarters its own way ("I кв. 2023",
    # "Quý I/2023") - Roman numerals included - and not only "Q1 2023".
    return str((_l("Q1 %(year)s", year=year), _l("Q2 %(year)s", year=year),
                _l("Q3 %(year)s", year=year), _l("Q4 %(year)s", year=year))[quarter - 1])


def time_labels(period: Period, grain: str) -> dict[int, str]:
    """Every column of the time breakdown of ``period`` (see ``Period.columns``) with its label
    in the page's language: a month as the language writes a month and year (the standalone
    form: "май 2022 г.", not the genitive "мая"), a quarter from its message, a year as it is."""
    labels = {}
    for key in period.columns(grain):
        if grain == "month":
            labels[key] = format_skeleton("yMMM", date(key // 100, key % 100, 1),
                                          locale=get_locale())
        elif grain == "quarter":
            labels[key] = _quarter_label(key // 10, key % 10)
        else:
            labels[key] = str(key)  # not a number format: no "2,023"
    return labels


def _labelled(keys, model) -> dict:
    """Each record's label in the page's language (``registry.localized``), by id."""
    keys = [key for key in keys if key is not None]
    if not keys:
        return {}
    return {record.id: record.label
            for record in db.session.scalars(select(model).where(model.id.in_(keys)))}


def _rows(name, counts, period, parent_id) -> list[Row]:
    trained = counts["trained"][name]
    issued = counts["issued"][name]
    held = counts["held"].get(name, {})
    keys = set(trained) | set(issued) | set(held)
    if name == "time":
        labels = time_labels(period, time_grain(period))
        keys |= set(labels)  # every column of the period, the quiet ones too
    elif name == "region":
        labels = _labelled(keys, Region)
    elif name == "sector":
        labels = _labelled(keys, Sector)
    elif name == "course":
        labels = _labelled(keys, Course)
    else:
        labels = ORGANIZATION_KIND_LABELS
    rows = [Row(key=key, label=labels.get(key, NOT_SPECIFIED) if key is not None else NOT_SPECIFIED,
                people_trained=trained.get(key, (0,))[0],
                certificates_issued=issued.get(key, (0,))[0],
                seminars_held=held.get(key, (0,))[0])
            for key in keys]
    if name == "time":
        return sorted(rows, key=lambda row: row.key)
    if name == "region":
        with_children = set(db.session.scalars(
            select(Region.parent_id).where(Region.parent_id.in_([k for k in keys if k]))
            .distinct()))
        for row in rows:
            if parent_id is not None and row.key == parent_id:
                row.label = _l("%(name)s (not in a district)", name=labels.get(row.key, ""))
            elif row.key in with_children:
                row.drill = row.key
    # Largest first; "not specified" last; ties by name.
    return sorted(rows, key=lambda row: (row.key is None, -row.people_trained,
                                         -row.certificates_issued, str(row.label).casefold()))


def _breakdown(name, counts, period, parent) -> Breakdown:
    grain = time_grain(period) if name == "time" else None
    title, dimension = TIME_BREAKDOWNS[grain] if grain else BREAKDOWNS[name]
    trail, node = [], parent
    while node is not None:
        trail.insert(0, node)
        node = node.parent
    return Breakdown(name=name, title=title, dimension=dimension,
                     rows=_rows(name, counts, period, parent.id if parent else None),
                     has_seminars=name in SEMINAR_DIMENSIONS,
                     parent=parent if name == "region" else None,
                     trail=trail if name == "region" else [], grain=grain)


@dataclass
class Dashboard:
    figures: Figures
    breakdowns: list[Breakdown]


def dashboard(period: Period, user, *, region_id: int | None = None,
              today: date | None = None) -> Dashboard:
    """The headline figures and every breakdown for ``period`` as ``user`` may see them (see
    the module docstring for what counts). ``region_id`` opens the region breakdown to the
    districts of that region."""
    parent = db.session.get(Region, region_id) if region_id is not None else None
    counts = _count_all(period, user, DIMENSIONS, region_parent_id=parent.id if parent else None,
                        today=today)
    return Dashboard(figures=_figures(counts),
                     breakdowns=[_breakdown(name, counts, period, parent) for name in DIMENSIONS])


def breakdown(name: str, period: Period, user, *, region_id: int | None = None) -> Breakdown:
    """One breakdown (for its download): people trained, certificates issued and, where the
    dimension belongs to the seminar, seminars held."""
    parent = None
    if name == "region" and region_id is not None:
        parent = db.session.get(Region, region_id)
    counts = _count_all(period, user, (name,), region_parent_id=parent.id if parent else None)
    return _breakdown(name, counts, period, parent)


# --- expiring certificates ---------------------------------------------------------------

def expiring_certificates(within: int, *, today: date | None = None, region_id: int | None = None,
                          organization_id: int | None = None, course_id: int | None = None,
                          viewer=None):
    """A query of the current certificates (not superseded, not revoked) whose validity ends in
    the next ``within`` days (today included) and not renewed yet, soonest first. ``region_id`` keeps those of
    seminars held in that region or below it; a scoped ``viewer`` sees its region's only."""
    today = today or date.today()
    query = (select(Certificate)
             .where(Certificate.superseded_by_id.is_(None),
                    Certificate.status != "revoked",
                    Certificate.valid_until.between(today, today + timedelta(days=within)),
                    not_renewed()))
    if course_id is not None:
        query = query.where(Certificate.course_id == course_id)
    if organization_id is not None:
        query = query.where(Certificate.person_id.in_(
            select(Person.id).where(Person.organization_id == organization_id)))
    if region_id is not None:
        query = query.where(Certificate.seminar_id.in_(
            select(Seminar.id).where(Seminar.region_id.in_(region_and_below(region_id)))))
    query = within_scope(query, seminar_column_condition(viewer, Certificate.seminar_id))
    return query.order_by(Certificate.valid_until, Certificate.number, Certificate.id)


def expiring_organizations(within: int, *, today: date | None = None,
                           viewer=None) -> list[tuple[int, str]]:
    """The organizations that have a certificate expiring in the window (for the filter)."""
    ids = (expiring_certificates(within, today=today, viewer=viewer).order_by(None)
           .with_only_columns(Certificate.person_id))
    return list(db.session.execute(
        select(Organization.id, Organization.name)
        .where(Organization.id.in_(select(Person.organization_id).where(Person.id.in_(ids))))
        .order_by(Organization.name)))
